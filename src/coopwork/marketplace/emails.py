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
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

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
    """Send the e-mails for these notifications; returns how many went out."""
    messages = notification_emails(
        notification_ids=notification_ids, fallback_language=fallback_language
    )
    if not messages:
        return 0
    return int(mailers.default.send_messages(messages) or 0)
