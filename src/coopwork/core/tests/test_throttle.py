"""Sign-in throttling on every sign-in path (web form and API token exchange)."""

import pytest
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.test import Client

from coopwork import testing
from coopwork.core.throttle import MAX_FAILURES


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_too_many_failures_block_even_the_right_password():
    testing.make_user("target", password="right-pass-9876")
    for _ in range(MAX_FAILURES):
        assert authenticate(username="target", password="wrong") is None
    assert authenticate(username="target", password="right-pass-9876") is None
    cache.clear()
    assert authenticate(username="target", password="right-pass-9876") is not None


@pytest.mark.django_db
def test_a_success_resets_the_count():
    testing.make_user("forgetful", password="right-pass-9876")
    for _ in range(MAX_FAILURES - 1):
        authenticate(username="forgetful", password="wrong")
    assert authenticate(username="forgetful", password="right-pass-9876") is not None
    for _ in range(MAX_FAILURES - 1):
        authenticate(username="forgetful", password="wrong")
    assert authenticate(username="forgetful", password="right-pass-9876") is not None


@pytest.mark.django_db
def test_api_token_exchange_answers_429_when_blocked():
    testing.make_user("apiuser", password="right-pass-9876")
    client = Client()
    body = {"username": "apiuser", "password": "wrong", "name": "cli"}
    for _ in range(MAX_FAILURES):
        response = client.post("/api/v1/auth/tokens", body, content_type="application/json")
        assert response.status_code == 401
    response = client.post(
        "/api/v1/auth/tokens",
        {**body, "password": "right-pass-9876"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_attempts"


@pytest.mark.django_db
def test_web_login_is_throttled_too():
    testing.make_user("webuser", password="right-pass-9876")
    client = Client()
    for _ in range(MAX_FAILURES):
        client.post("/accounts/login/", {"username": "webuser", "password": "wrong"})
    response = client.post(
        "/accounts/login/", {"username": "webuser", "password": "right-pass-9876"}
    )
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
