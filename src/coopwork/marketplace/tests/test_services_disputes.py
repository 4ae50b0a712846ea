"""Deciding a case: every side heard first (or the response period over), and a price adjusted by
a dispute's decision is what the settlement charges and pays."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from coopwork.core.errors import CoopError
from coopwork.core.models import AuditEntry
from coopwork.core.services import parameter_set
from coopwork.ledger.selectors import trial_balance
from coopwork.marketplace import lifecycle
from coopwork.marketplace.models import Case
from coopwork.marketplace.selectors import receipt
from coopwork.marketplace.services import (
    case_decide,
    case_hearing,
    case_open,
    case_statement_add,
    job_book,
    job_claim,
    job_clock_in,
    job_clock_out,
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


@pytest.fixture
def dispute(coop):
    """A completed ride (booked at 840: 700 before VAT), disputed by its client."""
    client = make_client("rider")
    driver = make_worker(coop, "driver", vehicle="car")
    coordinator = make_coordinator(coop, "coord")
    job = completed_ride(coop, client, driver)
    case = case_open(
        cooperative=coop,
        job_id=job.pk,
        actor=client,
        kind="dispute",
        summary="Long detour",
        statement="The ride took twice as long as shown.",
    )
    return job, case, client, driver, coordinator


def refused(code: str, fn, **kwargs) -> CoopError:
    """The call is refused with ``code`` and writes nothing."""
    before = counts()
    audit = AuditEntry.objects.count()
    with pytest.raises(CoopError) as exc:
        fn(**kwargs)
    assert exc.value.code == code, exc.value.as_dict()
    assert counts() == before and AuditEntry.objects.count() == audit
    return exc.value


def decide(coop, case, coordinator, **kwargs):
    return case_decide(
        cooperative=coop,
        case_id=case.pk,
        actor=coordinator,
        **{"outcome": "uphold", "decision": "Reasons.", **kwargs},
    )


# --- Every side heard ----------------------------------------------------------------------------


def test_too_early_while_the_other_side_has_not_answered(coop, dispute):
    job, case, _client, driver, coordinator = dispute
    opened_for = case.respond_by - case.created_at  # the default, from the opening
    assert abs(opened_for - dt.timedelta(hours=72)) < dt.timedelta(seconds=1)
    hearing = case_hearing(case=case)
    assert hearing.waiting_for == [(driver.pk, "worker", "driver")]
    assert not hearing.decidable(timezone.now())
    error = refused(
        "case_response_pending",
        case_decide,
        cooperative=coop,
        case_id=case.pk,
        actor=coordinator,
        outcome="uphold",
        decision="Too quick.",
    )
    assert error.status == 409
    assert error.as_dict()["details"] == {"until": case.respond_by.isoformat()}
    with translation.override("fr"):
        message = error.render_message()
    assert message.startswith("Toutes les parties n’ont pas encore été entendues.")
    local = timezone.localtime(case.respond_by)
    assert f"{local.year}" in message and f"{local:%H:%M}".lstrip("0") in message
    case.refresh_from_db()
    job.refresh_from_db()
    assert (case.status, job.status) == ("open", lifecycle.DISPUTED)
    # A coordinator's statement does not stand in for the driver's.
    case_statement_add(cooperative=coop, case_id=case.pk, actor=coordinator, text="Looking.")
    refused(
        "case_response_pending",
        case_decide,
        cooperative=coop,
        case_id=case.pk,
        actor=coordinator,
        outcome="uphold",
        decision="Still too quick.",
    )
    # The driver answers: it may be decided at once.
    case_statement_add(cooperative=coop, case_id=case.pk, actor=driver, text="A road was closed.")
    assert case_hearing(case=case).waiting_for == []
    decide(coop, case, coordinator)
    job.refresh_from_db()
    assert job.status == lifecycle.SETTLED


def test_once_the_response_period_is_over_it_may_be_decided_without_them(coop, dispute):
    _job, case, _client, driver, coordinator = dispute
    refused(
        "case_response_pending",
        case_decide,
        cooperative=coop,
        case_id=case.pk,
        actor=coordinator,
        outcome="uphold",
        decision="x",
        now=case.respond_by - dt.timedelta(seconds=1),
    )
    decide(coop, case, coordinator, now=case.respond_by)
    entry = AuditEntry.objects.get(action="case.decided", object_id=str(case.pk))
    assert entry.data["unheard"] == [driver.pk]  # decided without the driver's statement


def test_the_response_period_is_the_one_in_force_at_opening(coop):
    board = make_coordinator(coop, "boardy")
    assert board  # the statutes set it here (the board may too: body "board")
    parameter_set(
        cooperative=coop,
        key="case_response_hours",
        value=24,
        effective_from=timezone.localdate(),
        source="statutes",
        source_ref="art. 31",
        actor=None,
    )
    client, driver = make_client("c"), make_worker(coop, "d", vehicle="car")
    job = completed_ride(coop, client, driver)
    case = case_open(
        cooperative=coop, job_id=job.pk, actor=driver, kind="dispute", summary="s", statement="t"
    )
    assert abs(case.respond_by - case.created_at - dt.timedelta(hours=24)) < dt.timedelta(seconds=1)
    assert case_hearing(case=case).waiting_for == [(client.pk, "client", "c")]
    with pytest.raises(CoopError) as exc:  # below the bounds (a day at least)
        parameter_set(
            cooperative=coop,
            key="case_response_hours",
            value=12,
            effective_from=timezone.localdate(),
            source="statutes",
            source_ref="art. 31",
            actor=None,
        )
    assert exc.value.code == "parameter_out_of_bounds"


def test_every_worker_of_a_shift_is_a_party(coop):
    client = make_client("client")
    w1, w2 = make_worker(coop, "w1"), make_worker(coop, "w2")
    coordinator = make_coordinator(coop, "coord")
    job = job_book(
        cooperative=coop, client=client, request=shift_request(at(weekday(3), 9), positions=2)
    )
    for w in (w1, w2):
        job_claim(cooperative=coop, job_id=job.pk, worker=w)
    case = case_open(
        cooperative=coop, job_id=job.pk, actor=w1, kind="incident", summary="s", statement="t"
    )
    assert [w[:2] for w in case_hearing(case=case).waiting_for] == [
        (client.pk, "client"),
        (w2.pk, "worker"),
    ]
    case_statement_add(cooperative=coop, case_id=case.pk, actor=client, text="Seen.")
    refused(
        "case_response_pending",
        case_decide,
        cooperative=coop,
        case_id=case.pk,
        actor=coordinator,
        outcome="noted",
        decision="x",
    )
    case_statement_add(cooperative=coop, case_id=case.pk, actor=w2, text="Seen too.")
    decide(coop, case, coordinator, outcome="noted")


# --- An adjusted price -------------------------------------------------------------------------


def test_an_adjusted_price_is_charged_and_paid_in_a_balanced_settlement(coop, dispute):
    job, case, client, driver, coordinator = dispute
    case_statement_add(cooperative=coop, case_id=case.pk, actor=driver, text="Road closed.")
    decided = decide(
        coop,
        case,
        coordinator,
        outcome="adjust",
        decision="Half the detour was avoidable.",
        adjusted_net_minor=500,
    )
    assert (decided.status, decided.outcome, decided.adjusted_net_minor) == (
        "decided",
        "adjust",
        500,
    )
    job.refresh_from_db()
    assert job.status == lifecycle.SETTLED
    # 500 before VAT instead of 700: VAT 100, the client pays 600 instead of 840; the co-op
    # keeps 12 % (60), the driver's part is 440. The pay floor still applies to the driver:
    # 69 min engaged at 1450/h = 1668, so the solidarity fund adds 1668 − 440 = 1228.
    assert settlement_legs(job) == {
        ("client_receivable", holder(client)): 600,
        ("worker_payable", holder(driver)): -(440 + 1228),
        ("revenue_fees", ""): -60,
        ("tax_vat_payable", ""): -100,
        ("solidarity_fund", ""): 1228,
    }
    assert sum(settlement_legs(job).values()) == 0
    assert trial_balance(cooperative=coop).balanced
    shown = receipt(job=job)  # the one receipt both sides see
    assert (shown["net"], shown["vat"], shown["total"], shown["worker"], shown["coop"]) == (
        500,
        100,
        600,
        440,
        60,
    )
    assert shown["topup"] == 1228
    assert shown["adjustment"] == {
        "case": case.pk,
        "net_before": 700,
        "vat_before": 140,
        "total_before": 840,
        "worker_before": 616,
    }
    [line] = shown["workers"]
    assert (line["net"], line["net_before"], line["pay"], line["topup"]) == (500, 700, 440, 1228)
    entry = AuditEntry.objects.get(action="case.decided", object_id=str(case.pk))
    assert entry.data["adjusted_net"] == 500 and entry.data["unheard"] == []
    settle = AuditEntry.objects.get(action="job.settle", object_id=str(job.pk))
    assert settle.data["total"] == 600


def test_an_adjusted_price_is_shared_between_a_shifts_workers(coop):
    client = make_client("client")
    w1, w2 = make_worker(coop, "w1"), make_worker(coop, "w2")
    coordinator = make_coordinator(coop, "coord")
    start = at(weekday(3), 9)
    job = job_book(
        cooperative=coop,
        client=client,
        request=shift_request(start, hours=4, positions=2, rate=2000),
    )
    for w in (w1, w2):
        job_claim(cooperative=coop, job_id=job.pk, worker=w)
    for w in (w1, w2):
        job_clock_in(cooperative=coop, job_id=job.pk, worker=w, code=job.clock_code, now=start)
    for w, hours in ((w1, 3), (w2, 1)):
        job_clock_out(
            cooperative=coop,
            job_id=job.pk,
            code=job.clock_code,
            worker=w,
            now=start + dt.timedelta(hours=hours),
        )
    case = case_open(
        cooperative=coop, job_id=job.pk, actor=client, kind="dispute", summary="s", statement="t"
    )
    for w in (w1, w2):
        case_statement_add(cooperative=coop, case_id=case.pk, actor=w, text="ok")
    # The timesheets: 3 h and 1 h at 2000 = 6000 and 2000 before VAT; adjusted to 4001, shared
    # 3:1 without losing a cent: 3001 (3000.75, the larger remainder) and 1000.
    decide(coop, case, coordinator, outcome="adjust", adjusted_net_minor=4001)
    job.refresh_from_db()
    shown = receipt(job=job)
    assert [(w["worker"], w["net_before"], w["net"]) for w in shown["workers"]] == [
        (w1.pk, 6000, 3001),
        (w2.pk, 2000, 1000),
    ]
    assert shown["net"] == 4001 and shown["adjustment"]["net_before"] == 8000
    assert shown["total"] == shown["net"] + shown["vat"]
    assert shown["worker"] + shown["coop"] == shown["net"]
    assert sum(settlement_legs(job).values()) == 0
    assert trial_balance(cooperative=coop).balanced
    # Each worker's engaged time is still paid at least the floor (1450/h here).
    assert [
        w["pay"] + w["topup"] >= 1450 * h for w, h in zip(shown["workers"], (3, 1), strict=True)
    ] == [
        True,
        True,
    ]


@pytest.mark.parametrize(
    ("outcome", "amount", "code"),
    [
        ("adjust", None, "adjustment_required"),
        ("uphold", 500, "adjustment_not_allowed"),
        ("", 0, "adjustment_not_allowed"),
        ("adjust", -1, "adjustment_out_of_range"),
        ("adjust", 1401, "adjustment_out_of_range"),  # more than twice the 700 booked
        ("adjust", 10**12, "adjustment_out_of_range"),
        ("adjust", True, "adjustment_out_of_range"),
        ("adjust", "500", "adjustment_out_of_range"),
    ],
)
def test_bad_adjustments_are_refused_and_write_nothing(coop, dispute, outcome, amount, code):
    job, case, _client, driver, coordinator = dispute
    case_statement_add(cooperative=coop, case_id=case.pk, actor=driver, text="Road closed.")
    error = refused(
        code,
        case_decide,
        cooperative=coop,
        case_id=case.pk,
        actor=coordinator,
        outcome=outcome,
        decision="Reasons.",
        adjusted_net_minor=amount,
    )
    if code == "adjustment_out_of_range":
        assert error.status == 400
        assert error.as_dict()["details"] == {"minimum": 0, "maximum": 1400, "currency": "EUR"}
        with translation.override("fr"):
            assert error.render_message() == (
                "Le prix ajusté, hors TVA, doit être compris entre 0,00\xa0€ et 14,00\xa0€."
            )
    case.refresh_from_db()
    job.refresh_from_db()
    assert (case.status, job.status, job.settlement_id) == ("open", lifecycle.DISPUTED, None)
    # Within the bounds it goes through: the bounds themselves are allowed.
    decide(coop, case, coordinator, outcome="adjust", adjusted_net_minor=1400)
    assert receipt(job=Case.objects.get(pk=case.pk).job)["total"] == 1680


def test_an_incident_never_adjusts_a_price(coop):
    client, driver = make_client("c"), make_worker(coop, "d", vehicle="car")
    coordinator = make_coordinator(coop, "coord")
    job = completed_ride(coop, client, driver)
    case = case_open(
        cooperative=coop, job_id=job.pk, actor=client, kind="incident", summary="s", statement="t"
    )
    case_statement_add(cooperative=coop, case_id=case.pk, actor=driver, text="ok")
    refused(
        "adjustment_not_allowed",
        case_decide,
        cooperative=coop,
        case_id=case.pk,
        actor=coordinator,
        outcome="adjust",
        decision="x",
        adjusted_net_minor=100,
    )


def test_a_price_adjusted_to_nothing_still_pays_the_floor(coop, dispute):
    job, case, _client, driver, coordinator = dispute
    case_statement_add(cooperative=coop, case_id=case.pk, actor=driver, text="Road closed.")
    decide(coop, case, coordinator, outcome="adjust", adjusted_net_minor=0)
    job.refresh_from_db()
    # The client pays nothing; the solidarity fund pays the driver's engaged time at the floor.
    assert settlement_legs(job) == {
        ("worker_payable", holder(driver)): -1668,
        ("solidarity_fund", ""): 1668,
    }
    assert receipt(job=job)["total"] == 0
