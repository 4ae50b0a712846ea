"""Cases over HTTP: a decision waits for every side (or the response period), a dispute's decision
may adjust the price (``adjusted_net_minor``) and the receipt shows it; the notifications of a
case; and my e-mail preferences (/auth/me/preferences)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core import mail
from django.test import Client

from coopwork.core.models import AuditEntry, UserPreference
from coopwork.marketplace.models import Case, Job

from .conftest import API, Api
from .test_marketplace_world import (  # noqa: F401  (fixture)
    MarketWorld,
    assert_refused,
    market_fixture,
)


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.content[:800])
    return response.json()


def _post(api: Api, path: str, body: Any = None, **kwargs: Any) -> Any:
    return lambda lang: api.post(path, body, lang=lang, **kwargs)


def _dispute(market: MarketWorld) -> tuple[Job, dict[str, Any]]:
    job = market.job("completed_ride")
    case = _ok(
        market.api("client").post(
            f"/coops/alpha/jobs/{job.pk}/cases",
            {"kind": "dispute", "summary": "Wrong route", "statement": "It took a detour."},
        ),
        201,
    )
    return job, case


def test_a_decision_waits_for_the_other_side(market: MarketWorld) -> None:
    job, case = _dispute(market)
    assert case["respond_by"] is not None and case["adjusted_net"] is None
    decide = f"/coops/alpha/cases/{case['id']}/decide"
    cora = market.api("coordinator")
    body = assert_refused(
        _post(cora, decide, {"outcome": "uphold", "decision": "Too quick."}),
        409,
        "case_response_pending",
    )
    # The same moment (the API writes milliseconds, the details every digit).
    until = dt.datetime.fromisoformat(body["details"]["until"])
    respond_by = dt.datetime.fromisoformat(case["respond_by"])
    assert abs(until - respond_by) < dt.timedelta(milliseconds=1)
    assert body["message"].startswith("Not every side has been heard yet.")
    # The worker has been told, and answers: now it may be decided.
    walter = market.api("worker")
    notes = _ok(walter.get("/coops/alpha/notifications"))["items"]
    assert notes[0]["kind"] == "case.opened" and notes[0]["job_id"] == job.pk
    assert (
        notes[0]["message"] == f"A case was opened on {job.title}: Wrong route. Add your statement."
    )
    _ok(walter.post(f"/coops/alpha/cases/{case['id']}/statements", {"text": "Roadworks."}), 201)
    decided = _ok(cora.post(decide, {"outcome": "uphold", "decision": "Roadworks confirmed."}))
    assert decided["status"] == "decided"
    client_notes = _ok(market.api("client").get("/coops/alpha/notifications"))["items"]
    assert [n["kind"] for n in client_notes[:2]] == ["case.decided", "case.statement"]


def test_a_dispute_decided_with_an_adjusted_price(market: MarketWorld) -> None:
    job, case = _dispute(market)
    walter, cora, clara = market.api("worker"), market.api("coordinator"), market.api("client")
    _ok(walter.post(f"/coops/alpha/cases/{case['id']}/statements", {"text": "Roadworks."}), 201)
    booked = job.quote["split"]
    decided = _ok(
        cora.post(
            f"/coops/alpha/cases/{case['id']}/decide",
            {
                "outcome": "adjust",
                "decision": "Part of the detour was avoidable.",
                "adjusted_net_minor": 500,
            },
        )
    )
    assert decided["outcome"] == "adjust"
    assert decided["adjusted_net"] == {"minor": 500, "currency": "EUR"}
    # The same receipt for both sides, with the adjustment on it.
    receipt = _ok(clara.get(f"/coops/alpha/jobs/{job.pk}/receipt"))
    assert receipt == _ok(walter.get(f"/coops/alpha/jobs/{job.pk}/receipt"))
    assert receipt["kind"] == "settlement"
    assert (receipt["net"]["minor"], receipt["vat"]["minor"], receipt["total"]["minor"]) == (
        500,
        100,
        600,
    )
    assert receipt["worker"]["minor"] + receipt["coop"]["minor"] == 500
    assert receipt["adjustment"] == {
        "case_id": case["id"],
        "net_before": {"minor": booked["net"], "currency": "EUR"},
        "total_before": {"minor": booked["total"], "currency": "EUR"},
    }
    assert receipt["workers"][0]["net"]["minor"] == 500
    detail = _ok(clara.get(f"/coops/alpha/jobs/{job.pk}"))
    assert detail["status"] == "settled"
    assert detail["cases"][0]["adjusted_net"] == {"minor": 500, "currency": "EUR"}


def test_bad_adjustments_are_refused(market: MarketWorld) -> None:
    job, case = _dispute(market)
    _ok(
        market.api("worker").post(
            f"/coops/alpha/cases/{case['id']}/statements", {"text": "Roadworks."}
        ),
        201,
    )
    decide = f"/coops/alpha/cases/{case['id']}/decide"
    cora = market.api("coordinator")
    maximum = 2 * job.quote["split"]["net"]
    body = assert_refused(
        _post(cora, decide, {"outcome": "adjust", "decision": "x", "adjusted_net_minor": -1}),
        400,
        "adjustment_out_of_range",
    )
    assert body["details"] == {"minimum": 0, "maximum": maximum, "currency": "EUR"}
    assert_refused(
        _post(
            cora, decide, {"outcome": "adjust", "decision": "x", "adjusted_net_minor": maximum + 1}
        ),
        400,
        "adjustment_out_of_range",
    )
    assert_refused(
        _post(cora, decide, {"outcome": "adjust", "decision": "x"}), 400, "adjustment_required"
    )
    assert_refused(
        _post(cora, decide, {"outcome": "uphold", "decision": "x", "adjusted_net_minor": 500}),
        409,
        "adjustment_not_allowed",
    )
    for amount in ("500", 5.5, True):  # whole minor units only
        assert_refused(
            _post(
                cora, decide, {"outcome": "adjust", "decision": "x", "adjusted_net_minor": amount}
            ),
            422,
            "invalid_request",
        )
    assert Case.objects.get(pk=case["id"]).status == "open"


def test_the_decide_endpoint_documents_the_adjustment(db: None) -> None:
    schema = json.loads(Client().get(f"{API}/openapi.json").content)
    components = schema["components"]["schemas"]
    decide_in = components["DecideIn"]["properties"]
    assert "adjusted_net_minor" in decide_in
    assert "adjustment_out_of_range" in decide_in["adjusted_net_minor"]["description"]
    # The job's receipt has its own component (it shared the name of the ballot receipt check's,
    # which hid it from the document).
    assert "adjustment" in components["JobReceiptOut"]["properties"]
    assert set(components["ReceiptOut"]["properties"]) == {"recorded", "counted", "final"}
    assert {"respond_by", "adjusted_net"} <= set(components["CaseOut"]["properties"])
    decide = schema["paths"]["/api/v1/coops/{slug}/cases/{case_id}/decide"]["post"]
    assert "case_response_pending" in decide["description"]
    assert set(schema["paths"]["/api/v1/auth/me/preferences"]) == {"get", "put"}


# --- My preferences ------------------------------------------------------------------------------


def test_my_preferences(market: MarketWorld) -> None:
    walter = market.api("worker")
    user = market.user("worker")
    assert _ok(walter.get("/auth/me/preferences")) == {"language": None, "job_emails": True}
    assert _ok(walter.put("/auth/me/preferences", {"job_emails": False})) == {
        "language": None,
        "job_emails": False,
    }
    assert _ok(walter.put("/auth/me/preferences", {"language": "fr"})) == {
        "language": "fr",
        "job_emails": False,
    }
    assert UserPreference.objects.get(user=user).job_emails is False
    assert AuditEntry.objects.filter(action="user.job_emails_set", actor_id=user.pk).count() == 1
    for body in ({"language": "de"}, {"job_emails": "no"}, {"colour": "red"}):
        response = walter.put("/auth/me/preferences", body)
        assert response.status_code == 422, body
        assert response.json()["code"] == "invalid_request"
    assert Api().get("/auth/me/preferences").status_code == 401
    # Turned off: a message reaches Walter in-app only.
    job = market.job("assigned_ride")
    mail.outbox.clear()
    _ok(market.api("client").post(f"/coops/alpha/jobs/{job.pk}/messages", {"body": "Hi"}), 201)
    assert [m for m in mail.outbox if user.email in m.to] == []
    assert _ok(walter.get("/coops/alpha/notifications"))["items"][0]["kind"] == "job.message"
