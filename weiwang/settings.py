"""Django settings. Every deployment-specific value comes from the environment (.env.example)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from weiwang.env import env_bool, env_choice, env_int, env_list, env_str, tile_sources

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# "development" runs the demo on a laptop; "production" demands every secret from the environment.
ENVIRONMENT = env_choice("WEIWANG_ENV", ("development", "production"), "development")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("WEIWANG_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("WEIWANG_DEBUG must be false when WEIWANG_ENV=production.")

_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"  # noqa: S105 - development only; production requires the variable
SECRET_KEY = (
    env_str("WEIWANG_SECRET_KEY") if PRODUCTION else env_str("WEIWANG_SECRET_KEY", _DEV_SECRET)
)
if PRODUCTION and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("WEIWANG_SECRET_KEY must be at least 50 characters long.")

ALLOWED_HOSTS = env_list(
    "WEIWANG_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("WEIWANG_ALLOWED_HOSTS is required in production.")
CSRF_TRUSTED_ORIGINS = env_list("WEIWANG_CSRF_TRUSTED_ORIGINS", [])


def _dev_key(label: str) -> str:
    # Development keys are derived from a fixed label so the demo database stays readable
    # across restarts; production keys must come from the environment.
    return base64.urlsafe_b64encode(
        hashlib.sha256(f"weiwang-dev-{label}".encode()).digest()
    ).decode()


# Field encryption keys: "id:base64key" pairs, comma separated, the first one encrypts.
# Older keys stay listed until `manage.py rotate_field_keys` has re-encrypted every value.
FIELD_ENCRYPTION_KEYS = env_list(
    "WEIWANG_FIELD_KEYS", [] if PRODUCTION else [f"dev1:{_dev_key('field')}"]
)
BLIND_INDEX_KEY = (
    env_str("WEIWANG_BLIND_INDEX_KEY")
    if PRODUCTION
    else env_str("WEIWANG_BLIND_INDEX_KEY", _dev_key("blind-index"))
)
if PRODUCTION and not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("WEIWANG_FIELD_KEYS is required in production.")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "weiwang.core",
    "weiwang.audit",
    "weiwang.regions",
    "weiwang.people",
    "weiwang.accounts",
    "weiwang.notices",
    "weiwang.cases",
    "weiwang.deliberation",
    "weiwang.visits",
    "weiwang.surveys",
    "weiwang.emergency",
    "weiwang.volunteers",
    "weiwang.interest_groups",
    "weiwang.party",
    "weiwang.dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "weiwang.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "weiwang.urls"
WSGI_APPLICATION = "weiwang.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "weiwang" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "weiwang.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'weiwang.sqlite3'}"),
        conn_max_age=env_int("WEIWANG_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    # A file, not shared-cache memory, so tests with several connections behave as production.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login security: 5 failures lock that username for 15 minutes (django-axes); the login view
# also throttles each IP address (django-ratelimit, LOGIN_IP_RATE).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "weiwang.accounts.views.locked_out"
AXES_VERBOSE = False
LOGIN_IP_RATE = env_str("WEIWANG_LOGIN_IP_RATE", "30/10m")
RATELIMIT_VIEW = "weiwang.accounts.views.rate_limited"
# Anonymous reporting through a QR code (and Open311 POSTs): per client address and per place.
PUBLIC_REPORT_IP_RATE = env_str("WEIWANG_PUBLIC_REPORT_IP_RATE", "5/h")
# Notices to WeCom group robots and by SMS ("file" appends messages to SMS_FILE instead).
WECOM_WEBHOOK_BASE = env_str(
    "WEIWANG_WECOM_WEBHOOK_BASE", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
)
SMS_BACKEND = env_choice("WEIWANG_SMS_BACKEND", ("file", "http"), "file")
SMS_FILE = env_str("WEIWANG_SMS_FILE", str(VAR_DIR / "sms-outbox.jsonl"))
SMS_ENDPOINT = env_str("WEIWANG_SMS_ENDPOINT", "")
SMS_KEY_ID = env_str("WEIWANG_SMS_KEY_ID", "")
SMS_SECRET = env_str("WEIWANG_SMS_SECRET", "")
SMS_TEMPLATE = env_str("WEIWANG_SMS_TEMPLATE", "【微网实格】{title}:{summary}")
# The address links in group messages point to (e.g. https://weiwang.example.cn); none: no link.
SITE_URL = env_str("WEIWANG_SITE_URL", "").rstrip("/")
# A household answering its survey link (a family behind one address may answer several).
SURVEY_PUBLIC_IP_RATE = env_str("WEIWANG_SURVEY_PUBLIC_IP_RATE", "30/h")
PUBLIC_REPORT_PLACE_RATE = env_str("WEIWANG_PUBLIC_REPORT_PLACE_RATE", "30/h")
# Behind a reverse proxy, the request header the proxy sets to the client's address, as a META
# key (for example HTTP_X_REAL_IP); otherwise every client shares the proxy's address.
_CLIENT_IP_HEADER = env_str("WEIWANG_CLIENT_IP_HEADER", "")
if _CLIENT_IP_HEADER:
    RATELIMIT_IP_META_KEY = _CLIENT_IP_HEADER
# The IP is throttled by django-ratelimit rather than locked by axes: a community office shares
# one address, and five typos there must not lock every colleague out.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Idle sessions end after 30 minutes: every request pushes the expiry forward.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
API_TOKEN_TTL_HOURS = env_int("WEIWANG_API_TOKEN_TTL_HOURS", 12)
# Redis (production): the shared cache (import progress, rate limits across web processes) and,
# unless WEIWANG_CELERY_BROKER_URL says otherwise, the Celery broker.
REDIS_URL = env_str("WEIWANG_REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
# Background tasks (weiwang.core.tasks): Celery workers when a broker is configured; otherwise
# a thread of the web process (the embedded default); at once, in the caller, when eager (tests).
TASKS_EAGER = env_bool("WEIWANG_TASKS_EAGER", False)
CELERY_BROKER_URL = env_str("WEIWANG_CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged when it ends, so one whose worker was killed runs again; tasks are
# written to be run twice safely.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Shanghai"
# Uploaded sheets waiting to be imported (web processes and workers must share it).
IMPORT_DIR = Path(env_str("WEIWANG_IMPORT_DIR", str(VAR_DIR / "imports")))
# Plain uploads and result sheets (they hold ID numbers) are deleted this long after their last
# use; an upload is deleted at once when its import is done.
IMPORT_FILE_HOURS = env_int("WEIWANG_IMPORT_FILE_HOURS", 24)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "weiwang" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Uploaded case photos; served through a scoped view, never as public files.
MEDIA_ROOT = Path(env_str("WEIWANG_MEDIA_DIR", str(VAR_DIR / "media")))
# Periodic jobs (overdue sweep …): Celery beat in production; on the embedded default a thread
# of the `runserver` process runs them (see weiwang/core/periodic.py).
EMBEDDED_SCHEDULER = env_bool("WEIWANG_EMBEDDED_SCHEDULER", True)
# 有事好商量: a meeting's agenda is published at least this many days before it.
AGENDA_NOTICE_DAYS = env_int("WEIWANG_AGENDA_NOTICE_DAYS", 2)
# The dashboard map's background tiles, e.g. 天地图 with a key:
# "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY"
# Empty (the default): boundaries on a plain background, nothing fetched from outside.
MAP_TILES = env_str("WEIWANG_MAP_TILES", "")
MAP_TILE_SUBDOMAINS = env_str("WEIWANG_MAP_TILE_SUBDOMAINS", "01234567")
MAP_ATTRIBUTION = env_str("WEIWANG_MAP_ATTRIBUTION", "")
# A TrueType font (.ttf/.ttc) embedded in PDF reports, e.g. Debian's fonts-wqy-microhei
# (/usr/share/fonts/truetype/wqy/wqy-microhei.ttc). Empty: Adobe's standard Chinese font
# STSong-Light is named, which PDF readers supply themselves.
REPORT_FONT = env_str("WEIWANG_REPORT_FONT", "")

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Security headers and a Content Security Policy without inline scripts or styles.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *tile_sources(MAP_TILES)],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("WEIWANG_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("WEIWANG_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("WEIWANG_LOG_LEVEL", "WARNING")},
}
