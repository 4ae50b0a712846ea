"""Double-blind ratings: rating_submit (services) and ratings_visible (selectors)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coopwork.core.errors import CoopError
from coopwork.core.services import parameter_set
from coopwork.marketplace.models import Rating
from coopwork.marketplace.selectors import open_jobs_for_worker, ratings_visible
from coopwork.marketplace.services import (
    job_approve,
    job_book,
    job_claim,
    job_clock_in,
    job_clock_out,
    rating_submit,
)

from .helpers import (
    at,
    completed_ride,
    counts,
    make_client,
    make_worker,
    shift_request,
    weekday,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ride(coop):
    client = make_client("rider")
    driver = make_worker(coop, "driver", vehicle="car")
    return completed_ride(coop, client, driver), client, driver


def rate(coop, job, rater, ratee, score=5, comment=""):
    return rating_submit(
        cooperative=coop,
        job_id=job.pk,
        rater=rater,
        ratee_id=ratee.pk,
        score=score,
        comment=comment,
    )


def refused(code, coop, job, rater, ratee, score=5):
    before = counts()
    with pytest.raises(CoopError) as exc:
        rate(coop, job, rater, ratee, score)
    assert exc.value.code == code
    assert counts() == before


def test_hidden_until_both_have_rated(coop, ride):
    job, client, driver = ride
    r1 = rate(coop, job, client, driver, 5, "  Smooth ride  ")
    assert r1.comment == "Smooth ride"
    assert ratings_visible(job=job) == []
    r2 = rate(coop, job, driver, client, 4)
    assert {(r.rater_id, r.ratee_id, r.score) for r in ratings_visible(job=job)} == {
        (client.pk, driver.pk, 5),
        (driver.pk, client.pk, 4),
    }
    assert {r.pk for r in ratings_visible(job=job)} == {r1.pk, r2.pk}


def test_shown_after_the_publication_delay(coop, ride):
    job, client, driver = ride
    r = rate(coop, job, client, driver, 2)
    # Default 7 days: hidden one second before, shown on the dot.
    seven_days = r.created_at + dt.timedelta(days=7)
    assert ratings_visible(job=job, now=seven_days - dt.timedelta(seconds=1)) == []
    assert [x.pk for x in ratings_visible(job=job, now=seven_days)] == [r.pk]


def test_the_delay_is_the_one_in_force_at_booking(coop):
    parameter_set(
        cooperative=coop,
        key="rating_publish_days",
        value=3,
        effective_from=timezone.localdate(),
        source="statutes",
        source_ref="art. 30",
        actor=None,
    )
    client, driver = make_client("c"), make_worker(coop, "d", vehicle="car")
    job = completed_ride(coop, client, driver)
    parameter_set(
        cooperative=coop,
        key="rating_publish_days",
        value=10,
        effective_from=timezone.localdate(),
        source="statutes",
        source_ref="art. 30 amended",
        actor=None,
    )
    r = rate(coop, job, driver, client, 3)
    assert [x.pk for x in ratings_visible(job=job, now=r.created_at + dt.timedelta(days=3))] == [
        r.pk
    ]


def test_rating_after_settlement(coop, ride):
    job, client, driver = ride
    job_approve(cooperative=coop, job_id=job.pk, actor=client)
    rate(coop, job, client, driver, 5)
    rate(coop, job, driver, client, 5)
    assert len(ratings_visible(job=job)) == 2


def test_rating_twice(coop, ride):
    job, client, driver = ride
    rate(coop, job, client, driver, 5)
    refused("rating_already_given", coop, job, client, driver, 1)
    assert Rating.objects.get(job=job, rater=client).score == 5


def test_rating_someone_you_did_not_work_with(coop, ride):
    job, client, driver = ride
    stranger = make_worker(coop, "stranger", vehicle="car")
    refused("rating_not_allowed", coop, job, client, stranger)
    refused("rating_not_allowed", coop, job, stranger, client)
    refused("rating_not_allowed", coop, job, stranger, driver)
    refused("rating_not_allowed", coop, job, client, client)
    refused("rating_not_allowed", coop, job, driver, driver)


def test_workers_on_the_same_shift_do_not_rate_each_other(coop):
    client = make_client("c")
    w1, w2 = make_worker(coop, "w1"), make_worker(coop, "w2")
    job = job_book(
        cooperative=coop, client=client, request=shift_request(at(weekday(3), 9), positions=2)
    )
    for w in (w1, w2):
        job_claim(cooperative=coop, job_id=job.pk, worker=w)
    # Not finished yet: nobody may rate.
    refused("rating_not_allowed", coop, job, client, w1)
    for w in (w1, w2):
        job_clock_in(
            cooperative=coop, job_id=job.pk, worker=w, code=job.clock_code, now=job.starts_at
        )
        job_clock_out(
            cooperative=coop,
            job_id=job.pk,
            code=job.clock_code,
            worker=w,
            now=job.starts_at + dt.timedelta(hours=8),
        )
    refused("rating_not_allowed", coop, job, w1, w2)
    rate(coop, job, client, w1, 5)
    rate(coop, job, client, w2, 4)
    rate(coop, job, w1, client, 5)
    # w1 and the client rated each other: those two show; the client's rating of w2 waits.
    visible = {(r.rater_id, r.ratee_id) for r in ratings_visible(job=job)}
    assert visible == {(client.pk, w1.pk), (w1.pk, client.pk)}


@pytest.mark.parametrize("score", [0, 6, -1, 100, 3.5, True, "5", None])
def test_scores_outside_one_to_five(coop, ride, score):
    job, client, driver = ride
    refused("score_invalid", coop, job, client, driver, score)


@pytest.mark.parametrize("score", [1, 5])
def test_scores_at_the_bounds(coop, ride, score):
    job, client, driver = ride
    assert rate(coop, job, client, driver, score).score == score


def test_ratings_never_reorder_open_jobs(coop):
    """The open-jobs list is sorted by start time, whatever the clients' or workers' ratings."""
    seeker = make_worker(coop, "seeker")
    driver = make_worker(coop, "driver", vehicle="car")
    clients = [make_client(f"client{i}") for i in range(3)]
    # Booked out of order: client0 at 15:00, client1 at 09:00, client2 at 12:00.
    day = weekday(3)
    jobs = [
        job_book(cooperative=coop, client=c, request=shift_request(at(day, hour), hours=2))
        for c, hour in zip(clients, (15, 9, 12), strict=True)
    ]
    expected = [jobs[1].pk, jobs[2].pk, jobs[0].pk]
    assert [j.pk for j in open_jobs_for_worker(cooperative=coop, user=seeker)] == expected
    # Ratings in every direction: client1 (first in the list) is rated 1 and client0 5 by a
    # driver, and the seeker gets a 1 from client2 on an earlier job.
    for c, score in zip(clients, (5, 1, 3), strict=True):
        past = completed_ride(coop, c, driver)
        rate(coop, past, driver, c, score)
        rate(coop, past, c, driver, 6 - score)
    earlier = job_book(
        cooperative=coop, client=clients[2], request=shift_request(at(day, 6), hours=2)
    )
    job_claim(cooperative=coop, job_id=earlier.pk, worker=seeker)
    job_clock_in(
        cooperative=coop,
        job_id=earlier.pk,
        worker=seeker,
        code=earlier.clock_code,
        now=earlier.starts_at,
    )
    job_clock_out(
        cooperative=coop,
        job_id=earlier.pk,
        code=earlier.clock_code,
        worker=seeker,
        now=earlier.starts_at + dt.timedelta(hours=2),
    )
    rate(coop, earlier, clients[2], seeker, 1)
    rate(coop, earlier, seeker, clients[2], 5)
    assert Rating.objects.count() == 8
    assert [j.pk for j in open_jobs_for_worker(cooperative=coop, user=seeker)] == expected
