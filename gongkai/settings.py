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

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
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
# its prose included): the session row is rewritten on every request (SESSION_SAVE_EVERY_REQUEST).
GONGKAI_REPORT_SESSION_MAX_BYTES = int(os.environ.get("GONGKAI_REPORT_SESSION_MAX_BYTES", 2 * 1024 * 1024))

SESSION_COOKIE_AGE = 30 * 60  # session timeout: 30 minutes of inactivity
SESSION_SAVE_EVERY_REQUEST = True
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
