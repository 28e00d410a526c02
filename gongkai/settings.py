"""Django settings for gongkai.

SQLite in ``var/`` by default (embedded, offline intranet); PostgreSQL when
``DATABASE_URL`` is set (production). Nothing here reaches the network.
"""
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("GONGKAI_VAR", BASE_DIR.parent / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """GONGKAI_SECRET_KEY, else a random key kept in var/ (created once, readable by the owner only).

    Applicants' identity numbers are encrypted with a key derived from it: losing the file loses them.
    """
    if os.environ.get("GONGKAI_SECRET_KEY"):
        return os.environ["GONGKAI_SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    import secrets

    key = secrets.token_urlsafe(50)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


SECRET_KEY = _secret_key()
# Off unless asked for: a debug page would show tracebacks and settings to the public.
DEBUG = os.environ.get("GONGKAI_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("GONGKAI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "gongkai.agencies",
    "gongkai.catalog",
    "gongkai.applications",
    "gongkai.appeals",
    "gongkai.annual",
    "gongkai.portal",
    "gongkai.workdays",
]

# Production mode (GONGKAI_PRODUCTION=1, set by `gongkai serve --production`): served by gunicorn behind
# nginx over HTTPS; see docs/deploy.md and the block at the end of this file.
PRODUCTION = os.environ.get("GONGKAI_PRODUCTION", "0") == "1"

MIDDLEWARE = [
    "gongkai.middleware.RequestIdMiddleware",
    "gongkai.middleware.DatabaseBusyRetryMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "gongkai.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gongkai.middleware.SessionRefreshMiddleware",  # after SessionMiddleware: runs before it saves
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "gongkai.urls"

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
    },
]

WSGI_APPLICATION = "gongkai.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'gongkai.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the task worker and the web server write without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # Busy timeout: a writer waits this long for another one before "database is locked"
    # (Python's default is 5 s); past it, gongkai.middleware.DatabaseBusyRetryMiddleware retries.
    DATABASES["default"]["OPTIONS"]["timeout"] = float(os.environ.get("GONGKAI_DB_TIMEOUT", 20))

# Beyond one machine (docs/deploy.md): a persistent connection dropped by the server (PostgreSQL restarted,
# pg_terminate_backend, a failover) is noticed before the next request uses it, which then reconnects;
# only requests in flight at the moment fail (500 page, in Chinese).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Site-wide assets (gongkai/static/gongkai/site.css): the project package is not an app, so list it.
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("GONGKAI_MEDIA_ROOT", VAR_DIR / "media"))  # a shared file system, or:
MEDIA_URL = "/media/"
# Attachments on S3-compatible storage (MinIO, Ceph, a cloud's OSS) through django-storages
# (pip install 'gongkai[s3]'); see docs/deploy.md. Files are always served through gongkai's own views
# (published items only), so the bucket stays private.
if os.environ.get("GONGKAI_STORAGE") == "s3":
    STORAGES = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": os.environ["GONGKAI_S3_BUCKET"],
            "endpoint_url": os.environ.get("GONGKAI_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("GONGKAI_S3_REGION") or None,
            "access_key": os.environ.get("GONGKAI_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("GONGKAI_S3_SECRET_KEY") or None,
            "default_acl": "private", "querystring_auth": True, "file_overwrite": False,
        }},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

# Uploads: report files up to 20 MB each (年报体检); larger bodies are refused before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
GONGKAI_REPORT_UPLOAD_MAX_BYTES = int(os.environ.get("GONGKAI_REPORT_UPLOAD_MAX_BYTES", 20 * 1024 * 1024))
# Files per 年报体检 upload: parsed synchronously (a PDF takes a second or two), so keep batches small.
GONGKAI_REPORT_UPLOAD_MAX_FILES = int(os.environ.get("GONGKAI_REPORT_UPLOAD_MAX_FILES", 10))
# What one 年报体检 batch may keep in the session (the reports' canonical JSON; a real report is ~10-50 KB,
# its prose included).
GONGKAI_REPORT_SESSION_MAX_BYTES = int(os.environ.get("GONGKAI_REPORT_SESSION_MAX_BYTES", 2 * 1024 * 1024))
# Scans waiting for background OCR on 年报体检 (annual/store.py): bytes per client address and in all.
GONGKAI_CHECK_SCAN_ADDRESS_MB = int(os.environ.get("GONGKAI_CHECK_SCAN_ADDRESS_MB", 60))
GONGKAI_CHECK_SCAN_TOTAL_MB = int(os.environ.get("GONGKAI_CHECK_SCAN_TOTAL_MB", 1024))

# Letter fonts (GB/T 9704-2012): names tried in order, the first one fontconfig knows is used; an agency's own
# names (文书设置) come first; Noto Serif CJK SC when none is installed. GONGKAI_LETTER_FONT_BODY etc. take a
# comma-separated list.
GONGKAI_LETTER_FONTS = {
    role: tuple(n.strip() for n in os.environ.get(f"GONGKAI_LETTER_FONT_{role.upper()}", default).split(",") if n.strip())
    for role, default in (("body", "仿宋_GB2312,FangSong_GB2312,仿宋,FangSong"),
                          ("title", "方正小标宋简体,方正小标宋_GBK,FZXiaoBiaoSong-B05S,小标宋"),
                          ("number", "宋体,SimSun"))
}

SESSION_COOKIE_AGE = 30 * 60  # session timeout: 30 minutes of inactivity
SESSION_SAVE_EVERY_REQUEST = False  # gongkai.middleware.SessionRefreshMiddleware saves at most once a minute
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

TASKS = {
    "default": {
        "BACKEND": os.environ.get("GONGKAI_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

EMAIL_BACKEND = os.environ.get("GONGKAI_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("GONGKAI_FROM_EMAIL", "gongkai@localhost")

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
# Lockout after 5 failed logins per username + IP for 15 minutes (gongkai.agencies.services).
AUTHENTICATION_BACKENDS = ["gongkai.agencies.backends.LockoutModelBackend"]

# -- rate limits (gongkai/ratelimit.py) ------------------------------------------------------------------
# Counters live in the "default" cache: the database table gongkai_cache (created by migrate, no extra
# server) or Redis when GONGKAI_REDIS_URL is set (e.g. redis://127.0.0.1:6379/0).
REDIS_URL = os.environ.get("GONGKAI_REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                    "KEY_PREFIX": "gongkai"},
        # 年报体检 results: Redis expires them (TIMEOUT); size per batch capped in annual.services.
        "checks": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                   "KEY_PREFIX": "gongkai-check", "TIMEOUT": SESSION_COOKIE_AGE},
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "gongkai_cache",
                    "OPTIONS": {"MAX_ENTRIES": 50000}},
        # At most MAX_ENTRIES batches (older ones culled), each gone after TIMEOUT.
        "checks": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "gongkai_check_cache",
                   "TIMEOUT": SESSION_COOKIE_AGE,
                   "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("GONGKAI_CHECK_STORE_MAX_ENTRIES", 500))}},
    }
# scope -> {key kind -> [(requests, seconds), ...]}: "ip" per client address, "user" per logged-in account,
# "username" per username typed into a login form. Every window must hold.
GONGKAI_RATE_LIMITS = {
    "apply": {"ip": [(10, 3600), (30, 86400)], "user": [(20, 3600)]},   # online applications (POST)
    "status": {"ip": [(30, 60), (300, 86400)], "user": [(60, 60)]},     # status lookups by tracking code
    "annual": {"ip": [(20, 600), (100, 86400)], "user": [(60, 600)]},   # 年报体检 uploads (POST)
    "annual_download": {"ip": [(60, 600)], "user": [(120, 600)]},       # 年报体检 PDF/DOCX/XLSX renders
    "annual_status": {"ip": [(600, 600)]},                               # 年报体检 OCR progress polls (1 s apart)
    "login": {"ip": [(30, 600)], "username": [(10, 600)]},              # login attempts (POST)
    "portal": {"ip": [(600, 600)]},                                     # portal pages, feed, attachments
    "portal_search": {"ip": [(120, 600)]},                              # full-text search, page and API
    "portal_render": {"ip": [(60, 600)]},                               # published reports as DOCX/PDF/XLSX
}
GONGKAI_RATE_LIMITS_ENABLED = os.environ.get("GONGKAI_RATE_LIMITS", "1") != "0"
# How many reverse proxies (nginx) stand in front and append to X-Forwarded-For. 0: the client is
# REMOTE_ADDR and X-Forwarded-For is ignored (a client can write anything there).
GONGKAI_TRUSTED_PROXIES = int(os.environ.get("GONGKAI_TRUSTED_PROXIES", 0))

# -- keyed audit chain (gongkai/agencies/audit.py) --------------------------------------------------------
# HMAC key for the chain, kept outside the database. Empty: derived from SECRET_KEY with its own label.
GONGKAI_AUDIT_KEY = os.environ.get("GONGKAI_AUDIT_KEY", "")
# Append-only file where each new chain head (seq, hash, time) is published: the database writer cannot
# rewrite it. Put it on storage the database account cannot write (see docs/security.md).
GONGKAI_AUDIT_HEAD_FILE = Path(os.environ.get("GONGKAI_AUDIT_HEAD_FILE", VAR_DIR / "audit-head.log"))

# -- logging: one JSON line per event, no personal data (gongkai/logs.py) ---------------------------------
LOG_DIR = Path(os.environ.get("GONGKAI_LOG_DIR", VAR_DIR / "log"))
LOG_DIR.mkdir(parents=True, exist_ok=True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "gongkai.logs.RequestIdFilter"}},
    "formatters": {"json": {"()": "gongkai.logs.JsonFormatter"}},
    "handlers": {
        "file": {"class": "logging.handlers.RotatingFileHandler", "filename": str(LOG_DIR / "gongkai.log"),
                 "maxBytes": 10 * 1024 * 1024, "backupCount": 5, "encoding": "utf-8",
                 "formatter": "json", "filters": ["request_id"]},
        "stderr": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]},
    },
    "root": {"handlers": ["file", "stderr"], "level": "WARNING"},
    "loggers": {
        "gongkai": {"level": "INFO"},
        # The development server's access lines carry query strings (tracking codes): not in our log.
        "django.server": {"handlers": [], "propagate": False},
    },
}

# CSP (no inline script) and Permissions-Policy: gongkai.middleware.SecurityHeadersMiddleware.
GONGKAI_SECURITY_HEADERS = PRODUCTION or os.environ.get("GONGKAI_SECURITY_HEADERS", "0") == "1"

if PRODUCTION:
    # HTTPS is terminated by nginx, which sets X-Forwarded-Proto (docs/deploy.md).
    if GONGKAI_TRUSTED_PROXIES:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = os.environ.get("GONGKAI_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REFERRER_POLICY = "same-origin"
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
    X_FRAME_OPTIONS = "DENY"
    # Static files from STATIC_ROOT (collected by `gongkai serve --production`), compressed, long-cached.
    MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                      "whitenoise.middleware.WhiteNoiseMiddleware")
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
