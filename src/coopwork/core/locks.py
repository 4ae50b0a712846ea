"""Cross-process locks that live in the database transaction."""

from __future__ import annotations

import hashlib

from django.db import connection


def _lock_id(name: str) -> int:
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def advisory_xact_lock(name: str) -> None:
    """Hold a lock named ``name`` until the current transaction ends.

    On PostgreSQL this is ``pg_advisory_xact_lock``. On SQLite, transactions begin IMMEDIATE
    (see settings), so every writing transaction already holds the database's single write lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(name)])
