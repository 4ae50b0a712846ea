"""Navigation by role, the rules page the receipts link to, and the demo data."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from coopwork import testing
from coopwork.core.audit import audit_verify_all
from coopwork.core.models import Cooperative
from coopwork.core.services import parameter_set
from coopwork.ledger.selectors import trial_balance
from coopwork.marketplace.models import Job, WorkerProfile, Zone

from . import market_builders as mb

pytestmark = pytest.mark.django_db


def test_nav_shows_book_work_coordinate_by_role(coop, login, member):
    plain = login(testing.make_user("plain")).get("/").content.decode()
    assert "/c/alpha/book/" not in plain
    client_html = login(mb.client_user(coop, "cli")).get("/c/alpha/").content.decode()
    assert "/c/alpha/book/" in client_html and "/c/alpha/work/" not in client_html
    worker_html = login(mb.worker(coop, "wor")).get("/c/alpha/").content.decode()
    assert "/c/alpha/work/" in worker_html and "/c/alpha/coord/" not in worker_html
    coord_html = login(mb.coordinator(coop, "coo")).get("/c/alpha/").content.decode()
    assert "/c/alpha/coord/" in coord_html and "/c/alpha/work/" not in coord_html
    member_html = login(member.user).get("/c/alpha/").content.decode()
    assert "/c/alpha/book/" in member_html  # members may book too
    assert "/c/alpha/notifications/" in member_html


def test_rules_page_lists_each_version_with_its_decision(coop, client):
    parameter_set(
        cooperative=coop, key="commission_rate", value="15/100",
        effective_from=dt.date.today(), source="statutes",
        source_ref="Statuts, art. 22", actor=None,
    )  # fmt: skip
    html = client.get("/c/alpha/rules/").content.decode()
    assert 'id="commission_rate"' in html and 'id="commission_rate-default"' in html
    assert "Statuts, art. 22" in html and "15 %" in html and "12 %" in html
    assert 'id="pricing_ride-default"' in html


def test_receipt_links_to_the_version_the_job_used(coop, login):
    owner = mb.client_user(coop, "owner")
    parameter_set(
        cooperative=coop, key="commission_rate", value="15/100",
        effective_from=dt.date.today(), source="statutes",
        source_ref="Statuts, art. 22", actor=None,
    )  # fmt: skip
    job = mb.ride(coop, owner)
    version = job.terms["commission_rate"]["version"]
    html = login(owner).get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    assert f"/c/alpha/rules/#commission_rate-v{version}" in html
    assert "Statuts, art. 22" in html
    rules = login(owner).get("/c/alpha/rules/").content.decode()
    assert f'id="commission_rate-v{version}"' in rules


def test_seed_demo_marketplace(client):
    out = StringIO()
    call_command("seed_demo", "--url", "http://127.0.0.1:9999", stdout=out)
    platform = Cooperative.objects.get(slug="coursiers-unis")
    counts = (Job.objects.count(), WorkerProfile.objects.count(), Zone.objects.count())
    call_command("seed_demo", "--url", "http://127.0.0.1:9999", stdout=StringIO())
    assert (Job.objects.count(), WorkerProfile.objects.count(), Zone.objects.count()) == counts
    jobs = Job.objects.filter(cooperative=platform)
    statuses = sorted(jobs.values_list("kind", "status"))
    assert ("ride", "open") in statuses and ("delivery", "started") in statuses
    assert statuses.count(("shift", "settled")) == 2
    assert any(j.receipt and j.receipt["topup"] > 0 for j in jobs)  # the pay floor at work
    assert Zone.objects.filter(cooperative=platform).count() == 1
    assert trial_balance(cooperative=platform).balanced
    assert audit_verify_all() == []
    text = out.getvalue()
    for username, password in [
        ("boulangerie", "boulangerie-demo-2026"),
        ("ahmed", "ahmed-demo-2026"),
        ("nora", "nora-demo-2026"),
    ]:
        assert username in text and password in text
    assert "/c/coursiers-unis/coord/" in text
    assert client.login(username="boulangerie", password="boulangerie-demo-2026")
    assert client.get("/c/coursiers-unis/jobs/").status_code == 200
    assert client.get("/c/coursiers-unis/book/shift/").status_code == 200
    assert client.login(username="ahmed", password="ahmed-demo-2026")
    html = client.get("/c/coursiers-unis/work/").content.decode()
    assert "Gare de la Part-Dieu" in html  # the open ride is his to take
    assert client.login(username="camille", password="camille-demo-2026")
    assert client.get("/c/coursiers-unis/work/earnings/").status_code == 200
    assert client.login(username="nora", password="nora-demo-2026")
    assert client.get("/c/coursiers-unis/coord/").status_code == 200
