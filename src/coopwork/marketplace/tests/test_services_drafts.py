"""A draft: booked (priced, terms frozen) but requested, not open, until its client or a
coordinator publishes it. Workers neither see nor take it before."""

from __future__ import annotations

import pytest
from django.utils import timezone

from coopwork.core.errors import CoopError
from coopwork.core.models import AuditEntry
from coopwork.core.services import parameter_set
from coopwork.marketplace import lifecycle
from coopwork.marketplace.selectors import open_jobs_for_worker
from coopwork.marketplace.services import job_book, job_claim, job_transition

from .helpers import at, counts, make_client, make_coordinator, make_worker, shift_request, weekday

pytestmark = pytest.mark.django_db


def code_of(call) -> str:
    with pytest.raises(CoopError) as refused:
        call()
    return refused.value.code


def test_a_draft_opens_when_published(coop, received, django_capture_on_commit_callbacks):
    client, worker = make_client("bistro"), make_worker(coop, "waiter")
    with django_capture_on_commit_callbacks(execute=True):
        draft = job_book(
            cooperative=coop, client=client, request=shift_request(at(weekday(3), 9)), draft=True
        )
    assert draft.status == lifecycle.REQUESTED
    assert draft.quote["split"]["total"] > 0  # priced and frozen like any booking
    assert received == []  # nobody is told of a draft
    assert open_jobs_for_worker(cooperative=coop, user=worker) == []
    before = counts()
    assert code_of(lambda: job_claim(cooperative=coop, job_id=draft.pk, worker=worker)) in (
        "transition_not_allowed",
        "job_not_found",
    )
    assert counts() == before

    with django_capture_on_commit_callbacks(execute=True):
        job = job_transition(cooperative=coop, job_id=draft.pk, transition="publish", actor=client)
    assert job.status == lifecycle.OPEN
    assert ("job.opened", {"job": job.pk, "status": "open"}) in [
        (e.name, e.payload) for e in received
    ]
    entry = AuditEntry.objects.get(action="job.publish", object_id=str(job.pk))
    assert (entry.actor_id, entry.data) == (client.pk, {"from": "requested", "to": "open"})
    assert [j.pk for j in open_jobs_for_worker(cooperative=coop, user=worker)] == [job.pk]
    assert job_claim(cooperative=coop, job_id=job.pk, worker=worker).status == "active"


def test_a_draft_keeps_the_price_of_the_day_it_was_booked(coop):
    client = make_client("bistro")
    draft = job_book(
        cooperative=coop, client=client, request=shift_request(at(weekday(3), 9)), draft=True
    )
    parameter_set(
        cooperative=coop,
        key="commission_rate",
        value="20/100",
        effective_from=timezone.localdate(),
        source="statutes",
        source_ref="statutes art. 12, amended",
        actor=None,
    )
    job = job_transition(cooperative=coop, job_id=draft.pk, transition="publish", actor=client)
    assert job.quote == draft.quote and job.terms == draft.terms


def test_who_may_publish(coop):
    client, worker = make_client("bistro"), make_worker(coop, "waiter")
    coordinator, stranger = make_coordinator(coop, "coord"), make_client("stranger")
    drafts = [
        job_book(
            cooperative=coop, client=client, request=shift_request(at(weekday(3), h)), draft=True
        )
        for h in (8, 9)
    ]
    before = counts()
    for who in (worker, stranger):
        assert code_of(
            lambda who=who: job_transition(
                cooperative=coop, job_id=drafts[0].pk, transition="publish", actor=who
            )
        ) in ("not_your_job", "job_not_found")
    assert counts() == before
    job = job_transition(
        cooperative=coop, job_id=drafts[1].pk, transition="publish", actor=coordinator
    )
    assert job.status == lifecycle.OPEN
    # Published once: a second time is a transition the state no longer allows.
    assert (
        code_of(
            lambda: job_transition(
                cooperative=coop, job_id=job.pk, transition="publish", actor=client
            )
        )
        == "transition_not_allowed"
    )
