// A real OpenID Connect provider (panva/oidc-provider, certified) standing in for ProConnect in
// the browser tests. Its development login form accepts any login: the login typed is the
// account's email, vouched for as verified. Like ProConnect, it signs the userinfo answer.
//   node provider.mjs PORT REDIRECT_URI POST_LOGOUT_REDIRECT_URI CLIENT_ID CLIENT_SECRET
import Provider from "oidc-provider";

const [port, redirectUri, postLogoutUri, clientId, clientSecret] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [postLogoutUri],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_post",
      // Like ProConnect: the userinfo answer is a signed JWT, not plain JSON.
      userinfo_signed_response_alg: "RS256",
    },
  ],
  claims: { openid: ["sub"], email: ["email", "email_verified"] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: id, email_verified: true };
      },
    };
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    jwtUserinfo: { enabled: true },
  },
  pkce: { required: () => false },
  cookies: { keys: ["continuite-browser-tests"] },
});

const server = provider.listen(Number(port), "127.0.0.1", () => {
  console.log(`listening on ${issuer}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
