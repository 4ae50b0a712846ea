"""The job lifecycle as data: states, and transitions with the roles allowed to make them.

Pure Python. ``marketplace.services.job_transition`` is the only code that applies a transition; it
looks the transition up here, checks the actor's role and the job's kind, then writes the new state,
an audit entry and a live event.

Roles of the actor *on this job*: ``client`` (who booked it), ``worker`` (assigned to it),
``coordinator`` (the co-op's coordinators), ``system`` (timed transitions and settlement).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

REQUESTED = "requested"
OPEN = "open"
ASSIGNED = "assigned"
EN_ROUTE = "en_route"
STARTED = "started"
COMPLETED = "completed"
APPROVED = "approved"
SETTLED = "settled"
CANCELLED = "cancelled"
NO_SHOW = "no_show"
DISPUTED = "disputed"

STATE_LABELS: dict[str, str | Promise] = {
    REQUESTED: _("requested"),
    OPEN: pgettext_lazy("job status", "open"),
    ASSIGNED: _("assigned"),
    EN_ROUTE: _("en route"),
    STARTED: _("started"),
    COMPLETED: pgettext_lazy("job status", "completed"),
    APPROVED: _("approved"),
    SETTLED: _("settled"),
    CANCELLED: pgettext_lazy("job status", "cancelled"),
    NO_SHOW: _("no-show"),
    DISPUTED: _("disputed"),
}
STATES = tuple(STATE_LABELS)
FINAL = frozenset({SETTLED, CANCELLED})
ACTIVE = frozenset({ASSIGNED, EN_ROUTE, STARTED})

ALL_KINDS = frozenset({"shift", "ride", "delivery", "task"})
MOBILE_KINDS = frozenset({"ride", "delivery"})


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    kinds: frozenset[str] = ALL_KINDS
    label: str | Promise = ""
    # Made by the services as a consequence of another action (a claim fills, a release reopens,
    # an approval settles), never offered to anyone as a button or an API action.
    internal: bool = False


def _t(
    name: str,
    sources: set[str],
    target: str,
    roles: set[str],
    kinds: frozenset[str] = ALL_KINDS,
    label: str | Promise = "",
    internal: bool = False,
) -> Transition:
    return Transition(name, frozenset(sources), target, frozenset(roles), kinds, label, internal)


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t("publish", {REQUESTED}, OPEN, {"client", "coordinator", "system"}, label=_("Publish")),
        # Filling positions (claim, accept, assign) is done by the assignment services; the job
        # moves to ASSIGNED when its last position is filled and back to OPEN when one is freed.
        _t(
            "fill",
            {OPEN},
            ASSIGNED,
            {"worker", "coordinator", "system"},
            label=_("Fill"),
            internal=True,
        ),
        _t(
            "reopen",
            {ASSIGNED},
            OPEN,
            {"worker", "coordinator", "system"},
            label=_("Reopen"),
            internal=True,
        ),
        _t("depart", {ASSIGNED}, EN_ROUTE, {"worker"}, MOBILE_KINDS, _("On my way")),
        # A shift may start with positions still open: the workers who came clock in.
        _t(
            "start",
            {OPEN, ASSIGNED, EN_ROUTE},
            STARTED,
            {"worker", "coordinator"},
            label=_("Start"),
        ),
        # The system completes a job when its last worker is clocked out (e.g. sent home).
        _t(
            "complete",
            {STARTED},
            COMPLETED,
            {"worker", "coordinator", "system"},
            label=_("Complete"),
        ),
        _t(
            "approve",
            {COMPLETED},
            APPROVED,
            {"client", "coordinator", "system"},
            label=_("Approve"),
        ),
        _t(
            "settle",
            {APPROVED},
            SETTLED,
            {"system", "coordinator"},
            label=_("Settle"),
            internal=True,
        ),
        _t(
            "cancel",
            {REQUESTED, OPEN, ASSIGNED, EN_ROUTE},
            CANCELLED,
            {"client", "coordinator", "system"},
            label=_("Cancel"),
        ),
        _t(
            "no_show",
            {ASSIGNED, EN_ROUTE},
            NO_SHOW,
            {"client", "coordinator"},
            label=_("Worker did not come"),
        ),
        _t("dispute", {COMPLETED, APPROVED}, DISPUTED, {"client", "worker"}, label=_("Dispute")),
        _t("resolve", {DISPUTED}, APPROVED, {"coordinator"}, label=_("Resolve")),
        _t("close_no_show", {NO_SHOW}, CANCELLED, {"coordinator", "system"}, label=_("Close")),
    )
}


def allowed(transition: str, *, state: str, kind: str, roles: set[str]) -> tuple[bool, str]:
    """Whether ``roles`` may apply ``transition`` to a ``kind`` job in ``state``.

    Returns (ok, reason) where reason is one of ``unknown``, ``kind``, ``state``, ``role``.
    """
    t = TRANSITIONS.get(transition)
    if t is None:
        return False, "unknown"
    if kind not in t.kinds:
        return False, "kind"
    if state not in t.sources:
        return False, "state"
    if not roles & t.roles:
        return False, "role"
    return True, ""


def available(*, state: str, kind: str, roles: set[str]) -> list[Transition]:
    """The transitions these roles can make now: what the UI and the API offer. Internal ones
    (fill, reopen, settle) happen as consequences and are never offered."""
    return [
        t
        for t in TRANSITIONS.values()
        if not t.internal and state in t.sources and kind in t.kinds and roles & t.roles
    ]
