"""Tandem settings: one module, every value read from the environment.

The README's configuration table and .env.example list every variable read here.
"""

import sys
import zoneinfo
from pathlib import Path

import dj_database_url
import dj_email_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from crm import __version__
from crm.env import env_bool, env_int, env_list, env_str, redis_next_db

BASE_DIR = Path(__file__).resolve().parent.parent
# Everything the embedded default writes (SQLite file, broker folders, mail) lives here.
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

TANDEM_VERSION = __version__
TESTING = "pytest" in sys.modules or env_bool("TESTING", False)

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (set SECRET_KEY, or DEBUG=1 for development)."
        )
    # Development only: DEBUG is on, so nothing signed with this key is trusted in production.
    SECRET_KEY = "django-insecure-tandem-development-key-never-used-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
for _origin in CSRF_TRUSTED_ORIGINS:
    if "://" not in _origin:
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entries must include the scheme (https://example.com), not {_origin!r}."
        )

TIME_ZONE = env_str("TIME_ZONE", "UTC")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"TIME_ZONE must be an IANA time zone such as Europe/Berlin, not {TIME_ZONE!r}."
    ) from None
USE_TZ = True
LANGUAGE_CODE = "en-us"
USE_I18N = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "corsheaders",
    "axes",
    "csp",
    # Tandem's own apps, in the direction of their imports: the kernel first, alignment on top.
    "crm",
    "campaigns",
    "leads",
    "handoffs",
    "alignment",
    "integrations",
    "privacy",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # After the header middleware, so its 400 carries the same security headers.
    "crm.middleware.RefuseNulMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "crm.middleware.LoginRequiredMiddleware",
    # Audit: who acts in this request, and its request id (crm.audit).
    "crm.middleware.AuditContextMiddleware",
    # Last, so that a locked-out sign-in is answered before the view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

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
                "crm.context_processors.tandem",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tandem.sqlite3'}")
try:
    _db = dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL Tandem understands: {exc}") from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # The web app and the Celery worker share the file: wait for locks instead of failing,
    # and take the write lock at BEGIN so concurrent writers queue rather than deadlock.
    _db["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    _db["CONN_MAX_AGE"] = 0
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # The weekly report's grouped queries cross PostgreSQL's JIT cost threshold at a few hundred
    # thousand rows; compiling them cost more than it saved (bench/RESULTS.md), so JIT is off.
    # random_page_cost 4 (the default) prices a random read as on a spinning disk: with it the
    # planner read every lead (a sequential scan of the table) to join the report's 18,000
    # status changes, so the report's time grew with the history; 1.1, the usual setting for
    # SSDs and cached data, looks the leads up by key (bench/NOTES.md, growth).
    _db.setdefault("OPTIONS", {})
    _db["OPTIONS"]["options"] = (_db["OPTIONS"].get("options", "") + " -c jit=off -c random_page_cost=1.1").strip()
DATABASES = {"default": _db}
# The capture endpoint's one-statement insert runs as a prepared statement, planned once per
# connection (leads.prepared.execute_prepared). Turn it off behind a transaction-pooling PgBouncer,
# which hands each transaction another server connection (it still works there, more slowly).
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and broker ---------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL must start with redis://, rediss:// or unix://, not {REDIS_URL!r}.")

# The cache lives in a Redis database of its own (default: the broker's next database number), so a cache
# clear or an eviction never drops queued tasks (crm.checks warns when both name the same database).
REDIS_CACHE_URL = env_str("REDIS_CACHE_URL") or (redis_next_db(REDIS_URL) if REDIS_URL else "")
if REDIS_CACHE_URL and not REDIS_CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        f"REDIS_CACHE_URL must start with redis://, rediss:// or unix://, not {REDIS_CACHE_URL!r}."
    )
# Seconds after which Redis hands an unacknowledged task to another worker (late acknowledgement).
BROKER_VISIBILITY_TIMEOUT = env_int("BROKER_VISIBILITY_TIMEOUT", 3600, minimum=60)

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's backend, with one redis-py client per pool instead of one per operation.
            "BACKEND": "crm.cache.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            # Parallel test processes share the Redis database: each keeps to keys of its own.
            "KEY_PREFIX": f"tandem-{env_str('PYTEST_XDIST_WORKER')}"
            if TESTING and env_str("PYTEST_XDIST_WORKER")
            else "tandem",
            # A cache outage must not take requests down with it: fail fast, callers degrade.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # A Redis outage must cost a request a moment, not a minute: fail fast when publishing and
    # subscribing to results (the default result-backend policy retries 20 times a second apart).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": BROKER_VISIBILITY_TIMEOUT, "socket_connect_timeout": 2}
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
        "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tandem"}}
    _queue_dir = VAR_DIR / "celery" / "queue"
    _results_dir = VAR_DIR / "celery" / "results"
    _control_dir = VAR_DIR / "celery" / "control"
    for _path in (_queue_dir, _results_dir, _control_dir):
        _path.mkdir(parents=True, exist_ok=True)
    # kombu's filesystem transport: a broker that needs no server, for one machine.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "store_processed": False,
        "control_folder": str(_control_dir),
    }
    CELERY_RESULT_BACKEND = f"file://{_results_dir}"

# --- Celery -------------------------------------------------------------------
CELERY_TIMEZONE = TIME_ZONE
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600
# A task is acknowledged only when done, so a killed worker's task is delivered again;
# every task is written to be safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600, minimum=1)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that loses the broker reconnects for as long as it takes instead of exiting after 100 tries.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "weekly-digests": {
        "task": "crm.tasks.send_weekly_digests",
        # Monday 07:00 in TIME_ZONE, for the ISO week that just ended.
        "schedule": crontab(day_of_week=1, hour=7, minute=0),
    },
    "handoff-reminders": {
        "task": "handoffs.tasks.send_handoff_reminders",
        # Reminders before accept deadlines, breach notices and alerts held for working hours, every minute so a
        # breach is told within a minute; each message is claimed and sent once however often this runs.
        "schedule": crontab(minute="*"),
    },
    "store-last-week": {
        "task": "crm.tasks.store_last_week",
        # Six hours after the week ended (alignment.metrics.rollups.STORE_AFTER), before the digests at 07:00.
        "schedule": crontab(day_of_week=1, hour=6, minute=15),
    },
    "compact-rollup-changes": {
        "task": "crm.tasks.compact_rollup_changes",
        # alignment.metrics.rollups: the triggers' change notes, merged to one row per hour (nightly, off-peak).
        "schedule": crontab(hour=3, minute=30),
    },
    "send-unsent-digests": {
        "task": "alignment.tasks.send_unsent_digests",
        # The safety net for digest deliveries whose queued task was lost (the broker was down).
        "schedule": crontab(minute="*/15"),
    },
    "route-unrouted-mqls": {
        "task": "handoffs.tasks.route_unrouted_mqls",
        # The safety net for MQLs whose hand-off was not queued (the broker was down).
        "schedule": crontab(minute="*/5"),
    },
    "sweep-webhooks": {
        "task": "integrations.tasks.sweep_webhooks",
        # Due webhook retries whose message was lost, and endpoints failing for a day.
        "schedule": crontab(minute="*"),
    },
}

# --- Outbound webhooks (integrations/) -----------------------------------------
# Private, loopback and reserved hosts are refused unless this is on (a local receiver in development).
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 60, minimum=1)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
# After a secret is rotated, deliveries carry a signature with the previous secret too for this long (0: none).
WEBHOOK_SECRET_GRACE_HOURS = env_int("WEBHOOK_SECRET_GRACE_HOURS", 24, minimum=0)

# --- E-mail -------------------------------------------------------------------
EMAIL_URL = env_str("EMAIL_URL")
if EMAIL_URL:
    try:
        _email = dj_email_url.parse(EMAIL_URL)
    except Exception as exc:  # dj-email-url raises bare exceptions for malformed URLs
        raise ImproperlyConfigured(f"EMAIL_URL is not an e-mail URL Tandem understands: {exc}") from None
    if "EMAIL_BACKEND" not in _email:
        raise ImproperlyConfigured(
            f"EMAIL_URL is not an e-mail URL Tandem understands: use smtp://, smtps://, console:// or file://, "
            f"not {EMAIL_URL.split(':', 1)[0]}://."
        )
    # smtp:// and smtps:// go through crm.mail: Django's SMTP backend, telling a message the server refused
    # from one it may have accepted before the connection broke (sent once, never retried on its own).
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
        EMAIL_BACKEND = "crm.mail.EmailBackend"
    EMAIL_HOST = _email["EMAIL_HOST"]
    EMAIL_PORT = _email["EMAIL_PORT"]
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
    EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
    EMAIL_TIMEOUT = _email.get("EMAIL_TIMEOUT") or 10
    if _email.get("EMAIL_FILE_PATH"):
        EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Tandem <tandem@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

DIGEST_WEBHOOKS = {
    "marketing": env_str("DIGEST_WEBHOOK_MARKETING", ""),
    "sales": env_str("DIGEST_WEBHOOK_SALES", ""),
    "managers": env_str("DIGEST_WEBHOOK_MANAGERS", ""),
}
# Failed digest deliveries are retried after base, 2×base, 4×base… seconds (capped at an hour).
DIGEST_RETRY_BASE_SECONDS = env_int("DIGEST_RETRY_BASE_SECONDS", 60, minimum=0)
DIGEST_MAX_RETRIES = env_int("DIGEST_MAX_RETRIES", 5, minimum=0)
# A delivery claimed this many seconds ago whose sender never reported back is "unknown", never re-sent on
# its own: the claim must outlive the broker's redelivery (alignment.checks refuses a shorter one).
DIGEST_CLAIM_TIMEOUT = env_int("DIGEST_CLAIM_TIMEOUT", 2 * BROKER_VISIBILITY_TIMEOUT, minimum=1)
# send_unsent_digests (every 15 minutes) sends the deliveries still unsent of this many recent weeks.
DIGEST_SWEEP_WEEKS = env_int("DIGEST_SWEEP_WEEKS", 4, minimum=1)
# alignment.metrics.rollups: store the figures of complete weeks (PostgreSQL only); off computes every report live.
METRICS_ROLLUPS = env_bool("METRICS_ROLLUPS", True)
# Absolute address used in e-mails ("open the dashboard"), where no request is at hand.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Hand-off alerts (handoffs/webhooks.py) -----------------------------------------
# Seconds a personal alert webhook may take to answer before the post counts as failed (and is retried).
ALERT_WEBHOOK_TIMEOUT = env_int("ALERT_WEBHOOK_TIMEOUT", 5, minimum=1)
# 1: users may point their webhook at private or loopback addresses (a receiver inside the team's network).
ALERT_WEBHOOK_ALLOW_PRIVATE = env_bool("ALERT_WEBHOOK_ALLOW_PRIVATE", False)
# An alert claimed this many seconds ago whose sender never reported back (a worker killed mid-send) is "outcome
# unknown", never re-sent: the claim must outlive the broker's redelivery (handoffs.checks refuses a shorter one).
ALERT_CLAIM_TIMEOUT = env_int("ALERT_CLAIM_TIMEOUT", 2 * BROKER_VISIBILITY_TIMEOUT, minimum=1)

# --- Auth ---------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
if TESTING:
    # Hashing strength is not under test; fast hashes keep user fixtures cheap.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Static files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- REST API -----------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes a missing or bad credential a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "crm.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "crm.api_errors.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env_str("API_USER_RATE", "2000/hour"),
        "capture_ip": env_str("CAPTURE_IP_RATE", "30/minute"),
        "capture_form": env_str("CAPTURE_FORM_RATE", "600/minute"),
    },
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tandem API",
    "DESCRIPTION": "Leads, campaigns, hand-offs and the weekly numbers of Tandem, the marketing-sales CRM.",
    "VERSION": __version__,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Tags (the docs' sections) are the resource after the version: leads, campaigns, ...
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # Several models have a `status`: name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "LeadStatusEnum": "leads.models.Lead.Status",
        "CampaignStatusEnum": "campaigns.models.Campaign.Status",
        "RejectReasonEnum": "handoffs.models.Handoff.RejectReason",
    },
}

# --- Browser security ---------------------------------------------------------
CORS_URLS_REGEX = r"^/api/v1/capture/.*$"
# Origins are allowed per capture form (leads.cors), never globally.
CORS_ALLOWED_ORIGINS = []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Chart.js and Bootstrap set element styles; no inline script is ever allowed.
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Client address and abuse limits (SECURITY.md, "Edges") -------------------------
# Proxies we run in front of Tandem, each appending to X-Forwarded-For (crm/client_ip.py);
# 0: none, REMOTE_ADDR is the client. Every per-client limit and the sign-in lock-out use it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
AXES_CLIENT_IP_CALLABLE = "crm.client_ip.client_ip"
# A user without a role gets 403 from every page before its object is looked up (404 = 403).
MIDDLEWARE.insert(MIDDLEWARE.index("crm.middleware.LoginRequiredMiddleware") + 1, "crm.middleware.NoRoleMiddleware")
# The team's currency (ISO 4217), shown with every amount on pages, digests and CSV headers (crm/money.py).
CURRENCY = env_str("CURRENCY", "EUR").strip().upper()
# Password-reset e-mails per address and per client address (crm/password_reset.py).
PASSWORD_RESET_EMAIL_RATE = env_str("PASSWORD_RESET_EMAIL_RATE", "3/hour")
PASSWORD_RESET_CLIENT_RATE = env_str("PASSWORD_RESET_CLIENT_RATE", "20/hour")
# JSON nested past crm.parsers.MAX_DEPTH levels answers 400 (a RecursionError answered 500).
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "crm.parsers.NestingLimitedJSONParser",
    "rest_framework.parsers.FormParser",
    "rest_framework.parsers.MultiPartParser",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Services the test suite must find (CI): a missing one fails instead of skipping.
REQUIRE_SERVICES = env_bool("REQUIRE_SERVICES", False)
