"""Accounts, bearer tokens and the session's CSRF check."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from coopwork.core.models import ApiToken, AuditEntry

from .conftest import API, Api, World, assert_error, assert_refused, row_counts

REGISTER = "/auth/register"
GOOD_PASSWORD = "correct-horse-battery-42"


def _register_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "username": "rosa",
        "email": "rosa@example.org",
        "password": GOOD_PASSWORD,
        "first_name": "Rosa",
        "last_name": "Parks",
    }
    body.update(overrides)
    return body


def _token(username: str, password: str = "pass-1234-word", name: str = "cli") -> dict:
    response = Api().post(
        "/auth/tokens", {"username": username, "password": password, "name": name}
    )
    assert response.status_code == 201, response.content
    return response.json()


# --- Register ---------------------------------------------------------------------------------


def test_register_creates_an_account(db: None) -> None:
    before = row_counts()
    response = Api().post(REGISTER, _register_body())
    assert response.status_code == 201, response.content
    user = User.objects.get(username="rosa")
    assert response.json() == {
        "id": user.pk,
        "username": "rosa",
        "email": "rosa@example.org",
        "first_name": "Rosa",
        "last_name": "Parks",
    }
    assert user.check_password(GOOD_PASSWORD)
    assert row_counts()["User"] == before["User"] + 1
    assert AuditEntry.objects.filter(action="user.signed_up", object_id=str(user.pk)).count() == 1


def test_register_refuses_weak_passwords_with_djangos_validators(db: None) -> None:
    for password in ("short", "12345678901", "password123", "rosa@example.org"):
        assert_refused(
            lambda lang, p=password: Api().post(REGISTER, _register_body(password=p), lang=lang),
            400,
            "password_invalid",
        )


def test_register_refuses_taken_usernames_and_bad_emails(world: World) -> None:
    assert_refused(
        lambda lang: Api().post(REGISTER, _register_body(username="MIA"), lang=lang),
        409,
        "username_taken",
    )
    assert_refused(
        lambda lang: Api().post(REGISTER, _register_body(email="not-an-email"), lang=lang),
        400,
        "email_invalid",
    )
    assert_refused(
        lambda lang: Api().post(REGISTER, _register_body(username="x" * 151), lang=lang),
        422,
        "invalid_request",
    )
    assert_refused(
        lambda lang: Api().post(REGISTER, _register_body(username="  "), lang=lang),
        400,
        "username_invalid",
    )


# --- Tokens -----------------------------------------------------------------------------------


def test_token_is_shown_once_and_authenticates(world: World) -> None:
    created = _token("mia")
    token = ApiToken.objects.get(pk=created["id"])
    assert created["token"].startswith("cw_")
    assert created["prefix"] == created["token"][:8] == token.prefix
    assert created["name"] == "cli"
    assert token.digest != created["token"]  # only its hash is stored

    me = Api(token=created["token"]).get("/auth/me")
    assert me.status_code == 200
    assert me.json() == {
        "user": {
            "id": world.users["member"].pk,
            "username": "mia",
            "email": "mia@example.org",
            "first_name": "",
            "last_name": "",
        },
        "cooperatives": [{"slug": "alpha", "name": "Alpha Coop", "roles": ["member"]}],
    }
    listed = Api(token=created["token"]).get("/auth/tokens").json()
    assert [(t["id"], t["name"]) for t in listed] == [(created["id"], "cli")]
    assert "token" not in listed[0]


def test_me_lists_every_coop_and_role(world: World) -> None:
    from coopwork.core.services import role_grant

    board = world.users["board"]
    role_grant(cooperative=world.other, user=board, role="client", actor=None)
    body = Api(board).get("/auth/me").json()
    assert body["cooperatives"] == [
        {"slug": "alpha", "name": "Alpha Coop", "roles": ["board"]},
        {"slug": "beta", "name": "Beta Coop", "roles": ["client"]},
    ]


def test_wrong_password_gets_no_token(world: World) -> None:
    assert_refused(
        lambda lang: Api().post(
            "/auth/tokens", {"username": "mia", "password": "wrong-password"}, lang=lang
        ),
        401,
        "invalid_credentials",
    )
    assert_refused(
        lambda lang: Api().post(
            "/auth/tokens", {"username": "nobody", "password": "pass-1234-word"}, lang=lang
        ),
        401,
        "invalid_credentials",
    )


def test_tokens_work_for_writes_without_csrf(world: World) -> None:
    token = _token("paul")["token"]
    api = Api(token=token, enforce_csrf_checks=True)
    response = api.post(f"/coops/alpha/applications/{world.application.pk}/withdraw")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"


def test_revoked_tokens_are_refused(world: World) -> None:
    created = _token("mia")
    api = Api(token=created["token"])
    assert api.get("/auth/me").status_code == 200
    response = api.delete(f"/auth/tokens/{created['id']}")
    assert response.status_code == 204
    assert ApiToken.objects.get(pk=created["id"]).revoked_at is not None
    assert_refused(lambda lang: api.get("/auth/me", lang=lang), 401, "not_authenticated")
    assert_refused(lambda lang: api.get("/coops/alpha/me", lang=lang), 401, "not_authenticated")


def test_someone_elses_token_cannot_be_revoked(world: World) -> None:
    created = _token("mia")
    response = Api(world.users["board"]).delete(f"/auth/tokens/{created['id']}")
    assert response.status_code == 204  # DELETE answers the same whether or not it was yours
    assert ApiToken.objects.get(pk=created["id"]).revoked_at is None
    assert Api(token=created["token"]).get("/auth/me").status_code == 200


def test_garbage_tokens_are_refused(world: World) -> None:
    for header in ("Bearer nope", "Bearer ", "Basic bWlhOnBhc3M=", "cw_abc"):
        client = Client()
        response = client.get(f"{API}/auth/me", headers={"Authorization": header})
        assert_error(response, 401, "not_authenticated")


# --- Session and CSRF -------------------------------------------------------------------------


def test_session_reads_need_no_csrf(world: World) -> None:
    api = Api(world.users["member"], enforce_csrf_checks=True)
    assert api.get("/coops/alpha/me").status_code == 200


def test_session_posts_without_csrf_are_refused(world: World) -> None:
    api = Api(world.users["non_member"], enforce_csrf_checks=True)
    body = {"college": "workers", "shares": 1, "display_name": "Nora"}
    assert_refused(
        lambda lang: api.post("/coops/alpha/applications", body, lang=lang), 403, "csrf_failed"
    )
    assert_refused(
        lambda lang: api.post(
            "/coops/alpha/applications",
            body,
            lang=lang,
            headers={"X-CSRFToken": "forged-token-forged-token-forged-1"},
        ),
        403,
        "csrf_failed",
    )


def test_session_posts_with_csrf_are_accepted(world: World) -> None:
    api = Api(world.users["non_member"], enforce_csrf_checks=True)
    # The web UI's pages set the csrftoken cookie; the header repeats it, as htmx does.
    csrf = "abcdefghijklmnopqrstuvwxyzABCDEF"
    api.client.cookies[settings.CSRF_COOKIE_NAME] = csrf
    response = api.post(
        "/coops/alpha/applications",
        {"college": "workers", "shares": 1, "display_name": "Nora"},
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 201, response.content


def test_anonymous_posts_get_401_not_a_csrf_error(world: World) -> None:
    api = Api(enforce_csrf_checks=True)
    assert_refused(
        lambda lang: api.post(
            "/coops/alpha/me/share-requests", {"kind": "purchase", "quantity": 1}, lang=lang
        ),
        401,
        "not_authenticated",
    )


def test_messages_follow_accept_language(db: None) -> None:
    """Django ships French messages for its password validators: the API passes them through
    in the caller's language (our own catalogue comes with the translation pass)."""
    weak = _register_body(password="short")
    english = Api().post(REGISTER, weak, lang="en").json()
    french = Api().post(REGISTER, weak, lang="fr").json()
    assert english["code"] == french["code"] == "password_invalid"
    assert "This password is too short" in english["message"]
    assert "Ce mot de passe est trop court" in french["message"]
