"""Notifications are stored as a kind and parameters and read in the reader's language."""

from __future__ import annotations

import pytest
from django.utils import translation

# Other apps register their kinds when their services are imported: import them so the list of
# kinds checked below does not depend on which tests ran first.
import coopwork.governance.services  # noqa: F401
from coopwork.marketplace import notifications
from coopwork.marketplace.models import Notification
from coopwork.marketplace.services import job_book, job_claim, message_post

from .helpers import at, make_client, make_worker, ride_request, weekday

pytestmark = pytest.mark.django_db


def test_a_notification_is_read_in_the_readers_language(coop):
    client = make_client("client")
    driver = make_worker(coop, "driver", vehicle="car")
    job = job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 10)))
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    with translation.override("en"):  # the client writes in English...
        message_post(cooperative=coop, job_id=job.pk, sender=client, body="Ring twice, please.")
    note = Notification.objects.get(user=driver, kind="job.message")
    assert note.params == {"title": job.title, "excerpt": "Ring twice, please."}
    with translation.override("fr"):  # ...the driver reads in French
        assert note.message == f"Nouveau message sur {job.title}\xa0: Ring twice, please."
    with translation.override("en"):
        assert note.message == f"New message on {job.title}: Ring twice, please."


@pytest.mark.parametrize("kind", sorted(notifications.TEMPLATES))
def test_every_registered_kind_has_a_french_sentence(kind):
    params = {
        "title": "Waiter",
        "excerpt": "hello",
        "closes": "2026-12-01 18:00",
        "date": "2026-12-01 18:00",
        "cutoff": "2026-11-30 18:00",
        "name": "Ada",
        "worker": "Ada",
        "summary": "Broken glass",
        "decision": "Paid in full",
    }
    with translation.override("en"):
        english = notifications.render(kind, params)
    with translation.override("fr"):
        french = notifications.render(kind, params)
    assert "Waiter" in english and "Waiter" in french
    assert french != english


def test_without_a_template_or_fitting_parameters_the_stored_text_shows():
    assert notifications.render("governance.unknown", {"title": "x"}, "Stored") == "Stored"
    assert notifications.render("job.message", {}, "Stored") == "Stored"  # an older one
    assert notifications.render("job.message", {"title": "T"}, "Stored") == "Stored"  # no excerpt


def test_other_apps_register_their_kinds(monkeypatch):
    monkeypatch.setitem(notifications.TEMPLATES, "test.kind", "Hello %(name)s")
    assert notifications.render("test.kind", {"name": "Ada"}) == "Hello Ada"
    notifications.register("test.other", "Bye %(name)s")
    try:
        assert notifications.render("test.other", {"name": "Ada"}) == "Bye Ada"
    finally:
        del notifications.TEMPLATES["test.other"]
