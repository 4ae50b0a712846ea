"""The public directory, a co-op's public page and its colleges."""

from __future__ import annotations

import pytest

from coopwork import testing
from coopwork.core.services import cooperative_create

from .conftest import SECRETS, Api, World, assert_refused


@pytest.fixture
def texts(world: World) -> World:
    """A third co-op with texts in both languages, to check the language switch."""
    cooperative_create(
        slug="gamma",
        name="Gamma Rides",
        legal_form="scic",
        country="fr",
        currency="EUR",
        sponsor=world.coop,
        actor=None,
        texts={
            "tagline_en": "Rides owned by their drivers",
            "tagline_fr": "Des courses qui appartiennent à leurs chauffeurs",
            "about_en": "We are drivers.",
            "about_fr": "Nous sommes des chauffeurs.",
            "offer_en": "Rides in Lyon.",
            "offer_fr": "",
        },
    )
    return world


def test_coop_directory(world: World) -> None:
    body = Api().get("/coops").json()
    assert body == {
        "items": [
            {
                "slug": "alpha",
                "name": "Alpha Coop",
                "legal_form": "scic",
                "legal_form_label": "SCIC (multi-stakeholder co-op, France)",
                "country": "FR",
                "currency": "EUR",
                "sponsor": None,
            },
            {
                "slug": "beta",
                "name": "Beta Coop",
                "legal_form": "scop",
                "legal_form_label": "SCOP (worker co-op, France)",
                "country": "FR",
                "currency": "EUR",
                "sponsor": "alpha",
            },
        ],
        "count": 2,
    }
    assert Api().get("/coops?page_size=1&page=2").json()["items"][0]["slug"] == "beta"


def test_public_page(world: World) -> None:
    response = Api().get("/coops/alpha")
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("slug", "name", "legal_form", "country", "sponsor")} == {
        "slug": "alpha",
        "name": "Alpha Coop",
        "legal_form": "scic",
        "country": "FR",
        "sponsor": None,
    }
    assert body["language"] == "en"
    assert body["member_count"] == 2
    assert body["colleges_weighted"] is True  # a SCIC weights its colleges by default
    assert [(c["code"], c["name"], c["min_shares"], c["weight"]) for c in body["colleges"]] == [
        ("workers", "Worker members", 1, None),
        ("users", "Users and clients", 1, None),
        ("sponsors", "Sponsor co-ops", 10, None),
    ]
    sponsors = body["colleges"][2]
    assert sponsors["share_class"] == {
        "code": "a",
        "name": "Ordinary shares",
        "nominal": {"minor": 2000, "currency": "EUR"},
        "max_per_member": 500,
    }
    assert sponsors["min_subscription"] == {"minor": 20000, "currency": "EUR"}
    assert body["how_to_join"]["admission_body"] == "board"
    assert body["how_to_join"]["apply_path"] == "/api/v1/coops/alpha/applications"
    assert len(body["how_to_join"]["steps"]) == 5
    assert all(step.strip() for step in body["how_to_join"]["steps"])
    for secret in (*SECRETS, "Mia Member"):
        assert secret not in response.content.decode()


def test_public_page_shows_weights_once_set(world: World) -> None:
    from decimal import Decimal

    from coopwork.members.services import college_weights_set

    college_weights_set(
        cooperative=world.coop,
        weights={"workers": Decimal(40), "users": Decimal(35), "sponsors": Decimal(25)},
        actor=None,
    )
    body = Api().get("/coops/alpha").json()
    assert [c["weight"] for c in body["colleges"]] == ["40.00", "35.00", "25.00"]
    # A SCOP does not weight its colleges: no weights on its page.
    other = Api().get("/coops/beta").json()
    assert other["colleges_weighted"] is False
    assert {c["weight"] for c in other["colleges"]} == {None}


def test_public_page_follows_the_language(texts: World) -> None:
    english = Api().get("/coops/gamma", lang="en").json()
    french = Api().get("/coops/gamma", lang="fr").json()
    assert (english["language"], english["tagline"], english["about"]) == (
        "en",
        "Rides owned by their drivers",
        "We are drivers.",
    )
    assert (french["language"], french["tagline"], french["about"]) == (
        "fr",
        "Des courses qui appartiennent à leurs chauffeurs",
        "Nous sommes des chauffeurs.",
    )
    # A text missing in French falls back to English.
    assert french["offer"] == "Rides in Lyon."
    assert french["sponsor"] == "alpha"


def test_colleges_are_localized(world: World) -> None:
    english = Api().get("/coops/alpha/colleges").json()
    french = Api().get("/coops/alpha/colleges", lang="fr").json()
    assert [c["name"] for c in english] == ["Worker members", "Users and clients", "Sponsor co-ops"]
    assert [c["name"] for c in french] == [
        "Sociétaires salariés",
        "Usagers et clients",
        "Coopératives partenaires",
    ]
    assert french[0]["share_class"]["name"] == "Parts sociales"


def test_unknown_and_malformed_slugs(world: World) -> None:
    for path in ("/coops/nope", "/coops/nope/colleges"):
        assert_refused(lambda lang, p=path: Api().get(p, lang=lang), 404, "cooperative_not_found")
    for slug in ("al%20pha", "al%00pha", "x" * 61, "%C3%A9t%C3%A9"):
        assert_refused(
            lambda lang, s=slug: Api().get(f"/coops/{s}", lang=lang), 422, "invalid_request"
        )


def test_a_sponsored_coop_built_by_the_testing_helpers(db: None) -> None:
    sponsor = testing.make_coop("sponsor")
    testing.make_coop("child", sponsor=sponsor)
    items = Api().get("/coops").json()["items"]
    assert [(c["slug"], c["sponsor"]) for c in items] == [("child", "sponsor"), ("sponsor", None)]
