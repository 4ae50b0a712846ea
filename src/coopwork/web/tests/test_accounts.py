import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from coopwork import testing

pytestmark = pytest.mark.django_db


def test_signup_creates_the_account_and_signs_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "ines",
            "email": "ines@example.org",
            "password1": "a-long-Secret-42",
            "password2": "a-long-Secret-42",
            "next": "/c/alpha/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/c/alpha/"
    assert get_user_model().objects.filter(username="ines").exists()
    assert "ines" in client.get("/").content.decode()


def test_signup_refuses_an_unsafe_next_and_bad_input(client, db):
    data = {"username": "ines", "email": "x@example.org", "password1": "a-long-Secret-42"}
    response = client.post(
        "/accounts/signup/", {**data, "password2": "a-long-Secret-42", "next": "https://evil.test/"}
    )
    assert response["Location"] == "/"
    client.logout()
    response = client.post("/accounts/signup/", {**data, "password2": "a-long-Secret-42"})
    assert response.status_code == 409
    response = client.post("/accounts/signup/", {"username": "", "email": "nope"})
    assert response.status_code == 400


def test_username_check_is_live(client, db):
    testing.make_user("taken")
    url = reverse("web:username_check")
    assert "already taken" in client.get(url, {"username": "TAKEN"}).content.decode()
    assert "is available" in client.get(url, {"username": "free"}).content.decode()


def test_login_and_logout(client, db):
    testing.make_user("lou", password="pass-1234-word")
    bad = client.post("/accounts/login/", {"username": "lou", "password": "wrong"})
    assert bad.status_code == 400
    assert "correct username and password" in bad.content.decode()
    ok = client.post("/accounts/login/", {"username": "lou", "password": "pass-1234-word"})
    assert ok.status_code == 302
    assert client.get("/accounts/logout/").status_code == 405  # logging out is a POST
    assert client.post("/accounts/logout/").status_code == 302
    assert "Sign out" not in client.get("/").content.decode()


def test_password_reset_by_email(client, db):
    testing.make_user("rae", password="old-pass-1234")
    response = client.post("/accounts/password-reset/", {"email": "rae@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:password_reset_done")
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", mail.outbox[0].body)
    assert link is not None
    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200 and "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "brand-New-pass-42", "new_password2": "brand-New-pass-42"},
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("web:password_reset_complete")
    assert client.login(username="rae", password="brand-New-pass-42")


def test_password_reset_for_unknown_email_says_the_same(client, db):
    response = client.post("/accounts/password-reset/", {"email": "ghost@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []
