"""Every in-app notification of the marketplace also goes by e-mail, after commit, in the
recipient's language; and the notifications a user expects when someone takes their job, or
when a case on it is opened, answered and decided."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.tasks import task_backends
from django.tasks.backends.dummy import DummyBackend
from django.utils import timezone, translation

from coopwork.core.errors import CoopError
from coopwork.core.models import AuditEntry
from coopwork.core.services import user_job_emails_set, user_language_set
from coopwork.marketplace import services, tasks
from coopwork.marketplace.emails import send_pending
from coopwork.marketplace.models import Notification
from coopwork.marketplace.services import (
    case_decide,
    case_open,
    case_statement_add,
    job_assign,
    job_book,
    job_claim,
    message_post,
    offer_accept,
    offer_create,
)

from .helpers import (
    at,
    completed_ride,
    counts,
    make_client,
    make_coordinator,
    make_worker,
    ride_request,
    shift_request,
    weekday,
)

pytestmark = pytest.mark.django_db


def mails_to(user) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.to == [user.email]]


def kinds(user, job=None) -> list[str]:
    qs = Notification.objects.filter(user=user)
    if job is not None:
        qs = qs.filter(job=job)
    return sorted(qs.values_list("kind", flat=True))


@pytest.fixture
def ride(coop):
    client = make_client("client")
    driver = make_worker(coop, "driver", vehicle="car")
    job = job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 10)))
    return job, client, driver


@pytest.fixture
def queued():
    """A task queue that keeps what is enqueued instead of running it (what a database queue
    does until a worker takes it)."""
    original = task_backends["default"]
    backend = DummyBackend(alias="default", params={})
    task_backends["default"] = backend
    try:
        yield backend.results
    finally:
        task_backends["default"] = original


def test_a_message_is_e_mailed_after_commit_in_the_readers_language(
    coop, ride, django_capture_on_commit_callbacks
):
    job, client, driver = ride
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    user_language_set(user=driver, language="fr")
    mail.outbox.clear()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        message_post(cooperative=coop, job_id=job.pk, sender=client, body="Ring twice,\nplease.")
        assert mail.outbox == []  # not before the commit
    [sent] = mails_to(driver)
    assert mails_to(client) == []  # not to the sender
    # In French, as the driver chose, though the client wrote with English active.
    assert sent.subject == f"[Alpha Coop] Nouveau message sur {job.title}\xa0: Ring twice, please."
    assert f"Mission {job.reference}\xa0: {job.title}" in sent.body
    assert f"http://127.0.0.1:8000/c/alpha/jobs/{job.pk}/" in sent.body
    assert "http://127.0.0.1:8000/c/alpha/notifications/" in sent.body
    assert "désactiver ces courriels" in sent.body
    assert sent.from_email == "coopwork <noreply@coopwork.localhost>"


def test_someone_who_never_chose_gets_the_language_active_when_it_happened(
    coop, ride, django_capture_on_commit_callbacks
):
    job, client, driver = ride
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    mail.outbox.clear()
    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):
        message_post(cooperative=coop, job_id=job.pk, sender=client, body="Bonjour")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        message_post(cooperative=coop, job_id=job.pk, sender=client, body="Hello")
    first, second = mails_to(driver)
    assert "Nouveau message" in first.subject and "New message" in second.subject
    assert f"Job {job.reference}: {job.title}" in second.body


def test_nothing_is_sent_when_the_transaction_rolls_back(
    coop, ride, django_capture_on_commit_callbacks
):
    job, client, driver = ride
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    mail.outbox.clear()
    before = counts()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        message_post(cooperative=coop, job_id=job.pk, sender=client, body="Hello")
        raise RuntimeError("something after it failed")
    assert callbacks == [] and mail.outbox == []
    assert counts() == before


def test_the_e_mails_are_sent_by_a_background_task(
    coop, ride, queued, django_capture_on_commit_callbacks
):
    job, client, driver = ride
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    mail.outbox.clear()
    queued.clear()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        message_post(cooperative=coop, job_id=job.pk, sender=client, body="Hello")
    # The request only enqueued the task: a slow mail server would hold a worker, not it.
    assert mail.outbox == []
    [result] = queued
    assert result.task.name == tasks.email_notifications.name
    note = Notification.objects.get(user=driver, kind="job.message")
    assert result.args == [[note.pk], "en"]
    assert result.task.call(*result.args) == 1
    assert [m.to for m in mail.outbox] == [[driver.email]]


def test_a_user_may_turn_the_e_mails_off_and_keeps_the_in_app_notifications(
    coop, ride, django_capture_on_commit_callbacks
):
    job, client, driver = ride
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    assert user_job_emails_set(user=driver, enabled=False) is True
    assert user_job_emails_set(user=driver, enabled=False) is False  # no change, no entry
    assert AuditEntry.objects.filter(action="user.job_emails_set", actor_id=driver.pk).count() == 1
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_post(cooperative=coop, job_id=job.pk, sender=client, body="Hello")
    assert mail.outbox == []
    assert kinds(driver, job) == ["job.message"]
    user_job_emails_set(user=driver, enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        message_post(cooperative=coop, job_id=job.pk, sender=client, body="Again")
    assert len(mails_to(driver)) == 1


def test_nobody_without_an_address_is_e_mailed(coop, ride, django_capture_on_commit_callbacks):
    job, client, driver = ride
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    driver.email = ""
    driver.save(update_fields=["email"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_post(cooperative=coop, job_id=job.pk, sender=client, body="Hello")
    assert mail.outbox == [] and kinds(driver, job) == ["job.message"]


# --- The client is told who took their job ------------------------------------------------------


def test_a_claim_that_fills_the_job_tells_the_client_after_commit(
    coop, ride, django_capture_on_commit_callbacks
):
    job, client, driver = ride
    driver.first_name, driver.last_name = "Dana", "Driver"
    driver.save()
    user_language_set(user=client, language="fr")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job_claim(cooperative=coop, job_id=job.pk, worker=driver)
        # The client's notification is written with the claim (it commits or rolls back with
        # it); the e-mail waits for the commit, in the outbox.
        assert kinds(client) == ["job.taken"]
        assert mails_to(client) == []
        assert Notification.objects.get(user=client).emailed_at is None
    assert callbacks  # the after-commit steps (audit sealing, the event, the outbox's drain)
    note = Notification.objects.get(user=client)
    assert note.emailed_at is not None
    assert (note.kind, note.params, note.job_id) == (
        "job.taken",
        {"title": job.title, "worker": "Dana Driver"},
        job.pk,
    )
    with translation.override("en"):
        assert note.message == f"Dana Driver took your job {job.title}"
    [sent] = mails_to(client)
    assert sent.subject == f"[Alpha Coop] Dana Driver a pris votre mission {job.title}"
    assert f"/c/alpha/jobs/{job.pk}/" in sent.body
    assert mails_to(driver) == []


def test_a_refused_claim_tells_nobody(coop, ride, django_capture_on_commit_callbacks):
    job, client, _driver = ride
    cyclist = make_worker(coop, "cyclist", vehicle="bike")
    mail.outbox.clear()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(CoopError),
    ):
        job_claim(cooperative=coop, job_id=job.pk, worker=cyclist)
    assert callbacks == [] and mail.outbox == [] and kinds(client) == []


def test_an_accepted_offer_tells_the_client(coop, ride, django_capture_on_commit_callbacks):
    job, client, driver = ride
    offer = offer_create(
        cooperative=coop, job_id=job.pk, worker_id=driver.pk, explanation={}, now=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        offer_accept(cooperative=coop, offer_id=offer.pk, worker=driver)
    assert kinds(client, job) == ["job.taken"]
    assert len(mails_to(client)) == 1


def test_a_shift_tells_the_client_once_every_position_is_taken(
    coop, django_capture_on_commit_callbacks
):
    client = make_client("client")
    w1, w2 = make_worker(coop, "w1"), make_worker(coop, "w2")
    job = job_book(
        cooperative=coop, client=client, request=shift_request(at(weekday(3), 9), positions=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        job_claim(cooperative=coop, job_id=job.pk, worker=w1)
    assert kinds(client) == []  # one position of two: not yet
    with django_capture_on_commit_callbacks(execute=True):
        job_claim(cooperative=coop, job_id=job.pk, worker=w2)
    note = Notification.objects.get(user=client)
    assert note.kind == "job.filled"
    with translation.override("fr"):
        assert note.message == "Tous les postes de Waiter sont maintenant pourvus"


def test_a_coordinators_assignment_tells_the_client_and_the_replaced_worker(
    coop, ride, django_capture_on_commit_callbacks
):
    job, client, driver = ride
    other = make_worker(coop, "other", vehicle="car")
    coordinator = make_coordinator(coop, "coord")
    with django_capture_on_commit_callbacks(execute=True):
        job_assign(cooperative=coop, job_id=job.pk, worker_id=driver.pk, actor=coordinator)
    assert kinds(client, job) == ["job.staffed"]
    assert kinds(driver, job) == ["job.assigned"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        job_assign(
            cooperative=coop,
            job_id=job.pk,
            worker_id=other.pk,
            replace_worker_id=driver.pk,
            actor=coordinator,
        )
    assert kinds(client, job) == ["job.staffed", "job.staffed"]
    assert kinds(driver, job) == ["job.assigned", "job.unassigned"]
    assert kinds(other, job) == ["job.assigned"]
    latest = Notification.objects.filter(user=client).first()  # newest first
    assert latest.params == {"title": job.title, "worker": "other"}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([client.email, driver.email, other.email])
    assert kinds(coordinator) == []


# --- Incidents and disputes ----------------------------------------------------------------------


def test_a_case_tells_the_other_side_when_opened_answered_and_decided(
    coop, django_capture_on_commit_callbacks
):
    client = make_client("rider")
    driver = make_worker(coop, "driver", vehicle="car")
    coordinator = make_coordinator(coop, "coord")
    job = completed_ride(coop, client, driver)
    Notification.objects.filter(job=job).delete()  # the claim's notice: not this test's subject
    user_language_set(user=driver, language="fr")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case = case_open(
            cooperative=coop,
            job_id=job.pk,
            actor=client,
            kind="dispute",
            summary="Long detour",
            statement="Twice as long as shown.",
        )
    assert kinds(client, job) == [] and kinds(driver, job) == ["case.opened"]
    [opened] = mails_to(driver)
    assert opened.subject == (
        f"[Alpha Coop] Un dossier a été ouvert sur {job.title}\xa0: Long detour. "
        "Donnez votre version."
    )
    assert f"/c/alpha/jobs/{job.pk}/" in opened.body
    with django_capture_on_commit_callbacks(execute=True):
        case_statement_add(
            cooperative=coop, case_id=case.pk, actor=driver, text="Rue de Rivoli was closed."
        )
    assert kinds(client, job) == ["case.statement"]
    note = Notification.objects.get(user=client, kind="case.statement")
    assert note.params["excerpt"] == "Rue de Rivoli was closed."
    with django_capture_on_commit_callbacks(execute=True):
        case_statement_add(cooperative=coop, case_id=case.pk, actor=coordinator, text="Checked.")
    # Both sides hear of the coordinator's statement.
    assert kinds(client, job) == ["case.statement", "case.statement"]
    assert kinds(driver, job) == ["case.opened", "case.statement"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case_decide(
            cooperative=coop,
            case_id=case.pk,
            actor=coordinator,
            outcome="uphold",
            decision="The closure forced the detour.",
        )
    assert kinds(client, job).count("case.decided") == 1
    assert "case.decided" in kinds(driver, job) and "job.settled" in kinds(driver, job)
    assert kinds(coordinator) == []  # the one who decided
    decided = [m for m in mails_to(driver) if "tranché" in m.subject]
    assert decided[0].subject == (
        f"[Alpha Coop] Le dossier sur {job.title} est tranché\xa0: The closure forced the detour."
    )
    assert any("is decided" in m.subject for m in mails_to(client))


def test_an_incident_reported_by_a_coordinator_tells_the_client_and_the_workers(
    coop, ride, django_capture_on_commit_callbacks
):
    job, client, driver = ride
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    coordinator = make_coordinator(coop, "coord")
    # A coordinator is on every job of the co-op (``job_roles``).
    with django_capture_on_commit_callbacks(execute=True):
        case_open(
            cooperative=coop,
            job_id=job.pk,
            actor=coordinator,
            kind="incident",
            summary="Road closed",
            statement="Expect delays.",
        )
    # (The client also holds the claim's own notice, ``job.taken``.)
    assert kinds(client, job) == ["case.opened", "job.taken"]
    assert kinds(driver, job) == ["case.opened"]


# --- The outbox: the notifications still to e-mail ---------------------------------------------


def test_the_outbox_sends_each_e_mail_once_whoever_sends_it(coop, ride):
    job, client, driver = ride
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)  # the test's transaction: pending
    note = Notification.objects.get(user=client, kind="job.taken")
    assert note.emailed_at is None
    mail.outbox.clear()
    assert send_pending() == 1
    assert [m.to for m in mail.outbox] == [[client.email]]
    note.refresh_from_db()
    assert note.emailed_at is not None
    # Again, or through the task that names it: nothing more goes out.
    assert send_pending() == 0
    assert tasks.email_notifications.enqueue([note.pk], "en").return_value == 0
    assert len(mail.outbox) == 1


def test_a_failing_mailer_leaves_the_e_mails_to_do(coop, ride, settings):
    job, client, driver = ride
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    working = settings.MAILERS
    broken = "coopwork.marketplace.tests.test_notification_emails.BrokenMailer"
    settings.MAILERS = {"default": {"BACKEND": broken}}
    with pytest.raises(OSError):
        send_pending()
    assert Notification.objects.get(user=client, kind="job.taken").emailed_at is None
    settings.MAILERS = working
    mail.outbox.clear()
    assert send_pending() == 1 and [m.to for m in mail.outbox] == [[client.email]]


class BrokenMailer:
    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages) -> int:
        raise OSError("the mail server is down")


@pytest.mark.postgres
def test_claims_drain_the_outbox_at_most_once_per_debounce_period(
    coop, settings, queued, django_capture_on_commit_callbacks
):
    """Under load a claim (the statement, on PostgreSQL) does not enqueue its own e-mail task:
    the first commit of a period enqueues one drain, which sends every notification still to
    do; ``coopwork tick`` drains what the last ones left. (The locked path, on SQLite, e-mails
    its notification by its own task, as the other services do.)"""
    settings.NOTIFICATION_EMAIL_DEBOUNCE_SECONDS = 60.0
    services._drained_at[0] = float("-inf")
    client = make_client("client")
    drivers = [make_worker(coop, f"d{i}", vehicle="car") for i in range(3)]
    rides = [
        job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 9 + i)))
        for i in range(3)
    ]
    for ride_job, driver in zip(rides, drivers, strict=True):
        with django_capture_on_commit_callbacks(execute=True):
            job_claim(cooperative=coop, job_id=ride_job.pk, worker=driver)
    names = [r.task.name for r in queued]
    assert names.count(tasks.email_pending_notifications.name) == 1, names  # one for three
    assert tasks.email_notifications.name not in names
    mail.outbox.clear()
    assert send_pending() == 3  # what the queued drain (or the next tick) sends
    assert len(mails_to(client)) == 3


@pytest.mark.postgres
def test_a_claims_notification_writes_few_index_entries_and_locks_no_coop_row():
    """Migration 0009: the table's indexes are the ones its reads and the outbox use, and no
    foreign-key constraint on the co-op (whose check locked the co-op's row at every claim)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index"
            " WHERE indrelid = 'marketplace_notification'::regclass"
        )
        indexes = sorted(row[0].split(" USING btree ")[1] for row in cursor.fetchall())
        cursor.execute(
            "SELECT confrelid::regclass::text FROM pg_constraint"
            " WHERE conrelid = 'marketplace_notification'::regclass AND contype = 'f'"
        )
        references = sorted(row[0] for row in cursor.fetchall())
    assert indexes == [
        "(id)",
        "(id) WHERE (emailed_at IS NULL)",
        "(job_id)",
        "(user_id, cooperative_id, created_at DESC)",
    ]
    assert references == ["auth_user", "marketplace_job"]
