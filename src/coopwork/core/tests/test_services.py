"""core.services (co-ops, roles, API tokens, sign-up) and the reads they feed."""

from __future__ import annotations

import datetime as dt
from unittest.mock import patch

import pytest

from coopwork import testing
from coopwork.core import errors
from coopwork.core.audit import audit_seal, chain_key
from coopwork.core.errors import CoopError
from coopwork.core.models import AuditEntry, Cooperative, Role
from coopwork.core.permissions import require_authenticated, require_role
from coopwork.core.selectors import (
    cooperative_get,
    cooperative_list,
    user_cooperatives,
    user_roles,
)
from coopwork.core.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    cooperative_create,
    role_grant,
    role_revoke,
    user_signup,
)


def audit_count() -> int:
    return AuditEntry.objects.count()


# --- co-ops ------------------------------------------------------------------------------------


def test_cooperative_create_writes_the_coop_and_its_first_audit_entry(db):
    staff = testing.make_user("staff", is_staff=True)
    parent = cooperative_create(
        slug="parent", name="Parent", legal_form="scop", country="fr", currency="EUR", actor=staff
    )
    child = cooperative_create(
        slug="child",
        name="Child",
        legal_form="scic",
        country="FR",
        currency="EUR",
        actor=None,
        sponsor=parent,
        texts={"tagline_en": "Rides", "tagline_fr": "Courses"},
    )
    assert (child.country, child.sponsor, child.tagline_fr) == ("FR", parent, "Courses")
    assert parent.country == "FR"
    assert child.next_register_number == 1
    audit_seal()
    e = AuditEntry.objects.get(chain=chain_key(child))
    assert (e.seq, e.action, e.actor_id) == (1, "cooperative.created", None)
    assert e.data == {"slug": "child", "legal_form": "scic", "sponsor": "parent"}
    assert AuditEntry.objects.get(chain=chain_key(parent)).actor_id == staff.pk
    assert cooperative_get(slug="child") == child
    assert [c.slug for c in cooperative_list()] == ["child", "parent"]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"legal_form": "plc"}, "legal_form_unknown"),
        ({"currency": "XXX"}, "currency_unknown"),
        ({"slug": "alpha"}, "slug_taken"),
        # Over-long values: SQLite would store them, PostgreSQL would fail with a DataError.
        ({"country": "France"}, "country_invalid"),
        ({"country": "F1"}, "country_invalid"),
        ({"slug": "two words"}, "slug_invalid"),
        ({"slug": "s" * 61}, "slug_invalid"),
        ({"name": "  "}, "name_invalid"),
        ({"name": "n" * 201}, "name_invalid"),
    ],
)
def test_cooperative_create_refuses_bad_input(coop, overrides, code):
    before = (Cooperative.objects.count(), audit_count())
    args = {
        "slug": "gamma",
        "name": "Gamma",
        "legal_form": "scop",
        "country": "FR",
        "currency": "EUR",
        "actor": None,
    } | overrides
    with pytest.raises(errors.ValidationError) as exc:
        cooperative_create(**args)
    assert exc.value.code == code
    assert (Cooperative.objects.count(), audit_count()) == before


def test_only_staff_or_the_system_create_coops(board_user):
    with pytest.raises(errors.PermissionDenied):
        cooperative_create(
            slug="x", name="X", legal_form="scop", country="FR", currency="EUR", actor=board_user
        )
    assert not Cooperative.objects.filter(slug="x").exists()


def test_cooperative_get_unknown(db):
    with pytest.raises(errors.CooperativeNotFound) as exc:
        cooperative_get(slug="nope")
    assert (exc.value.code, exc.value.status) == ("cooperative_not_found", 404)


# --- roles -------------------------------------------------------------------------------------


def test_roles_are_granted_and_revoked_by_admins_with_audit(coop, other_coop):
    admin = testing.make_user("admin")
    role_grant(cooperative=coop, user=admin, role="admin", actor=None)
    worker = testing.make_user("worker")
    before = audit_count()
    role = role_grant(cooperative=coop, user=worker, role="worker", actor=admin)
    assert (role.cooperative, role.user, role.role) == (coop, worker, "worker")
    # Granting again is a no-op: no second row, no second audit entry.
    assert role_grant(cooperative=coop, user=worker, role="worker", actor=admin) == role
    assert audit_count() == before + 1
    e = AuditEntry.objects.latest("id")
    assert (e.action, e.actor_id, e.data) == (
        "role.granted",
        admin.pk,
        {"user": worker.pk, "role": "worker"},
    )
    assert user_roles(user=worker, cooperative=coop) == {"worker"}
    assert user_roles(user=worker, cooperative=other_coop) == set()
    assert user_cooperatives(user=worker) == [coop]

    role_revoke(cooperative=coop, user=worker, role="worker", actor=admin)
    assert user_roles(user=worker, cooperative=coop) == set()
    e = AuditEntry.objects.latest("id")
    assert (e.action, e.data) == ("role.revoked", {"user": worker.pk, "role": "worker"})
    # Revoking a role the user does not hold writes nothing.
    count = audit_count()
    role_revoke(cooperative=coop, user=worker, role="worker", actor=admin)
    assert audit_count() == count


def test_an_unknown_role_is_refused(coop):
    user = testing.make_user()
    before = (Role.objects.count(), audit_count())
    with pytest.raises(errors.ValidationError) as exc:
        role_grant(cooperative=coop, user=user, role="overlord", actor=None)
    assert exc.value.code == "role_unknown"
    assert (Role.objects.count(), audit_count()) == before


def test_board_and_foreign_admins_cannot_grant_roles(coop, other_coop, board_user):
    foreign_admin = testing.make_user()
    role_grant(cooperative=other_coop, user=foreign_admin, role="admin", actor=None)
    target = testing.make_user()
    before = (Role.objects.count(), audit_count())
    for actor in (board_user, foreign_admin):
        with pytest.raises(errors.PermissionDenied):
            role_grant(cooperative=coop, user=target, role="board", actor=actor)
        with pytest.raises(errors.PermissionDenied):
            role_revoke(cooperative=coop, user=board_user, role="board", actor=actor)
    assert (Role.objects.count(), audit_count()) == before


def test_require_role_and_authenticated(coop, board_user):
    from django.contrib.auth.models import AnonymousUser

    assert require_role(user=board_user, cooperative=coop, roles={"board", "admin"}) == {"board"}
    with pytest.raises(errors.PermissionDenied):
        require_role(user=board_user, cooperative=coop, roles={"admin"})
    for anon in (None, AnonymousUser()):
        with pytest.raises(errors.NotAuthenticated):
            require_role(user=anon, cooperative=coop, roles={"board"})
        with pytest.raises(errors.NotAuthenticated):
            require_authenticated(user=anon)
    require_authenticated(user=board_user)
    assert user_roles(user=AnonymousUser(), cooperative=coop) == set()
    assert user_cooperatives(user=AnonymousUser()) == []


# --- API tokens --------------------------------------------------------------------------------


def test_api_token_lifecycle(db):
    user = testing.make_user("tok")
    token, raw = api_token_create(user=user, name="laptop")
    assert raw.startswith("cw_")
    assert token.prefix == raw[:8]
    assert raw not in token.digest  # only the digest is stored
    assert len(token.digest) == 64
    assert api_token_authenticate(raw=raw) == user
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert api_token_authenticate(raw=raw + "x") is None
    actions = list(AuditEntry.objects.filter(chain="system").values_list("action", flat=True))
    assert actions == ["api_token.created"]

    api_token_revoke(user=user, token_id=token.pk)
    assert api_token_authenticate(raw=raw) is None
    assert list(AuditEntry.objects.filter(chain="system").values_list("action", flat=True)) == [
        "api_token.created",
        "api_token.revoked",
    ]


def test_a_token_cannot_be_revoked_by_someone_else(db):
    owner, thief = testing.make_user(), testing.make_user()
    token, raw = api_token_create(user=owner, name="t")
    count = audit_count()
    api_token_revoke(user=thief, token_id=token.pk)
    assert api_token_authenticate(raw=raw) == owner
    assert audit_count() == count


def test_an_inactive_users_token_does_not_authenticate(db):
    user = testing.make_user(is_active=False)
    _token, raw = api_token_create(user=user, name="t")
    assert api_token_authenticate(raw=raw) is None


def test_last_used_is_refreshed_at_most_every_five_minutes(db):
    user = testing.make_user()
    start = dt.datetime(2027, 1, 1, 12, 0, tzinfo=dt.UTC)
    with patch("django.utils.timezone.now", return_value=start):
        token, raw = api_token_create(user=user, name="t")
        api_token_authenticate(raw=raw)
    token.refresh_from_db()
    assert token.last_used_at == start
    with patch("django.utils.timezone.now", return_value=start + dt.timedelta(minutes=4)):
        api_token_authenticate(raw=raw)
    token.refresh_from_db()
    assert token.last_used_at == start
    later = start + dt.timedelta(minutes=5, seconds=1)
    with patch("django.utils.timezone.now", return_value=later):
        api_token_authenticate(raw=raw)
    token.refresh_from_db()
    assert token.last_used_at == later


@pytest.mark.parametrize("username", ["with space", "slash/name", "x" * 151, ""])
def test_signup_refuses_usernames_outside_djangos_rules(db, username):
    with pytest.raises(CoopError) as exc:
        user_signup(username=username, email="ok@example.org", password="a-long-pass-phrase-9")
    assert exc.value.code == "username_invalid"


def test_signup_refuses_an_email_another_account_uses(db):
    user_signup(username="first", email="Same@Example.org", password="a-long-pass-phrase-9")
    with pytest.raises(CoopError) as exc:
        user_signup(username="second", email="same@example.org", password="a-long-pass-phrase-9")
    assert exc.value.code == "email_taken"
