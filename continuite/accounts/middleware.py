"""Agents' sessions: a second factor for managers, an idle timeout and an absolute lifetime."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

SESSION_STARTED_KEY = "continuite_session_started_at"
SESSION_LAST_SEEN_KEY = "continuite_session_last_seen_at"
# The last-seen time is written at most this often, not on every request.
LAST_SEEN_RESOLUTION_SECONDS = 60
PROCONNECT_BACKEND = "continuite.accounts.proconnect.ProConnectBackend"


class SessionTimeoutMiddleware:
    """Log an agent out after SESSION_IDLE_TIMEOUT_MINUTES idle, or SESSION_MAX_AGE_HOURS in all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            session = request.session
            started = session.setdefault(SESSION_STARTED_KEY, now)
            last_seen = session.get(SESSION_LAST_SEEN_KEY, now)
            idle = now - last_seen > settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
            expired = now - started > settings.SESSION_MAX_AGE_HOURS * 3600
            if idle or expired:
                logout(request)
                messages.info(request, _("Your session has ended. Please log in again."))
                return redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")
            if (
                SESSION_LAST_SEEN_KEY not in session
                or now - last_seen > LAST_SEEN_RESOLUTION_SECONDS
            ):
                session[SESSION_LAST_SEEN_KEY] = now
        return self.get_response(request)


def start_session_clock(sender, request, user, **kwargs):
    """On login, the session's lifetime starts again (connected to user_logged_in)."""
    now = timezone.now().timestamp()
    request.session[SESSION_STARTED_KEY] = now
    request.session[SESSION_LAST_SEEN_KEY] = now


class SecondFactorMiddleware:
    """Managers must pass a second factor (TOTP) before anything else, when settings require it.

    An agent who logged in through ProConnect has been authenticated by the State's identity
    provider, at the level it asks for (acr_values): no local second factor on top.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            settings.OTP_REQUIRED_FOR_MANAGERS
            and user.is_authenticated
            and not user.is_verified()
            and request.session.get(BACKEND_SESSION_KEY) != PROCONNECT_BACKEND
            and not request.path.startswith(
                (reverse("accounts:second_factor"), reverse("accounts:logout"))
            )
            and not request.path.startswith(
                settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"
            )
            and user.is_manager
        ):
            return redirect(f"{reverse('accounts:second_factor')}?next={request.get_full_path()}")
        return self.get_response(request)
