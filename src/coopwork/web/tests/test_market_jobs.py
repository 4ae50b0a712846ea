"""The job page and the client's actions: who may see it, the live fragment, approving, sending
home, cancelling with the fee shown beforehand, ratings, messages, incidents and disputes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from coopwork import testing
from coopwork.core.money import Money
from coopwork.marketplace.models import Case, Job, Message, Rating, Statement
from coopwork.marketplace.services import (
    job_claim,
    job_clock_in,
    job_clock_out,
    message_post,
    worker_position_update,
)

from . import market_builders as mb
from .conftest import htmx

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(coop):
    return mb.client_user(coop, "owner")


@pytest.fixture
def driver(coop):
    return mb.worker(coop, "driver")


def receipt_block(html: str) -> str:
    match = re.search(r'<section class="card receipt" id="receipt".*?</section>', html, re.S)
    assert match, "no receipt on the page"
    return match[0]


def worked_shift(coop, owner, worker) -> Job:
    start = mb.soon(5)
    job = mb.shift(coop, owner, start)
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=worker, code=job.clock_code, now=start)
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=worker,
        now=start + dt.timedelta(hours=3),
    )
    return job


def test_client_lists_and_opens_their_jobs(coop, owner, login):
    job = mb.ride(coop, owner)
    client = login(owner)
    html = client.get("/c/alpha/jobs/").content.decode()
    assert f"/c/alpha/jobs/{job.pk}/" in html and job.reference in html
    page = client.get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    assert "data-live-status" in page and f'data-live-ws="/ws/jobs/{job.pk}/"' in page
    assert f'data-live-url="/c/alpha/jobs/{job.pk}/live/"' in page
    assert "Receipt" in page and "Cancelling now is free." in page


def test_job_page_refuses_strangers_other_coops_and_anonymous(
    coop, other_coop, owner, login, client
):
    job = mb.ride(coop, owner)
    stranger = login(testing.make_user("nosy"))
    assert stranger.get(f"/c/alpha/jobs/{job.pk}/").status_code == 404
    assert stranger.get(f"/c/alpha/jobs/{job.pk}/live/").status_code == 404
    other_worker = login(mb.worker(other_coop, "elsewhere"))
    assert other_worker.get(f"/c/alpha/jobs/{job.pk}/").status_code == 404
    assert other_worker.get(f"/c/beta/jobs/{job.pk}/").status_code == 404
    response = client.get(f"/c/alpha/jobs/{job.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_live_fragment_follows_the_status_and_the_position(coop, owner, driver, login):
    job = mb.ride(coop, owner, mb.soon(20))
    client = login(owner)
    assert "open" in client.get(f"/c/alpha/jobs/{job.pk}/live/").content.decode()
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    # The rate limit lives in the cache, which outlives a test's database: an earlier test's
    # worker with the same ids must not make this update "too frequent".
    cache.delete(f"pos:{coop.pk}:{driver.pk}")
    worker_position_update(cooperative=coop, worker=driver, lat=45.75, lon=4.85)
    response = client.get(f"/c/alpha/jobs/{job.pk}/live/", **htmx())
    html = response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert "assigned" in html and "min away" in html and "driver" in html


def test_approve_settles_and_both_sides_see_the_same_receipt(coop, owner, login):
    worker = mb.worker(coop, "waiter")
    job = worked_shift(coop, owner, worker)
    client = login(owner)
    page = client.get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    assert "Approve the timesheet" in page
    response = client.post(f"/c/alpha/jobs/{job.pk}/approve/", follow=True)
    assert response.redirect_chain[-1] == (f"/c/alpha/jobs/{job.pk}/", 302)
    assert "Timesheet approved. The job is settled" in response.content.decode()
    job.refresh_from_db()
    assert job.status == "settled" and job.receipt and job.settlement_id
    client_page = client.get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    worker_page = login(worker).get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    assert receipt_block(client_page) == receipt_block(worker_page)
    receipt = receipt_block(client_page)
    assert Money(job.receipt["worker"], "EUR").localized("en") in receipt
    assert Money(job.receipt["total"], "EUR").localized("en") in receipt
    assert "Pay-floor top-up" in receipt
    # Every parameter links to the rules page, at the version the job used.
    assert '/c/alpha/rules/#commission_rate-default"' in receipt


def test_the_worker_cannot_approve(coop, owner, login):
    worker = mb.worker(coop, "waiter")
    job = worked_shift(coop, owner, worker)
    before = mb.rows()
    response = login(worker).post(f"/c/alpha/jobs/{job.pk}/approve/", **htmx())
    assert response.status_code == 403
    assert response["HX-Retarget"] == "#action-errors"
    assert "This job is not yours." in response.content.decode()
    assert mb.rows() == before


def test_approving_an_open_job_is_a_409_and_writes_nothing(coop, owner, login):
    job = mb.ride(coop, owner)
    before = mb.rows()
    response = login(owner).post(f"/c/alpha/jobs/{job.pk}/approve/")
    assert response.status_code == 409
    assert "This is not possible while the job is open." in response.content.decode()
    assert mb.rows() == before


def test_send_home_pays_the_minimum_hours(coop, owner, login):
    worker = mb.worker(coop, "waiter")
    start = mb.soon(5)
    job = mb.shift(coop, owner, start)
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=worker, code=job.clock_code, now=start)
    client = login(owner)
    page = client.get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    assert "Send waiter home now" in page and "They are paid at least 4 hours." in page
    response = client.post(f"/c/alpha/jobs/{job.pk}/send-home/", {"worker": worker.pk})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "completed"
    assignment = job.assignments.get()
    assert assignment.sent_home_early and assignment.clock_out_at is not None


def test_cancel_shows_the_fee_that_then_applies(coop, owner, driver, login):
    job = mb.ride(coop, owner)
    client = login(owner)
    assert "Cancelling now is free." in client.get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    page = client.get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    # The default fee is €5.00 plus 20 % VAT, paid to the worker.
    assert "cancelling now costs a fee of €6.00" in page and "Cancel and pay €6.00" in page
    response = client.post(f"/c/alpha/jobs/{job.pk}/cancel/", {"reason": "plans changed"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "cancelled" and job.cancellation_fee_minor == 500
    assert job.receipt["total"] == 600


def test_late_shift_cancellation_preview_matches_what_is_charged(coop, owner, login):
    worker = mb.worker(coop, "waiter")
    job = mb.shift(coop, owner, mb.soon(180), rate=1500)
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    client = login(owner)
    page = client.get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    # 4 hours × €15.00 = €60.00, + 20 % VAT = €72.00
    assert "the minimum of 4 hours" in page and "€72.00" in page
    client.post(f"/c/alpha/jobs/{job.pk}/cancel/")
    job.refresh_from_db()
    assert job.receipt["total"] == 7200


def test_a_stranger_cannot_cancel(coop, owner, login):
    job = mb.ride(coop, owner)
    before = mb.rows()
    response = login(testing.make_user("nosy")).post(f"/c/alpha/jobs/{job.pk}/cancel/")
    assert response.status_code == 404  # as for reading it: a stranger learns nothing
    assert mb.rows() == before
    other = login(mb.client_user(testing.make_coop("gamma"), "gammaclient"))
    assert other.post(f"/c/gamma/jobs/{job.pk}/cancel/").status_code == 404
    job.refresh_from_db()
    assert job.status == "open"


def test_ratings_are_explained_double_blind_and_given_once(coop, owner, login):
    worker = mb.worker(coop, "waiter")
    job = worked_shift(coop, owner, worker)
    client = login(owner)
    page = client.get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    assert "double-blind" in page and "Ratings never decide who gets work." in page
    assert "Rate waiter" in page
    response = client.post(
        f"/c/alpha/jobs/{job.pk}/rate/", {"ratee": worker.pk, "score": "5", "comment": "Great"}
    )
    assert response.status_code == 302
    assert Rating.objects.get().score == 5
    response = client.post(f"/c/alpha/jobs/{job.pk}/rate/", {"ratee": worker.pk, "score": "4"})
    assert response.status_code == 409
    assert Rating.objects.count() == 1
    # Hidden from the worker until they rate back.
    worker_client = login(worker)
    assert "Great" not in worker_client.get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    worker_client.post(f"/c/alpha/jobs/{job.pk}/rate/", {"ratee": owner.pk, "score": "4"})
    assert "Great" in worker_client.get(f"/c/alpha/jobs/{job.pk}/").content.decode()


def test_messages(coop, owner, driver, login):
    job = mb.ride(coop, owner)
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    client = login(owner)
    response = client.post(f"/c/alpha/jobs/{job.pk}/messages/send/", {"body": "Gate B please"})
    assert response.status_code == 302
    assert Message.objects.get().body == "Gate B please"
    fragment = login(driver).get(f"/c/alpha/jobs/{job.pk}/messages/").content.decode()
    assert "Gate B please" in fragment
    response = client.post(f"/c/alpha/jobs/{job.pk}/messages/send/", {"body": "  "}, **htmx())
    assert response.status_code == 400 and response["HX-Retarget"] == "#message-errors"
    stranger = login(testing.make_user("nosy"))
    assert stranger.post(f"/c/alpha/jobs/{job.pk}/messages/send/", {"body": "hi"}).status_code in (
        403,
        404,
    )
    assert Message.objects.count() == 1


def test_incident_with_evidence_and_a_statement(coop, owner, driver, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = mb.ride(coop, owner)
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    client = login(owner)
    photo = SimpleUploadedFile("dent.jpg", b"\xff\xd8\xff fake jpeg", content_type="image/jpeg")
    response = client.post(
        f"/c/alpha/jobs/{job.pk}/cases/",
        {"kind": "incident", "summary": "Scratched door", "statement": "Saw it at pick-up.",
         "evidence": photo},
    )  # fmt: skip
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.kind == "incident" and case.statements.get().evidence.name.endswith(".jpg")
    response = login(driver).post(
        f"/c/alpha/jobs/{job.pk}/cases/{case.pk}/statement/", {"text": "It was there before."}
    )
    assert response.status_code == 302
    assert Statement.objects.filter(case=case).count() == 2
    page = client.get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    assert "Scratched door" in page and "It was there before." in page


def test_evidence_that_is_not_a_photo_or_a_pdf_is_refused(
    coop, owner, driver, login, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    job = mb.ride(coop, owner)
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    client = login(owner)
    fake = SimpleUploadedFile("dent.jpg", b"MZ\x90 a program", content_type="image/jpeg")
    response = client.post(
        f"/c/alpha/jobs/{job.pk}/cases/",
        {"kind": "incident", "summary": "Scratch", "statement": "See file.", "evidence": fake},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 415
    assert "doit être une photo (JPEG, PNG ou WebP) ou un document PDF" in (
        response.content.decode()
    )
    assert not Case.objects.exists() and not list(tmp_path.rglob("*.*"))


def test_dispute_of_finished_work(coop, owner, login):
    worker = mb.worker(coop, "waiter")
    job = worked_shift(coop, owner, worker)
    client = login(owner)
    assert "A dispute" in client.get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    response = client.post(
        f"/c/alpha/jobs/{job.pk}/cases/",
        {"kind": "dispute", "summary": "Left early", "statement": "Gone at 11."},
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "disputed"


def test_empty_case_is_refused(coop, owner, driver, login):
    job = mb.ride(coop, owner)
    before = mb.rows()
    response = login(owner).post(
        f"/c/alpha/jobs/{job.pk}/cases/", {"kind": "incident", "summary": "", "statement": ""}
    )
    assert response.status_code == 400
    assert mb.rows() == before


def test_job_page_in_french(coop, owner, login):
    job = mb.ride(coop, owner)
    client = login(owner)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    html = client.get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    assert 'lang="fr"' in html
    total = Money(job.quote["split"]["total"], "EUR").localized("fr")
    assert total in html and "\u00a0€" in total


def test_codes_are_shown_to_the_client_not_to_the_worker(coop, owner, login):
    worker = mb.worker(coop, "waiter")
    job = mb.shift(coop, owner, mb.soon(30))
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    assert job.clock_code in login(owner).get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    worker_page = login(worker).get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    assert f">{job.clock_code}<" not in worker_page and "Clock in" in worker_page


def test_message_notifies_and_nav_counts_unread(coop, owner, driver, login):
    job = mb.ride(coop, owner)
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    message_post(cooperative=coop, job_id=job.pk, sender=owner, body="Running late?")
    worker_client = login(driver)
    html = worker_client.get("/c/alpha/work/").content.decode()
    assert "1 unread" in html
    listing = worker_client.get("/c/alpha/notifications/").content.decode()
    assert f"New message on {job.title}: Running late?" in listing
    french = worker_client.get("/c/alpha/notifications/", HTTP_ACCEPT_LANGUAGE="fr")
    assert f"Nouveau message sur {job.title}\xa0: Running late?" in french.content.decode()
    worker_client.post("/c/alpha/notifications/read/")
    assert "1 unread" not in worker_client.get("/c/alpha/work/").content.decode()


def test_nobody_came_then_a_coordinator_closes_the_job(coop, owner, driver, login):
    job = mb.ride(coop, owner, mb.soon(10))
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    client = login(owner)
    # Before the start and its clock-in tolerance, the page does not offer it.
    assert (
        'data-transition="no_show"' not in client.get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    )
    Job.objects.filter(pk=job.pk).update(starts_at=mb.soon(-120))  # two hours ago
    page = client.get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    assert 'data-transition="no_show"' in page and "Nobody came?" in page
    assert client.post(f"/c/alpha/jobs/{job.pk}/transitions/no_show/").status_code == 302
    job.refresh_from_db()
    assert job.status == "no_show"
    # The client cannot close it; a coordinator can, and nothing is charged.
    before = mb.rows()
    assert client.post(f"/c/alpha/jobs/{job.pk}/transitions/close_no_show/").status_code == 403
    assert mb.rows() == before
    coord = login(mb.coordinator(coop, "coord"))
    page = coord.get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    assert 'data-transition="close_no_show"' in page
    assert coord.post(f"/c/alpha/jobs/{job.pk}/transitions/close_no_show/").status_code == 302
    job.refresh_from_db()
    assert (job.status, job.cancellation_fee_minor, job.settlement_id) == ("cancelled", 0, None)


def test_the_notifications_page_turns_the_e_mails_off_and_on(
    coop, owner, driver, login, client, django_capture_on_commit_callbacks
):
    from django.core import mail

    from coopwork.core.models import UserPreference

    job = mb.ride(coop, owner)
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    worker_client = login(driver)
    html = worker_client.get("/c/alpha/notifications/").content.decode()
    assert f"Also send me these notifications by e-mail, to {driver.email}" in html
    assert 'name="job_emails" checked' in html
    response = worker_client.post("/c/alpha/notifications/email/", {})  # the box unticked
    assert response.status_code == 302 and response["Location"] == "/c/alpha/notifications/"
    assert UserPreference.objects.get(user=driver).job_emails is False
    html = worker_client.get("/c/alpha/notifications/").content.decode()
    assert "will no longer come by e-mail" in html and 'name="job_emails" checked' not in html
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_post(cooperative=coop, job_id=job.pk, sender=owner, body="Running late?")
    assert mail.outbox == []  # in-app only
    assert "Running late?" in worker_client.get("/c/alpha/notifications/").content.decode()
    worker_client.post("/c/alpha/notifications/email/", {"job_emails": "on"})
    assert UserPreference.objects.get(user=driver).job_emails is True
    # A visitor is told to sign in, and nothing is stored.
    assert client.post("/c/alpha/notifications/email/", {}).status_code == 401
    assert UserPreference.objects.count() == 1
