"""Settings of the test OpenID provider; everything per run comes from the environment."""

import os
from pathlib import Path

STATE = Path(os.environ["OIDC_TEST_PROVIDER_STATE"])
PORT = int(os.environ["OIDC_TEST_PROVIDER_PORT"])

SECRET_KEY = "test-provider-only"
DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
SITE_URL = f"http://localhost:{PORT}"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.oidc_provider.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": STATE / "op.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
# Another host than VAKwerk's live server, and other cookie names besides.
SESSION_COOKIE_NAME = "op_session"
CSRF_COOKIE_NAME = "op_csrf"
LOGIN_URL = "/accounts/login/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
OIDC_USERINFO = "tests.oidc_provider.hooks.userinfo"
OIDC_IDTOKEN_PROCESSING_HOOK = "tests.oidc_provider.hooks.id_token"
OIDC_IDTOKEN_EXPIRE = 600
OIDC_DISCOVERY_CACHE_ENABLE = False
