"""Production settings. They refuse to start with DEBUG on or without a real secret key."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEBUG, env_bool

if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production: set DEBUG=0.")
if not os.environ.get("SECRET_KEY") or len(os.environ["SECRET_KEY"]) < 32:
    raise ImproperlyConfigured("Set SECRET_KEY to a random string of at least 32 characters.")
SECRET_KEY = os.environ["SECRET_KEY"]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "0"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
