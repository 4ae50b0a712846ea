"""Admission by the general assembly, where the statutes reserve it (``admission_body``)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from coopwork import testing
from coopwork.core.services import parameter_set
from coopwork.governance import services
from coopwork.members.models import Application, Member
from coopwork.members.services import application_admit, application_submit

from .assembly_world import at, convene, refused, world

pytestmark = pytest.mark.django_db


def _apply(w, name: str) -> Application:
    return application_submit(
        cooperative=w.coop,
        user=testing.make_user(name.lower()),
        college_code="workers",
        shares=1,
        display_name=name,
    )


def test_the_assembly_admits_or_turns_down_applicants_and_the_board_carries_it_out() -> None:
    w = world(3)
    parameter_set(
        cooperative=w.coop,
        key="admission_body",
        value="assembly",
        effective_from=timezone.localdate(),
        source="statutes",
        source_ref="Statutes art. 8",
        actor=None,
    )
    zoe, yann = _apply(w, "Zoé"), _apply(w, "Yann")
    # The board alone cannot admit any more.
    refused(
        "admission_reserved_to_assembly",
        application_admit,
        cooperative=w.coop,
        application_id=zoe.pk,
        actor=w.board,
        payment_method="cash",
        payment_reference="",
    )
    refused(
        "agenda_application_invalid",
        convene,
        w=w,
        items=[services.ItemSpec(title="", application_id=999_999)],
    )
    a = convene(
        w,
        items=[
            services.ItemSpec(title="", application_id=zoe.pk),
            services.ItemSpec(title="", application_id=yann.pk),
        ],
    )
    assert list(a.items.values_list("title", flat=True)) == [
        "Admission of Zoé",
        "Admission of Yann",
    ]
    services.assembly_open(cooperative=w.coop, assembly_id=a.pk, actor=w.board, now=at(a))
    for m in w.members:
        services.attendance_record(
            cooperative=w.coop, assembly_id=a.pk, actor=w.board, member_id=m.pk
        )
    services.assembly_quorum_check(cooperative=w.coop, assembly_id=a.pk, actor=w.board)
    for number, choice in ((1, "yes"), (2, "no")):
        services.agenda_item_open(
            cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=number
        )
        for m in w.members:
            services.assembly_vote_cast(
                cooperative=w.coop, assembly_id=a.pk, number=number, user=m.user, choice=choice
            )
        services.agenda_item_close(
            cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=number
        )
    yann.refresh_from_db()
    assert yann.status == "rejected" and f"assembly:{a.pk}/item:2" in yann.decision_reason
    # Turned down: nothing to carry out. Adopted: the board records the payment.
    refused(
        "assembly_admission_not_adopted",
        services.assembly_admission_complete,
        cooperative=w.coop,
        assembly_id=a.pk,
        number=2,
        actor=w.board,
        payment_method="cash",
        payment_reference="",
    )
    refused(
        "permission_denied",
        services.assembly_admission_complete,
        cooperative=w.coop,
        assembly_id=a.pk,
        number=1,
        actor=w.members[0].user,
        payment_method="cash",
        payment_reference="",
    )
    member = services.assembly_admission_complete(
        cooperative=w.coop,
        assembly_id=a.pk,
        number=1,
        actor=w.board,
        payment_method="bank_transfer",
        payment_reference="VIR-ZOE",
    )
    assert member.register_number == 4 and member.display_name == "Zoé"
    assert Member.objects.filter(cooperative=w.coop).count() == 4
    refused(
        "application_already_decided",
        services.assembly_admission_complete,
        cooperative=w.coop,
        assembly_id=a.pk,
        number=1,
        actor=w.board,
        payment_method="cash",
        payment_reference="",
    )
