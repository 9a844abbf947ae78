"""The one settings module. Every knob is an HOCSO_* environment variable with a safe default.

Development defaults (SQLite under var/, DEBUG off unless asked) work with no configuration;
production sets HOCSO_SECRET_KEY, HOCSO_DATABASE_URL, HOCSO_ALLOWED_HOSTS and HOCSO_PRODUCTION=1.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
# var/ holds the SQLite database, uploads and job files; HOCSO_VAR_DIR moves it.
VAR_DIR = Path(os.environ.get("HOCSO_VAR_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = env_bool("HOCSO_PRODUCTION")
DEBUG = env_bool("HOCSO_DEBUG")

SECRET_KEY = os.environ.get("HOCSO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("HOCSO_SECRET_KEY must be set when HOCSO_PRODUCTION=1")
    # Development only: a fixed, obviously unsafe key so sessions survive restarts.
    SECRET_KEY = "dev-insecure-hocso-key-do-not-use-in-production-" + "x" * 20  # noqa: S105

ALLOWED_HOSTS = env_list("HOCSO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("HOCSO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "hocso.core",
    "hocso.orgs",
    "hocso.curriculum",
    "hocso.accounts",
    "hocso.registry",
    "hocso.assessment",
    "hocso.questions",
    "hocso.exams",
    "hocso.resources",
    "hocso.monitoring",
    "hocso.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hocso.core.middleware.ChosenLanguageMiddleware",  # LocaleMiddleware without Accept-Language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hocso.urls"
WSGI_APPLICATION = "hocso.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "hocso.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("HOCSO_DATABASE_URL", f"sqlite:///{VAR_DIR / 'hocso.sqlite3'}"),
        conn_max_age=int(os.environ.get("HOCSO_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while an import or the task worker writes; IMMEDIATE
    # transactions take the write lock up front so concurrent writers wait instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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

# Failed logins: after this many failures for one username (or one address) within the window,
# further attempts are refused until the window has passed.
LOGIN_MAX_FAILURES = int(os.environ.get("HOCSO_LOGIN_MAX_FAILURES", "5"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("HOCSO_LOGIN_FAILURE_WINDOW", "900"))

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The project-wide assets (vendored Bootstrap/htmx, hocso.css) live beside the apps, not in one.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("HOCSO_STATIC_ROOT", VAR_DIR / "static"))
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
MEDIA_ROOT = Path(os.environ.get("HOCSO_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
# Uploaded files (the resource library's blobs) on any S3-compatible store when a bucket is
# named; otherwise under MEDIA_ROOT. Files are never public: the app serves them after its
# access check (or hands out short-lived signed URLs), hence no ACL and signed query strings.
HOCSO_S3_BUCKET = os.environ.get("HOCSO_S3_BUCKET", "")
if HOCSO_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": HOCSO_S3_BUCKET,
            "endpoint_url": os.environ.get("HOCSO_S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("HOCSO_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("HOCSO_S3_SECRET_ACCESS_KEY") or None,
            "region_name": os.environ.get("HOCSO_S3_REGION") or None,
            # Blobs are named by their hash: an existing name is never overwritten.
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
        },
    }
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    # Outside production static files come from the app folders (finders); STATIC_ROOT is only
    # filled by `collectstatic`, so WhiteNoise's warning about it being absent is noise there.
    import warnings

    warnings.filterwarnings("ignore", message="No directory at: ", category=UserWarning)

# Uploads: imports are spreadsheets; anything larger is refused before it is read.
HOCSO_MAX_UPLOAD_BYTES = int(os.environ.get("HOCSO_MAX_UPLOAD_MB", "50")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # larger uploads stream to a temporary file
# The resource library's limit per uploaded file (videos, packages), checked while streaming.
HOCSO_RESOURCE_MAX_UPLOAD_MB = int(os.environ.get("HOCSO_RESOURCE_MAX_UPLOAD_MB", "500"))
# SCORM and HTML5 packages: most members, most unpacked bytes, highest compression ratio of a
# member (resources/packages.py checks them before and while unpacking).
HOCSO_PACKAGE_MAX_FILES = int(os.environ.get("HOCSO_PACKAGE_MAX_FILES", "5000"))
HOCSO_PACKAGE_MAX_MB = int(os.environ.get("HOCSO_PACKAGE_MAX_MB", "500"))
HOCSO_PACKAGE_MAX_RATIO = int(os.environ.get("HOCSO_PACKAGE_MAX_RATIO", "100"))

# Background work: the database backend in production and the demo (a `db_worker` runs beside
# gunicorn); tests and HOCSO_TASKS_IMMEDIATE=1 run tasks inline.
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env_bool("HOCSO_TASKS_IMMEDIATE")
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("HOCSO_SESSION_AGE", str(8 * 3600)))
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("HOCSO_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("HOCSO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("HOCSO_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HOCSO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50

# The public address of the site (e.g. https://hocso.travinh.edu.vn), used where an absolute
# link must be printed: the verification QR code of an electronic transcript. Empty: the
# address the request came to.
HOCSO_PUBLIC_URL = os.environ.get("HOCSO_PUBLIC_URL", "").rstrip("/")

# Email (the monitoring centre's alerts): SMTP when HOCSO_EMAIL_HOST is set, else printed to the
# console (the demo and development). Links in emails start with HOCSO_PUBLIC_URL.
if os.environ.get("HOCSO_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["HOCSO_EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("HOCSO_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("HOCSO_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("HOCSO_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("HOCSO_EMAIL_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("HOCSO_EMAIL_FROM", "hocso <no-reply@localhost>")
