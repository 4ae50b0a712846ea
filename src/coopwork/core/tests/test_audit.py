"""core.audit: the append-only hash chain, tamper detection and ``coopwork audit verify``."""

from __future__ import annotations

import contextlib
import itertools
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, ProgrammingError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from coopwork import testing
from coopwork.core.audit import (
    GENESIS,
    SYSTEM_CHAIN,
    AuditProblem,
    _timestamp,
    audit_append,
    audit_seal,
    audit_verify_all,
    audit_verify_chain,
    chain_key,
    entry_digest,
)
from coopwork.core.models import AuditChain, AuditEntry
from coopwork.core.services import api_token_create, parameter_set

# --- helpers -----------------------------------------------------------------------------------


@contextlib.contextmanager
def tampering():
    """Let the test rewrite the audit table as an attacker with superuser rights would.

    On PostgreSQL the append-only trigger refuses UPDATE and DELETE; a superuser can switch
    triggers off for the session, which is exactly what ``audit verify`` must still catch.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
    else:
        yield


def entry(chain: str, seq: int) -> AuditEntry:
    audit_seal()  # in these tests nothing commits, so nothing is sealed after commit
    return AuditEntry.objects.get(chain=chain, seq=seq)


def rehash(e: AuditEntry) -> str:
    return entry_digest(
        chain=e.chain,
        seq=e.seq,
        prev_hash=e.prev_hash,
        created_at=_timestamp(e.created_at),
        actor_id=e.actor_id,
        action=e.action,
        object_type=e.object_type,
        object_id=e.object_id,
        data=e.data,
    )


def verify_command(*args: str) -> str:
    out = []

    class Sink:
        def write(self, text: str) -> None:
            out.append(text)

        def flush(self) -> None:
            pass

    call_command("audit", "verify", *args, stdout=Sink(), no_color=True)
    return "".join(out)


def command_error(*args: str) -> str:
    with pytest.raises(CommandError) as exc:
        verify_command(*args)
    return str(exc.value)


@pytest.fixture
def chain(coop, board_user) -> str:
    """A co-op chain of six entries: created, share class, 3 colleges, board role."""
    key = chain_key(coop)
    assert AuditEntry.objects.filter(chain=key).count() == 6
    audit_seal()  # nothing commits in these tests, so nothing was sealed after commit
    assert AuditEntry.objects.filter(chain=key, seq__isnull=True).count() == 0
    return key


# --- the chain ---------------------------------------------------------------------------------


def test_chain_links_every_entry_to_the_previous(chain, coop):
    entries = list(AuditEntry.objects.filter(chain=chain).order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5, 6]
    assert [e.action for e in entries] == [
        "cooperative.created",
        "share_class.created",
        "college.created",
        "college.created",
        "college.created",
        "role.granted",
    ]
    assert entries[0].prev_hash == GENESIS
    for prev, cur in itertools.pairwise(entries):
        assert cur.prev_hash == prev.hash
    for e in entries:
        assert rehash(e) == e.hash
        assert e.cooperative_id == coop.pk
    head = AuditChain.objects.get(key=chain)
    assert (head.length, head.head_hash) == (6, entries[-1].hash)
    assert chain == f"coop:{coop.pk}"


def test_chains_are_per_cooperative_and_system(coop, other_coop, board_user):
    token, _raw = api_token_create(user=board_user, name="cli")
    audit_seal()
    assert chain_key(None) == SYSTEM_CHAIN
    system = AuditEntry.objects.get(chain=SYSTEM_CHAIN)
    assert (system.seq, system.action, system.cooperative_id) == (1, "api_token.created", None)
    assert system.object_id == str(token.pk)
    assert AuditEntry.objects.filter(chain=chain_key(other_coop)).count() == 5
    assert audit_verify_all() == []


def test_data_is_normalised_as_it_will_be_read_back(coop):
    import datetime as dt
    from decimal import Decimal

    with transaction.atomic():
        e = audit_append(
            cooperative=coop,
            actor=None,
            action="test.normalised",
            data={"when": dt.date(2027, 1, 2), "rate": Decimal("0.125"), "n": 3},
        )
    assert e.data == {"when": "2027-01-02", "rate": "0.125", "n": 3}
    audit_seal()
    e.refresh_from_db()
    assert rehash(e) == e.hash
    assert audit_verify_chain(chain_key(coop)) is None


def test_verify_reports_ok(chain, other_coop):
    assert audit_verify_chain(chain) is None
    assert audit_verify_all() == []
    out = verify_command()
    assert f"chain {chain}: 6 entries … OK" in out
    assert f"chain {chain_key(other_coop)}: 5 entries … OK" in out
    assert "2 chains verified, no tampering found." in out


def test_audit_append_refuses_to_run_outside_a_transaction(transactional_db):
    coop = testing.make_coop("outside")
    count = AuditEntry.objects.count()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_append(cooperative=coop, actor=None, action="test.outside")
    assert AuditEntry.objects.count() == count


def test_audit_entry_rolls_back_with_its_change(coop):
    key = chain_key(coop)
    with contextlib.suppress(ZeroDivisionError), transaction.atomic():
        audit_append(cooperative=coop, actor=None, action="test.rolled_back")
        1 / 0  # noqa: B018
    audit_seal()
    assert AuditEntry.objects.filter(chain=key).count() == 5
    assert AuditChain.objects.get(key=key).length == 5
    assert audit_verify_chain(key) is None


def test_a_user_who_acted_cannot_be_deleted(chain, board_user, coop):
    # Nulling actor_id would rewrite a hashed entry: deletion is refused on every database.
    parameter_set(
        cooperative=coop,
        key="vat_rate",
        value="1/10",
        effective_from=timezone.localdate(),
        source="board",
        source_ref="Board minutes",
        actor=board_user,
    )
    assert entry(chain, 7).actor_id == board_user.pk
    with pytest.raises(ProtectedError):
        board_user.delete()
    assert entry(chain, 7).actor_id == board_user.pk
    assert audit_verify_chain(chain) is None


@pytest.mark.postgres
def test_the_audit_tables_foreign_keys_have_no_index_and_a_jobs_entries_have_one(chain, coop):
    """Migration core/0008: the co-op and actor keys stay constraints without an index of their
    own (written at every insert and sealing, read by nothing but a deletion's check); a job's
    entries have a partial index, which its timeline's query can use."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'core_auditentry'")
        assert {row[0] for row in cursor.fetchall()} == {
            "core_auditentry_pkey",
            "audit_pending",
            "audit_seq_unique_per_chain",
            "audit_job_entries",
        }
        cursor.execute(
            "SELECT a.attname FROM pg_constraint c"
            " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
            " WHERE c.conrelid = 'core_auditentry'::regclass AND c.contype = 'f'"
        )
        assert sorted(row[0] for row in cursor.fetchall()) == ["actor_id", "cooperative_id"]
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: ask whether it can
    timeline = AuditEntry.objects.filter(
        cooperative_id=coop.pk, object_type="marketplace.job", object_id="1"
    ).order_by("seq")
    assert "audit_job_entries" in timeline.explain()
    with pytest.raises(ProtectedError) as refused:  # the co-op's entries still protect it
        coop.delete()
    assert any(isinstance(o, AuditEntry) for o in refused.value.protected_objects)


# --- tampering ---------------------------------------------------------------------------------


def test_altering_data_is_detected(chain):
    with tampering():
        AuditEntry.objects.filter(chain=chain, seq=3).update(data={"code": "forged"})
    problem = audit_verify_chain(chain)
    assert problem == AuditProblem(chain, 3, "content altered (hash mismatch)")
    assert command_error() == (
        f"first tampered entry: chain {chain}, entry 3: content altered (hash mismatch)"
    )
    assert audit_verify_all() == [problem]


@pytest.mark.parametrize(
    "change",
    [
        {"action": "role.revoked"},
        {"object_id": "999"},
        {"actor_label": "someone else"},  # not hashed: only the display label
        {"actor_id": "board"},
    ],
)
def test_altering_any_hashed_field_is_detected(chain, board_user, change):
    if change.get("actor_id") == "board":
        change = {"actor_id": board_user.pk}  # entry 6 was written by the system (no actor)
    with tampering():
        AuditEntry.objects.filter(chain=chain, seq=6).update(**change)
    problem = audit_verify_chain(chain)
    if "actor_label" in change:
        assert problem is None
    else:
        assert problem == AuditProblem(chain, 6, "content altered (hash mismatch)")


def test_altering_the_timestamp_is_detected(chain):
    import datetime as dt

    e = entry(chain, 2)
    with tampering():
        AuditEntry.objects.filter(pk=e.pk).update(
            created_at=e.created_at - dt.timedelta(microseconds=1)
        )
    assert audit_verify_chain(chain) == AuditProblem(chain, 2, "content altered (hash mismatch)")


def test_altering_data_and_recomputing_its_hash_names_that_entry(chain):
    e = entry(chain, 4)
    e.data = {**e.data, "min_shares": 0}
    forged = rehash(e)
    with tampering():
        AuditEntry.objects.filter(pk=e.pk).update(data=e.data, hash=forged)
    assert audit_verify_chain(chain) == AuditProblem(chain, 4, "content altered (hash recomputed)")


def test_altering_the_last_entry_and_its_hash_is_caught_by_the_head(chain):
    e = entry(chain, 6)
    e.data = {**e.data, "role": "admin"}
    forged = rehash(e)
    with tampering():
        AuditEntry.objects.filter(pk=e.pk).update(data=e.data, hash=forged)
    assert audit_verify_chain(chain) == AuditProblem(
        chain, 6, "chain head does not match the last entry"
    )


def test_deleting_a_middle_entry_is_detected(chain):
    with tampering():
        AuditEntry.objects.filter(chain=chain, seq=3).delete()
    assert audit_verify_chain(chain) == AuditProblem(chain, 3, "entry removed (sequence gap)")
    assert command_error() == (
        f"first tampered entry: chain {chain}, entry 3: entry removed (sequence gap)"
    )


def test_deleting_a_middle_entry_and_renumbering_is_detected(chain):
    with tampering():
        AuditEntry.objects.filter(chain=chain, seq=3).delete()
        for seq in (4, 5, 6):
            AuditEntry.objects.filter(chain=chain, seq=seq).update(seq=seq - 1)
        AuditChain.objects.filter(key=chain).update(length=5)
    assert audit_verify_chain(chain) == AuditProblem(
        chain, 3, "previous-hash link broken (an entry was removed)"
    )


def test_deleting_the_last_entry_is_detected(chain):
    with tampering():
        AuditEntry.objects.filter(chain=chain, seq=6).delete()
    assert audit_verify_chain(chain) == AuditProblem(
        chain, 6, "entries removed from the end of the chain"
    )
    assert command_error() == (
        f"first tampered entry: chain {chain}, entry 6: entries removed from the end of the chain"
    )


def test_deleting_every_entry_is_detected(chain):
    with tampering():
        AuditEntry.objects.filter(chain=chain).delete()
    assert audit_verify_chain(chain) == AuditProblem(
        chain, 1, "entries removed from the end of the chain"
    )


def test_reordering_entries_is_detected(chain):
    with tampering():
        AuditEntry.objects.filter(chain=chain, seq=2).update(seq=1000)
        AuditEntry.objects.filter(chain=chain, seq=3).update(seq=2)
        AuditEntry.objects.filter(chain=chain, seq=1000).update(seq=3)
    assert audit_verify_chain(chain) == AuditProblem(
        chain, 2, "previous-hash link broken (an entry was removed)"
    )


def test_an_entry_slipped_in_outside_audit_append_is_detected(chain, coop):
    last = entry(chain, 6)
    forged = AuditEntry(
        chain=chain,
        seq=7,
        cooperative=coop,
        action="role.granted",
        data={"user": 1, "role": "admin"},
        created_at=last.created_at,
        prev_hash=last.hash,
    )
    forged.hash = rehash(forged)
    AuditEntry.objects.bulk_create([forged])  # an INSERT: the trigger allows appends
    assert audit_verify_chain(chain) == AuditProblem(chain, 7, "entry added outside audit_append")


def test_the_first_of_several_problems_is_reported(chain, other_coop):
    other = chain_key(other_coop)
    audit_seal()
    with tampering():
        AuditEntry.objects.filter(chain=chain, seq=5).update(data={})
        AuditEntry.objects.filter(chain=chain, seq=2).update(data={})
        AuditEntry.objects.filter(chain=other, seq=4).delete()
    assert audit_verify_chain(chain) == AuditProblem(chain, 2, "content altered (hash mismatch)")
    assert audit_verify_chain(other) == AuditProblem(other, 4, "entry removed (sequence gap)")
    problems = audit_verify_all()
    assert sorted(problems, key=str) == sorted(
        [
            AuditProblem(chain, 2, "content altered (hash mismatch)"),
            AuditProblem(other, 4, "entry removed (sequence gap)"),
        ],
        key=str,
    )
    message = command_error()
    assert message == f"first tampered entry: {sorted(problems, key=lambda p: p.chain)[0]}"
    # --chain narrows the check to one chain.
    assert command_error("--chain", other) == (
        f"first tampered entry: chain {other}, entry 4: entry removed (sequence gap)"
    )


def test_verify_command_only_checks_the_chain_asked(chain, other_coop):
    with tampering():
        AuditEntry.objects.filter(chain=chain, seq=1).update(data={"slug": "evil"})
    out = verify_command("--chain", chain_key(other_coop))
    assert "1 chains verified, no tampering found." in out
    assert command_error("--chain", chain).endswith("entry 1: content altered (hash mismatch)")


def test_verify_command_refuses_an_unknown_chain(chain):
    # A typo must not read as "no tampering found".
    assert command_error("--chain", "coop:999") == "no audit chain named coop:999"


def test_tampered_json_key_order_is_not_a_false_alarm(chain):
    # PostgreSQL's jsonb reorders keys; the digest sorts them, so a pure reordering is no change.
    e = entry(chain, 1)
    reordered = json.loads(json.dumps(dict(reversed(list(e.data.items())))))
    with tampering():
        AuditEntry.objects.filter(pk=e.pk).update(data=reordered)
    assert audit_verify_chain(chain) is None


# --- PostgreSQL: the append-only trigger -------------------------------------------------------


@pytest.mark.postgres
def test_postgres_refuses_update_of_an_audit_entry(chain):
    e = entry(chain, 2)
    with pytest.raises(ProgrammingError, match="the audit log is append-only"):  # noqa: SIM117
        with transaction.atomic():
            AuditEntry.objects.filter(pk=e.pk).update(data={"forged": True})
    with pytest.raises(ProgrammingError, match="the audit log is append-only"):  # noqa: SIM117
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditentry SET action = 'x' WHERE id = %s", [e.pk])
    e.refresh_from_db()
    assert e.data == {"code": "a", "nominal_minor": 2000, "max_per_member": 500}
    assert audit_verify_chain(chain) is None


@pytest.mark.postgres
def test_postgres_refuses_delete_of_an_audit_entry(chain):
    with pytest.raises(DatabaseError, match="the audit log is append-only") as exc:  # noqa: SIM117
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditentry WHERE chain = %s AND seq = 6", [chain])
    assert getattr(exc.value.__cause__, "sqlstate", None) == "42501"  # insufficient_privilege
    with pytest.raises(ProgrammingError):  # noqa: SIM117
        with transaction.atomic():
            AuditEntry.objects.filter(chain=chain).delete()
    assert AuditEntry.objects.filter(chain=chain).count() == 6
    assert audit_verify_chain(chain) is None


# --- sealing -----------------------------------------------------------------------------------


def test_entries_wait_unsealed_until_sealed_in_recording_order(coop):
    key = chain_key(coop)
    with transaction.atomic():
        first = audit_append(cooperative=coop, actor=None, action="test.first")
        second = audit_append(cooperative=coop, actor=None, action="test.second")
    # Nothing committed (the test runs inside a transaction), so both are still pending.
    assert (first.seq, first.hash, second.seq) == (None, "", None)
    assert audit_seal(chain=key) == 7  # five set-up entries and these two
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.seq, second.seq) == (6, 7)
    assert second.prev_hash == first.hash == rehash(first)
    assert audit_seal(chain=key) == 0
    assert audit_verify_chain(key) is None


def test_verify_seals_what_is_pending_first(coop):
    with transaction.atomic():
        audit_append(cooperative=coop, actor=None, action="test.pending")
    out = verify_command("--chain", chain_key(coop))
    assert "6 entries … OK" in out
    assert not AuditEntry.objects.filter(seq__isnull=True).exists()


def test_entries_are_sealed_right_after_commit(transactional_db):
    coop = testing.make_coop("sealed")
    key = chain_key(coop)
    assert not AuditEntry.objects.filter(chain=key, seq__isnull=True).exists()
    assert list(
        AuditEntry.objects.filter(chain=key).order_by("seq").values_list("seq", flat=True)
    ) == [1, 2, 3, 4, 5]
    assert AuditChain.objects.get(key=key).length == 5


@pytest.mark.postgres
def test_trigger_lets_sealing_through_but_not_a_pending_entry_rewritten(chain, coop):
    with transaction.atomic():
        pending = audit_append(cooperative=coop, actor=None, action="test.pending")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=pending.pk).update(data={"forged": True})
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=pending.pk).update(seq=99, action="test.forged")
    assert audit_seal(chain=chain) == 1
    pending.refresh_from_db()
    assert (pending.seq, pending.action) == (7, "test.pending")


def test_a_process_asks_the_cache_to_seal_at_most_once_per_debounce_period(
    transactional_db, settings, monkeypatch
):
    """Debounced sealing: the first commit of a period seals, the others of this process skip
    without asking the shared cache again; after the period the next commit seals what waited."""
    from coopwork.core import audit

    coop = testing.make_coop("debounced")
    key = chain_key(coop)
    settings.AUDIT_SEAL_DEBOUNCE_SECONDS = 60.0
    clock = itertools.count(1000.0, 1.0)
    now = [next(clock)]
    monkeypatch.setattr(audit.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(audit, "_asked_at", {})
    asked: list[str] = []
    real_add = audit.cache.add

    def counting_add(name: str, *args: object, **kwargs: object) -> bool:
        asked.append(name)
        return real_add(name, *args, **kwargs)

    monkeypatch.setattr(audit.cache, "add", counting_add)
    audit.cache.delete(f"audit-sealed-recently:{key}")

    def commit_one(action: str) -> None:
        with transaction.atomic():
            audit_append(cooperative=coop, actor=None, action=action)

    commit_one("test.first")  # seals
    commit_one("test.second")  # debounced, without a cache round trip
    commit_one("test.third")
    assert asked == [f"audit-sealed-recently:{key}"]
    assert AuditEntry.objects.filter(chain=key, seq__isnull=True).count() == 2
    now[0] += 61.0  # the period is over, here and in the cache
    audit.cache.delete(f"audit-sealed-recently:{key}")
    commit_one("test.fourth")
    assert len(asked) == 2
    assert not AuditEntry.objects.filter(chain=key, seq__isnull=True).exists()
    assert audit_verify_chain(key) is None
