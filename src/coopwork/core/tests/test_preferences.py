"""What a user chose for themselves: the language of their e-mails, and whether the marketplace
e-mails them their job notifications."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from coopwork import testing
from coopwork.core.errors import CoopError
from coopwork.core.models import AuditEntry, UserPreference
from coopwork.core.selectors import user_languages, user_mail_recipients, user_preferences
from coopwork.core.services import user_job_emails_set, user_language_set

pytestmark = pytest.mark.django_db


def test_job_e_mails_are_on_until_turned_off_and_each_change_is_audited():
    ada, bob = testing.make_user("ada"), testing.make_user("bob")
    assert user_preferences(user=ada).job_emails is True  # never set: the default, unsaved
    assert not UserPreference.objects.exists()
    assert user_job_emails_set(user=ada, enabled=True) is False  # already on: nothing written
    assert user_job_emails_set(user=ada, enabled=False) is True
    assert user_job_emails_set(user=ada, enabled=False) is False
    entries = AuditEntry.objects.filter(action="user.job_emails_set")
    assert [(e.actor_id, e.data) for e in entries] == [(ada.pk, {"job_emails": False})]
    # Turning e-mails off is not choosing a language.
    assert UserPreference.objects.get(user=ada).language == ""
    assert user_languages(user_ids=[ada.pk]) == {}
    user_language_set(user=ada, language="fr")
    assert user_preferences(user=ada).job_emails is False  # the language kept the choice
    assert user_languages(user_ids=[ada.pk, bob.pk]) == {ada.pk: "fr"}


def test_mail_recipients_carry_address_language_and_choice_in_one_query(
    django_assert_num_queries,
):
    ada, bob, cy = (testing.make_user(n) for n in ("ada", "bob", "cy"))
    cy.email = ""
    cy.save(update_fields=["email"])
    user_language_set(user=ada, language="fr")
    user_job_emails_set(user=bob, enabled=False)
    with django_assert_num_queries(1):
        found = user_mail_recipients(user_ids=[ada.pk, bob.pk, cy.pk])
    assert {pk: (r.email, r.language, r.job_emails) for pk, r in found.items()} == {
        ada.pk: ("ada@example.org", "fr", True),
        bob.pk: ("bob@example.org", "", False),
    }  # cy has no address


def test_a_visitor_has_no_preferences_to_set():
    with pytest.raises(CoopError) as exc:
        user_job_emails_set(user=AnonymousUser(), enabled=False)
    assert exc.value.code == "not_authenticated"
    with pytest.raises(CoopError) as exc:
        user_job_emails_set(user=testing.make_user("ada"), enabled="no")  # type: ignore[arg-type]
    assert exc.value.code == "preference_invalid"
    assert not UserPreference.objects.exists()
