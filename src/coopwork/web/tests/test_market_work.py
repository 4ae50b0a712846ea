"""The worker area: offers and open jobs with the worker's pay, claim, refuse, release, clock in
by code, start and finish, delivery proof, position updates, earnings, profile, availability and
the iCalendar feed."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from icalendar import Calendar

from coopwork import testing
from coopwork.core.money import Money
from coopwork.core.services import role_grant
from coopwork.marketplace.models import Assignment, Job, Offer, WorkerProfile
from coopwork.marketplace.services import (
    job_approve,
    job_claim,
    job_clock_in,
    job_clock_out,
    offer_create,
    zone_create,
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


@pytest.fixture
def driving(driver, login):
    return login(driver)


def test_the_worker_area_needs_the_worker_role(coop, login, client):
    assert login(testing.make_user("notaworker")).get("/c/alpha/work/").status_code == 403
    assert client.get("/c/alpha/work/").status_code == 302


def test_a_worker_without_profile_is_asked_to_create_one(coop, login):
    user = testing.make_user("newbie")
    role_grant(cooperative=coop, user=user, role="worker", actor=None)
    html = login(user).get("/c/alpha/work/").content.decode()
    assert "Set up your worker profile" in html


def test_open_jobs_show_the_workers_pay_place_and_time(coop, owner, driving):
    job = mb.ride(coop, owner)
    html = driving.get("/c/alpha/work/").content.decode()
    pay = Money(job.quote["split"]["worker"], "EUR").localized("en")
    assert job.title in html and pay in html and "for you" in html
    assert job.starts_at.astimezone(timezone.get_current_timezone()).strftime("%H:%M") in html
    assert "never counts against you" in html
    assert "Sorted by start time: never by ratings." in html


def test_the_lists_follow_the_coops_worker_socket_and_poll_without_it(coop, owner, driving):
    html = driving.get("/c/alpha/work/").content.decode()
    assert 'data-live-ws="/ws/work/alpha/"' in html
    assert 'data-live-url="/c/alpha/work/live/"' in html and 'data-live-poll="15000"' in html
    job = mb.ride(coop, owner)
    live = driving.get("/c/alpha/work/live/")
    assert (
        live["Cache-Control"] == "no-store" and f'id="open-job-{job.pk}"' in live.content.decode()
    )


def test_claim_then_claim_again(coop, owner, driver, driving):
    job = mb.ride(coop, owner)
    response = driving.post(f"/c/alpha/work/jobs/{job.pk}/claim/")
    assert response.status_code == 302 and response["Location"] == "/c/alpha/work/"
    job.refresh_from_db()
    assert job.status == "assigned"
    before = mb.rows()
    response = driving.post(f"/c/alpha/work/jobs/{job.pk}/claim/", **htmx())
    assert response.status_code == 409
    assert response["HX-Retarget"] == f"#job-{job.pk}-errors"
    assert mb.rows() == before


def test_claim_from_the_job_page_returns_there(coop, owner, driving):
    job = mb.ride(coop, owner)
    response = driving.post(f"/c/alpha/work/jobs/{job.pk}/claim/", {"next": "job"}, **htmx())
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/c/alpha/jobs/{job.pk}/"


def test_a_worker_of_another_coop_cannot_claim(coop, other_coop, owner, login):
    job = mb.ride(coop, owner)
    outsider = login(mb.worker(other_coop, "outsider"))
    before = mb.rows()
    assert outsider.post(f"/c/alpha/work/jobs/{job.pk}/claim/").status_code == 403
    assert outsider.post(f"/c/beta/work/jobs/{job.pk}/claim/").status_code == 404
    assert mb.rows() == before


def test_a_shift_fills_then_waitlists(coop, owner, login):
    job = mb.shift(coop, owner)
    first = login(mb.worker(coop, "first"))
    second = login(mb.worker(coop, "second"))
    first.post(f"/c/alpha/work/jobs/{job.pk}/claim/")
    # The full shift stays in the second worker's list, offered as a waiting list to join.
    card = re.search(
        rf'<article[^>]*id="open-job-{job.pk}".*?</article>',
        second.get("/c/alpha/work/").content.decode(),
        re.S,
    )
    assert card and "data-full" in card[0] and "Join the waiting list" in card[0]
    response = second.post(f"/c/alpha/work/jobs/{job.pk}/claim/", follow=True)
    assert "you are on the waiting list" in response.content.decode()
    assert Assignment.objects.filter(job=job, status="waitlisted").count() == 1
    # On it now (waiting): it leaves the list of jobs to take.
    assert f'id="open-job-{job.pk}"' not in second.get("/c/alpha/work/").content.decode()


def test_offers_can_be_accepted_or_refused_without_consequence(coop, owner, driver, driving):
    job = mb.ride(coop, owner)
    offer = offer_create(
        cooperative=coop, job_id=job.pk, worker_id=driver.pk, explanation={"distance": "1 km"}
    )
    html = driving.get("/c/alpha/work/").content.decode()
    assert "Offers for you" in html and f"/c/alpha/work/offers/{offer.pk}/refuse/" in html
    assert "Refusing has no consequence." in html
    response = driving.post(f"/c/alpha/work/offers/{offer.pk}/refuse/", follow=True)
    assert "Refusing never counts against you." in response.content.decode()
    assert Offer.objects.get().status == "refused"
    again = offer_create(cooperative=coop, job_id=job.pk, worker_id=driver.pk, explanation={})
    assert driving.post(f"/c/alpha/work/offers/{again.pk}/accept/").status_code == 302
    job.refresh_from_db()
    assert job.status == "assigned"
    # Someone else's offer is not found.
    other = login_as(coop, "other")
    assert other.post(f"/c/alpha/work/offers/{again.pk}/refuse/").status_code == 404


def login_as(coop, name):
    from django.test import Client

    client = Client()
    client.force_login(mb.worker(coop, name))
    return client


def test_release_never_counts(coop, owner, driver, driving):
    job = mb.ride(coop, owner)
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    response = driving.post(f"/c/alpha/work/jobs/{job.pk}/release/", follow=True)
    assert "This never counts against you." in response.content.decode()
    job.refresh_from_db()
    assert job.status == "open"


def test_clock_in_by_code_and_out(coop, owner, login):
    worker = mb.worker(coop, "waiter")
    job = mb.shift(coop, owner, mb.soon(10))
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    client = login(worker)
    html = client.get("/c/alpha/work/").content.decode()
    assert "Shift code" in html and "Clock in" in html
    before = mb.rows()
    response = client.post(f"/c/alpha/work/jobs/{job.pk}/clock-in/", {"code": "000000x"})
    assert response.status_code == 400
    assert "That is not the shift" in response.content.decode()
    assert mb.rows() == before
    response = client.post(f"/c/alpha/work/jobs/{job.pk}/clock-in/", {"code": job.clock_code})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "started"
    assert "Clock out" in client.get("/c/alpha/work/").content.decode()
    # Out with the same code: without it (or with another) nothing changes.
    before = mb.rows()
    for wrong in ({}, {"code": "000000x"}):
        response = client.post(f"/c/alpha/work/jobs/{job.pk}/finish/", wrong)
        assert response.status_code == 400
        assert "That is not the shift" in response.content.decode()
    assert mb.rows() == before
    assert (
        client.post(f"/c/alpha/work/jobs/{job.pk}/finish/", {"code": job.clock_code}).status_code
        == 302
    )
    job.refresh_from_db()
    assert job.status == "completed"


def test_clocking_in_a_shift_days_ahead_is_not_offered(coop, owner, login):
    worker = mb.worker(coop, "waiter")
    job = mb.shift(coop, owner, mb.later(days=3))
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    html = login(worker).get("/c/alpha/work/").content.decode()
    assert "You can clock in from" in html and 'name="code"' not in html


def test_ride_depart_start_finish(coop, owner, driver, driving):
    job = mb.ride(coop, owner, mb.soon(15))
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    html = driving.get("/c/alpha/work/").content.decode()
    assert "On my way" in html and "data-geo-post" in html
    assert driving.post(f"/c/alpha/work/jobs/{job.pk}/depart/").status_code == 302
    job.refresh_from_db()
    assert job.status == "en_route"
    assert driving.post(f"/c/alpha/work/jobs/{job.pk}/clock-in/").status_code == 302
    assert driving.post(f"/c/alpha/work/jobs/{job.pk}/finish/").status_code == 302
    job.refresh_from_db()
    assert job.status == "completed"


def test_delivery_needs_its_proof(coop, owner, login):
    courier = mb.worker(coop, "courier", vehicle="bike")
    job = mb.delivery(coop, owner, mb.soon(10))
    job_claim(cooperative=coop, job_id=job.pk, worker=courier)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=courier)
    client = login(courier)
    assert "Code given by the recipient" in client.get("/c/alpha/work/").content.decode()
    before = mb.rows()
    response = client.post(f"/c/alpha/work/jobs/{job.pk}/finish/", {"proof_code": "nope"})
    assert response.status_code == 400
    assert "needs its proof" in response.content.decode()
    assert mb.rows() == before
    response = client.post(
        f"/c/alpha/work/jobs/{job.pk}/finish/", {"proof_code": job.delivery.proof_code}
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "completed" and job.delivery.delivered_at is not None


def test_delivery_signature_and_photo(coop, owner, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    courier = mb.worker(coop, "courier", vehicle="bike")
    client = login(courier)
    signed = mb.delivery(coop, owner, mb.soon(10), proof="signature")
    job_claim(cooperative=coop, job_id=signed.pk, worker=courier)
    job_clock_in(cooperative=coop, job_id=signed.pk, worker=courier)
    assert "data-signature-for" in client.get("/c/alpha/work/").content.decode()
    data_url = "data:image/png;base64,iVBORw0KGgo="
    response = client.post(f"/c/alpha/work/jobs/{signed.pk}/finish/", {"proof_text": data_url})
    assert response.status_code == 302
    signed.delivery.refresh_from_db()
    assert signed.delivery.proof_text == data_url
    photo_job = mb.delivery(coop, owner, mb.soon(10), proof="photo")
    job_claim(cooperative=coop, job_id=photo_job.pk, worker=courier)
    job_clock_in(cooperative=coop, job_id=photo_job.pk, worker=courier)
    photo = SimpleUploadedFile("door.jpg", b"\xff\xd8\xff jpeg", content_type="image/jpeg")
    response = client.post(f"/c/alpha/work/jobs/{photo_job.pk}/finish/", {"proof_file": photo})
    assert response.status_code == 302
    photo_job.delivery.refresh_from_db()
    assert photo_job.delivery.proof_file.name.endswith(".jpg")


def test_position_updates_are_rate_limited_quietly(coop, owner, driver, driving):
    from django.core.cache import cache

    cache.clear()
    response = driving.post("/c/alpha/work/position/", {"lat": "45.76", "lon": "4.84"})
    assert response.status_code == 200 and json.loads(response.content) == {"ok": True}
    response = driving.post("/c/alpha/work/position/", {"lat": "45.76", "lon": "4.84"})
    assert response.status_code == 400
    assert json.loads(response.content)["code"] == "position_rate_limited"
    profile = WorkerProfile.objects.get(user=driver)
    assert profile.last_lat == pytest.approx(45.76)
    response = driving.post("/c/alpha/work/position/", {"lat": "north", "lon": "4.84"})
    assert response.status_code == 400
    nobody = testing.make_user("nobody")
    from django.test import Client

    stranger = Client()
    stranger.force_login(nobody)
    response = stranger.post("/c/alpha/work/position/", {"lat": "45.7", "lon": "4.8"})
    assert response.status_code == 403 and json.loads(response.content)["code"] == "not_a_worker"


def test_earnings_with_a_chart(coop, owner, login):
    worker = mb.worker(coop, "waiter")
    start = mb.soon(5)
    job = mb.shift(coop, owner, start)
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=worker, code=job.clock_code, now=start)
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=worker,
        now=start + dt.timedelta(hours=2),
    )
    job_approve(cooperative=coop, job_id=job.pk, actor=owner)
    client = login(worker)
    html = client.get("/c/alpha/work/earnings/").content.decode()
    assignment = Assignment.objects.get(job=job)
    paid = Money(assignment.pay_minor + assignment.topup_minor, "EUR").localized("en")
    assert "<svg" in html and 'class="bar-pay"' in html and paid in html
    month = client.get("/c/alpha/work/earnings/?period=month").content.decode()
    assert "Per month" in month and 'class="bar-pay"' in month


def test_profile_and_availability(coop, driver, driving):
    zone_create(cooperative=coop, code="centre", name="Centre", polygon=mb.LYON_ZONE, actor=None)
    html = driving.get("/c/alpha/work/profile/").content.decode()
    assert "/c/alpha/calendar/" in html and "iCalendar feed" in html
    response = driving.post(
        "/c/alpha/work/profile/",
        {"skills": "driving, Service", "vehicle": "van", "capacity_kg": "300", "seats": "2",
         "zones": ["centre"], "active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    profile = WorkerProfile.objects.get(user=driver)
    assert profile.skills == ["driving", "service"] and profile.vehicle == "van"
    assert [z.code for z in profile.zones.all()] == ["centre"]
    response = driving.post(
        "/c/alpha/work/profile/",
        {"skills": "", "vehicle": "van", "capacity_kg": "99999", "seats": "2", "active": "on"},
    )
    assert response.status_code == 400
    assert "The capacity, in kg, must be between 0 and 2,000." in response.content.decode()
    day = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    response = driving.post(
        "/c/alpha/work/availability/",
        {"d0_start": "08:00", "d0_end": "12:00", "d2_start": "14:00", "d2_end": "18:00",
         "x0_date": day, "x0_available": "0", "x0_note": "Doctor"},
    )  # fmt: skip
    assert response.status_code == 302
    assert profile.weekly.count() == 2 and profile.exceptions.get().note == "Doctor"
    page = driving.get("/c/alpha/work/profile/").content.decode()
    assert 'value="08:00"' in page and "Doctor" in page
    response = driving.post("/c/alpha/work/availability/", {"d1_start": "18:00", "d1_end": "09:00"})
    assert response.status_code == 400
    assert profile.weekly.count() == 2


def test_calendar_feed(coop, owner, driver, client):
    job = mb.ride(coop, owner)
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    token = WorkerProfile.objects.get(user=driver).calendar_token
    response = client.get(f"/c/alpha/calendar/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = list(Calendar.from_ical(response.content).walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == [job.title]
    assert client.get("/c/alpha/calendar/not-a-token.ics").status_code == 404
    testing.make_coop("gamma")
    assert client.get(f"/c/gamma/calendar/{token}.ics").status_code == 404
    assert Job.objects.count() == 1
