import pytest
from django.urls import reverse

from coopwork import testing
from coopwork.core.services import cooperative_create
from coopwork.members.services import college_create, college_weights_set, share_class_create

pytestmark = pytest.mark.django_db


def test_home_lists_every_hosted_coop_with_sign_in_links(client, coop, other_coop):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Alpha Coop" in html and "Beta Coop" in html
    assert reverse("web:login") in html and reverse("web:signup") in html
    assert 'action="/i18n/setlang/"' in html


def test_coop_page_shows_colleges_minimums_and_weights(client, coop):
    college_weights_set(
        cooperative=coop, weights={"workers": 40, "users": 30, "sponsors": 30}, actor=None
    )
    response = client.get("/c/alpha/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Worker members" in html and "Sponsor co-ops" in html
    assert "10 shares" in html and "€200.00" in html  # sponsors: minimum 10 × €20.00
    assert "€20.00" in html and "40 %" in html and "30 %" in html
    assert reverse("web:join", args=["alpha"]) in html


@pytest.fixture
def bilingual(db):
    """A co-op with English and French texts, built through the services."""
    coop = cooperative_create(
        slug="delta",
        name="Delta",
        legal_form="scic",
        country="FR",
        currency="EUR",
        actor=None,
        texts={
            "tagline_en": "Riders own it",
            "tagline_fr": "Les coursiers en sont propriétaires",
            "about_en": "We deliver.",
            "about_fr": "Nous livrons.",
        },
    )
    shares = share_class_create(
        cooperative=coop,
        code="a",
        name_en="Shares",
        name_fr="Parts",
        nominal_minor=1000,
        max_per_member=None,
        actor=None,
    )
    college_create(
        cooperative=coop,
        code="workers",
        name_en="Riders",
        name_fr="Coursiers",
        share_class=shares,
        actor=None,
    )
    return coop


def test_coop_page_is_public_and_shows_localized_texts(client, bilingual):
    html = client.get("/c/delta/").content.decode()
    assert "Riders own it" in html and "We deliver." in html and ">Riders<" in html
    french = client.get("/c/delta/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'lang="fr"' in french
    assert "Les coursiers en sont propriétaires" in french and "Nous livrons." in french
    assert ">Coursiers<" in french


def test_language_switch_round_trip(client, coop):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/c/alpha/"})
    assert response.status_code == 302 and response["Location"] == "/c/alpha/"
    html = client.get("/c/alpha/").content.decode()
    assert 'lang="fr"' in html and "Sociétaires salariés" in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/c/alpha/"})
    html = client.get("/c/alpha/").content.decode()
    assert 'lang="en"' in html and "Worker members" in html


def test_unknown_coop_is_a_404_page_with_a_message(client, db):
    response = client.get("/c/nowhere/")
    assert response.status_code == 404
    assert "No such cooperative." in response.content.decode()


def test_nav_shows_the_users_coops_and_roles(member, login, coop, other_coop):
    client = login(member.user)
    html = client.get("/").content.decode()
    assert "Alpha Coop" in html and "member" in html
    assert reverse("web:me", args=["alpha"]) in html
    assert reverse("web:board", args=["alpha"]) not in html


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/c/alpha/",
        "/c/alpha/join/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password-reset/",
    ],
)
def test_every_public_page_has_the_language_switch(client, coop, path):
    html = client.get(path).content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert 'name="language" value="fr"' in html and 'name="language" value="en"' in html


def test_incubated_coop_links_its_sponsor(client, coop):
    testing.make_coop("gamma", name="Gamma Riders", sponsor=coop)
    html = client.get("/c/gamma/").content.decode()
    assert "Incubated by Alpha Coop" in html
    assert "Gamma Riders" in client.get("/c/alpha/").content.decode()
