"""The rules page: legal sources in the reader's language, how each resolution was adopted, and
the link to the fairness trade-off curve."""

from __future__ import annotations

import pytest
from django.utils.translation import override

from coopwork.core.parameters import REGISTRY

pytestmark = pytest.mark.django_db

COMMISSION_SOURCE_FR = "aucune borne légale, la plateforme admet de 0 % à 50 %"
COMMISSION_SOURCE_EN = "no legal bound, this platform allows 0 %-50 %"


def test_legal_sources_render_in_the_readers_language(coop, client):
    english = client.get("/c/alpha/rules/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert COMMISSION_SOURCE_EN in english and COMMISSION_SOURCE_FR not in english
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    french = client.get("/c/alpha/rules/").content.decode()
    assert COMMISSION_SOURCE_FR in french and COMMISSION_SOURCE_EN not in french
    # Legal references stay verbatim inside the translated sentence.
    assert "Code général des impôts art. 278 (le taux normal en France est de 20 %)" in french


def test_api_parameters_give_the_legal_source_in_the_readers_language(coop, login, member):
    fr = login(member.user).get("/api/v1/coops/alpha/parameters", HTTP_ACCEPT_LANGUAGE="fr")
    en = login(member.user).get("/api/v1/coops/alpha/parameters", HTTP_ACCEPT_LANGUAGE="en")
    assert fr.status_code == en.status_code == 200
    by_key_fr = {p["key"]: p for p in fr.json()}
    by_key_en = {p["key"]: p for p in en.json()}
    assert COMMISSION_SOURCE_FR in by_key_fr["commission_rate"]["legal_source"]
    assert COMMISSION_SOURCE_EN in by_key_en["commission_rate"]["legal_source"]
    assert "Loi 47-1775 art. 18" in by_key_fr["share_redemption_delay_days"]["legal_source"]
    assert "dépasser cinq ans" in by_key_fr["share_redemption_delay_days"]["legal_source"]


def test_every_legal_source_is_translated_into_french():
    for spec in REGISTRY.values():
        with override("en"):
            english = str(spec.source)
        with override("fr"):
            french = str(spec.source)
        assert english and french, spec.key
        if english not in {"Code de commerce L225-96."}:
            assert french != english, spec.key


def test_board_parameters_page_gives_the_legal_source_in_french(coop, board_client):
    html = board_client.get("/c/alpha/board/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Loi 47-1775 art. 18 : les statuts fixent le délai" in html
    assert COMMISSION_SOURCE_FR in html
