"""The lifecycle table, checked against an independent copy of the specification.

Every transition, from every state, for every combination of roles and every kind: ``allowed`` says
yes exactly when the specification below does, with the documented reason otherwise, and
``available`` lists exactly the transitions the specification allows, internal ones aside.
"""

from __future__ import annotations

import itertools

import pytest

from coopwork.marketplace import lifecycle

STATES = (
    "requested",
    "open",
    "assigned",
    "en_route",
    "started",
    "completed",
    "approved",
    "settled",
    "cancelled",
    "no_show",
    "disputed",
)
KINDS = ("shift", "ride", "delivery", "task")
ROLES = ("client", "worker", "coordinator", "system")
ALL = set(KINDS)
MOBILE = {"ride", "delivery"}

# name: (sources, target, roles, kinds), written out from the domain notes and issue 3.
SPEC: dict[str, tuple[set[str], str, set[str], set[str]]] = {
    "publish": ({"requested"}, "open", {"client", "coordinator", "system"}, ALL),
    "fill": ({"open"}, "assigned", {"worker", "coordinator", "system"}, ALL),
    "reopen": ({"assigned"}, "open", {"worker", "coordinator", "system"}, ALL),
    "depart": ({"assigned"}, "en_route", {"worker"}, MOBILE),
    # A shift may start with positions still open (the workers who came clock in).
    "start": ({"open", "assigned", "en_route"}, "started", {"worker", "coordinator"}, ALL),
    # The system completes a job when its last worker is clocked out (e.g. sent home).
    "complete": ({"started"}, "completed", {"worker", "coordinator", "system"}, ALL),
    "approve": ({"completed"}, "approved", {"client", "coordinator", "system"}, ALL),
    "settle": ({"approved"}, "settled", {"system", "coordinator"}, ALL),
    "cancel": (
        {"requested", "open", "assigned", "en_route"},
        "cancelled",
        {"client", "coordinator", "system"},
        ALL,
    ),
    "no_show": ({"assigned", "en_route"}, "no_show", {"client", "coordinator"}, ALL),
    "dispute": ({"completed", "approved"}, "disputed", {"client", "worker"}, ALL),
    "resolve": ({"disputed"}, "approved", {"coordinator"}, ALL),
    "close_no_show": ({"no_show"}, "cancelled", {"coordinator", "system"}, ALL),
}

# Consequences of other actions (a claim fills, a release reopens, an approval settles).
INTERNAL = {"fill", "reopen", "settle"}

ROLE_SETS = [set(c) for n in range(len(ROLES) + 1) for c in itertools.combinations(ROLES, n)]


def test_the_table_holds_exactly_the_specified_transitions():
    assert set(lifecycle.TRANSITIONS) == set(SPEC)
    assert set(lifecycle.STATES) == set(STATES)
    for name, (sources, target, roles, kinds) in SPEC.items():
        t = lifecycle.TRANSITIONS[name]
        assert (set(t.sources), t.target, set(t.roles), set(t.kinds)) == (
            sources,
            target,
            roles,
            kinds,
        ), name
        assert str(t.label)  # every transition has a label for its button


def test_final_and_active_states():
    assert {"settled", "cancelled"} == set(lifecycle.FINAL)
    assert {"assigned", "en_route", "started"} == set(lifecycle.ACTIVE)
    # Nothing leaves a final state.
    for name, (sources, *_rest) in SPEC.items():
        assert not sources & lifecycle.FINAL, name


def expected(name: str, state: str, kind: str, roles: set[str]) -> tuple[bool, str]:
    sources, _target, allowed_roles, kinds = SPEC[name]
    if kind not in kinds:
        return False, "kind"
    if state not in sources:
        return False, "state"
    if not roles & allowed_roles:
        return False, "role"
    return True, ""


@pytest.mark.parametrize("kind", KINDS)
def test_allowed_matches_the_specification_everywhere(kind):
    checked = 0
    for name, state, roles in itertools.product(SPEC, STATES, ROLE_SETS):
        got = lifecycle.allowed(name, state=state, kind=kind, roles=roles)
        assert got == expected(name, state, kind, roles), (name, state, kind, roles)
        checked += 1
    assert checked == 13 * 11 * 16


@pytest.mark.parametrize("kind", KINDS)
def test_available_matches_the_specification_everywhere(kind):
    for state, roles in itertools.product(STATES, ROLE_SETS):
        names = [t.name for t in lifecycle.available(state=state, kind=kind, roles=roles)]
        offered = [n for n in SPEC if n not in INTERNAL and expected(n, state, kind, roles)[0]]
        assert names == offered, (state, roles)


def test_internal_transitions_are_never_offered():
    assert {t.name for t in lifecycle.TRANSITIONS.values() if t.internal} == INTERNAL
    # The coordinator and the system may fill, reopen and settle, yet are offered none of them.
    everyone = {"client", "worker", "coordinator", "system"}
    for state in STATES:
        for kind in KINDS:
            offered = {t.name for t in lifecycle.available(state=state, kind=kind, roles=everyone)}
            assert not offered & INTERNAL, (state, kind)
    assert lifecycle.allowed("settle", state="approved", kind="ride", roles={"system"})[0]


def test_unknown_transition():
    assert lifecycle.allowed("teleport", state="open", kind="ride", roles={"system"}) == (
        False,
        "unknown",
    )


@pytest.mark.parametrize(
    ("name", "state", "kind", "roles", "result"),
    [
        # A few rows spelled out, so a reader sees the table's meaning at a glance.
        ("depart", "assigned", "ride", {"worker"}, (True, "")),
        ("depart", "assigned", "shift", {"worker"}, (False, "kind")),
        ("depart", "open", "ride", {"worker"}, (False, "state")),
        ("depart", "assigned", "ride", {"client"}, (False, "role")),
        ("approve", "completed", "shift", {"worker"}, (False, "role")),
        ("approve", "completed", "shift", {"client"}, (True, "")),
        ("settle", "approved", "task", {"client"}, (False, "role")),
        ("cancel", "started", "ride", {"coordinator"}, (False, "state")),
        ("cancel", "assigned", "ride", set(), (False, "role")),
        ("dispute", "settled", "delivery", {"client"}, (False, "state")),
        ("resolve", "disputed", "delivery", {"coordinator", "client"}, (True, "")),
    ],
)
def test_examples(name, state, kind, roles, result):
    assert lifecycle.allowed(name, state=state, kind=kind, roles=roles) == result


def test_state_labels_cover_every_state():
    assert set(lifecycle.STATE_LABELS) == set(STATES)
    assert all(str(label) for label in lifecycle.STATE_LABELS.values())
