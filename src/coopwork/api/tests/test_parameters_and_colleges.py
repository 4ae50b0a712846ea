"""Governed parameters (in force, history, board decisions) and college weights."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from django.utils import timezone

from coopwork.core.models import ParameterVersion
from coopwork.core.parameters import REGISTRY
from coopwork.members.models import College

from .conftest import Api, World, assert_refused, row_counts

PARAMS = "/coops/alpha/parameters"
WEIGHTS = "/coops/alpha/colleges/weights"


def _decision(**overrides: object) -> dict[str, object]:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    body: dict[str, object] = {
        "key": "vat_rate",
        "value": "55/1000",
        "effective_from": tomorrow.isoformat(),
        "source_ref": "Board minutes 2026-11-28, item 3",
    }
    body.update(overrides)
    return body


# --- Parameters in force ----------------------------------------------------------------------


def test_parameters_in_force_with_their_source(world: World) -> None:
    body = Api(world.users["member"]).get(PARAMS).json()
    by_key = {p["key"]: p for p in body}
    assert list(by_key) == list(REGISTRY)
    delay = by_key["share_redemption_delay_days"]
    assert {k: delay[k] for k in ("value", "source", "source_ref", "effective_from", "unit")} == {
        "value": 0,
        "source": "statutes",
        "source_ref": "Statutes art. 12",
        "effective_from": "2020-01-01",
        "unit": "days",
    }
    assert delay["version_id"] == ParameterVersion.objects.get(key=delay["key"]).pk
    reserve = by_key["reserve_min_share"]
    # A SCIC's legal minimum: 57.5 % to the indivisible reserves (loi 47-1775 art. 19 nonies).
    assert {k: reserve[k] for k in ("value", "default", "minimum", "source", "effective_from")} == {
        "value": "23/40",
        "default": "23/40",
        "minimum": "23/40",
        "source": "default",
        "effective_from": None,
    }
    assert reserve["source_label"] == "default (no decision recorded)"
    assert by_key["vat_rate"]["decided_by_body"] == "board"
    assert by_key["commission_rate"]["decided_by_body"] == "assembly"


def test_parameters_on_a_past_date(world: World) -> None:
    body = Api(world.users["worker"]).get(f"{PARAMS}?on=2019-12-31").json()
    delay = next(p for p in body if p["key"] == "share_redemption_delay_days")
    assert (delay["value"], delay["source"]) == (365, "default")
    assert_refused(
        lambda lang: Api(world.users["worker"]).get(f"{PARAMS}?on=31/12/2019", lang=lang),
        422,
        "invalid_request",
    )


def test_parameter_history(world: World) -> None:
    api = Api(world.users["board"])
    assert api.post(PARAMS, _decision()).status_code == 201
    later = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert api.post(PARAMS, _decision(value="0.1", effective_from=later)).status_code == 201
    body = Api(world.users["client"]).get(f"{PARAMS}/vat_rate/history").json()
    assert [(v["value"], v["effective_from"], v["source"], v["decided_by"]) for v in body] == [
        ("1/10", later, "board", "boardy"),
        ("11/200", _decision()["effective_from"], "board", "boardy"),
    ]
    assert_refused(
        lambda lang: api.get(f"{PARAMS}/no_such_thing/history", lang=lang),
        400,
        "parameter_unknown",
    )


# --- Board decisions --------------------------------------------------------------------------


def test_board_records_a_decision(world: World) -> None:
    before = row_counts()
    response = Api(world.users["board"]).post(PARAMS, _decision())
    assert response.status_code == 201, response.content
    version = ParameterVersion.objects.get(pk=response.json()["id"])
    assert response.json() == {
        "id": version.pk,
        "key": "vat_rate",
        "value": "11/200",
        "effective_from": _decision()["effective_from"],
        "source": "board",
        "source_label": "board decision",
        "source_ref": "Board minutes 2026-11-28, item 3",
        "decided_by": "boardy",
        "created_at": response.json()["created_at"],
    }
    after = row_counts()
    assert after["ParameterVersion"] == before["ParameterVersion"] + 1
    assert after["AuditEntry"] == before["AuditEntry"] + 1


def test_board_cannot_decide_what_the_assembly_decides(world: World) -> None:
    api = Api(world.users["board"])
    assert_refused(
        lambda lang: api.post(PARAMS, _decision(key="commission_rate", value="1/10"), lang=lang),
        403,
        "parameter_decision_required",
    )


def test_decision_bad_input(world: World) -> None:
    api = Api(world.users["board"])
    cases = [
        (_decision(value="3/4"), 400, "parameter_out_of_bounds"),
        (_decision(value=0.2), 400, "parameter_invalid"),
        (_decision(value="1/0"), 400, "parameter_invalid"),
        (_decision(value={"a": 1}), 400, "parameter_invalid"),
        (_decision(key="bogus"), 400, "parameter_unknown"),
        (_decision(effective_from="2000-01-01"), 400, "parameter_backdated"),
        (_decision(source_ref="   "), 400, "parameter_source_ref_required"),
        (_decision(source_ref="x" * 301), 422, "invalid_request"),
        (_decision(effective_from="tomorrow"), 422, "invalid_request"),
        (_decision(effective_from="99999-01-01"), 422, "invalid_request"),
        (_decision(source="statutes"), 422, "invalid_request"),
        (
            _decision(key="timesheet_auto_approve_hours", value=10**50),
            400,
            "parameter_out_of_bounds",
        ),
        (_decision(key="timesheet_auto_approve_hours", value="9" * 5000), 400, "parameter_invalid"),
    ]
    for body, status, code in cases:
        assert_refused(lambda lang, b=body: api.post(PARAMS, b, lang=lang), status, code)


def test_exponent_ratios_are_refused_fast(world: World) -> None:
    started = time.monotonic()
    assert_refused(
        lambda lang: Api(world.users["board"]).post(
            PARAMS, _decision(value="1e999999999"), lang=lang
        ),
        400,
        "parameter_invalid",
    )
    assert time.monotonic() - started < 5


def test_only_the_board_decides(world: World) -> None:
    for who in ("member", "admin", "coordinator", "foreign_board"):
        assert_refused(
            lambda lang, w=who: Api(world.users[w]).post(PARAMS, _decision(), lang=lang),
            403,
            "permission_denied",
        )


# --- College weights --------------------------------------------------------------------------


def test_admin_sets_college_weights(world: World) -> None:
    response = Api(world.users["admin"]).put(
        WEIGHTS, {"workers": 40, "users": "35.5", "sponsors": 24.5}
    )
    assert response.status_code == 200, response.content
    assert [(c["code"], c["weight"]) for c in response.json()] == [
        ("workers", "40.00"),
        ("users", "35.50"),
        ("sponsors", "24.50"),
    ]
    assert dict(College.objects.filter(cooperative=world.coop).values_list("code", "weight")) == {
        "workers": Decimal("40.00"),
        "users": Decimal("35.50"),
        "sponsors": Decimal("24.50"),
    }
    listed = Api().get("/coops/alpha/colleges").json()
    assert [c["weight"] for c in listed] == ["40.00", "35.50", "24.50"]


def test_weights_that_break_the_10_to_50_rule(world: World) -> None:
    api = Api(world.users["admin"])
    for weights in (
        {"workers": 60, "users": 20, "sponsors": 20},  # one college above 50 %
        {"workers": 50, "users": 45, "sponsors": 5},  # one college below 10 %
        {"workers": 40, "users": 40, "sponsors": 10.5},  # not 100 %
        {"workers": 50, "users": 50},  # a college left out
        {},
        {"workers": "33.333", "users": "33.333", "sponsors": "33.334"},  # finer than the column
    ):
        assert_refused(
            lambda lang, w=weights: api.put(WEIGHTS, w, lang=lang), 400, "college_weights_invalid"
        )
    assert_refused(
        lambda lang: api.put(WEIGHTS, {"workers": 40, "users": 35, "pilots": 25}, lang=lang),
        400,
        "college_unknown",
    )
    for bad in (
        {"workers": [40]},
        {"workers": True},
        [40, 35, 25],
        {"workers": "forty"},
        {"workers": "NaN", "users": 50, "sponsors": 50},
        {"workers": 1e400},
    ):
        assert_refused(lambda lang, b=bad: api.put(WEIGHTS, b, lang=lang), 422, "invalid_request")
    assert set(College.objects.values_list("weight", flat=True)) == {None}


def test_only_an_admin_sets_weights(world: World) -> None:
    body = {"workers": 40, "users": 35, "sponsors": 25}
    for who in ("board", "member", "foreign_board"):
        assert_refused(
            lambda lang, w=who: Api(world.users[w]).put(WEIGHTS, body, lang=lang),
            403,
            "permission_denied",
        )
    assert_refused(lambda lang: Api().put(WEIGHTS, body, lang=lang), 401, "not_authenticated")
