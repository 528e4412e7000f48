"""Settings: every value comes from the environment and has a working local default.

Local default: SQLite under var/, Celery tasks run eagerly, debug on, the demo's relaxed
second factor. Production sets CONTINUITE_ENV=production plus DATABASE_URL, REDIS_URL,
SECRET_KEY and ALLOWED_HOSTS; the helpers below fail loudly on a malformed value.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CONTINUITE_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


ENVIRONMENT = env_str("CONTINUITE_ENV", "development")
if ENVIRONMENT not in ("development", "test", "production"):
    raise ImproperlyConfigured("CONTINUITE_ENV must be development, test or production")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DEBUG", not PRODUCTION)
SECRET_KEY = env_str(
    "SECRET_KEY", "" if PRODUCTION else "insecure-local-key-never-use-in-production"
)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is required in production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "mozilla_django_oidc",
    "axes",
    "django_htmx",
    "widget_tweaks",
    "dsfr",
    "continuite.core",
    "continuite.accounts",
    "continuite.service_points",
    "continuite.notifications",
    "continuite.appointments",
    "continuite.protocol",
    "continuite.cases",
    "continuite.outreach",
    "continuite.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "continuite.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "continuite.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "continuite.accounts.middleware.SessionTimeoutMiddleware",
    "continuite.core.middleware.RefuseNullBytesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "continuite.urls"
WSGI_APPLICATION = "continuite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "continuite" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "continuite.core.context_processors.site",
            ],
        },
    }
]

# Database: SQLite under var/ unless DATABASE_URL is set (PostgreSQL in production; a
# sqlite:/// URL names another SQLite file, as the test worker processes do).
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "continuite.sqlite3",
            # Tests on a file, as the demo runs, not in memory: threads and worker processes
            # then share it and lock it as the demo does (pytest-xdist suffixes it per worker).
            "TEST": {"NAME": VAR_DIR / "test_continuite.sqlite3"},
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The ORM binds parameters in the client and never prepares; the booking's hot
    # statements (appointments.booking) bind them on the server and are prepared after 5
    # runs on a connection. Behind PgBouncer in transaction mode, that needs its
    # max_prepared_statements (1.21+), or DATABASE_PREPARED_STATEMENTS=false.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        5 if env_bool("DATABASE_PREPARED_STATEMENTS", True) else None
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A transaction takes the write lock when it begins, waiting for it up to `timeout`
    # seconds: a deferred one that read first could not wait and failed with
    # « database is locked » when another write came first (bookings in a burst). WAL lets
    # readers go on while one writes; NORMAL syncs at checkpoints, not at every commit (a
    # power cut may lose the last commits, never corrupt the file).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and Celery: Redis when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # Eager tasks still take a producer: an in-memory one, rather than a guessed AMQP server.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
# Deliveries of committed outbox messages are published in batches gathered over this window.
OUTBOX_PUBLISH_WINDOW_MS = env_int("OUTBOX_PUBLISH_WINDOW_MS", 200)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
CELERY_TIMEZONE = "Europe/Paris"
CELERY_BEAT_SCHEDULE = {
    # Periodic jobs are declared here only; `manage.py run_job NAME` runs one by hand.
    "snapshot-open-rates": {
        "task": "continuite.dashboard.tasks.snapshot_open_rates",
        "schedule": env_int("OPEN_RATE_SNAPSHOT_SECONDS", 3600),
    },
    "sync-all-slots": {
        "task": "continuite.appointments.tasks.sync_all_slots",
        "schedule": 24 * 3600,
    },
    "release-emergency-seats": {
        "task": "continuite.appointments.tasks.release_emergency_seats",
        "schedule": 900,
    },
    # Every 15 minutes, for appointments between 47 and 48 hours ahead (the window overlaps runs;
    # the outbox sends each reminder once).
    "send-reminders": {"task": "continuite.appointments.tasks.send_reminders", "schedule": 900},
    # Reasons whose freshly released seats went within minutes switch to high demand by themselves.
    "detect-high-demand": {
        "task": "continuite.appointments.tasks.detect_high_demand",
        "schedule": env_int("HIGH_DEMAND_CHECK_SECONDS", 60),
    },
    "purge-phone-codes": {
        "task": "continuite.appointments.tasks.purge_phone_codes",
        "schedule": 24 * 3600,
    },
    "run-lottery-draws": {
        "task": "continuite.appointments.tasks.run_lottery_draws",
        "schedule": 3600,
    },
    "deliver-pending-messages": {
        "task": "continuite.notifications.tasks.deliver_pending",
        "schedule": 300,
    },
    # Rehoming runs whose worker stopped (its lease passed) are taken over by another one.
    "resume-rehoming": {"task": "continuite.protocol.tasks.resume_rehoming", "schedule": 60},
    # Silence outcomes at the deadline and the digests of case workers and managers.
    "cases-daily-sweep": {
        "task": "continuite.cases.sweep_tasks.cases_daily_sweep",
        "schedule": 24 * 3600,
    },
    # Cases whose clock is stopped: their provisional deadline follows the days.
    "refresh-waiting-deadlines": {
        "task": "continuite.cases.tasks.refresh_waiting_deadlines",
        "schedule": 24 * 3600,
    },
    # Registers of vulnerable people: records past their retention period are emptied.
    "outreach-purge-due": {
        "task": "continuite.outreach.tasks.purge_due_records",
        "schedule": 24 * 3600,
    },
    # Call campaigns: today's calls generated and given to callers before they start (and at
    # once when a campaign is activated); reservations not worked go back.
    "outreach-call-lists": {
        "task": "continuite.outreach.tasks.daily_call_lists",
        "schedule": crontab(hour=6, minute=0),
    },
    "outreach-expire-reservations": {
        "task": "continuite.outreach.tasks.expire_call_reservations",
        "schedule": 300,
    },
}
# Task modules not named tasks.py (autodiscovery reads only those).
CELERY_IMPORTS = ["continuite.cases.sweep_tasks", "continuite.cases.importer"]
# How long a worker holds a rehoming run between two batches before another may take it over.
REHOMING_LEASE_SECONDS = env_int("REHOMING_LEASE_SECONDS", 60)
# Appointments per transaction of a rehoming run, and an optional pause between two batches
# (milliseconds) to spread a very large rehoming over time on a busy database.
REHOMING_BATCH_SIZE = env_int("REHOMING_BATCH_SIZE", 500)
REHOMING_BATCH_PAUSE_MS = env_int("REHOMING_BATCH_PAUSE_MS", 0)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# ProConnect (OpenID Connect) for agents: off unless configured, and then every value is required.
_PROCONNECT_REQUIRED = [
    "PROCONNECT_CLIENT_ID",
    "PROCONNECT_CLIENT_SECRET",
    "PROCONNECT_AUTHORIZATION_ENDPOINT",
    "PROCONNECT_TOKEN_ENDPOINT",
    "PROCONNECT_USERINFO_ENDPOINT",
    "PROCONNECT_JWKS_ENDPOINT",
]
_proconnect_missing = [name for name in _PROCONNECT_REQUIRED if not env_str(name)]
PROCONNECT_ENABLED = not _proconnect_missing
if _proconnect_missing and len(_proconnect_missing) < len(_PROCONNECT_REQUIRED):
    raise ImproperlyConfigured(
        f"ProConnect is half configured: {', '.join(_proconnect_missing)} missing"
    )
OIDC_RP_CLIENT_ID = env_str("PROCONNECT_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_str("PROCONNECT_CLIENT_SECRET")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("PROCONNECT_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_str("PROCONNECT_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_str("PROCONNECT_USERINFO_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_str("PROCONNECT_JWKS_ENDPOINT")
PROCONNECT_LOGOUT_ENDPOINT = env_str("PROCONNECT_LOGOUT_ENDPOINT")  # optional: end_session
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = env_str("PROCONNECT_SCOPES", "openid email given_name usual_name")
_proconnect_acr = env_str("PROCONNECT_ACR_VALUES", "eidas1")
OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": _proconnect_acr} if _proconnect_acr else {}
OIDC_CREATE_USER = False
OIDC_STORE_ID_TOKEN = True  # the logout at ProConnect needs it
OIDC_TIMEOUT = env_int("PROCONNECT_TIMEOUT_SECONDS", 10)
LOGIN_REDIRECT_URL_FAILURE = "/compte/connexion/"
if PROCONNECT_ENABLED:
    AUTHENTICATION_BACKENDS.append("continuite.accounts.proconnect.ProConnectBackend")

# Invitations (the only way a second factor is enrolled) and password reset links.
INVITATION_VALIDITY_DAYS = env_int("INVITATION_VALIDITY_DAYS", 7)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_MINUTES", 60) * 60

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "service_points:manage_list"
LOGOUT_REDIRECT_URL = "service_points:search"

# Second factor: required for manager roles in production; the demo may relax it and says so.
OTP_REQUIRED_FOR_MANAGERS = env_bool("OTP_REQUIRED_FOR_MANAGERS", PRODUCTION)
# Agents and callers reading the register of vulnerable people: the same, whatever their role.
OTP_REQUIRED_FOR_REGISTER = env_bool("OTP_REQUIRED_FOR_REGISTER", PRODUCTION)
OTP_TOTP_ISSUER = "Continuité"

# Lockout after repeated failed logins (django-axes).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1)
# A username is locked at one address only: failures from an office (or from everyone behind the
# reverse proxy) never lock out the other agents there, nor the agent elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "continuite.core.net.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "continuite" / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Paris"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "continuite" / "static"]
STATIC_ROOT = env_str("STATIC_ROOT", str(VAR_DIR / "static")) if PRODUCTION else None
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# The State brand (Marianne block) is reserved to State services: a local authority sets its own.
BRAND_STATE = env_bool("BRAND_STATE", True)
BRAND_NAME = env_str("BRAND_NAME", "République\nFrançaise")
SITE_TITLE = env_str("SITE_TITLE", "Continuité des services publics")
SITE_TAGLINE = env_str("SITE_TAGLINE", "Vos services publics s'engagent")
DEMO_MODE = env_bool("CONTINUITE_DEMO", False)

DSFR_MARK_OPTIONAL_FIELDS = True
# SQLite (the demo) cannot enforce "nulls not distinct" on roles, nor build covering indexes
# (INCLUDE: it builds them without the extra columns); PostgreSQL does both.
SILENCED_SYSTEM_CHECKS = ["models.W047", "models.W040"]
DSFR_USE_INTEGRITY_CHECKSUMS = True

SESSION_COOKIE_HTTPONLY = True
# Agents' sessions: logged out after 30 idle minutes, and after a working day however active.
SESSION_IDLE_TIMEOUT_MINUTES = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 30)
SESSION_MAX_AGE_HOURS = env_int("SESSION_MAX_AGE_HOURS", 12)
SESSION_COOKIE_AGE = SESSION_MAX_AGE_HOURS * 3600
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
# Reverse proxies in front of the web nodes: the client's address is read from X-Forwarded-For.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Public requests per client address and minute (continuite.core.ratelimit); beyond, a 429.
RATE_LIMIT_SEARCHES_PER_MINUTE = env_int("RATE_LIMIT_SEARCHES_PER_MINUTE", 60)
RATE_LIMIT_BOOKINGS_PER_MINUTE = env_int("RATE_LIMIT_BOOKINGS_PER_MINUTE", 10)
RATE_LIMIT_CALLBACKS_PER_MINUTE = env_int("RATE_LIMIT_CALLBACKS_PER_MINUTE", 5)
# SMS that public requests may cause per day, per phone number and per client address
# (continuite.notifications.budget); beyond, the request is answered but no SMS is queued.
SMS_BUDGET_PER_PHONE_PER_DAY = env_int("SMS_BUDGET_PER_PHONE_PER_DAY", 5)
SMS_BUDGET_PER_ADDRESS_PER_DAY = env_int("SMS_BUDGET_PER_ADDRESS_PER_DAY", 50)

# Proof of the phone: a 6-digit code by SMS, valid PHONE_CODE_MINUTES, PHONE_CODE_ATTEMPTS tries;
# at most PHONE_CODES_PER_PHONE codes to a number per PHONE_CODE_WINDOW_MINUTES, and
# RATE_LIMIT_PHONE_CODES_PER_MINUTE per address; a proven phone is remembered for
# PHONE_VERIFIED_MINUTES in the person's session.
PHONE_CODE_MINUTES = env_int("PHONE_CODE_MINUTES", 10)
PHONE_CODE_ATTEMPTS = env_int("PHONE_CODE_ATTEMPTS", 5)
PHONE_CODES_PER_PHONE = env_int("PHONE_CODES_PER_PHONE", 3)
PHONE_CODE_WINDOW_MINUTES = env_int("PHONE_CODE_WINDOW_MINUTES", 15)
RATE_LIMIT_PHONE_CODES_PER_MINUTE = env_int("RATE_LIMIT_PHONE_CODES_PER_MINUTE", 5)
PHONE_VERIFIED_MINUTES = env_int("PHONE_VERIFIED_MINUTES", 30)
# High demand switches on by itself when, over the last HIGH_DEMAND_WINDOW_MINUTES, people booked
# online at least HIGH_DEMAND_MIN_SEATS seats of a reason and HIGH_DEMAND_SHARE_PERCENT of the
# seats that were free when the window began; it lasts HIGH_DEMAND_AUTO_MINUTES.
HIGH_DEMAND_WINDOW_MINUTES = env_int("HIGH_DEMAND_WINDOW_MINUTES", 10)
HIGH_DEMAND_MIN_SEATS = env_int("HIGH_DEMAND_MIN_SEATS", 20)
HIGH_DEMAND_SHARE_PERCENT = env_int("HIGH_DEMAND_SHARE_PERCENT", 80)
HIGH_DEMAND_AUTO_MINUTES = env_int("HIGH_DEMAND_AUTO_MINUTES", 60)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): no inline script or style anywhere; a script that must
# stay inline carries the request's nonce (request.csp_nonce), as DSFR's and htmx's tags do.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features no page uses are switched off for every page (and anything it embeds).
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)

# Email goes over SMTP in production; the local default writes messages to var/mail/.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "" if PRODUCTION else "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
# SMS: an HTTP provider in production (SMS_API_URL, SMS_API_TOKEN), a file under var/ locally.
SMS_BACKEND = env_str(
    "SMS_BACKEND",
    "continuite.notifications.backends.HttpSmsBackend"
    if PRODUCTION
    else "continuite.notifications.backends.FileSmsBackend",
)
SMS_API_URL = env_str("SMS_API_URL")
SMS_API_TOKEN = env_str("SMS_API_TOKEN")
SMS_SENDER = env_str("SMS_SENDER", "Continuite")
SMS_WEBHOOK_SECRET = env_str("SMS_WEBHOOK_SECRET")  # signs the provider's delivery receipts
SMS_FILE_PATH = Path(env_str("SMS_FILE_PATH") or VAR_DIR / "sms.log")
# The address people's links point to (emails and SMS are read outside the site).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "Continuité <ne-pas-repondre@continuite.example>"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_str("LOG_LEVEL", "INFO" if PRODUCTION else "WARNING"),
    },
}
