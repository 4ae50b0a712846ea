"""E-mail copies of the marketplace's in-app notifications.

Every notification the services store for a user (``services._notify``) is also e-mailed to them
once the change that caused it commits, by a background task (``tasks.email_notifications``),
so a slow mail server never holds a request or a transaction. Each e-mail is written in its
recipient's language (the one they chose with the EN/FR switch, ``core.UserPreference``; the
language active when the change was made for someone who never chose), says what the in-app
notification says, names the job and links to it. Users without an address, and users who
turned the marketplace's e-mails off (``UserPreference.job_emails``), get none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from coopwork.core.selectors import user_mail_recipients

from . import notifications
from .models import Notification

SUBJECT_MAX = 150


_BREAKS = re.compile(r"[ \t\r\n\v\f\x85\u2028\u2029]+")


def _one_line(text: str) -> str:
    """A header holds one line: a message's excerpt may carry several. (Only line breaks and
    runs of spaces are folded: the French no-break spaces stay.)"""
    return _BREAKS.sub(" ", text).strip()


def notification_emails(
    *, notification_ids: Sequence[int], fallback_language: str
) -> list[EmailMessage]:
    """The e-mails for these notifications (two queries: the notifications with their job and
    co-op, then the recipients with their preferences)."""
    notes = list(
        Notification.objects.filter(pk__in=list(notification_ids))
        .select_related("job", "cooperative")
        .order_by("pk")
    )
    recipients = user_mail_recipients(user_ids={n.user_id for n in notes})
    messages = []
    for note in notes:
        recipient = recipients.get(note.user_id)
        if recipient is None or not recipient.job_emails:
            continue
        coop = note.cooperative
        with translation.override(recipient.language or fallback_language):
            sentence = _one_line(notifications.render(note.kind, note.params, note.text))
            context = {
                "sentence": sentence,
                "job": note.job,
                "coop": coop,
                "job_url": settings.SITE_URL + reverse("web:job", args=[coop.slug, note.job_id])
                if note.job_id is not None
                else "",
                "settings_url": settings.SITE_URL + reverse("web:notifications", args=[coop.slug]),
            }
            body = render_to_string("marketplace/notification_email.txt", context)
        subject = _one_line(f"[{coop.name}] {sentence}")
        if len(subject) > SUBJECT_MAX:
            subject = subject[: SUBJECT_MAX - 1] + "…"
        messages.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email]))
    return messages


def send_notification_emails(*, notification_ids: Sequence[int], fallback_language: str) -> int:
    """Send the e-mails for these notifications, unless already dealt with; returns how many
    went out. Each is marked ``emailed_at`` in the same transaction, which holds its row (others
    skip it), so an e-mail goes out once whoever sends it: this task or the outbox's drain."""
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk__in=list(notification_ids), emailed_at__isnull=True)
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        messages = notification_emails(notification_ids=ids, fallback_language=fallback_language)
        sent = int(mailers.default.send_messages(messages) or 0) if messages else 0
        # A failing mailer raises: the transaction rolls back and the notifications stay to do.
        Notification.objects.filter(pk__in=ids).update(emailed_at=timezone.now())
    return sent


def send_pending(*, batch: int = 200) -> int:
    """The outbox's drain: e-mail every notification still to do, oldest first, in batches.
    Their recipients' own language is used; for someone who never chose one, the site's
    (``LANGUAGE_CODE``). Run after commits that store notifications without enqueuing their own
    e-mail (a claim's statement), at most every ``NOTIFICATION_EMAIL_DEBOUNCE_SECONDS``, and by
    ``coopwork tick``. Returns how many went out."""
    sent, after = 0, 0
    while True:
        ids = list(
            Notification.objects.filter(emailed_at__isnull=True, pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return sent
        after = ids[-1]  # ones another sender holds are left to it, not waited for
        sent += send_notification_emails(
            notification_ids=ids, fallback_language=settings.LANGUAGE_CODE
        )
        if len(ids) < batch:
            return sent
