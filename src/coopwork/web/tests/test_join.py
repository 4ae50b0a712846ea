import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from coopwork.members.models import Application, ApplicationStatus

from .conftest import htmx

pytestmark = pytest.mark.django_db

ACCOUNT = {
    "username": "newbie",
    "email": "newbie@example.org",
    "password1": "a-long-Secret-42",
    "password2": "a-long-Secret-42",
}


def join_data(**overrides):
    data = {
        "college": "workers",
        "shares": "3",
        "display_name": "Noé Newbie",
        "is_organisation": "0",
        "motivation": "I ride every day.",
    }
    return {**data, **overrides}


def test_visitor_sees_college_choices_and_account_fields(client, coop):
    html = client.get("/c/alpha/join/?college=users").content.decode()
    assert 'value="users" checked' in html
    assert 'name="username"' in html and 'name="password1"' in html
    assert reverse("web:join_quote", args=["alpha"]) in html  # live amount (htmx)


def test_visitor_applies_and_creates_an_account_in_one_form(client, coop):
    response = client.post("/c/alpha/join/", {**join_data(), **ACCOUNT})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:join_pending", args=["alpha"])
    user = get_user_model().objects.get(username="newbie")
    application = Application.objects.get(user=user)
    assert (application.status, application.shares, application.college.code) == (
        ApplicationStatus.PENDING,
        3,
        "workers",
    )
    assert application.display_name == "Noé Newbie"
    page = client.get(response["Location"])  # signed in by the sign-up
    assert page.status_code == 200
    assert "Your application is pending" in page.content.decode()
    assert "€60.00" in page.content.decode()  # 3 shares × €20.00 to pay


def test_refused_application_creates_no_account(client, coop):
    response = client.post(
        "/c/alpha/join/", {**join_data(college="sponsors", shares="2"), **ACCOUNT}
    )
    assert response.status_code == 400
    assert "Members of this college hold at least 10 shares." in response.content.decode()
    assert not get_user_model().objects.filter(username="newbie").exists()
    assert not Application.objects.exists()


def test_unknown_college_is_refused_with_the_services_message(client, coop):
    response = client.post("/c/alpha/join/", {**join_data(college="pirates"), **ACCOUNT})
    assert response.status_code == 400
    assert "There is no such college in this cooperative." in response.content.decode()
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_shares_above_the_maximum_are_refused(client, coop):
    response = client.post("/c/alpha/join/", {**join_data(shares="501"), **ACCOUNT})
    assert response.status_code == 400
    assert "at most 500 shares" in response.content.decode()


def test_password_mismatch_and_weak_password_are_form_errors(client, coop):
    response = client.post(
        "/c/alpha/join/", {**join_data(), **ACCOUNT, "password2": "something-else-42"}
    )
    assert response.status_code == 400
    assert "The two passwords do not match." in response.content.decode()
    response = client.post(
        "/c/alpha/join/", {**join_data(), **ACCOUNT, "password1": "1234", "password2": "1234"}
    )
    assert response.status_code == 400
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_taken_username_is_a_409_next_to_the_field(client, coop, board_user):
    response = client.post("/c/alpha/join/", {**join_data(), **ACCOUNT, "username": "BOARDY"})
    assert response.status_code == 409
    assert "This username is already taken." in response.content.decode()


def test_signed_in_user_just_applies_and_cannot_apply_twice(coop, login):
    from coopwork import testing

    client = login(testing.make_user("walker"))
    html = client.get("/c/alpha/join/").content.decode()
    assert 'name="password1"' not in html
    assert client.post("/c/alpha/join/", join_data()).status_code == 302
    again = client.post("/c/alpha/join/", join_data())
    assert again.status_code == 409
    assert "You already have an application waiting for a decision." in again.content.decode()
    assert Application.objects.count() == 1
    assert "See my application" in client.get("/c/alpha/join/").content.decode()


def test_member_cannot_apply_again(member, login):
    client = login(member.user)
    assert "You are already member № 1" in client.get("/c/alpha/join/").content.decode()
    response = client.post("/c/alpha/join/", join_data())
    assert response.status_code == 409
    assert "You are already a member of this cooperative." in response.content.decode()


def test_live_quote_shows_the_amount_and_the_bounds(client, coop):
    url = reverse("web:join_quote", args=["alpha"])
    html = client.get(url, {"college": "workers", "shares": "3"}, **htmx()).content.decode()
    assert "€60.00" in html and "3 × €20.00" in html
    html = client.get(url, {"college": "sponsors", "shares": "2"}, **htmx()).content.decode()
    assert "at least 10 shares" in html
    html = client.get(url, {"college": "sponsors", "shares": ""}, **htmx()).content.decode()
    assert "One share costs €20.00" in html
    html = client.get(url, {"college": "nope", "shares": "2"}, **htmx()).content.decode()
    assert "Choose a college" in html


def test_applicant_can_withdraw(coop, pending, login):
    client = login(pending.user)
    url = reverse("web:join_withdraw", args=["alpha", pending.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    pending.refresh_from_db()
    assert pending.status == ApplicationStatus.WITHDRAWN
    again = client.post(url)
    assert again.status_code == 409


def test_someone_else_cannot_withdraw_an_application(coop, pending, member, login):
    response = login(member.user).post(reverse("web:join_withdraw", args=["alpha", pending.pk]))
    assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.status == ApplicationStatus.PENDING


def test_pending_page_needs_an_application(client, coop, login, board_user):
    assert client.get("/c/alpha/join/pending/").status_code == 302  # to the login page
    response = login(board_user).get("/c/alpha/join/pending/")
    assert response.status_code == 404
    assert "No such application." in response.content.decode()
