"""Booking pages: the kind chooser, one form per kind, the price before confirming (htmx and
without JavaScript), refusals shown with their 4xx status, and the booking itself."""

from __future__ import annotations

import re

import pytest

from coopwork import testing
from coopwork.core.money import Money
from coopwork.marketplace.models import Job
from coopwork.marketplace.selectors import open_jobs_for_worker
from coopwork.marketplace.services import job_quote, zone_create
from coopwork.web.market_forms import ShiftForm

from . import market_builders as mb
from .conftest import htmx

pytestmark = pytest.mark.django_db


@pytest.fixture
def booker(coop, login):
    return login(mb.client_user(coop, "bistro"))


def test_kind_chooser_lists_the_four_kinds(booker):
    html = booker.get("/c/alpha/book/").content.decode()
    for kind in ("shift", "ride", "delivery", "task"):
        assert f"/c/alpha/book/{kind}/" in html
    assert "You see the full price before you confirm" in html


def test_booking_needs_a_sign_in(client, coop):
    response = client.get("/c/alpha/book/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post("/c/alpha/book/ride/", {**mb.ride_form(), "action": "confirm"})
    assert response.status_code == 401
    assert Job.objects.count() == 0


@pytest.mark.parametrize("kind", ["shift", "ride", "delivery", "task"])
def test_each_kind_has_its_form(booker, kind):
    response = booker.get(f"/c/alpha/book/{kind}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="quote"' in html and f"/c/alpha/book/{kind}/quote/" in html
    assert 'name="action" value="quote"' in html  # the price step without JavaScript


def test_unknown_kind_is_404(booker):
    assert booker.get("/c/alpha/book/spaceship/").status_code == 404
    assert booker.get("/c/alpha/book/spaceship/quote/").status_code == 404


def test_htmx_quote_shows_the_full_price_and_split_and_writes_nothing(booker, coop):
    before = mb.rows()
    data = mb.shift_form()
    response = booker.get("/c/alpha/book/shift/quote/", data, **htmx())
    assert response.status_code == 200
    html = response.content.decode()
    form = ShiftForm(data, currency="EUR")
    assert form.is_valid()
    priced = job_quote(cooperative=coop, request=form.to_request())
    for minor in (priced.split.total, priced.split.worker, priced.split.coop, priced.split.vat):
        assert Money(minor, "EUR").localized("en") in html
    assert "Worker's part" in html and "Co-op's part (12 %)" in html
    assert 'value="confirm"' in html
    # 2 positions × 7.5 h (a 30-minute break) × €18.50
    assert "2 × 7.50 h × €18.50 per hour" in html
    assert mb.rows() == before


def test_htmx_quote_asks_for_what_is_missing(booker):
    response = booker.get("/c/alpha/book/shift/quote/", {"title": "Waiter"}, **htmx())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Still needed:" in html and "Site" in html
    assert 'value="confirm"' not in html
    # A stop is named once, not as its address and coordinates.
    html = booker.get("/c/alpha/book/ride/quote/", {"passengers": "1"}, **htmx()).content.decode()
    assert "Pick-up, Drop-off" in html and "Latitude" not in html


def test_htmx_quote_outside_the_service_area_is_a_400_with_the_message(booker, coop):
    zone_create(cooperative=coop, code="lyon", name="Lyon", polygon=mb.LYON_ZONE, actor=None)
    before = mb.rows()
    data = mb.shift_form(site_lat="48.8556", site_lon="2.36", site_address="Paris")
    response = booker.get("/c/alpha/book/shift/quote/", data, **htmx())
    assert response.status_code == 400
    assert "outside the areas the cooperative serves" in response.content.decode()
    assert mb.rows() == before


def test_htmx_quote_absurd_quantities_name_the_field_in_words(booker):
    response = booker.get("/c/alpha/book/shift/quote/", mb.shift_form(positions="500"), **htmx())
    assert response.status_code == 400
    assert "Positions must be between 1 and 50." in response.content.decode()
    response = booker.get(
        "/c/alpha/book/delivery/quote/", mb.delivery_form(weight_kg="900"), **htmx()
    )
    assert response.status_code == 400
    assert "Weight (kg) must be between 0.001 kg and 200 kg." in response.content.decode()
    response = booker.get(
        "/c/alpha/book/shift/quote/", mb.shift_form(hourly_rate="20000"), **htmx()
    )
    assert response.status_code == 400
    assert "between €0.01 and €10,000.00" in response.content.decode()


def test_htmx_quote_refuses_times_in_the_past(booker):
    response = booker.get("/c/alpha/book/ride/quote/", mb.ride_form(date="2020-01-06"), **htmx())
    assert response.status_code == 400
    assert "the start is in the past" in response.content.decode()


def test_price_step_without_javascript_then_confirm(booker, coop):
    data = mb.shift_form()
    response = booker.post("/c/alpha/book/shift/", {**data, "action": "quote"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Full price, before you confirm" in html and 'value="confirm"' in html
    assert Job.objects.count() == 0
    response = booker.post("/c/alpha/book/shift/", {**data, "action": "confirm"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/c/alpha/jobs/{job.pk}/"
    assert job.kind == "shift" and job.positions == 2 and job.client_is_business
    assert job.shift.hourly_rate_minor == 1850 and job.shift.break_minutes == 30
    assert job.skills == ["bar", "service"]
    page = booker.get(response["Location"]).content.decode()
    assert job.clock_code in page  # the client gives it to the workers on site


@pytest.mark.parametrize(
    ("kind", "form"),
    [("ride", mb.ride_form), ("delivery", mb.delivery_form), ("task", mb.task_form)],
)
def test_each_kind_books(booker, kind, form):
    response = booker.post(f"/c/alpha/book/{kind}/", {**form(), "action": "confirm"})
    assert response.status_code == 302, response.content.decode()[:2000]
    job = Job.objects.get()
    assert job.kind == kind and job.status == "open"
    assert not job.client_is_business


def test_known_places_fill_the_address(booker):
    booker.post("/c/alpha/book/ride/", {**mb.ride_form(), "action": "confirm"})
    job = Job.objects.get()
    assert job.address.startswith("Place Bellecour") and job.lat == pytest.approx(45.7578)
    assert job.dropoff_address.startswith("Gare de la Part-Dieu")


def test_fixed_price_task(booker):
    data = mb.task_form(mode="fixed", fixed_price="95.00", estimated_hours="")
    booker.post("/c/alpha/book/task/", {**data, "action": "confirm"})
    job = Job.objects.get()
    assert job.task.mode == "fixed" and job.task.fixed_price_minor == 9500
    assert job.quote["split"]["net"] == 9500


def test_confirm_outside_the_area_shows_the_error_next_to_the_address(booker, coop):
    zone_create(cooperative=coop, code="lyon", name="Lyon", polygon=mb.LYON_ZONE, actor=None)
    before = mb.rows()
    data = mb.ride_form(pickup_known="", pickup_address="Paris", pickup_lat="48.85")
    data["pickup_lon"] = "2.35"
    response = booker.post("/c/alpha/book/ride/", {**data, "action": "confirm"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_pickup_address_error"' in html
    assert "outside the areas the cooperative serves" in html
    assert mb.rows() == before


def test_form_errors_are_a_400_and_write_nothing(booker):
    before = mb.rows()
    response = booker.post(
        "/c/alpha/book/ride/", {**mb.ride_form(passengers="many"), "action": "confirm"}
    )
    assert response.status_code == 400
    assert "Enter a whole number." in response.content.decode()
    response = booker.post(
        "/c/alpha/book/ride/",
        {**mb.ride_form(pickup_known="", pickup_address=""), "action": "confirm"},
    )
    assert response.status_code == 400
    assert "Give an address or pick a known one." in response.content.decode()
    assert mb.rows() == before


def test_absurd_quantity_on_confirm_is_shown_on_its_field(booker):
    before = mb.rows()
    response = booker.post(
        "/c/alpha/book/ride/", {**mb.ride_form(passengers="40"), "action": "confirm"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_passengers_error"' in html and "Passengers must be between 1 and 8." in html
    assert mb.rows() == before


def test_booking_in_french(booker):
    booker.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    response = booker.get("/c/alpha/book/ride/quote/", mb.ride_form(), **htmx())
    html = response.content.decode()
    assert response.status_code == 200
    assert "\u00a0€" in html  # French money: "12,34 €"
    page = booker.get("/c/alpha/book/ride/").content.decode()
    assert 'lang="fr"' in page
    # Date and time inputs keep the browser's ISO format whatever the language.
    assert re.search(r'type="date" name="date" value="\d{4}-\d{2}-\d{2}"', page)
    assert 'value="10:00"' in page


def test_a_user_of_another_coop_books_nothing_there(other_coop, login, coop):
    outsider = login(testing.make_user("stranger"))
    response = outsider.post("/c/nowhere/book/ride/", {**mb.ride_form(), "action": "confirm"})
    assert response.status_code == 404
    assert Job.objects.count() == 0


def test_a_draft_is_saved_then_published_from_its_page(booker, coop):
    priced = booker.post("/c/alpha/book/shift/", {**mb.shift_form(), "action": "quote"})
    assert "Save as a draft" in priced.content.decode()
    response = booker.post("/c/alpha/book/shift/", {**mb.shift_form(), "action": "draft"})
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == "requested"
    page = booker.get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    assert "This job is a draft" in page and 'data-transition="publish"' in page
    waiter = mb.worker(coop, "waiter", skills=("service", "bar"))
    assert job.pk not in [j.pk for j in open_jobs_for_worker(cooperative=coop, user=waiter)]
    published = booker.post(f"/c/alpha/jobs/{job.pk}/transitions/publish/")
    assert published.status_code == 302
    job.refresh_from_db()
    assert job.status == "open"
    assert job.pk in [j.pk for j in open_jobs_for_worker(cooperative=coop, user=waiter)]
    page = booker.get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    assert 'data-transition="publish"' not in page
    # Only the plain transitions have this form: another name is not an action here.
    before = mb.rows()
    assert booker.post(f"/c/alpha/jobs/{job.pk}/transitions/cancel/").status_code == 404
    assert mb.rows() == before
