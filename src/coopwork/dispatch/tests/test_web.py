"""Dispatch's web pages: the worker's explained offer (EN/FR), rounds for coordinators, running a
round by hand, and the fairness curve."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from coopwork import testing
from coopwork.core.services import role_grant
from coopwork.dispatch.models import DispatchRound
from coopwork.dispatch.services import dispatch_round_run
from coopwork.marketplace.booking import Place
from coopwork.marketplace.models import Offer

from .world import RIVOLI, City, make_city, near

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db) -> City:
    cache.clear()
    now = timezone.now()
    city = make_city()
    city.worker("nadia", at=near(RIVOLI, 400), now=now)
    city.worker("bertrand", at=near(RIVOLI, 1400), now=now)
    city.worker("quentin", at=near(RIVOLI, 2600), now=now)
    city.ride(now)
    dispatch_round_run(cooperative=city.coop, zone_id=city.zone.pk, now=now)
    return city


def client_for(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_the_worker_reads_the_explanation_in_plain_words(city):
    offer = Offer.objects.get()
    worker = city.workers["nadia"]
    html = client_for(worker).get("/c/alpha/work/").content.decode()
    assert "Why me?" in html and "about 0.9 min away" in html
    assert "You are about 0.9 min from the pick-up (0.4 km)." in html
    assert "The two nearest other workers considered were 3 min and 5.6 min away." in html
    assert "Who they are is never shown." in html
    assert "ertrand" not in html and "uentin" not in html
    for raw in ("alternatives_eta_s", "eta_s", "unassigned_cost", "contribution"):
        assert raw not in html
    page = client_for(worker).get(f"/c/alpha/work/offers/{offer.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Why you got this offer" in text and "Time to reach the pick-up: 0.9 min" in text
    assert "× 9 min" in text  # the fairness weight, 540 s


def test_the_explanation_in_french(city):
    offer = Offer.objects.get()
    text = client_for(city.workers["nadia"], "fr").get(f"/c/alpha/work/offers/{offer.pk}/")
    html = text.content.decode()
    assert "Vous êtes à environ 0,9 min du point de prise en charge (0,4 km)." in html
    assert "Les deux autres personnes les plus proches" in html


def test_another_workers_offer_is_not_found(city):
    offer = Offer.objects.get()
    response = client_for(city.workers["bertrand"]).get(f"/c/alpha/work/offers/{offer.pk}/")
    assert response.status_code == 404


def test_coordinators_see_every_round_and_every_pair(city):
    rnd = DispatchRound.objects.get()
    coord = client_for(city.coordinator)
    listing = coord.get("/c/alpha/dispatch/").content.decode()
    assert f"/c/alpha/dispatch/rounds/{rnd.pk}/" in listing
    detail = coord.get(f"/c/alpha/dispatch/rounds/{rnd.pk}/").content.decode()
    assert "Every job of the round, and why" in detail
    assert "Nadia" in detail or "nadia" in detail  # the worker's name is shown to coordinators
    assert "offered" in detail and "3 min, 5.6 min" in detail
    worker = client_for(city.workers["nadia"])
    assert worker.get(f"/c/alpha/dispatch/rounds/{rnd.pk}/").status_code == 403
    assert worker.get("/c/alpha/dispatch/").status_code == 403


def test_a_coordinator_runs_a_round_by_hand_and_a_worker_cannot(city):
    before = DispatchRound.objects.count()
    refused = client_for(city.workers["nadia"]).post(
        "/c/alpha/dispatch/run/", {"zone": city.zone.pk}
    )
    assert refused.status_code == 403 and DispatchRound.objects.count() == before
    bad = client_for(city.coordinator).post("/c/alpha/dispatch/run/", {"zone": "x"})
    assert bad.status_code == 400 and DispatchRound.objects.count() == before
    done = client_for(city.coordinator).post("/c/alpha/dispatch/run/", {"zone": city.zone.pk})
    assert done.status_code == 302
    assert DispatchRound.objects.count() == before + 1
    assert DispatchRound.objects.first().dispatcher == ""


def test_members_see_the_trade_off_curve_as_an_svg_and_a_table(city):
    now = timezone.now()
    for day in range(1, 15):
        for metres in (-900, 1200):
            lat, lon = near(RIVOLI, metres, day * 50)
            city.ride(now - dt.timedelta(days=day), pickup=Place("p", lat, lon))
    member = testing.make_user("member")
    role_grant(cooperative=city.coop, user=member, role="member", actor=None)
    response = client_for(member).get("/c/alpha/dispatch/fairness/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<svg viewBox="0 0 640 360"' in html and "<polyline" in html
    assert html.count("<circle") == 6 + 1  # six weights, and the ring on the one in force
    assert 'id="fairness-table"' in html and "in force" in html
    assert "cdn" not in html.lower()
    assert 'href="/c/alpha/dispatch/"' not in html  # the rounds are for coordinators
    coordinator_view = client_for(city.coordinator).get("/c/alpha/dispatch/fairness/")
    assert 'href="/c/alpha/dispatch/"' in coordinator_view.content.decode()
    anonymous = Client().get("/c/alpha/dispatch/fairness/")
    assert anonymous.status_code == 302
