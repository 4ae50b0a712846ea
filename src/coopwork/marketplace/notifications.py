"""What a notification says, rendered when it is read, in the reader's language.

A notification is stored as its kind and parameters (a job's title, a message's first words), not
as a sentence: the sentence is built when someone reads it, so each reader sees their own
language whatever the language of whoever caused it. Other apps register their own kinds with
``register``; a kind with no template shows the text stored with it (older notifications).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

TEMPLATES: dict[str, str | Promise] = {
    "job.assigned": _("A coordinator gave you a job: %(title)s"),
    "job.promoted": _("A position freed up on %(title)s: you moved from the waiting list"),
    "job.settled": _("%(title)s is settled: your pay is on its way"),
    "job.cancelled": _("%(title)s, a job you held, was cancelled"),
    "job.message": _("New message on %(title)s: %(excerpt)s"),
    # To the client: who holds their job.
    "job.taken": _("%(worker)s took your job %(title)s"),
    "job.filled": _("Every position of %(title)s is now taken"),
    "job.staffed": _("A coordinator put %(worker)s on your job %(title)s"),
    # To a worker a coordinator replaced.
    "job.unassigned": _("A coordinator took you off %(title)s"),
    # Incidents and disputes: the other people on the job, then everyone involved.
    "case.opened": _("A case was opened on %(title)s: %(summary)s. Add your statement."),
    "case.statement": _("New statement in the case on %(title)s: %(excerpt)s"),
    "case.decided": _("The case on %(title)s is decided: %(decision)s"),
}


def register(kind: str, template: str | Promise) -> None:
    """Give a kind its sentence (a lazy translation with %(name)s parameters)."""
    TEMPLATES[kind] = template


def render(kind: str, params: Mapping[str, Any], text: str = "") -> str:
    """The notification's sentence in the active language; ``text`` when the kind has no template
    or the parameters do not fit it."""
    template = TEMPLATES.get(kind)
    if template is None or not params:
        return text
    try:
        return str(template) % dict(params)
    except (KeyError, TypeError, ValueError):
        return text
