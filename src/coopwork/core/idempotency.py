"""Idempotency keys for requests that move money.

The first request with a key runs and its answer is stored in the same transaction; a retry with
the same key and the same body gets the stored answer, and a retry with a different body is
refused. Concurrent retries are serialised by an advisory lock on the key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from .errors import IdempotencyKeyRequired, IdempotencyKeyReused, ValidationError
from .locks import advisory_xact_lock
from .models import IdempotencyRecord

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def request_fingerprint(data: Any) -> str:
    body = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def run_idempotent(
    *,
    user: User,
    scope: str,
    key: str | None,
    request_data: Any,
    run: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    """Run ``run`` once per (user, scope, key); replay its stored (status, body) afterwards."""
    if not key:
        raise IdempotencyKeyRequired()
    if len(key) > 200:
        raise ValidationError(code="idempotency_key_too_long")
    fingerprint = request_fingerprint(request_data)
    with transaction.atomic():
        advisory_xact_lock(f"idem:{user.pk}:{scope}:{key}")
        record = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
        if record is not None:
            if record.request_hash != fingerprint:
                raise IdempotencyKeyReused()
            return record.response_status, record.response_body
        status, body = run()
        stored = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
        IdempotencyRecord.objects.create(
            user=user,
            scope=scope,
            key=key,
            request_hash=fingerprint,
            response_status=status,
            response_body=stored,
        )
        return status, stored
