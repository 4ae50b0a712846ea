"""Review findings on general assemblies, each pinned by a test that failed before its fix."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from django.utils import timezone

from coopwork.core.selectors import parameter_value
from coopwork.governance import services
from coopwork.governance.models import AgendaItem, Resolution

from .assembly_world import at, convene, world

pytestmark = pytest.mark.django_db


def test_an_adopted_change_whose_day_passed_during_the_session_applies_from_today() -> None:
    """A parameter change due on the day of the assembly, adopted once that day has passed (the
    session ran past midnight), applies from today. The item used to be impossible to close
    (``parameter_backdated``), so the assembly could never be closed either."""
    w = world(3)
    a = convene(
        w,
        items=[
            services.ItemSpec(
                title="Lower the commission to 8 %",
                parameter_key="commission_rate",
                parameter_value="8/100",
                effective_from=timezone.localdate() + dt.timedelta(days=16),
            )
        ],
    )
    services.assembly_open(cooperative=w.coop, assembly_id=a.pk, actor=w.board, now=at(a))
    for m in w.members:
        services.attendance_record(
            cooperative=w.coop, assembly_id=a.pk, actor=w.board, member_id=m.pk
        )
    services.assembly_quorum_check(cooperative=w.coop, assembly_id=a.pk, actor=w.board)
    services.agenda_item_open(cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=1)
    for m in w.members:
        services.assembly_vote_cast(
            cooperative=w.coop, assembly_id=a.pk, number=1, user=m.user, choice="yes"
        )
    # The clock has passed the day the change was due.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    AgendaItem.objects.filter(assembly=a, number=1).update(effective_from=yesterday)
    item = services.agenda_item_close(cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=1)
    assert item.adopted is True
    resolution = Resolution.objects.get(reference=item.reference)
    assert resolution.effective_from == timezone.localdate()
    assert parameter_value(cooperative=w.coop, key="commission_rate") == Fraction(8, 100)
    services.assembly_close(cooperative=w.coop, assembly_id=a.pk, actor=w.board)


def test_a_second_convocation_takes_an_agenda_whose_change_was_due_on_the_first_day() -> None:
    """The second convocation takes the first's agenda; a parameter change due on the first
    convocation's day now takes effect on the second's. It used to be refused
    (``agenda_item_invalid``: a change must take effect on or after the day of the assembly),
    so the second convocation could not take its agenda."""
    w = world(10)
    first_day = timezone.localdate() + dt.timedelta(days=16)
    first = convene(
        w,
        items=[
            services.ItemSpec(
                title="Lower the commission to 8 %",
                parameter_key="commission_rate",
                parameter_value="8/100",
                effective_from=first_day,
            )
        ],
    )
    services.assembly_open(cooperative=w.coop, assembly_id=first.pk, actor=w.board, now=at(first))
    first = services.assembly_quorum_check(
        cooperative=w.coop, assembly_id=first.pk, actor=w.board, now=at(first, 10)
    )
    assert first.status == "failed"
    second = convene(w, first=first, items=[], now=at(first, 30))
    item = second.items.get()
    assert item.parameter_key == "commission_rate"
    assert item.effective_from == timezone.localdate(second.starts_at)
    assert item.effective_from > first_day
