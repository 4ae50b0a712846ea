"""Test settings: the base settings with fast hashing and an in-memory outbox."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; prod uses argon2
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

# Seal every commit at once, so tests see a deterministic chain.
AUDIT_SEAL_DEBOUNCE_SECONDS = 0.0
NOTIFICATION_EMAIL_DEBOUNCE_SECONDS = 0.0
