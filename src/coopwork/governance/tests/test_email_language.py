"""Governance e-mails go out in each recipient's language: the one they last chose with the EN/FR
switch (stored as core.UserPreference), whatever language is active when they are sent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext, override

from coopwork import testing
from coopwork.core.models import AuditEntry, UserPreference
from coopwork.core.selectors import user_languages
from coopwork.core.services import user_language_set
from coopwork.governance import services
from coopwork.governance.tests.assembly_world import convene, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(coop, board_user):
    return [testing.make_member(coop, board=board_user, name=f"L{i}") for i in range(3)]


def choose(user, language: str) -> None:
    """The user presses EN or FR in the page header."""
    browser = Client()
    browser.force_login(user)
    response = browser.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == language


def mail_to(user) -> mail.EmailMessage:
    (found,) = [m for m in mail.outbox if m.to == [user.email]]
    return found


def test_each_recipient_gets_the_ballot_e_mails_in_the_language_they_chose(
    coop, board_user, members, django_capture_on_commit_callbacks
):
    french, english, never = members
    choose(french.user, "fr")
    choose(english.user, "en")
    assert user_languages(user_ids=[m.user_id for m in members]) == {
        french.user_id: "fr",
        english.user_id: "en",
    }
    now = timezone.now()
    ballot = services.ballot_create(
        cooperative=coop,
        actor=board_user,
        kind="motion",
        title="Buy a cargo bike",
        opens_at=now + dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=30),
    )
    # Opened by the scheduler while English is active.
    mail.outbox.clear()
    with override("en"), django_capture_on_commit_callbacks(execute=True):
        assert services.ballots_run_due(now=now + dt.timedelta(hours=2))["opened"] == 1
    assert mail_to(french.user).subject.startswith(f"[{coop.name}] Vote ouvert : « Buy a cargo")
    assert "Vote ouvert" in mail_to(french.user).body
    assert mail_to(english.user).subject.startswith(f"[{coop.name}] Vote open: “Buy a cargo")
    assert "Vote open" in mail_to(never.user).subject  # never chose: the language active
    # Closed by a board member browsing in French.
    mail.outbox.clear()
    with override("fr"), django_capture_on_commit_callbacks(execute=True):
        services.ballot_close(cooperative=coop, ballot_id=ballot.pk, actor=board_user)
    assert "Les résultats de « Buy a cargo bike » sont publiés." in mail_to(french.user).body
    assert "Results of “Buy a cargo bike” are published." in mail_to(english.user).body
    assert "Les résultats" in mail_to(never.user).subject
    assert len(mail.outbox) == 3  # one each, to the three members


def test_the_switch_remembers_a_signed_in_users_choice_once_and_nothing_for_visitors(coop, member):
    visitor = Client().post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert visitor.status_code == 302 and not UserPreference.objects.exists()
    choose(member.user, "fr")
    choose(member.user, "fr")  # the same choice again: nothing new to remember
    choose(member.user, "en")
    assert UserPreference.objects.get(user=member.user).language == "en"
    changes = AuditEntry.objects.filter(action="user.language_set", actor=member.user)
    assert [e.data["language"] for e in changes.order_by("pk")] == ["fr", "en"]
    # A language the site does not offer is neither remembered nor an error.
    choose_de = Client()
    choose_de.force_login(member.user)
    assert choose_de.post("/i18n/setlang/", {"language": "de", "next": "/"}).status_code == 302
    assert UserPreference.objects.get(user=member.user).language == "en"
    assert user_language_set(user=None, language="fr") is False


def test_signing_in_elsewhere_brings_back_the_chosen_language(coop, member):
    choose(member.user, "fr")
    other_device = Client()
    response = other_device.post(
        "/accounts/login/", {"username": member.user.username, "password": "pass-1234-word"}
    )
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "fr"
    assert 'lang="fr"' in other_device.get("/").content.decode()


def test_assembly_notices_go_out_in_each_recipients_language(django_capture_on_commit_callbacks):
    w = world(3)
    french, english, never = w.members
    choose(french.user, "fr")
    choose(english.user, "en")
    mail.outbox.clear()
    with override("en"), django_capture_on_commit_callbacks(execute=True):
        convene(w, items=[services.ItemSpec(title="Approve the accounts")])
    assert len(mail.outbox) == 3
    fr_body, en_body = mail_to(french.user).body, mail_to(english.user).body
    assert fr_body != en_body
    assert "Approve the accounts" in fr_body and "Approve the accounts" in en_body
    with override("fr"):
        agenda_fr = gettext("Agenda")
    assert agenda_fr != "Agenda" and agenda_fr in fr_body
    assert "Agenda" in en_body and agenda_fr not in en_body
    assert mail_to(never.user).body == en_body  # never chose: the language active when sent
