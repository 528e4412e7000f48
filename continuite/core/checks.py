"""Deployment checks of our own, run by `manage.py check --deploy` beside Django's.

Each one names the setting (environment variable) to give and why a deployment needs it.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "testserver"}
# Reserved top-level domains (RFC 2606, RFC 6761): nobody receives mail or answers there.
PLACEHOLDER_SUFFIXES = (".example", ".invalid", ".test", ".localhost", ".local")
HTTP_SMS_BACKEND = "continuite.notifications.backends.HttpSmsBackend"
SMTP_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# Backends that keep messages on the machine: nobody ever receives them.
LOCAL_EMAIL_BACKENDS = {
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}
LOCAL_SMS_BACKENDS = {"continuite.notifications.backends.FileSmsBackend"}


def _placeholder_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host in LOOPBACK_HOSTS or host.endswith(PLACEHOLDER_SUFFIXES) or "." not in host


@register(Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs):
    """People's links (emails, SMS, calendars) are read outside the site: HTTPS, a real host."""
    url = urlsplit(settings.SITE_URL)
    if url.scheme != "https":
        return [
            Error(
                f"SITE_URL must be an https:// address, got {settings.SITE_URL!r}.",
                hint="Set SITE_URL to the public address of the site, e.g. https://rdv.example.fr.",
                id="continuite.E001",
            )
        ]
    if _placeholder_host(url.hostname or ""):
        return [
            Error(
                f"SITE_URL points to a local or placeholder host ({url.hostname!r}): links "
                "sent to people would not open.",
                hint="Set SITE_URL to the public address of the site.",
                id="continuite.E002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_sms(app_configs, **kwargs):
    """SMS reach people: the provider's address and token, and the secret of its receipts."""
    if settings.SMS_BACKEND in LOCAL_SMS_BACKENDS:
        return [
            Error(
                f"SMS_BACKEND is {settings.SMS_BACKEND}: SMS are written to a file, never sent.",
                hint=f"Set SMS_BACKEND to {HTTP_SMS_BACKEND} (the production default).",
                id="continuite.E003",
            )
        ]
    if settings.SMS_BACKEND != HTTP_SMS_BACKEND:
        return []  # another provider's backend checks its own settings
    problems = []
    missing = [name for name in ("SMS_API_URL", "SMS_API_TOKEN") if not getattr(settings, name)]
    if missing:
        problems.append(
            Error(
                f"{' and '.join(missing)} not set: no SMS can be sent.",
                hint="Give the SMS provider's API address and token in the environment.",
                id="continuite.E004",
            )
        )
    elif urlsplit(settings.SMS_API_URL).scheme != "https":
        problems.append(
            Error(
                "SMS_API_URL must be an https:// address: the token and people's phone "
                "numbers travel with each message.",
                id="continuite.E005",
            )
        )
    if not settings.SMS_WEBHOOK_SECRET:
        problems.append(
            Warning(
                "SMS_WEBHOOK_SECRET not set: the provider's delivery receipts are all refused, "
                "so no SMS is ever known as delivered or failed.",
                hint="Set SMS_WEBHOOK_SECRET to the secret shared with the SMS provider.",
                id="continuite.W001",
            )
        )
    return problems


@register(Tags.security, deploy=True)
def check_email(app_configs, **kwargs):
    """Emails reach people: a mail server, and a sender address people can answer or trust."""
    problems = []
    if settings.EMAIL_BACKEND in LOCAL_EMAIL_BACKENDS:
        problems.append(
            Error(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: emails are never sent.",
                hint=f"Set EMAIL_BACKEND to {SMTP_EMAIL_BACKEND} or a provider's backend.",
                id="continuite.E006",
            )
        )
    elif settings.EMAIL_BACKEND == SMTP_EMAIL_BACKEND and not settings.EMAIL_HOST:
        problems.append(
            Error(
                "EMAIL_HOST not set: no email can be sent.",
                hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER...) to the mail server.",
                id="continuite.E007",
            )
        )
    sender = settings.DEFAULT_FROM_EMAIL
    domain = sender.rpartition("@")[2].strip(" >").lower()
    if not domain or _placeholder_host(domain):
        problems.append(
            Error(
                f"DEFAULT_FROM_EMAIL has no real domain ({sender!r}): mail servers refuse "
                "or bin such messages.",
                hint="Set DEFAULT_FROM_EMAIL, e.g. « Continuité <ne-pas-repondre@rdv.example.fr> ».",
                id="continuite.E008",
            )
        )
    return problems
