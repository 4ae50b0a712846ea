"""Messages, notifications, incidents and disputes."""

from __future__ import annotations

import pytest

from coopwork.core.errors import CoopError
from coopwork.ledger.selectors import trial_balance
from coopwork.marketplace import lifecycle
from coopwork.marketplace.models import Case, Notification
from coopwork.marketplace.selectors import cases, messages, notifications
from coopwork.marketplace.services import (
    case_decide,
    case_open,
    case_statement_add,
    job_approve,
    job_book,
    job_claim,
    message_post,
    notifications_mark_read,
)

from .helpers import (
    at,
    completed_ride,
    counts,
    holder,
    make_client,
    make_coordinator,
    make_worker,
    settlement_legs,
    shift_request,
    weekday,
)

pytestmark = pytest.mark.django_db


def refused(code, fn, **kwargs):
    before = counts()
    with pytest.raises(CoopError) as exc:
        fn(**kwargs)
    assert exc.value.code == code
    assert counts() == before


@pytest.fixture
def shift(coop):
    client = make_client("client")
    w1, w2 = make_worker(coop, "w1"), make_worker(coop, "w2")
    job = job_book(
        cooperative=coop, client=client, request=shift_request(at(weekday(3), 9), positions=2)
    )
    for w in (w1, w2):
        job_claim(cooperative=coop, job_id=job.pk, worker=w)
    return job, client, w1, w2


def kinds_for(user, job):
    return sorted(Notification.objects.filter(user=user, job=job).values_list("kind", flat=True))


def test_a_message_notifies_the_other_parties(coop, shift):
    job, client, w1, w2 = shift
    m1 = message_post(cooperative=coop, job_id=job.pk, sender=client, body="  Black shirts please ")
    assert m1.body == "Black shirts please"
    assert kinds_for(client, job) == ["job.filled"]  # the claims' own notice, not a message
    assert kinds_for(w1, job) == ["job.message"]
    assert kinds_for(w2, job) == ["job.message"]
    m2 = message_post(cooperative=coop, job_id=job.pk, sender=w1, body="Noted, see you at 9")
    assert kinds_for(client, job) == ["job.filled", "job.message"]
    assert kinds_for(w1, job) == ["job.message"]
    assert kinds_for(w2, job) == ["job.message", "job.message"]
    assert [m.pk for m in messages(job=job)] == [m1.pk, m2.pk]
    note = Notification.objects.get(user=client, job=job, kind="job.message")
    assert note.text == "Noted, see you at 9"
    assert note.cooperative_id == coop.pk


def test_notifications_are_read_and_listed(coop, shift):
    job, client, w1, _ = shift
    message_post(cooperative=coop, job_id=job.pk, sender=client, body="one")
    message_post(cooperative=coop, job_id=job.pk, sender=client, body="two")
    assert [n.text for n in notifications(user=w1, cooperative=coop)] == ["two", "one"]
    first = notifications(user=w1, cooperative=coop, unread_only=True).last()
    assert notifications_mark_read(user=w1, ids=[first.pk]) == 1
    assert [n.text for n in notifications(user=w1, cooperative=coop, unread_only=True)] == ["two"]
    assert notifications_mark_read(user=w1) == 1
    assert notifications(user=w1, cooperative=coop, unread_only=True).count() == 0
    # Someone else's notification is not theirs to mark.
    theirs = Notification.objects.filter(user=shift[3]).first()
    assert notifications_mark_read(user=w1, ids=[theirs.pk]) == 0


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001])
def test_empty_or_huge_messages(coop, shift, body):
    job, client, *_ = shift
    refused(
        "message_empty", message_post, cooperative=coop, job_id=job.pk, sender=client, body=body
    )


def test_a_dispute_holds_the_job_until_decided_then_it_is_settled(coop):
    client = make_client("rider")
    driver = make_worker(coop, "driver", vehicle="car")
    coordinator = make_coordinator(coop, "coord")
    job = completed_ride(coop, client, driver)
    case = case_open(
        cooperative=coop,
        job_id=job.pk,
        actor=client,
        kind="dispute",
        summary=" Took a long detour ",
        statement="The ride took twice as long as shown.",
    )
    job.refresh_from_db()
    assert (job.status, case.summary, case.status) == (
        lifecycle.DISPUTED,
        "Took a long detour",
        "open",
    )
    # While disputed, the client cannot approve it (nor can the timer).
    refused("transition_not_allowed", job_approve, cooperative=coop, job_id=job.pk, actor=client)
    case_statement_add(
        cooperative=coop, case_id=case.pk, actor=driver, text="Rue de Rivoli was closed."
    )
    case_statement_add(
        cooperative=coop, case_id=case.pk, actor=coordinator, text="Confirmed by the city."
    )
    [listed] = cases(job=job)
    assert [(s.side, s.author_id) for s in listed.statements.all()] == [
        ("client", client.pk),
        ("worker", driver.pk),
        ("coordinator", coordinator.pk),
    ]
    refused(
        "permission_denied",
        case_decide,
        cooperative=coop,
        case_id=case.pk,
        actor=client,
        outcome="uphold",
        decision="I decide",
    )
    refused(
        "message_empty",
        case_decide,
        cooperative=coop,
        case_id=case.pk,
        actor=coordinator,
        outcome="uphold",
        decision="  ",
    )
    refused(
        "job_kind_unknown",
        case_decide,
        cooperative=coop,
        case_id=case.pk,
        actor=coordinator,
        outcome="refund_everything",
        decision="why not",
    )
    case_decide(
        cooperative=coop,
        case_id=case.pk,
        actor=coordinator,
        outcome="uphold",
        decision="The detour was forced by a closure.",
    )
    case.refresh_from_db()
    job.refresh_from_db()
    assert (case.status, case.outcome, case.decided_by_id) == ("decided", "uphold", coordinator.pk)
    assert job.status == lifecycle.SETTLED
    # The ride's usual settlement: 840 charged; 616 + top-up for 69 min engaged
    # (60 min lead + 9 min ride): 4140 / 3600 × 1450 = 1667.5 → 1668 (half to even); 1668 − 616
    # = 1052.
    assert settlement_legs(job) == {
        ("client_receivable", holder(client)): 840,
        ("worker_payable", holder(driver)): -(616 + 1052),
        ("revenue_fees", ""): -84,
        ("tax_vat_payable", ""): -140,
        ("solidarity_fund", ""): 1052,
    }
    assert trial_balance(cooperative=coop).balanced
    # Decided: closed to more statements or another decision.
    refused(
        "case_closed",
        case_statement_add,
        cooperative=coop,
        case_id=case.pk,
        actor=client,
        text="But…",
    )
    refused(
        "case_closed",
        case_decide,
        cooperative=coop,
        case_id=case.pk,
        actor=coordinator,
        outcome="adjust",
        decision="again",
    )


def test_the_worker_can_dispute_too(coop):
    client = make_client("rider")
    driver = make_worker(coop, "driver", vehicle="car")
    job = completed_ride(coop, client, driver)
    case_open(
        cooperative=coop,
        job_id=job.pk,
        actor=driver,
        kind="dispute",
        summary="Client damaged the seat",
        statement="Photos attached.",
    )
    job.refresh_from_db()
    assert job.status == lifecycle.DISPUTED


def test_a_dispute_needs_a_finished_job(coop, shift):
    job, client, *_ = shift
    refused(
        "transition_not_allowed",
        case_open,
        cooperative=coop,
        job_id=job.pk,
        actor=client,
        kind="dispute",
        summary="s",
        statement="t",
    )


def test_an_incident_does_not_change_the_state(coop, shift):
    job, client, w1, w2 = shift
    coordinator = make_coordinator(coop, "coord")
    case = case_open(
        cooperative=coop,
        job_id=job.pk,
        actor=w1,
        kind="incident",
        summary="Wet floor at the entrance",
        statement="Someone could slip.",
    )
    job.refresh_from_db()
    assert job.status == lifecycle.ASSIGNED
    case_statement_add(cooperative=coop, case_id=case.pk, actor=client, text="Mopped it.")
    # Everyone on the job is heard before the decision: the client, and both workers.
    case_statement_add(cooperative=coop, case_id=case.pk, actor=w2, text="Saw it too.")
    case_decide(
        cooperative=coop, case_id=case.pk, actor=coordinator, outcome="noted", decision="Noted."
    )
    job.refresh_from_db()
    assert job.status == lifecycle.ASSIGNED
    assert Case.objects.get(pk=case.pk).status == "decided"


@pytest.mark.parametrize(
    ("kind", "summary", "statement", "code"),
    [
        ("complaint", "s", "t", "job_kind_unknown"),
        ("incident", "  ", "t", "message_empty"),
        ("incident", "s", "", "message_empty"),
    ],
)
def test_bad_cases(coop, shift, kind, summary, statement, code):
    job, client, *_ = shift
    refused(
        code,
        case_open,
        cooperative=coop,
        job_id=job.pk,
        actor=client,
        kind=kind,
        summary=summary,
        statement=statement,
    )


def test_a_case_of_another_coop_is_not_found(coop, other_coop):
    client = make_client("rider")
    driver = make_worker(other_coop, "driver", vehicle="car")
    job = completed_ride(other_coop, client, driver)
    case = case_open(
        cooperative=other_coop,
        job_id=job.pk,
        actor=client,
        kind="incident",
        summary="s",
        statement="t",
    )
    refused(
        "case_not_found",
        case_statement_add,
        cooperative=coop,
        case_id=case.pk,
        actor=client,
        text="x",
    )
    refused(
        "case_not_found",
        case_decide,
        cooperative=coop,
        case_id=case.pk,
        actor=make_coordinator(coop, "c"),
        outcome="noted",
        decision="x",
    )
