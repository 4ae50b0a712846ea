"""The audit log: an append-only hash chain per co-op (and one for the installation).

``audit_append`` must run inside the transaction of the change it records, so the entry and the
change commit or roll back together. Appends to one chain are serialised by locking the chain's head
row, which also makes ``seq`` gapless.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from .models import AuditChain, AuditEntry, Cooperative

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

GENESIS = "0" * 64
SYSTEM_CHAIN = "system"


def chain_key(cooperative: Cooperative | None) -> str:
    return f"coop:{cooperative.pk}" if cooperative is not None else SYSTEM_CHAIN


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    # Decimals, dates and UUIDs become strings, exactly as they will be read back.
    result: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return result


def entry_digest(
    *,
    chain: str,
    seq: int,
    prev_hash: str,
    created_at: str,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    data: dict[str, Any],
) -> str:
    payload = json.dumps(
        [chain, seq, prev_hash, created_at, actor_id, action, object_type, object_id, data],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _timestamp(value: Any) -> str:
    return str(value.astimezone(dt.UTC).isoformat(timespec="microseconds"))


def audit_append(
    *,
    cooperative: Cooperative | None,
    actor: User | AnonymousUser | None,
    action: str,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the co-op's chain. Call it inside the change's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_append must run inside the transaction of the change")
    key = chain_key(cooperative)
    AuditChain.objects.get_or_create(key=key)
    head = AuditChain.objects.select_for_update().get(key=key)
    seq = head.length + 1
    created_at = timezone.now()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    object_type = target._meta.label_lower if target is not None else ""
    object_id = str(target.pk) if target is not None else ""
    clean = _normalise(data or {})
    digest = entry_digest(
        chain=key,
        seq=seq,
        prev_hash=head.head_hash,
        created_at=_timestamp(created_at),
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        data=clean,
    )
    entry = AuditEntry.objects.create(
        chain=key,
        seq=seq,
        cooperative=cooperative,
        actor_id=actor_id,
        actor_label=str(actor) if actor_id else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        data=clean,
        created_at=created_at,
        prev_hash=head.head_hash,
        hash=digest,
    )
    AuditChain.objects.filter(pk=head.pk).update(length=seq, head_hash=digest)
    return entry


@dataclass(frozen=True)
class AuditProblem:
    chain: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"chain {self.chain}, entry {self.seq}: {self.reason}"


def _recompute(entry: AuditEntry) -> str:
    return entry_digest(
        chain=entry.chain,
        seq=entry.seq,
        prev_hash=entry.prev_hash,
        created_at=_timestamp(entry.created_at),
        actor_id=entry.actor_id,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        data=entry.data,
    )


def audit_verify_chain(key: str) -> AuditProblem | None:
    """Recompute the chain; return the first entry that was altered or removed, or None."""
    expected_prev = GENESIS
    expected_seq = 1
    for entry in AuditEntry.objects.filter(chain=key).order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return AuditProblem(key, expected_seq, "entry removed (sequence gap)")
        intact = _recompute(entry) == entry.hash
        if entry.prev_hash != expected_prev:
            if intact and expected_seq > 1:
                # This entry is intact and still names the previous entry's original hash, so
                # the previous entry was rewritten and its hash recomputed to hide it.
                return AuditProblem(key, entry.seq - 1, "content altered (hash recomputed)")
            return AuditProblem(key, entry.seq, "previous-hash link broken (an entry was removed)")
        if not intact:
            return AuditProblem(key, entry.seq, "content altered (hash mismatch)")
        expected_prev = entry.hash
        expected_seq += 1
    head = AuditChain.objects.filter(key=key).first()
    if head is not None and head.length > expected_seq - 1:
        return AuditProblem(key, expected_seq, "entries removed from the end of the chain")
    if head is not None and head.length < expected_seq - 1:
        return AuditProblem(key, head.length + 1, "entry added outside audit_append")
    if head is not None and head.length and head.head_hash != expected_prev:
        return AuditProblem(key, head.length, "chain head does not match the last entry")
    return None


def audit_verify_all() -> list[AuditProblem]:
    keys = set(AuditChain.objects.values_list("key", flat=True))
    keys |= set(AuditEntry.objects.values_list("chain", flat=True).distinct())
    problems = []
    for key in sorted(keys):
        problem = audit_verify_chain(key)
        if problem is not None:
            problems.append(problem)
    return problems
