"""Django settings. SQLite under var/ by default; PostgreSQL when TAMIN_DATABASE_URL says so."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

PACKAGE_DIR = Path(__file__).resolve().parent
# src/tamin/settings.py -> the checkout; var/ holds the embedded database and generated files.
PROJECT_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("TAMIN_VAR_DIR", PROJECT_DIR / "var"))
SHARED_DIR = Path(os.environ.get("TAMIN_SHARED_DIR", PROJECT_DIR.parent / "shared"))

DEBUG = os.environ.get("TAMIN_DEBUG", "") == "1"
SECRET_KEY = os.environ.get("TAMIN_SECRET_KEY", "tamin-demo-secret-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = os.environ.get("TAMIN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")


def database_from_url(url: str) -> dict[str, object]:
    """Read `postgresql://user:password@host:port/name` (or `sqlite:///path`) into Django's form."""
    parts = urlsplit(url)
    if parts.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "postgres",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
        }
    if parts.scheme == "sqlite":
        return _sqlite(Path(unquote(parts.path)))
    raise ValueError(
        f"TAMIN_DATABASE_URL: unsupported scheme {parts.scheme!r} (use postgresql:// or sqlite://)"
    )


def _sqlite(path: Path) -> dict[str, object]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        # WAL lets the portal read while a batch writes; IMMEDIATE avoids upgrade deadlocks.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            # 64 MiB of page cache (the default is 2 MiB): a batch's index inserts stay in memory.
            " PRAGMA cache_size=-65536;",
        },
        "TEST": {"NAME": None},
    }


_db_url = os.environ.get("TAMIN_DATABASE_URL", "")
DATABASES = {"default": database_from_url(_db_url) if _db_url else _sqlite(VAR_DIR / "tamin.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "tamin.accounts",
    "tamin.audit",
    "tamin.registry",
    "tamin.contributions",
    "tamin.records",
    "tamin.portal",
    "tamin.demo",
    "tamin.relief",
    "tamin.benefits",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tamin.input_guard.ControlCharacterGuard",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tamin.urls"
WSGI_APPLICATION = "tamin.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tamin.portal.context.portal",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", "فارسی")]
TIME_ZONE = "Asia/Tehran"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Only a production deployment that runs collectstatic sets this.
STATIC_ROOT = os.environ.get("TAMIN_STATIC_ROOT") or None
# Served straight from the app folders: `make demo` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TAMIN_LOG_LEVEL", "WARNING")},
}

# API pages: bounded, so a huge limit or offset is a 400 and not a database overflow.
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
NINJA_PAGINATION_MAX_OFFSET = 100_000_000
