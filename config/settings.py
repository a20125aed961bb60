"""Settings: every value comes from the environment (see ``.env.example``); nothing else is read."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue
from whitenoise.compress import Compressor

from config import email

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_number(name: str, default: str, kind: type[int] | type[float]) -> Any:
    raw = os.environ.get(name, default)
    try:
        return kind(raw)
    except ValueError:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"{name} must be {'an integer' if kind is int else 'a number'}, got {raw!r}"
        ) from None


DEBUG = env_bool("DJANGO_DEBUG", False)
# A process is production when it says so: DJANGO_DEBUG set to a false value (docs/security.md). Left unset
# (`make run`, the tests, CI) DEBUG is still off, but the built-in development key is allowed so that a laptop
# needs no configuration; `manage.py check --deploy` refuses that key whatever DJANGO_DEBUG says.
PRODUCTION = os.environ.get("DJANGO_DEBUG") is not None and not DEBUG
DEVELOPMENT_SECRET_KEY = "dev-insecure-clubinsight-key-change-me-in-production-0123456789"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip()
if PRODUCTION and (
    not SECRET_KEY
    or SECRET_KEY == DEVELOPMENT_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "DJANGO_DEBUG=0 declares a production process, which needs its own DJANGO_SECRET_KEY of at least 50 random "
        "characters (not the development key). Generate one with: python -c 'import secrets; "
        "print(secrets.token_urlsafe(50))'. See docs/security.md."
    )
SECRET_KEY = SECRET_KEY or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "reporting",
    "dashboards",
]

MIDDLEWARE = [
    # First: /healthz, /readyz and /metrics answer before host checks and redirects; request id and latency.
    "reporting.observability.middleware.ObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "reporting.api.middleware.BodySizeLimitMiddleware",
    "reporting.outage.OutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "reporting.csp.CachedCSPMiddleware",
    # Last, as django-axes requires: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    }
]

# --- Database: PostgreSQL only. DATABASE_URL, or the embedded server from the pgserver wheel. ---
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    from config.embedded_postgres import database_url

    DATABASES = {"default": dj_database_url.parse(database_url(VAR_DIR), conn_max_age=60)}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Django's backend with a health check that polls the idle socket instead of a SELECT 1 round trip per request.
DATABASES["default"]["ENGINE"] = "config.postgres"
# An unreachable server (not a refused connection) answers 503 after this many seconds instead of hanging.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
)
# Connection pooling (docs/operations-database.md): psycopg's pool inside each process, off by default. A pool
# replaces persistent connections (Django refuses both), so CONN_MAX_AGE is 0 with it.
if env_bool("DATABASE_POOL", False):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": env_number("DATABASE_POOL_MIN_SIZE", "1", int),
        "max_size": env_number("DATABASE_POOL_MAX_SIZE", "4", int),
        # Seconds a request waits for a free connection before failing (an outage 503, like a refused connect).
        "timeout": env_number("DATABASE_POOL_TIMEOUT", "10", float),
    }
# Behind PgBouncer in transaction mode: no server-side prepared statements (they live on one server connection).
if env_bool("DATABASE_PGBOUNCER", False):
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# A streaming replica for reporting reads (reporting/db.py decides per read; the ORM stays on the primary).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"], conn_max_age=60)
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["ENGINE"] = "config.postgres"
    # A replica that does not answer quickly is skipped (reads go to the primary), so its wait is short.
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = env_number(
        "DATABASE_REPLICA_CONNECT_TIMEOUT", "2", int
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["reporting.db.PrimaryRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- The interpreter ---
# Seconds a thread may run Python before the interpreter hands the GIL to another (Python's default: 0.005). A
# thread whose PostgreSQL statement has returned waits up to that long for one that is computing: the overview's
# growth section, on a thread beside the page, waited so after each of its statements (docs/performance.md,
# "The GIL and the overview's second thread"). Applied by reporting.apps at start-up.
PYTHON_SWITCH_INTERVAL = float(os.environ.get("PYTHON_SWITCH_INTERVAL", "0.001"))

# --- Cache (rate-limit buckets may use it): Redis when REDIS_URL is set, else the database. ---
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Bounded waits (as the rate limiter's): a Redis that hangs is an outage answered 503, not a stuck worker.
    _REDIS_TIMEOUT = env_number("REPORTING_REDIS_TIMEOUT_SECONDS", "2", float)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": _REDIS_TIMEOUT, "socket_timeout": _REDIS_TIMEOUT},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# --- Login throttling (django-axes) on every login form: /accounts/login/ and /admin/login/. ---
# After AXES_FAILURE_LIMIT failed logins for one username, that username cannot log in, even with the right
# password, until AXES_COOLOFF_TIME has passed since the last failure. Counters live in the cache (Redis, or
# the database cache), keyed by a SHA-256 of the username: no attempted username or address is stored.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_CACHE = "default"
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=float(os.environ.get("DJANGO_LOGIN_COOLOFF_MINUTES", "15")))
# Per username, whatever the address: an attacker rotating addresses gets no more guesses. Not per address:
# behind a proxy or an office NAT every user shares one, and one mistyping colleague would lock out everyone.
# axes.W006 asks for the address anyway; with the username alone no rotation of anything bypasses the limit.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # its log lines name the username and address
AXES_ENABLE_ADMIN = False  # its admin pages show database records, which the cache handler never writes
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME.total_seconds() <= 0:
    raise ImproperlyConfigured("DJANGO_LOGIN_FAILURE_LIMIT must be >= 1 and DJANGO_LOGIN_COOLOFF_MINUTES > 0")

# --- Mail (password reset): EMAIL_URL or EMAIL_HOST (+ EMAIL_PORT, EMAIL_HOST_USER, ...); see config/email.py.
# Without mail, password reset is not offered at all (404, no link) rather than promising a mail never sent. ---
_MAIL = email.from_environment()
EMAIL_CONFIGURED: bool = _MAIL["EMAIL_CONFIGURED"]
EMAIL_BACKEND: str = _MAIL["EMAIL_BACKEND"]
EMAIL_HOST: str = _MAIL.get("EMAIL_HOST", "localhost")
EMAIL_PORT: int = _MAIL.get("EMAIL_PORT", 25)
EMAIL_HOST_USER: str = _MAIL.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD: str = _MAIL.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS: bool = _MAIL.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL: bool = _MAIL.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "ClubInsight <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Collected static files (whitenoise serves them; the manifest names every fingerprinted file).
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or VAR_DIR / "staticfiles")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at start-up when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
# Fingerprinted names (app.3f2a….css) and .gz/.br copies, written by `collectstatic` (which `make run` and the
# test session run first): whitenoise serves them with a one-year immutable cache lifetime and the encoding
# the browser accepts. Development (`make run`) and tests serve exactly what production serves.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
WHITENOISE_AUTOREFRESH = DEBUG
# Source maps are fetched only by developer tools: not worth compressing twice at every collect.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

# --- Security headers: what Django intends, switched on by environment in production. ---
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
# The reporting endpoints enforce their own limits (1 MiB, larger for ingestion) in BodySizeLimitMiddleware.
DATA_UPLOAD_MAX_MEMORY_SIZE = None

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "reporting.api.authentication.ApiTokenAuthentication",
        "reporting.api.authentication.CsrfSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["reporting.api.permissions.IsAuthenticatedPrincipal"],
    "DEFAULT_PARSER_CLASSES": ["reporting.api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "reporting.api.exceptions.error_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ClubInsight Reporting API",
    "DESCRIPTION": "Placewise-compatible reporting over loyalty-club members. See README and docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The bodies, records, filters and headers are derived from the report declarations (docs/api.md).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "reporting.api.openapi.hooks.contract"],
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
}


# --- Product limits, one namespace (read through reporting.conf.reporting_setting; values that make no sense,
# such as a refill rate of 0, are refused at start-up by reporting.conf.validate_reporting_settings). ---
REPORTING = {
    "RATE_LIMIT_CAPACITY": env_number("REPORTING_RATE_LIMIT_CAPACITY", "600", int),
    "RATE_LIMIT_REFILL_PER_SECOND": env_number("REPORTING_RATE_LIMIT_REFILL_PER_SECOND", "10", float),
    "MAX_BODY_BYTES": 1024 * 1024,
    "INGEST_MAX_BODY_BYTES": env_number("REPORTING_INGEST_MAX_BODY_BYTES", str(32 * 1024 * 1024), int),
    "INGEST_MAX_MEMBERS": 10_000,
    "EXTRA_PERSONAL_PROPERTY_KEYS": env_list("REPORTING_EXTRA_PERSONAL_PROPERTY_KEYS"),
    "EXPORT_TTL_DAYS": env_number("REPORTING_EXPORT_TTL_DAYS", "7", int),
    # What a 503 tells clients to wait while PostgreSQL or Redis is unreachable.
    "OUTAGE_RETRY_AFTER_SECONDS": env_number("REPORTING_OUTAGE_RETRY_AFTER_SECONDS", "5", int),
    # Seconds to wait for Redis (connect and each command) before the request counts as an outage.
    "REDIS_TIMEOUT_SECONDS": env_number("REPORTING_REDIS_TIMEOUT_SECONDS", "2", float),
    # Reporting reads skip a replica further behind than this, and look at its health at most this often.
    "REPLICA_MAX_LAG_SECONDS": env_number("REPORTING_REPLICA_MAX_LAG_SECONDS", "30", float),
    "REPLICA_CHECK_SECONDS": env_number("REPORTING_REPLICA_CHECK_SECONDS", "5", float),
    # The longest a process answers from API credentials it cached; any change through the application is seen
    # by the next request anyway (reporting.credentials). 0 turns the cache off.
    "CREDENTIALS_CACHE_SECONDS": env_number("REPORTING_CREDENTIALS_CACHE_SECONDS", "60", float),
}

# --- Celery (exports, periodic tasks). A broker from CELERY_BROKER_URL (Redis or RabbitMQ in production);
# without one, kombu's filesystem transport under var/ (or CELERY_BROKER_DIR) so `make run` needs no broker. ---
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
if not CELERY_BROKER_URL:
    _BROKER_DIR = Path(os.environ.get("CELERY_BROKER_DIR", VAR_DIR / "broker"))
    for _sub in ("in", "processed", "control"):
        (_BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "in"),
        "data_folder_out": str(_BROKER_DIR / "in"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        # Exchange tables (control commands, fanout) would otherwise land in the working directory.
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
        # Seconds between looks into the folder: a started export is picked up within this.
        "polling_interval": float(os.environ.get("CELERY_BROKER_POLLING_INTERVAL", "0.2")),
    }
elif os.environ.get("CELERY_VISIBILITY_TIMEOUT"):
    # Redis/SQS only: how long an unacknowledged message waits before redelivery. Exports do not depend on it
    # (a lost run is re-enqueued by reporting.exports.recover_stalled), so the transport default is kept.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ["CELERY_VISIBILITY_TIMEOUT"])}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Every queue the product uses is declared, so a plain `celery -A config worker` consumes them all and `-Q` only
# narrows (docs/operations.md). Exports are long and late-acknowledged: one message at a time per process, on their
# own queue so a deployment can give them their own workers.
CELERY_TASK_QUEUES = (
    Queue("celery", Exchange("celery"), routing_key="celery"),
    Queue("exports", Exchange("exports"), routing_key="exports"),
)
CELERY_TASK_ROUTES = {"reporting.exports.run": {"queue": "exports"}}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# beat cannot create the folder itself (only the embedded PostgreSQL made it, so with DATABASE_URL beat died)
(VAR_DIR / "run").mkdir(parents=True, exist_ok=True)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "run" / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "exports-delete-expired": {
        "task": "reporting.exports.delete_expired",
        "schedule": float(os.environ.get("EXPORTS_CLEANUP_EVERY_SECONDS", "3600")),
    },
    "members-refresh-ages": {
        "task": "reporting.refresh_ages",
        "schedule": float(os.environ.get("AGES_REFRESH_EVERY_SECONDS", str(6 * 3600))),
    },
    # On the quarter hours, so each run lands early in the period it snapshots (docs/snapshots.md).
    "members-count-snapshots": {
        "task": "reporting.snapshots.take",
        "schedule": crontab(minute="*/15"),
    },
    "exports-recover-stalled": {
        "task": "reporting.exports.recover_stalled",
        "schedule": float(os.environ.get("EXPORTS_RECOVER_EVERY_SECONDS", "30")),
    },
}

# --- Export files and limits (read through reporting.exports.conf.exports_setting). ---
# EXPORTS_S3_BUCKET switches the files to S3 through django-storages (credentials from the usual AWS_*
# variables or the instance role); otherwise a local folder, EXPORTS_DIR or var/exports.
EXPORTS_DIR = Path(os.environ.get("EXPORTS_DIR", VAR_DIR / "exports"))
_EXPORTS_STORAGE: dict  # untyped: STORAGES above is inferred as str -> str, OPTIONS are not
if os.environ.get("EXPORTS_S3_BUCKET"):
    _EXPORTS_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["EXPORTS_S3_BUCKET"],
            "location": os.environ.get("EXPORTS_S3_PREFIX", "exports"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": True,
        },
    }
else:
    _EXPORTS_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(EXPORTS_DIR), "base_url": None},
    }
STORAGES["exports"] = _EXPORTS_STORAGE
EXPORTS = {
    # Where files are written while incomplete; for a local storage, a folder inside it (same filesystem, so
    # publishing is one atomic rename).
    "PARTIAL_DIR": os.environ.get("EXPORTS_PARTIAL_DIR", ""),
    "SOFT_TIME_LIMIT_SECONDS": int(os.environ.get("EXPORTS_SOFT_TIME_LIMIT_SECONDS", str(6 * 3600))),
    "TIME_LIMIT_SECONDS": int(os.environ.get("EXPORTS_TIME_LIMIT_SECONDS", str(6 * 3600 + 300))),
    "PROGRESS_EVERY_SECONDS": float(os.environ.get("EXPORTS_PROGRESS_EVERY_SECONDS", "0.5")),
    "STALL_SECONDS": float(os.environ.get("EXPORTS_STALL_SECONDS", "60")),
    "PENDING_REQUEUE_SECONDS": float(os.environ.get("EXPORTS_PENDING_REQUEUE_SECONDS", "600")),
    # A pending export no worker has picked up after this long says so (page and API `notice`).
    "WAITING_NOTICE_SECONDS": env_number("EXPORTS_WAITING_NOTICE_SECONDS", "120", float),
    "MAX_ATTEMPTS": int(os.environ.get("EXPORTS_MAX_ATTEMPTS", "5")),
    "XLSX_SHEET_MAX_ROWS": int(os.environ.get("EXPORTS_XLSX_SHEET_MAX_ROWS", "1048576")),
    # Test-only throttle (seconds per row) so a test can kill a worker in the middle; 0 in every real setup.
    "TEST_ROW_DELAY": float(os.environ.get("EXPORTS_TEST_ROW_DELAY", "0")),
}

# --- Content-Security-Policy (django-csp): every script and style is served from here. ---
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],  # blob: the charts' own "Download plot as a png" (in-page)
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# /metrics answers only with `Authorization: Bearer <METRICS_TOKEN>` when this is set (docs/operations.md).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# One JSON object per line, with the request id (web and Celery workers alike; config/celery.py uses this too).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "reporting.observability.requestid.RequestIdFilter"}},
    "formatters": {"json": {"()": "reporting.observability.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
