"""Spor's settings, read from the environment.

The defaults run the demo on SQLite with no configuration at all. With ``SPOR_ENV=production``
Spor refuses to start unless the secret key and the CPR keys are given, and turns on the
secure cookie and HTTPS settings.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

# Django's generic classes (ModelAdmin[Model], ModelChoiceField[Model]) subscriptable at run
# time, as django-stubs types them for mypy --strict.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "ja"}


SPOR_ENV = env("SPOR_ENV", "development")
PRODUCTION = SPOR_ENV == "production"
DEBUG = env_bool("SPOR_DEBUG", not PRODUCTION)

# Keys used only outside production: derived from a fixed, public phrase so that the demo
# needs no configuration. They protect nothing and production refuses them.
_DEV_PHRASE = b"spor-development-only-not-secret"


def _dev_fernet_key(label: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(_DEV_PHRASE + label).digest()).decode()


SECRET_KEY = env("SPOR_SECRET_KEY")
# Comma-separated Fernet keys, newest first: the first encrypts, all decrypt (key rotation).
SPOR_CPR_KEYS = [k.strip() for k in env("SPOR_CPR_KEYS").split(",") if k.strip()]
SPOR_CPR_HMAC_KEY = env("SPOR_CPR_HMAC_KEY")
# Key of the pseudonyms in what leaves a municipality (the programme evaluator's pages and
# exports); if empty, one is derived from SECRET_KEY (spor/evaluation/national/access.py).
SPOR_PSEUDONYM_KEY = env("SPOR_PSEUDONYM_KEY")

if PRODUCTION:
    missing = [
        name
        for name, value in [
            ("SPOR_SECRET_KEY", SECRET_KEY),
            ("SPOR_CPR_KEYS", SPOR_CPR_KEYS),
            ("SPOR_CPR_HMAC_KEY", SPOR_CPR_HMAC_KEY),
        ]
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(
            "Spor starter ikke i produktion uden disse miljøvariable: " + ", ".join(missing)
        )
else:
    SECRET_KEY = SECRET_KEY or "django-insecure-spor-development-only"
    SPOR_CPR_KEYS = SPOR_CPR_KEYS or [_dev_fernet_key(b"cpr")]
    SPOR_CPR_HMAC_KEY = SPOR_CPR_HMAC_KEY or _dev_fernet_key(b"hmac")

ALLOWED_HOSTS = [h.strip() for h in env("SPOR_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")]
# The reverse proxies in front of gunicorn (addresses or networks, comma-separated; none by
# default). Only from these are X-Forwarded-For (the client's address, spor/ops/proxies.py)
# and, by gunicorn (deploy/gunicorn.conf.py), X-Forwarded-Proto believed.
SPOR_TRUSTED_PROXIES = [p.strip() for p in env("SPOR_TRUSTED_PROXIES").split(",") if p.strip()]
for _proxy in SPOR_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy)
    except ValueError:
        raise ImproperlyConfigured(
            f"SPOR_TRUSTED_PROXIES: {_proxy!r} er ikke en IP-adresse eller et netværk "
            "(fx 10.0.0.0/24)."
        ) from None
CSRF_TRUSTED_ORIGINS = [o for o in env("SPOR_CSRF_TRUSTED_ORIGINS").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "spor.tenancy",
    "spor.accounts",
    "spor.registry",
    "spor.audit",
    "spor.screening",
    "spor.concerns",
    "spor.cases",
    "spor.measurement",
    "spor.evaluation.web",
    "spor.programme",
    "spor.survey",
    "spor.economics",
    "spor.api",
    "spor.sso",
    "spor.notifications",
    "spor.orgsync",
    "spor.archive",
    "spor.ops",
    "spor.web",
]
# The demo app (spor/demo/: the synthetic data and ``manage.py spor_demo``) is for
# development, tests, benchmarks and the load test; a production installation leaves it out.
SPOR_DEMO = env_bool("SPOR_DEMO", not PRODUCTION)
if SPOR_DEMO:
    INSTALLED_APPS.append("spor.demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "spor.ops.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "spor.web.middleware.DanishFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after authentication: a password login without its TOTP code goes no further.
    "spor.sso.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "spor.accounts.middleware.TenantMiddleware",
]

ROOT_URLCONF = "spor.urls"
WSGI_APPLICATION = "spor.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "spor.accounts.context_processors.actor",
                "spor.notifications.context_processors.unread",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env("SPOR_DATABASE_URL", f"sqlite:///{PROJECT_DIR / 'spor.sqlite3'}"),
        conn_max_age=int(env("SPOR_DB_CONN_MAX_AGE", "0")),
        # A persistent connection is checked before a request uses it (one `SELECT 1`), so
        # the first request after a database restart gets a new one instead of a 503.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets the demo server read while a command writes.
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # The worker writes beside the web server: wait for the other's write, not fail.
    DATABASES["default"]["OPTIONS"]["timeout"] = 30
    # Tests use a file, not Django's shared in-memory database: the browser tests' live
    # server answers requests on several threads, and an in-memory database would make
    # them share one connection (and its transactions) at once.
    DATABASES["default"]["TEST"] = {
        "NAME": env("SPOR_TEST_SQLITE", str(PROJECT_DIR / "test-spor.sqlite3"))
    }

# Two database roles on PostgreSQL (docs/tenancy.md): the owner runs the migrations (and
# backups); Spor connects as the app role, which owns nothing. Unset: one role (SQLite, dev).
SPOR_OWNER_DATABASE: dict[str, object] | None = None
SPOR_DATABASE_APP_ROLE = ""
if env("SPOR_OWNER_DATABASE_URL"):
    SPOR_OWNER_DATABASE = dict(dj_database_url.parse(env("SPOR_OWNER_DATABASE_URL")))
    SPOR_DATABASE_APP_ROLE = str(DATABASES["default"].get("USER") or "")
# Only the test suite sets this (tests/conftest.py): it connects as the owner and runs each
# request and command as this role.
SPOR_DATABASE_SET_ROLE = ""

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # Axes first, so that a locked-out login never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "login"

# Brute-force protection: five failed attempts for a user name from one address lock it
# for a quarter of an hour.
AXES_FAILURE_LIMIT = int(env("SPOR_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_DISABLE_ACCESS_LOG = True
# The client behind the proxy, not the proxy (spor/ops/proxies.py). Failed attempts are kept
# in the database (axes' database handler), which every worker shares.
AXES_CLIENT_IP_CALLABLE = "spor.ops.proxies.client_address"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# The username as the login form would accept it (no NUL, not overlong): spor/sso/lockout.py
AXES_USERNAME_CALLABLE = "spor.sso.lockout.username"

# Two-factor login (spor.sso, docs/login.md). With a password, everyone with a role (all
# roles see children) and the system administrator must also give a TOTP code. Always on
# in production; off by default outside it, so the demo and the test suite's
# force_login()/form logins stay click-through (the login tests turn it on).
SPOR_TOTP_REQUIRED = env_bool("SPOR_TOTP_REQUIRED", PRODUCTION)
if PRODUCTION and not SPOR_TOTP_REQUIRED:
    raise ImproperlyConfigured("SPOR_TOTP_REQUIRED kan ikke slås fra i produktion.")
OTP_TOTP_ISSUER = "Spor"
# Each wrong code doubles the wait before the next try: 1, 2, 4, 8 … seconds.
OTP_TOTP_THROTTLE_FACTOR = int(env("SPOR_TOTP_THROTTLE_FACTOR", "1"))
# Login through the municipality's OpenID Connect broker: the broker itself is configured
# in the admin (spor.sso.models.OidcProvider); its client secret comes from the environment
# as SPOR_OIDC_CLIENT_SECRET_<kommunenummer>, e.g. SPOR_OIDC_CLIENT_SECRET_101 for København.
SPOR_OIDC_CLIENT_SECRETS = {
    name.removeprefix("SPOR_OIDC_CLIENT_SECRET_"): value
    for name, value in os.environ.items()
    if name.startswith("SPOR_OIDC_CLIENT_SECRET_") and value
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SPOR_SSL_REDIRECT", True)
    # The health checks are asked over plain HTTP from inside (container, load balancer).
    SECURE_REDIRECT_EXEMPT = [r"^drift/(ping|health)/$"]
    # No SECURE_PROXY_SSL_HEADER: Django would believe X-Forwarded-Proto from anyone. gunicorn
    # believes it only from SPOR_TRUSTED_PROXIES and then sets wsgi.url_scheme, which Django
    # reads (deploy/gunicorn.conf.py).
    SECURE_HSTS_SECONDS = int(env("SPOR_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # The preload flag only asks browsers to hard-code HTTPS once the domain is submitted to
    # hstspreload.org; SPOR_HSTS_PRELOAD=0 leaves it out (check --deploy then warns W021).
    SECURE_HSTS_PRELOAD = env_bool("SPOR_HSTS_PRELOAD", True)

LANGUAGE_CODE = "da"
# Danish only (issue 17, item 7). An English catalogue covered the templates (708 strings)
# but none of the ~2,000 Danish texts in the Python code (messages, labels, field names), so
# English screens were half Danish; it was removed rather than left half done. The
# templates keep their {% translate %} tags, so a complete catalogue can be added later.
LANGUAGES = [("da", "Dansk")]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("SPOR_STATIC_ROOT", str(PROJECT_DIR / "staticfiles")))
# Outside production whitenoise serves straight from the apps' static folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
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

# The cache: Redis (Django's own backend) when SPOR_CACHE_URL is given, e.g.
# redis://127.0.0.1:6379/0, shared by every worker; without it each process has its own
# (fine for the demo; `check --deploy` refuses it in production, spor/ops/checks.py).
SPOR_CACHE_URL = env("SPOR_CACHE_URL")
if SPOR_CACHE_URL:
    if not SPOR_CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            "SPOR_CACHE_URL skal være en redis://-, rediss://- eller unix://-URL."
        )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": SPOR_CACHE_URL,
            "KEY_PREFIX": "spor",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# SDQ before/after (spor.measurement): the norm set behind "normalområdet", where the
# municipality keeps its licensed item wording, and the one-time links' lifetime and the
# limit on guessing them (per client address, in Django's cache).
SPOR_SDQ_NORMS = env("SPOR_SDQ_NORMS", "uk-3band")
SPOR_SDQ_WORDING_DIR = env("SPOR_SDQ_WORDING_DIR")
SPOR_MEASUREMENT_LINK_DAYS = int(env("SPOR_MEASUREMENT_LINK_DAYS", "21"))
SPOR_MEASUREMENT_GUESS_LIMIT = int(env("SPOR_MEASUREMENT_GUESS_LIMIT", "10"))
SPOR_MEASUREMENT_GUESS_WINDOW_MINUTES = int(env("SPOR_MEASUREMENT_GUESS_WINDOW_MINUTES", "15"))
SPOR_BASE_URL = env("SPOR_BASE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env("SPOR_FROM_EMAIL", "spor@localhost")
EMAIL_BACKEND = env("SPOR_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# Operations (spor.ops, docs/deployment.md): the content security policy (empty = Spor's own,
# see spor/ops/security.py). Background work (docs/jobs.md): tasks such as the evaluation
# reports wait in the database (django-tasks' database backend) for `spor_worker`, which also
# runs the scheduled jobs: management commands at fixed local times ("at") or every N
# minutes ("every_minutes"); a command not installed is skipped.
SPOR_CSP = env("SPOR_CSP")
SPOR_CSP_REPORT_ONLY = env_bool("SPOR_CSP_REPORT_ONLY", False)
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
SPOR_WORKER_JOBS = [
    {"command": "spor_retention", "at": "02:30"},
    {"command": "prune_db_task_results", "at": "03:15", "args": ["--min-age-days", "14"]},
    {"command": "spor_notify_due", "every_minutes": 60},
    {"command": "spor_concern_reminders", "at": "07:00"},
    {"command": "spor_measurement_reminders", "at": "07:00"},
    # The programme's evaluation cells: the stale ones, and every one each night.
    {"command": "spor_outcome_cells", "every_minutes": 5},
    {
        "command": "spor_outcome_cells",
        "args": ["--all"],
        "at": "03:45",
        "name": "spor_outcome_cells_all",
    },
]

# The API's OpenAPI schema (spor.api, docs/api.md).
SPECTACULAR_SETTINGS = {
    "TITLE": "Spor API",
    "DESCRIPTION": (
        "Kommunens data i Spor for integrationer: institutioner, grupper, børn, trivsel, "
        "bekymringer, forløb, indsatsvifte, iværksatte indsatser, SDQ-resultater og "
        "evalueringens samlede tal. Send nøglen som »Authorization: Bearer <nøgle>«. "
        "Alle opslag om børn skrives i adgangsloggen."
    ),
    "VERSION": "1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    # The same field name means different choices in different apps: name them apart.
    "ENUM_NAME_OVERRIDES": {
        "ConcernStateEnum": "spor.concerns.models.State",
        "ConcernOutcomeEnum": "spor.concerns.models.Outcome",
        "CaseStatusEnum": "spor.cases.models.Status",
        "CaseOutcomeEnum": "spor.cases.models.Outcome",
        "DeliveryStatusEnum": "spor.cases.models.DeliveryStatus",
        "RoundStatusEnum": "spor.screening.models.ScreeningRound.Status",
        "ColourEnum": "spor.screening.models.Colour",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_cpr": {"()": "spor.tenancy.logging.RedactCPRFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact_cpr"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env("SPOR_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
