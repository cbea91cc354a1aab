"""Settings shared by every variant; every value that differs per installation comes from
the environment (see README.md, "Environment variables")."""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env.str("DJANGO_SECRET_KEY")
# The benefit register knows people only by an HMAC of their BSN under this key
# (participants/register/models.py). Set it apart from the secret key in production:
# rotating the secret key must not make every register person new at the next snapshot.
BENEFIT_REGISTER_HASH_KEY = env.str("BENEFIT_REGISTER_HASH_KEY", default=SECRET_KEY)
# The key of the secrets VAKwerk keeps encrypted in the database (vakwerk/encryption.py: an
# identity provider's client secret); production requires one of its own.
VAKWERK_FIELD_KEY = env.str("VAKWERK_FIELD_KEY", default="dev-only-field-key-not-for-production")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Demo users with a known password must never exist in production (see seed_demo).
ALLOW_DEMO_DATA = env.bool("VAKWERK_ALLOW_DEMO_DATA", default=False)

INSTALLED_APPS = [
    # The Django admin, behind a second factor (vakwerk/admin_site.py).
    "vakwerk.admin_site.PlatformAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "vakwerk",
    # Single sign-on per municipality (OpenID Connect through mozilla-django-oidc).
    "vakwerk.sso",
    "participants",
    "participants.register",
    "consultants",
    "employers",
    "funding",
    "funding.provisions",
    # Kept for its migrations only; its parts are the four apps below.
    "evaluation",
    "evaluation.questionnaires",
    "evaluation.dashboards",
    "evaluation.reports",
    "evaluation.research",
]

MIDDLEWARE = [
    # First: an oversized body is refused before anything reads it.
    "vakwerk.request_limits.RequestSizeLimitMiddleware",
    # Each request is one unit of work for the read replica's router (vakwerk/db_routing.py):
    # its writes keep its later reads, and the browser's next ones, on the primary.
    "vakwerk.db_routing.ReplicaPinMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files may be cached, nothing a view makes may be.
    "vakwerk.middleware.NoStoreMiddleware",
    "vakwerk.middleware.NodeNameMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "vakwerk.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "vakwerk.middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "vakwerk.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # The provider's logout joins form-action after a single sign-on (vakwerk/sso).
    "vakwerk.sso.csp.ProviderLogoutFormTarget",
    # Axes last: it turns a lock-out raised during authentication into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vakwerk.urls"
WSGI_APPLICATION = "vakwerk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "vakwerk.context_processors.navigation",
            ],
            # {% one_time_key %} in every create form, without a {% load %} in each template.
            "builtins": [
                "vakwerk.templatetags.one_time_key",
                # |money, |number, |week, ...: the one formatting layer, in every template.
                "vakwerk.templatetags.formatting",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# A new PostgreSQL connection per request costs a backend start and cold catalog caches.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True


def without_jit(database):
    """PostgreSQL's JIT compiles a plan before it runs it; for our short queries that costs
    more than it saves (the dashboard's participant query at 10,000 participants: 640 of
    its 780 ms went to JIT), so it is off for the app's connections."""
    if database["ENGINE"].endswith("postgresql"):
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return database


def for_transaction_pooling(database):
    """What a connection through PgBouncer in transaction mode needs (README, "Connection
    pooling"); for any alias. Each transaction may run on another server connection, so
    nothing may live in the session: no prepared statements (Django's cursors bind on the
    client and never prepare; with OPTIONS server_side_binding psycopg would, after a
    query's fifth run, unless prepare_threshold is None, as this keeps it), no
    start-up options (PgBouncer refuses `options`, so JIT is off through the database role:
    ALTER ROLE ... SET jit = off) and no server-side cursor outside a transaction
    (vakwerk/pooled_postgresql)."""
    if not database["ENGINE"].endswith("postgresql"):
        return database
    database["ENGINE"] = "vakwerk.pooled_postgresql"
    options = database.setdefault("OPTIONS", {})
    options["prepare_threshold"] = None
    if "options" in options:
        startup = options.pop("options").replace("-c jit=off", "").strip()
        if startup:
            raise ValueError(
                f"PgBouncer refuses start-up options; set them on the role instead: {startup}"
            )
    return database


without_jit(DATABASES["default"])
# Behind PgBouncer in transaction mode (docker-compose.yml): what that needs, for the default
# alias (and any other the settings add).
DATABASE_TRANSACTION_POOLING = env.bool("DATABASE_TRANSACTION_POOLING", default=False)
if DATABASE_TRANSACTION_POOLING:
    for_transaction_pooling(DATABASES["default"])


# --- Read replica (issue 23, point 2) -------------------------------------------------
def with_replica(databases, routers):
    """With DATABASE_REPLICA_URL set, a streaming replica of the primary as the alias
    "replica", connected like the primary, and the router that sends the read-only heavy
    work there (vakwerk/db_routing.py). Without it nothing changes. Returns the routers."""
    if not env.str("DATABASE_REPLICA_URL", default=""):
        return routers
    replica = without_jit(env.db("DATABASE_REPLICA_URL"))
    # Connected like the primary: persistent connections, and a pooler's needs when the
    # replica too is reached through PgBouncer in transaction mode.
    for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
        if key in databases["default"]:
            replica[key] = databases["default"][key]
    if env.bool("DATABASE_TRANSACTION_POOLING", default=False):
        for_transaction_pooling(replica)
    # A test run creates no database on the standby: replication copies the primary's.
    replica["TEST"] = {"MIRROR": "default"}
    databases["replica"] = replica
    return [*routers, "vakwerk.db_routing.PrimaryReplicaRouter"]


DATABASE_ROUTERS = with_replica(DATABASES, [])
# How long a browser reads from the primary after a request of theirs wrote.
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=10)
# --- end of read replica ----------------------------------------------------------------

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# VAKwerk keeps nothing in Django's cache: sessions, login failures (axes), one-time form
# keys and job states are rows in PostgreSQL, so any app node can answer any request. The
# cache is per process unless CACHE_URL names a shared one (Redis); `check --deploy` says so
# (vakwerk.W001), because whatever starts using it would otherwise be per node.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_USER_MODEL = "vakwerk.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading the municipality with the user (one query less per
    # page). Sessions signed in through Django's own path (before this) sign in again once.
    "vakwerk.auth_backends.AccountBackend",
    # Answers only the provider's callback, with the municipality's own provider.
    "vakwerk.sso.backends.MunicipalityOIDCBackend",
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
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Platform operators (the Django admin) are logged out after this much inactivity; municipal
# users after their municipality's own period (Municipality.session_timeout_minutes).
PLATFORM_SESSION_TIMEOUT_MINUTES = env.int("PLATFORM_SESSION_TIMEOUT_MINUTES", default=15)

# Guessing passwords: lock a user name from one address after five failures. Locking by
# address alone would lock out a whole town hall that shares one outgoing address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# One address trying a few passwords on many accounts: all its failures together, over all
# login names, lock the address (vakwerk.security.address_is_locked).
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=50)
AXES_RESET_ON_SUCCESS = True
# Django's login form names the e-mail field "username"; axes would look for "email".
AXES_USERNAME_FORM_FIELD = "username"
# Every spelling of an address counts against one lock (vakwerk/security.py).
AXES_USERNAME_CALLABLE = "vakwerk.security.axes_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The number of reverse proxies in front of the app (0: clients connect directly). Behind
# them the client's own address is read from X-Forwarded-For, trusting exactly that many
# hops; without it every client would share the proxy's address and its lock.
TRUSTED_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "vakwerk.security.client_ip"
# A single sign-on refusal is no password guess (vakwerk/sso/lockout.py).
AXES_WHITELIST_CALLABLE = "vakwerk.sso.lockout.signing_in_through_provider"

OTP_TOTP_ISSUER = "VAKwerk"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates, numbers and money in each language: vakwerk/formats/<lang>/formats.py, used through
# vakwerk.formatting.
FORMAT_MODULE_PATH = ["vakwerk.formats"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Reports and exports hold personal data: they live outside MEDIA_ROOT and are only
# served through views that check permission.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

# Request sizes. A body above VAKWERK_MAX_REQUEST_SIZE is refused with 413 before any view
# reads it (vakwerk/request_limits.py; nginx has the same limit). Form fields together may
# hold 2.5 MB in memory; uploaded files above 2.5 MB are spooled to a temporary file.
VAKWERK_MAX_REQUEST_SIZE = env.int("VAKWERK_MAX_REQUEST_SIZE", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 10

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# No third-party origins at all: styles, scripts and fonts all come from static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="VAKwerk <noreply@vakwerk.example>")
# Links in mails sent by background jobs (reminders), which have no request to take the
# host from; also the base of the calendar-feed URL a user copies.
VAKWERK_BASE_URL = env.str("VAKWERK_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Celery: without a broker, tasks run in-process so that `make run` needs no Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = env.str(
    "CELERY_RESULT_BACKEND",
    default=CELERY_BROKER_URL if not CELERY_TASK_ALWAYS_EAGER else "cache+memory://",
)
# Lose nothing: a task is acknowledged only after it ran, a worker takes one at a time,
# a task killed with its worker goes back to the queue, and no task runs forever.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=5 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=6 * 60)
# Redis re-delivers unacknowledged tasks after this; it must exceed the hard time limit.
# socket_connect_timeout: an unreachable Redis answers a send within seconds, not minutes.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60, "socket_connect_timeout": 5}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker (and beat) waits for the broker for ever, backing off between tries, instead of
# giving up after 100 attempts while Redis is down.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# The web process sends a job once, briefly: a broker that is down must not hold up the
# request (the job stays queued and vakwerk.jobs sends it again).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Jobs that make files (vakwerk/jobs.py): queued but not started after this many
# seconds → sent again; running without a heartbeat for this long → its worker is gone.
VAKWERK_JOB_RESEND_SECONDS = env.int("VAKWERK_JOB_RESEND_SECONDS", default=120)
VAKWERK_JOB_HEARTBEAT_SECONDS = env.float("VAKWERK_JOB_HEARTBEAT_SECONDS", default=20)
VAKWERK_JOB_STALE_SECONDS = env.int("VAKWERK_JOB_STALE_SECONDS", default=120)
VAKWERK_JOB_MAX_ATTEMPTS = env.int("VAKWERK_JOB_MAX_ATTEMPTS", default=3)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_RESULT_EXPIRES = 24 * 60 * 60

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A BSN must never reach a log line: every handler masks it (vakwerk/logging.py).
    "filters": {"mask_bsn": {"()": "vakwerk.logging.MaskBSNFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_bsn"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
DEFAULT_EXCEPTION_REPORTER_FILTER = "vakwerk.logging.SafeExceptionReporterFilter"
ADMIN_URL = env.str("DJANGO_ADMIN_URL", default="platform-admin/")
