"""The audit log: an append-only hash chain per co-op (and one for the installation).

``audit_append`` must run inside the transaction of the change it records, so the entry and the
change commit or roll back together. It takes no lock: entries are inserted unsealed, and
``audit_seal`` (run right after commit, by the background tick and by ``audit verify``) links them
into the chain in the order they were recorded, giving each a gapless sequence number, the previous
entry's hash and its own. Sealers of one chain are serialised by an advisory lock, so the hot path
of every audited write stays free of a per-co-op bottleneck.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
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
    """Record one entry in the co-op's log. Call it inside the change's transaction.

    The entry is inserted unsealed (no lock is taken, so audited writes in a co-op never wait for
    each other); it is sealed into the hash chain right after commit by ``audit_seal``, which
    gives it its sequence number and hash. ``audit verify`` seals what is pending first.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit_append must run inside the transaction of the change")
    key = chain_key(cooperative)
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    entry = AuditEntry.objects.create(
        chain=key,
        seq=None,
        cooperative=cooperative,
        actor_id=actor_id,
        actor_label=str(actor) if actor_id else "system",
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        data=_normalise(data or {}),
        created_at=timezone.now(),
    )
    _seal_after_commit_once(connection, key)
    return entry


def audit_seal_after_commit(*, cooperative: Cooperative | None) -> None:
    """Seal ``cooperative``'s chain after the current transaction commits (at once outside a
    transaction), as ``audit_append`` does.

    For a service that inserts its pending entries itself, in the same SQL statement as the change
    they record (the marketplace's one-statement claim). Such entries must be the rows
    ``audit_append`` would write: ``seq`` NULL, empty hashes, the actor's label.
    """
    _seal_after_commit_once(transaction.get_connection(), chain_key(cooperative))


def _seal_after_commit_once(connection: Any, key: str) -> None:
    """Register one sealing of ``key`` after commit, however many entries the transaction adds."""
    for _sids, func, _robust in connection.run_on_commit:
        if getattr(func, "audit_chain", None) == key:
            return
    callback = partial(_seal_after_commit, key)
    callback.audit_chain = key  # type: ignore[attr-defined]
    transaction.on_commit(callback, robust=True)


# When this process last asked the cache to seal each chain (``time.monotonic()``).
_asked_at: dict[str, float] = {}


def _seal_after_commit(key: str) -> None:
    """Seal right after commit, at most once per ``AUDIT_SEAL_DEBOUNCE_SECONDS`` per chain: under
    load one sealing links many entries, instead of every write paying for its own. What a
    debounced commit leaves pending is sealed by the next one, by ``coopwork tick`` or by
    ``audit verify``.

    The cache (shared by the processes) decides which commit seals; a process asks it at most once
    per period and chain, so the other commits of a busy process skip without a round trip to it.
    """
    debounce = float(getattr(settings, "AUDIT_SEAL_DEBOUNCE_SECONDS", 0))
    if debounce > 0:
        now = time.monotonic()
        if now - _asked_at.get(key, -debounce) < debounce:
            return
        _asked_at[key] = now
        if not cache.add(f"audit-sealed-recently:{key}", 1, timeout=debounce):
            return
    audit_seal(chain=key, wait=False)


def _lock_chain(key: str, *, wait: bool) -> bool:
    """Serialise sealers of one chain for the current transaction. On SQLite the transaction
    already holds the database's write lock (IMMEDIATE), so this always succeeds."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return True
    digest = hashlib.blake2b(f"audit-seal:{key}".encode(), digest_size=8).digest()
    lock_id = int.from_bytes(digest, "big", signed=True)
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_id])
        row = cursor.fetchone()
        return bool(row and row[0])


def audit_seal(*, chain: str | None = None, wait: bool = True, batch: int = 2000) -> int:
    """Seal pending entries into their hash chains, in the order they were recorded.

    Each pending entry gets the next sequence number of its chain, the previous entry's hash and
    its own hash; the chain head moves on. With ``wait=False`` a chain another process is
    already sealing is skipped (that process picks up what is pending). Returns the number of
    entries sealed.
    """
    keys = (
        [chain]
        if chain is not None
        else sorted(
            set(
                AuditEntry.objects.filter(seq__isnull=True)
                .values_list("chain", flat=True)
                .distinct()
            )
        )
    )
    sealed = 0
    for key in keys:
        while True:
            with transaction.atomic():
                if not _lock_chain(key, wait=wait):
                    break
                AuditChain.objects.get_or_create(key=key)
                head = AuditChain.objects.select_for_update().get(key=key)
                # Plain values, not model instances: under load one sealing links hundreds of
                # entries, and building an AuditEntry for each cost more than hashing it.
                pending = list(
                    AuditEntry.objects.filter(chain=key, seq__isnull=True)
                    .order_by("id")
                    .values_list(*_HASHED)[:batch]
                )
                if not pending:
                    break
                seq, prev = head.length, head.head_hash
                seals: list[tuple[int, int, str, str]] = []
                for pk, created_at, actor_id, action, object_type, object_id, data in pending:
                    seq += 1
                    digest = entry_digest(
                        chain=key,
                        seq=seq,
                        prev_hash=prev,
                        created_at=_timestamp(created_at),
                        actor_id=actor_id,
                        action=action,
                        object_type=object_type,
                        object_id=object_id,
                        data=data,
                    )
                    seals.append((pk, seq, prev, digest))
                    prev = digest
                _write_seals(seals)
                AuditChain.objects.filter(pk=head.pk).update(length=seq, head_hash=prev)
                sealed += len(pending)
            if len(pending) < batch:
                break
    return sealed


# What an entry's hash covers besides its chain, sequence number and previous hash.
_HASHED = ("pk", "created_at", "actor_id", "action", "object_type", "object_id", "data")


def _write_seals(seals: list[tuple[int, int, str, str]]) -> None:
    """Store the sequence numbers and hashes, given as (id, seq, prev_hash, hash), in one UPDATE
    (``bulk_update`` built a CASE per entry and field, which cost more than the hashing under
    load). On PostgreSQL the values travel as four arrays: a statement with four placeholders
    instead of four per entry, which the driver no longer has to parse at every sealing."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    update = (
        f"UPDATE {table} SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash "  # noqa: S608 (the table name is the model's)
        f"FROM v WHERE {table}.id = v.id"
    )
    if connection.vendor == "postgresql":
        ids, seqs, prevs, hashes = (list(column) for column in zip(*seals, strict=True))
        sql = (
            "WITH v(id, seq, prev_hash, hash) AS (SELECT * FROM"
            " unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[])) " + update
        )
        params: list[Any] = [ids, seqs, prevs, hashes]
    else:
        rows = ", ".join(["(%s, %s, %s, %s)"] * len(seals))
        sql = f"WITH v(id, seq, prev_hash, hash) AS (VALUES {rows}) " + update
        params = [value for seal in seals for value in seal]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@dataclass(frozen=True)
class AuditProblem:
    chain: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"chain {self.chain}, entry {self.seq}: {self.reason}"


def _recompute(entry: AuditEntry) -> str:
    if entry.seq is None:
        raise ValueError("a pending entry has no hash yet")
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
    """Seal what is pending, recompute the chain, and return the first entry that was altered or
    removed, or None."""
    audit_seal(chain=key)
    expected_prev = GENESIS
    expected_seq = 1
    entries = AuditEntry.objects.filter(chain=key, seq__isnull=False).order_by("seq")
    for entry in entries.iterator(chunk_size=2000):
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
