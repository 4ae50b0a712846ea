"""The register of decisions: gapless numbers, parameter changes through core, refusals."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from django.utils import timezone
from django.utils.translation import override

from coopwork.core.models import AuditEntry
from coopwork.core.selectors import parameter_in_force, parameter_value
from coopwork.governance.services import resolution_record

from .conftest import refused


def test_resolutions_are_numbered_without_gaps_and_audited(coop):
    first = resolution_record(
        cooperative=coop, title="Adopt the accounts", text="", source="assembly", reference="AG 1"
    )
    second = resolution_record(
        cooperative=coop, title="Thank the board", text="", source="assembly", reference="AG 2"
    )
    assert (first.number, second.number) == (1, 2)
    entry = AuditEntry.objects.filter(action="resolution.recorded").order_by("id").last()
    assert entry is not None and entry.data["number"] == 2


def test_resolution_with_parameter_change_creates_the_version_on_its_date(coop):
    day = timezone.localdate() + dt.timedelta(days=10)
    resolution = resolution_record(
        cooperative=coop,
        title="Lower the commission",
        text="The commission becomes 10 %.",
        source="assembly",
        reference="AG 2026 item 3",
        parameter_key="commission_rate",
        parameter_value="10/100",
        effective_from=day,
    )
    version = resolution.parameter_version
    assert version is not None and version.source == "resolution"
    assert version.source_ref.startswith("R1 ")
    assert parameter_value(cooperative=coop, key="commission_rate", on=day) == Fraction(1, 10)
    before = parameter_in_force(cooperative=coop, key="commission_rate", on=day - dt.timedelta(1))
    assert before.version_id is None  # still the statutes' default the day before


def test_resolution_out_of_legal_bounds_is_refused_and_nothing_written(coop):
    with override("fr"):
        exc = refused(
            "parameter_out_of_bounds",
            resolution_record,
            cooperative=coop,
            title="Commission at 90 %",
            text="",
            source="assembly",
            reference="AG item 4",
            parameter_key="commission_rate",
            parameter_value="90/100",
            effective_from=timezone.localdate() + dt.timedelta(days=1),
        )
        assert exc.status == 400
        assert "doit" in exc.render_message()


def test_resolution_needs_title_and_complete_change(coop):
    refused(
        "resolution_invalid",
        resolution_record,
        cooperative=coop,
        title=" ",
        text="",
        source="assembly",
        reference="x",
    )
    refused(
        "resolution_parameter_incomplete",
        resolution_record,
        cooperative=coop,
        title="Half a change",
        text="",
        source="assembly",
        reference="x",
        parameter_key="commission_rate",
    )
