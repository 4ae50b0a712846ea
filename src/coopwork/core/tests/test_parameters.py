"""Governed parameters: the registry (core.parameters), ``services.parameter_set`` and
``selectors.parameter_in_force``."""

import datetime as dt
from fractions import Fraction
from unittest.mock import patch

import pytest

from coopwork import testing
from coopwork.core import errors
from coopwork.core.models import AuditEntry, ParameterVersion
from coopwork.core.parameters import REGISTRY, all_specs, get_spec
from coopwork.core.selectors import (
    parameter_history,
    parameter_in_force,
    parameter_value,
    parameters_in_force,
)
from coopwork.core.services import parameter_set, role_grant

TODAY = dt.date(2027, 3, 15)


@pytest.fixture(autouse=True)
def _fixed_today():
    with patch("django.utils.timezone.localdate", return_value=TODAY):
        yield


@pytest.fixture
def scop(db):
    return testing.make_coop("scop-one", legal_form="scop")


def counts():
    return (ParameterVersion.objects.count(), AuditEntry.objects.count())


# --- the registry (pure) -----------------------------------------------------------------------


def test_reserve_defaults_and_bounds_per_legal_form():
    scic = get_spec("reserve_min_share", "scic")
    scop = get_spec("reserve_min_share", "scop")
    assert (scic.default, scic.minimum, scic.maximum) == ("23/40", "23/40", "1/1")
    assert (scop.default, scop.minimum, scop.maximum) == ("15/100", "15/100", "1/1")
    assert scic.parse(scic.default) == Fraction(575, 1000)
    assert get_spec("reserve_min_share") == REGISTRY["reserve_min_share"]
    assert scic.by_legal_form == {}


def test_colleges_are_weighted_by_default_only_in_a_scic():
    assert get_spec("colleges_weighted", "scic").default is True
    assert get_spec("colleges_weighted", "scop").default is False


def test_all_specs_covers_the_registry_in_order():
    assert [s.key for s in all_specs("scic")] == list(REGISTRY)
    assert {s.key: s.default for s in all_specs("scic")}["reserve_min_share"] == "23/40"


@pytest.mark.parametrize(
    ("key", "raw", "parsed"),
    [
        ("share_redemption_delay_days", 30, 30),
        ("share_redemption_delay_days", "30", 30),
        ("pay_floor_hourly", 1500, 1500),
        ("colleges_weighted", True, True),
        ("colleges_weighted", "false", False),
        ("colleges_weighted", 1, True),
        ("commission_rate", "3/20", Fraction(3, 20)),
        ("commission_rate", "0.15", Fraction(3, 20)),
        ("admission_body", "assembly", "assembly"),
    ],
)
def test_spec_parse(key, raw, parsed):
    assert REGISTRY[key].parse(raw) == parsed


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("share_redemption_delay_days", 1.5),
        ("share_redemption_delay_days", True),
        ("share_redemption_delay_days", "ten"),
        ("colleges_weighted", "maybe"),
        ("commission_rate", 0.15),
        ("commission_rate", "a/b"),
        ("admission_body", "nobody"),
    ],
)
def test_spec_parse_refuses_malformed_values(key, raw):
    with pytest.raises(ValueError):
        REGISTRY[key].parse(raw)


def test_ratio_dump_is_an_exact_fraction_string():
    spec = REGISTRY["majority_extraordinary"]
    assert spec.dump(Fraction(2, 3)) == "2/3"
    assert spec.dump(spec.parse("0.75")) == "3/4"
    assert REGISTRY["assembly_notice_days"].dump(21) == 21


# --- parameter_in_force: defaults ---------------------------------------------------------------


def test_defaults_in_force_per_legal_form(coop, scop):
    assert coop.legal_form == "scic"
    scic_reserve = parameter_in_force(cooperative=coop, key="reserve_min_share")
    assert scic_reserve.value == Fraction(23, 40)
    assert (scic_reserve.source, scic_reserve.effective_from, scic_reserve.version_id) == (
        "default",
        None,
        None,
    )
    assert parameter_value(cooperative=scop, key="reserve_min_share") == Fraction(15, 100)
    assert parameter_value(cooperative=coop, key="colleges_weighted") is True
    assert parameter_value(cooperative=scop, key="colleges_weighted") is False
    assert parameter_value(cooperative=coop, key="share_redemption_delay_days") == 365
    assert parameter_value(cooperative=coop, key="admission_body") == "board"


def test_unknown_key_is_refused_by_selectors(coop):
    with pytest.raises(errors.ParameterUnknown) as exc:
        parameter_in_force(cooperative=coop, key="no_such_thing")
    assert exc.value.code == "parameter_unknown"
    assert exc.value.as_dict()["details"] == {"key": "no_such_thing"}
    with pytest.raises(errors.ParameterUnknown):
        parameter_history(cooperative=coop, key="no_such_thing")


# --- parameter_set: authority, bounds, dates ----------------------------------------------------


def test_statutes_set_a_value_and_write_an_audit_entry_with_its_source(coop):
    before = AuditEntry.objects.count()
    version = parameter_set(
        cooperative=coop,
        key="reserve_min_share",
        value="0.6",
        effective_from=TODAY,
        source="statutes",
        source_ref="  Statutes art. 40  ",
        actor=None,
    )
    assert (version.key, version.value, version.source, version.source_ref) == (
        "reserve_min_share",
        "3/5",
        "statutes",
        "Statutes art. 40",
    )
    assert version.decided_by is None
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("id")
    assert entry.action == "parameter.set"
    assert entry.cooperative_id == coop.pk
    assert (entry.object_type, entry.object_id) == ("core.parameterversion", str(version.pk))
    assert entry.actor_id is None
    assert entry.actor_label == "system"
    assert entry.data == {
        "key": "reserve_min_share",
        "value": "3/5",
        "effective_from": "2027-03-15",
        "source": "statutes",
        "source_ref": "Statutes art. 40",
    }
    in_force = parameter_in_force(cooperative=coop, key="reserve_min_share")
    assert (in_force.value, in_force.source, in_force.source_ref, in_force.version_id) == (
        Fraction(3, 5),
        "statutes",
        "Statutes art. 40",
        version.pk,
    )


def test_board_may_change_a_board_parameter(coop, board_user):
    version = parameter_set(
        cooperative=coop,
        key="vat_rate",
        value="11/200",
        effective_from=TODAY,
        source="board",
        source_ref="Board minutes 2027-03-15",
        actor=board_user,
    )
    assert version.decided_by == board_user
    assert parameter_value(cooperative=coop, key="vat_rate") == Fraction(55, 1000)
    entry = AuditEntry.objects.latest("id")
    assert entry.actor_id == board_user.pk
    assert entry.actor_label == "boardy"
    assert entry.data["source"] == "board"
    assert entry.data["source_ref"] == "Board minutes 2027-03-15"


@pytest.mark.parametrize(
    ("key", "value", "minimum", "maximum"),
    [
        ("reserve_min_share", "1/2", "23/40", "1/1"),  # SCIC: at least 57.5 %
        ("reserve_min_share", "11/10", "23/40", "1/1"),
        ("share_redemption_delay_days", 1827, "0", "1826"),
        ("share_redemption_delay_days", -1, "0", "1826"),
        ("assembly_notice_days", 14, "15", "90"),
        ("majority_extraordinary", "1/2", "2/3", "1/1"),
        ("commission_rate", "51/100", "0/1", "1/2"),
    ],
)
def test_out_of_bounds_is_refused_and_nothing_written(coop, key, value, minimum, maximum):
    before = counts()
    with pytest.raises(errors.ParameterOutOfBounds) as exc:
        parameter_set(
            cooperative=coop,
            key=key,
            value=value,
            effective_from=TODAY,
            source="statutes",
            source_ref="Statutes",
            actor=None,
        )
    assert exc.value.code == "parameter_out_of_bounds"
    assert exc.value.status == 400
    assert exc.value.params == {"key": key, "minimum": minimum, "maximum": maximum}
    assert counts() == before


def test_the_same_reserve_is_within_bounds_for_a_scop(scop):
    version = parameter_set(
        cooperative=scop,
        key="reserve_min_share",
        value="1/2",
        effective_from=TODAY,
        source="statutes",
        source_ref="Statutes",
        actor=None,
    )
    assert version.value == "1/2"
    assert parameter_value(cooperative=scop, key="reserve_min_share") == Fraction(1, 2)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("share_redemption_delay_days", "ten"),
        ("share_redemption_delay_days", 3.5),
        ("commission_rate", "1/0"),
        ("commission_rate", 0.1),
        ("admission_body", "nobody"),
        ("colleges_weighted", "perhaps"),
    ],
)
def test_malformed_value_is_refused(coop, key, value):
    before = counts()
    with pytest.raises(errors.ParameterInvalid) as exc:
        parameter_set(
            cooperative=coop,
            key=key,
            value=value,
            effective_from=TODAY,
            source="statutes",
            source_ref="Statutes",
            actor=None,
        )
    assert exc.value.code == "parameter_invalid"
    assert counts() == before


def test_unknown_key_is_refused(coop):
    before = counts()
    with pytest.raises(errors.ParameterUnknown) as exc:
        parameter_set(
            cooperative=coop,
            key="ceo_bonus",
            value=1,
            effective_from=TODAY,
            source="statutes",
            source_ref="Statutes",
            actor=None,
        )
    assert exc.value.code == "parameter_unknown"
    assert counts() == before


def test_board_may_not_change_an_assembly_parameter(coop, board_user):
    before = counts()
    with pytest.raises(errors.ParameterDecisionRequired) as exc:
        parameter_set(
            cooperative=coop,
            key="commission_rate",
            value="1/10",
            effective_from=TODAY,
            source="board",
            source_ref="Board minutes",
            actor=board_user,
        )
    assert exc.value.code == "parameter_decision_required"
    assert exc.value.status == 403
    assert exc.value.params == {"key": "commission_rate", "body": "assembly"}
    assert counts() == before
    assert parameter_value(cooperative=coop, key="commission_rate") == Fraction(12, 100)


def test_non_board_user_is_refused_a_board_decision(coop, member):
    before = counts()
    with pytest.raises(errors.PermissionDenied) as exc:
        parameter_set(
            cooperative=coop,
            key="vat_rate",
            value="1/10",
            effective_from=TODAY,
            source="board",
            source_ref="Board minutes",
            actor=member.user,
        )
    assert exc.value.code == "permission_denied"
    assert counts() == before


def test_anonymous_board_decision_needs_authentication(coop):
    with pytest.raises(errors.NotAuthenticated) as exc:
        parameter_set(
            cooperative=coop,
            key="vat_rate",
            value="1/10",
            effective_from=TODAY,
            source="board",
            source_ref="Board minutes",
            actor=None,
        )
    assert exc.value.code == "not_authenticated"


def test_another_coops_board_is_refused(coop, other_coop):
    foreign_board = testing.make_board(other_coop)
    before = counts()
    for source in ("board", "resolution", "statutes"):
        with pytest.raises(errors.PermissionDenied):
            parameter_set(
                cooperative=coop,
                key="vat_rate",
                value="1/10",
                effective_from=TODAY,
                source=source,
                source_ref="Minutes",
                actor=foreign_board,
            )
    assert counts() == before


def test_a_plain_user_cannot_claim_a_resolution(coop, member):
    before = counts()
    with pytest.raises(errors.PermissionDenied):
        parameter_set(
            cooperative=coop,
            key="commission_rate",
            value="1/2",
            effective_from=TODAY,
            source="resolution",
            source_ref="Resolution 7",
            actor=member.user,
        )
    assert counts() == before


def test_resolution_recorded_by_the_board_or_the_system(coop, board_user):
    v1 = parameter_set(
        cooperative=coop,
        key="commission_rate",
        value="1/10",
        effective_from=TODAY,
        source="resolution",
        source_ref="AGM 2027, resolution 4",
        actor=board_user,
    )
    v2 = parameter_set(
        cooperative=coop,
        key="commission_rate",
        value="9/100",
        effective_from=TODAY + dt.timedelta(days=30),
        source="resolution",
        source_ref="AGM 2027, resolution 5",
        actor=None,
    )
    assert (v1.decided_by, v2.decided_by) == (board_user, None)
    assert parameter_value(cooperative=coop, key="commission_rate") == Fraction(1, 10)
    assert parameter_value(
        cooperative=coop, key="commission_rate", on=TODAY + dt.timedelta(days=30)
    ) == Fraction(9, 100)


def test_statutes_need_staff_or_the_system(coop, board_user):
    with pytest.raises(errors.PermissionDenied):
        parameter_set(
            cooperative=coop,
            key="vat_rate",
            value="1/10",
            effective_from=TODAY,
            source="statutes",
            source_ref="Statutes",
            actor=board_user,
        )
    staff = testing.make_user("staffer", is_staff=True)
    version = parameter_set(
        cooperative=coop,
        key="vat_rate",
        value="1/10",
        effective_from=TODAY,
        source="statutes",
        source_ref="Statutes",
        actor=staff,
    )
    assert version.decided_by == staff


def test_no_backdating_except_founding_statutes(coop, board_user):
    before = counts()
    for source in ("board", "resolution"):
        with pytest.raises(errors.ParameterBackdated) as exc:
            parameter_set(
                cooperative=coop,
                key="vat_rate",
                value="1/10",
                effective_from=TODAY - dt.timedelta(days=1),
                source=source,
                source_ref="Minutes",
                actor=board_user,
            )
        assert exc.value.code == "parameter_backdated"
    assert counts() == before
    version = parameter_set(
        cooperative=coop,
        key="vat_rate",
        value="1/10",
        effective_from=TODAY - dt.timedelta(days=400),
        source="statutes",
        source_ref="Founding statutes",
        actor=None,
    )
    assert version.effective_from == dt.date(2026, 2, 8)


@pytest.mark.parametrize(
    ("source", "source_ref", "code"),
    [
        ("whim", "Minutes", "parameter_source_unknown"),
        ("statutes", "   ", "parameter_source_ref_required"),
        ("statutes", "r" * 301, "parameter_source_ref_too_long"),
    ],
)
def test_source_and_reference_are_required(coop, source, source_ref, code):
    before = counts()
    with pytest.raises(errors.ValidationError) as exc:
        parameter_set(
            cooperative=coop,
            key="vat_rate",
            value="1/10",
            effective_from=TODAY,
            source=source,
            source_ref=source_ref,
            actor=None,
        )
    assert exc.value.code == code
    assert counts() == before


# --- parameter_in_force across effective dates --------------------------------------------------


def test_parameter_in_force_on_a_date_picks_the_right_version(coop):
    d1, d2, d3 = dt.date(2026, 1, 1), dt.date(2027, 3, 15), dt.date(2027, 9, 1)

    def set_delay(days, on, ref):
        return parameter_set(
            cooperative=coop,
            key="share_redemption_delay_days",
            value=days,
            effective_from=on,
            source="statutes",
            source_ref=ref,
            actor=None,
        )

    # Recorded out of date order on purpose.
    v3 = set_delay(30, d3, "v3")
    v1 = set_delay(180, d1, "v1")
    v2 = set_delay(90, d2, "v2")

    def at(day):
        got = parameter_in_force(cooperative=coop, key="share_redemption_delay_days", on=day)
        return got.value, got.source_ref, got.version_id, got.effective_from

    assert at(d1 - dt.timedelta(days=1)) == (365, "", None, None)
    assert at(d1) == (180, "v1", v1.pk, d1)
    assert at(d2 - dt.timedelta(days=1)) == (180, "v1", v1.pk, d1)
    assert at(d2) == (90, "v2", v2.pk, d2)
    assert at(d3 - dt.timedelta(days=1)) == (90, "v2", v2.pk, d2)
    assert at(d3) == (30, "v3", v3.pk, d3)
    assert at(dt.date(2040, 1, 1)) == (30, "v3", v3.pk, d3)
    # Without a date: today (2027-03-15), i.e. v2.
    assert parameter_value(cooperative=coop, key="share_redemption_delay_days") == 90
    # The history lists the newest effective date first.
    assert [v.source_ref for v in parameter_history(cooperative=coop, key=v1.key)] == [
        "v3",
        "v2",
        "v1",
    ]


def test_a_later_version_with_the_same_date_wins(coop):
    for days in (100, 200):
        parameter_set(
            cooperative=coop,
            key="share_redemption_delay_days",
            value=days,
            effective_from=TODAY,
            source="statutes",
            source_ref=f"amendment {days}",
            actor=None,
        )
    assert parameter_value(cooperative=coop, key="share_redemption_delay_days") == 200


def test_parameters_are_per_cooperative(coop, other_coop):
    parameter_set(
        cooperative=coop,
        key="commission_rate",
        value="1/20",
        effective_from=TODAY,
        source="statutes",
        source_ref="Statutes",
        actor=None,
    )
    assert parameter_value(cooperative=coop, key="commission_rate") == Fraction(1, 20)
    assert parameter_value(cooperative=other_coop, key="commission_rate") == Fraction(12, 100)
    assert parameter_history(cooperative=other_coop, key="commission_rate") == []


def test_parameters_in_force_lists_every_key(coop):
    rows = parameters_in_force(cooperative=coop)
    assert [r.spec.key for r in rows] == list(REGISTRY)
    assert all(r.source == "default" for r in rows)


def test_a_board_member_granted_board_later_may_decide(coop):
    user = testing.make_user()
    with pytest.raises(errors.PermissionDenied):
        parameter_set(
            cooperative=coop,
            key="rating_publish_days",
            value=5,
            effective_from=TODAY,
            source="board",
            source_ref="Board minutes",
            actor=user,
        )
    role_grant(cooperative=coop, user=user, role="board", actor=None)
    parameter_set(
        cooperative=coop,
        key="rating_publish_days",
        value=5,
        effective_from=TODAY,
        source="board",
        source_ref="Board minutes",
        actor=user,
    )
    assert parameter_value(cooperative=coop, key="rating_publish_days") == 5
