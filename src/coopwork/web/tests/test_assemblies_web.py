"""General assemblies on the web, in English and French: the board convenes with a formset
agenda and chairs; members give a proxy, vote by post, check in and vote; minutes download.
Time passing (the notice period) is simulated by moving the assembly's date in the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coopwork import testing
from coopwork.governance.models import AgendaItem, Assembly, AssemblyVote, Proxy

from .pdf import assert_pdf_contains

pytestmark = pytest.mark.django_db


def _convene_data(days: int = 16, **extra: str) -> dict[str, str]:
    starts = timezone.localtime() + dt.timedelta(days=days)
    data = {
        "kind": "ordinary",
        "title": "Annual general assembly",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "place": "Maison des associations",
        "remote_url": "https://meet.example.org/ag",
        "first_convocation": "",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "50",
        "items-0-title": "Approve the accounts",
        "items-0-text": "The accounts of the year.",
        "items-0-kind": "ordinary",
        "items-1-title": "Raise the pay floor",
        "items-1-kind": "ordinary",
        "items-1-parameter_key": "commission_rate",
        "items-1-parameter_value": "10/100",
        "items-1-effective_from": (starts.date() + dt.timedelta(days=5)).isoformat(),
        "items-2-title": "",
        "items-2-kind": "ordinary",
    }
    data.update(extra)
    return data


def test_board_convenes_members_take_part_and_download_the_minutes(
    coop, board_user, login, django_capture_on_commit_callbacks
) -> None:
    members = [testing.make_member(coop, board=board_user, name=f"Ada {i}") for i in range(4)]
    board = login(board_user)
    m = [login(x.user) for x in members]
    slug = coop.slug
    # The members' tab and the convocation form (board only).
    assert "Assemblies" in m[0].get(reverse("web:me", args=[slug])).content.decode()
    assert m[0].get(reverse("web:assembly_convene", args=[slug])).status_code == 403
    page = board.get(reverse("web:assembly_convene", args=[slug]))
    assert page.status_code == 200 and b"items-0-title" in page.content
    # Too short a notice: the form comes back with the error and a 400.
    short = board.post(reverse("web:assembly_convene", args=[slug]), _convene_data(days=5))
    assert short.status_code == 400 and b"15 days" in short.content
    assert not Assembly.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = board.post(reverse("web:assembly_convene", args=[slug]), _convene_data())
    assembly = Assembly.objects.get()
    assert done.status_code == 302
    assert list(AgendaItem.objects.values_list("number", "title")) == [
        (1, "Approve the accounts"),
        (2, "Raise the pay floor"),
    ]
    assert len(mail.outbox) == 4
    url = reverse("web:assembly", args=[slug, assembly.pk])
    detail = m[0].get(url).content.decode()
    assert "Approve the accounts" in detail and "Give my proxy" in detail
    french = m[0].get(url, headers={"accept-language": "fr"})
    assert "Ordre du jour" in french.content.decode()

    # Member 1 gives a proxy to member 0; member 2 votes by post.
    r = m[1].post(
        reverse("web:assembly_proxy", args=[slug, assembly.pk]), {"holder": members[0].pk}
    )
    assert r.status_code == 302 and Proxy.objects.filter(assembly=assembly).count() == 1
    over = m[3].post(
        reverse("web:assembly_proxy", args=[slug, assembly.pk]), {"holder": members[0].pk}
    )
    assert over.status_code == 409
    r = m[2].post(
        reverse("web:assembly_postal", args=[slug, assembly.pk]), {"item-1": "yes", "item-2": "no"}
    )
    assert r.status_code == 302
    assert AssemblyVote.objects.filter(channel="postal").count() == 2

    # The day comes.
    now = timezone.now()
    Assembly.objects.filter(pk=assembly.pk).update(
        starts_at=now + dt.timedelta(minutes=30), postal_cutoff=now - dt.timedelta(minutes=1)
    )
    assert board.post(reverse("web:assembly_open", args=[slug, assembly.pk])).status_code == 302
    board.post(
        reverse("web:assembly_attendance", args=[slug, assembly.pk]),
        {"member": members[0].pk, "mode": "in_person"},
    )
    assert m[3].post(reverse("web:assembly_check_in", args=[slug, assembly.pk])).status_code == 302
    board.post(reverse("web:assembly_quorum", args=[slug, assembly.pk]))
    assert Assembly.objects.get(pk=assembly.pk).status == "sitting"
    board.post(reverse("web:assembly_item_open", args=[slug, assembly.pk, 1]))
    page = m[0].get(url).content.decode()
    assert "For Ada 1 (proxy)" in page and 'data-live-url="' in page
    # The live part, re-fetched while the session runs, holds the open vote.
    live = m[0].get(reverse("web:assembly_live", args=[slug, assembly.pk]))
    assert live.status_code == 200 and live["Cache-Control"] == "no-store"
    assert "Vote on item 1" in live.content.decode() and "<html" not in live.content.decode()
    vote = reverse("web:assembly_vote", args=[slug, assembly.pk, 1])
    assert m[0].post(vote, {"choice": "yes"}).status_code == 302
    assert m[0].post(vote, {"choice": "no"}).status_code == 409
    assert m[0].post(vote, {"choice": "abstain", "on_behalf_of": members[1].pk}).status_code == 302
    assert m[3].post(vote, {"choice": "no"}).status_code == 302
    chair_page = board.get(url).content.decode()
    assert "4 votes recorded on item 1." in chair_page
    assert "represented by Ada 0" in chair_page and "voted by post" in chair_page
    board.post(reverse("web:assembly_item_close", args=[slug, assembly.pk, 1]))
    assert AgendaItem.objects.get(assembly=assembly, number=1).adopted is True
    assert board.post(reverse("web:assembly_close", args=[slug, assembly.pk])).status_code == 302
    pdf = m[0].get(reverse("web:assembly_minutes", args=[slug, assembly.pk]) + "?lang=en")
    assert pdf.status_code == 200
    assert_pdf_contains(pdf.content, "Minutes of the general assembly", "Adopted", "Ada 1 by Ada 0")
    listing = m[0].get(reverse("web:assemblies", args=[slug])).content.decode()
    assert "Annual general assembly" in listing


def test_strangers_see_nothing(coop, board_user, other_board, login) -> None:
    testing.make_member(coop, board=board_user)
    stranger: Client = login(testing.make_user("stranger"))
    assert stranger.get(reverse("web:assemblies", args=[coop.slug])).status_code == 403
    foreign = login(other_board)
    assert foreign.get(reverse("web:assemblies", args=[coop.slug])).status_code == 403
    anonymous = Client().get(reverse("web:assemblies", args=[coop.slug]))
    assert anonymous.status_code == 302


def test_the_demo_has_an_upcoming_assembly_its_members_can_open(login) -> None:
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - idempotent
    assembly = Assembly.objects.get()
    assert assembly.status == "convened" and assembly.items.count() == 3
    camille = login(get_user_model().objects.get(username="camille"))
    page = camille.get(reverse("web:assembly", args=[assembly.cooperative.slug, assembly.pk]))
    assert page.status_code == 200
    assert "Commission de la coopérative" in page.content.decode()


def test_the_board_puts_an_application_to_the_assembly_and_admits_after_it(
    coop, board_user, login
) -> None:
    from coopwork.core.services import parameter_set
    from coopwork.governance import services
    from coopwork.members.models import Member
    from coopwork.members.services import application_submit

    members = [testing.make_member(coop, board=board_user) for _ in range(2)]
    parameter_set(
        cooperative=coop,
        key="admission_body",
        value="assembly",
        effective_from=timezone.localdate(),
        source="statutes",
        source_ref="Statutes art. 8",
        actor=None,
    )
    application = application_submit(
        cooperative=coop,
        user=testing.make_user("zoe"),
        college_code="workers",
        shares=1,
        display_name="Zoé Candidate",
    )
    board = login(board_user)
    page = board.get(reverse("web:assembly_convene", args=[coop.slug])).content.decode()
    assert "Zoé Candidate" in page  # offered in the agenda's admission picker
    data = _convene_data()
    data.update({"items-1-title": "", "items-1-parameter_key": "", "items-1-parameter_value": ""})
    data.update({"items-1-effective_from": "", "items-1-application": str(application.pk)})
    assert board.post(reverse("web:assembly_convene", args=[coop.slug]), data).status_code == 302
    assembly = Assembly.objects.get()
    item = AgendaItem.objects.get(assembly=assembly, number=2)
    assert (item.title, item.application_id) == ("Admission of Zoé Candidate", application.pk)
    at = assembly.starts_at
    services.assembly_open(cooperative=coop, assembly_id=assembly.pk, actor=board_user, now=at)
    for m in members:
        services.attendance_record(
            cooperative=coop, assembly_id=assembly.pk, actor=board_user, member_id=m.pk
        )
    services.assembly_quorum_check(cooperative=coop, assembly_id=assembly.pk, actor=board_user)
    services.agenda_item_open(cooperative=coop, assembly_id=assembly.pk, actor=board_user, number=2)
    for m in members:
        services.assembly_vote_cast(
            cooperative=coop, assembly_id=assembly.pk, number=2, user=m.user, choice="yes"
        )
    services.agenda_item_close(
        cooperative=coop, assembly_id=assembly.pk, actor=board_user, number=2
    )
    url = reverse("web:assembly", args=[coop.slug, assembly.pk])
    assert "Record the payment and admit" in board.get(url).content.decode()
    admit = reverse("web:assembly_item_admit", args=[coop.slug, assembly.pk, 2])
    done = board.post(admit, {"payment_method": "bank_transfer", "payment_reference": "VIR-Z"})
    assert done.status_code == 302
    assert Member.objects.filter(cooperative=coop, display_name="Zoé Candidate").exists()
    assert "Record the payment and admit" not in board.get(url).content.decode()


def test_the_notice_reads_in_each_members_language(coop, board_user, login) -> None:
    from coopwork.governance import services

    member = testing.make_member(coop, board=board_user, name="Ada")
    services.assembly_convene(
        cooperative=coop,
        actor=board_user,
        kind="ordinary",
        title="AG 2030",
        starts_at=timezone.now() + dt.timedelta(days=20),
        place="Lyon",
        items=[services.ItemSpec(title="Comptes")],
    )
    client = login(member.user)
    url = reverse("web:notifications", args=[coop.slug])
    english = client.get(url).content.decode()
    french = client.get(url, headers={"accept-language": "fr"}).content.decode()
    assert "General assembly convened: “AG 2030”" in english
    assert "Assemblée générale convoquée : « AG 2030 »" in french.replace("\u00a0", " ")
