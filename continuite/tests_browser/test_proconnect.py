"""Agents log in through ProConnect: a real OpenID Connect provider started by the test.

The provider is panva's certified oidc-provider, run with node on a free port (its packages are
installed by `npm ci` from the committed lockfile when missing). Its development login form takes
any login: the login typed is the email the provider vouches for.
"""

import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from continuite.accounts.models import User
from continuite.accounts.tests.factories import RoleFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("reference_data"),
    pytest.mark.xdist_group("proconnect"),  # one process installs and runs the provider
]

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
CLIENT_ID = "continuite-tests"
CLIENT_SECRET = "a-client-secret-for-the-browser-tests"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_provider(live_server, attempts: int = 3):
    """The provider's process and issuer, once it says it listens.

    The free port is probed then released before node binds it, so another process of the
    suite (a live server) may take it in between: then node exits at once, and the provider is
    started again on another port. What it printed on its last failure is in the error.
    """
    errors = b""
    for _ in range(attempts):
        port = free_port()
        # A file, not a pipe (a chatty provider would block on a full pipe); node keeps its own
        # descriptor once this one is closed.
        with tempfile.TemporaryFile() as log:
            process = subprocess.Popen(
                [
                    shutil.which("node") or "node",
                    "provider.mjs",
                    str(port),
                    f"{live_server.url}/compte/proconnect/callback/",
                    f"{live_server.url}/",
                    CLIENT_ID,
                    CLIENT_SECRET,
                ],
                cwd=PROVIDER_DIR,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
            if process.stdout.readline().startswith("listening"):
                return process, f"http://127.0.0.1:{port}"
            process.kill()
            process.wait(timeout=10)
            log.seek(0)
            errors = log.read()
    raise AssertionError(f"the provider did not start: {errors[-2000:].decode(errors='replace')}")


@pytest.fixture
def proconnect(live_server, settings):
    """The provider, running, and the site configured to use it (the local second factor on)."""
    if not (PROVIDER_DIR / "node_modules").exists():
        subprocess.run(
            [shutil.which("npm") or "npm", "ci", "--no-audit", "--no-fund"],
            cwd=PROVIDER_DIR,
            check=True,
            capture_output=True,
        )
    process, issuer = start_provider(live_server)
    try:
        settings.PROCONNECT_ENABLED = True
        settings.AUTHENTICATION_BACKENDS = [
            *settings.AUTHENTICATION_BACKENDS,
            "continuite.accounts.proconnect.ProConnectBackend",
        ]
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{issuer}/auth"
        settings.OIDC_OP_TOKEN_ENDPOINT = f"{issuer}/token"
        settings.OIDC_OP_USER_ENDPOINT = f"{issuer}/me"
        settings.OIDC_OP_JWKS_ENDPOINT = f"{issuer}/jwks"
        settings.PROCONNECT_LOGOUT_ENDPOINT = f"{issuer}/session/end"
        settings.OIDC_RP_SCOPES = "openid email"
        settings.OIDC_AUTH_REQUEST_EXTRA_PARAMS = {}
        settings.OTP_REQUIRED_FOR_MANAGERS = True
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


def proconnect_login(page, email: str) -> None:
    page.goto("/compte/connexion/")
    page.locator("#proconnect a", has_text="S'identifier avec ProConnect").click()
    # The provider's own pages: its login form, then the consent to share the email.
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill("anything")
    page.locator("button[type=submit]").click()
    page.locator("button[type=submit]", has_text="Continue").click()


def test_a_site_manager_logs_in_and_out_through_proconnect(page, proconnect, live_server):
    manager = UserFactory(email="Camille.Martin@example.gouv.fr")
    RoleFactory(user=manager)

    proconnect_login(page, "camille.martin@example.gouv.fr")

    page.wait_for_url("**/espace-agent/")
    expect(page.locator("header")).to_contain_text(manager.username)
    # Logging out also ends the session at the provider, then comes back to the site.
    page.locator("header form button", has_text="Se déconnecter").click()
    page.locator("button", has_text="Yes, sign me out").click()
    page.wait_for_url(f"{live_server.url}/?state=*")
    expect(page.locator("header")).not_to_contain_text(manager.username)
    page.goto("/espace-agent/")
    page.wait_for_url("**/compte/connexion/**")


def test_an_unknown_email_is_refused_and_gets_no_account(page, proconnect):
    accounts = User.objects.count()

    proconnect_login(page, "inconnu@example.gouv.fr")

    page.wait_for_url("**/compte/connexion/")
    expect(page.locator(".fr-alert--error")).to_contain_text(
        "aucun compte d'agent actif n'utilise cette adresse"
    )
    assert User.objects.count() == accounts
