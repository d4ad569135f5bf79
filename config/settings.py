"""Cadence settings: one module, every deployment difference an environment variable."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.env import envbool, envint, envlist, mailer

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = envbool("DEBUG", True)
# The fallback key only serves development: production sets SECRET_KEY, or doesn't start.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("Set SECRET_KEY when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-change-me-in-production"
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    # The layers, lowest first: each app imports only those above it in this list.
    "accounts",
    "core",
    "products",
    "backlog",
    "sprints",
    "changelog",
    "demo",
]
# Where core.access reads the roles a user holds (products.Membership sits above core).
ACCESS_GRANTS = "products.grants.load"

MIDDLEWARE = [
    "config.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.middleware.RefuseNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", 0),
    )
}
# Under ASGI each request in flight holds its own connection: with many users PostgreSQL
# runs out (max_connections, 100 by default) and answers 500. DATABASE_POOL_SIZE (e.g. 20
# per process) makes requests wait for one of a bounded pool instead; CONN_MAX_AGE stays 0.
if envint("DATABASE_POOL_SIZE", 0) and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": envint("DATABASE_POOL_SIZE", 0),
        "timeout": 30,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "products:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Every sign-in is counted (accounts.backends); ModelBackend stays listed so that sessions
# opened before the throttle existed stay valid: it never gets to authenticate anyone.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ThrottledModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Attempts allowed per window of THROTTLE_WINDOW seconds before 429 (accounts.throttle):
# failed sign-ins per account and per client address, password-reset requests per e-mail
# and per address, answers posted to an invitation link per link and per address. 0 turns
# a counter off.
THROTTLE_WINDOW = envint("THROTTLE_WINDOW", 15 * 60)
THROTTLE_LIMITS = {
    "login:account": envint("LOGIN_FAILURES_PER_ACCOUNT", 10),
    "login:ip": envint("LOGIN_FAILURES_PER_IP", 50),
    "reset:email": envint("PASSWORD_RESETS_PER_EMAIL", 5),
    "reset:ip": envint("PASSWORD_RESETS_PER_IP", 20),
    "invitation:link": envint("INVITATION_ATTEMPTS_PER_LINK", 10),
    "invitation:ip": envint("INVITATION_ATTEMPTS_PER_IP", 30),
}
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Hashed, compressed names need collectstatic: production runs it. STATIC_MANIFEST=false
# serves the files as they are, from the apps' folders (a server started by the tests or
# the benchmark with DEBUG off).
STATIC_MANIFEST = envbool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or not STATIC_MANIFEST

# Without Redis: one process, its own cache and an in-memory channel layer. With it: every
# process shares the cache and the live events. REDIS_PREFIX keeps apart several Cadences
# (or test runs) on one Redis.
REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_PREFIX = os.environ.get("REDIS_PREFIX", "cadence")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis, or this process's memory while Redis fails (core/cache.py).
            "BACKEND": "core.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
    # Redis pub/sub: an event is published once per group and each process hands it to its
    # own sockets. The list-based RedisChannelLayer queues one copy per socket in one
    # capped list per process and dropped events under load (tests/bench/load.py).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{REDIS_PREFIX}:asgi"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Development prints mail to the console; production, or any EMAIL_HOST, sends it by SMTP.
MAILERS = {"default": mailer(debug=DEBUG)}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Cadence <cadence@localhost>")
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link works for one day

# Background work (mail, rank rebalancing) is queued in the database, in the transaction's
# wake (core.tasks.enqueue_on_commit), and run by `manage.py db_worker` processes beside
# the web ones. The tests run each task at once (ImmediateBackend, tests/conftest.py).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
# Production (DEBUG off) is HTTPS behind a proxy that sets X-Forwarded-Proto: secure
# cookies, HSTS and the redirect to https are on unless an environment variable says not.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
# The load balancer probes /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_THROTTLE_CLASSES": ["accounts.api.TokenWriteThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token_writes": os.environ.get("API_WRITE_RATE", "600/min")},
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.schema.CadenceAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, with a depth limit and no NUL (core/parsers.py). A form body can't say
    # null, false or an empty list apart from "", "0" and nothing: DRF's form parsers read
    # "" as a cleared date and "0" as false, so the API took what its schema refuses.
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "Cadence API",
    "DESCRIPTION": (
        "Everything the pages do, for scripts: the same services and the same rights. "
        "Authenticate with a personal token (`Authorization: Bearer cad_…`) from your "
        "profile page. Errors: 400 invalid input (field messages), 403 your role may not, "
        "404 unknown or not yours, 409 stale `version` (the current object is returned), "
        "429 too many writes (see Retry-After)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"PointsEnum": "backlog.models.POINT_CHOICES"},
}
# Settings (issue 8): checklist items and stories both have a "kind".
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] |= {
    "ChecklistKindEnum": "products.models.ChecklistKind.choices",
    "KindEnum": "backlog.models.StoryKind.choices",
    # An e-mail's language: blank for the recipient's own (invitations, new products).
    "MailLanguageEnum": ["", "en", "fr"],
}

# JSON lines on stdout in production (LOG_JSON, on when DEBUG is off): one line per request
# from config.logs.RequestLogMiddleware, and every other record in the same shape.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            **({"formatter": "json"} if envbool("LOG_JSON", not DEBUG) else {}),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # The request line says it already; Django's own would repeat every 4xx.
        "django.request": {"level": "ERROR"},
        "cadence.request": {"level": os.environ.get("REQUEST_LOG_LEVEL", "INFO")},
    },
}
