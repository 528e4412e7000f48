"""ProConnect (OpenID Connect) login for agents, through mozilla-django-oidc.

An agent is matched to their existing account by the email the provider vouches for; nobody
unknown gets an account, let alone a role: they are told to ask their manager for one.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY
from django.shortcuts import resolve_url
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .middleware import PROCONNECT_BACKEND


def enabled() -> bool:
    return settings.PROCONNECT_ENABLED


class ProConnectBackend(OIDCAuthenticationBackend):
    """Log in the active agent whose email is the one ProConnect verified; create nobody."""

    def get_userinfo(self, access_token, id_token, payload):
        # ProConnect answers the userinfo request with a signed JWT, not plain JSON.
        import requests

        response = requests.get(
            self.OIDC_OP_USER_ENDPOINT,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=settings.OIDC_TIMEOUT,
        )
        response.raise_for_status()
        if response.headers.get("Content-Type", "").startswith("application/jwt"):
            return self.verify_token(response.text)
        return response.json()

    def verify_claims(self, claims):
        return bool(claims.get("email")) and claims.get("email_verified", True) is not False

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(email__iexact=claims["email"].strip(), is_active=True)

    def get_or_create_user(self, access_token, id_token, payload):
        user = None
        try:
            user = super().get_or_create_user(access_token, id_token, payload)
        finally:
            if user is None:
                messages.error(
                    self.request,
                    _(
                        "ProConnect recognised you, but no active agent account uses this email "
                        "address here. Ask your manager to invite you with this address."
                    ),
                )
        return user

    def create_user(self, claims):  # never called: OIDC_CREATE_USER is False
        raise AssertionError("ProConnect never creates accounts")


def logout_url(request) -> str:
    """Where logging out leads: through ProConnect's logout when the agent came by it."""
    after = request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL))
    id_token = request.session.get("oidc_id_token")
    if (
        request.session.get(BACKEND_SESSION_KEY) != PROCONNECT_BACKEND
        or not settings.PROCONNECT_LOGOUT_ENDPOINT
        or not id_token
    ):
        return after
    query = urlencode(
        {
            "id_token_hint": id_token,
            "state": get_random_string(32),
            "post_logout_redirect_uri": after,
        }
    )
    return f"{settings.PROCONNECT_LOGOUT_ENDPOINT}?{query}"
