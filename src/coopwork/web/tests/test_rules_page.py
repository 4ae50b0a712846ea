"""The rules page: legal sources in the reader's language, how each resolution was adopted, and
the link to the fairness trade-off curve."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.translation import override

from coopwork.core.parameters import REGISTRY

from . import market_builders as mb

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


def _versions_html(html: str, key: str) -> str:
    start = html.index(f'id="{key}"')
    return html[start : html.index("</article>", start)]


def test_each_resolution_says_whether_an_online_vote_or_an_assembly_adopted_it(coop, client):
    from coopwork.core.services import parameter_set
    from coopwork.governance.services import resolution_record

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    online = resolution_record(
        cooperative=coop,
        title="Commission at 10 %",
        text="",
        source="ballot",
        reference="",
        parameter_key="commission_rate",
        parameter_value="10/100",
        effective_from=tomorrow,
    )
    assembly = resolution_record(
        cooperative=coop,
        title="Cancellation fee at 6",
        text="",
        source="assembly",
        reference="assembly:41/item:3",
        parameter_key="cancellation_fee",
        parameter_value=600,
        effective_from=tomorrow,
    )
    # A resolution recorded straight into the parameters, without a register entry.
    parameter_set(
        cooperative=coop,
        key="pay_floor_hourly",
        value=1500,
        effective_from=tomorrow,
        source="resolution",
        source_ref="Minutes 2026-03",
        actor=None,
    )
    html = client.get("/c/alpha/rules/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    commission = _versions_html(html, "commission_rate")
    assert "resolution by online vote" in commission
    assert "general assembly" not in commission.lower()
    assert f"#resolution-{online.number}" in commission
    fee = _versions_html(html, "cancellation_fee")
    assert "resolution of a general assembly" in fee and "online vote" not in fee
    assert f"#resolution-{assembly.number}" in fee
    assert "/c/alpha/assemblies/41/" in fee and "item 3" in fee
    floor = _versions_html(html, "pay_floor_hourly")
    assert "members' resolution" in floor and "Minutes 2026-03" in floor
    assert "online vote" not in floor and "general assembly" not in floor.lower()
    french = client.get("/c/alpha/rules/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "résolution adoptée par vote en ligne" in _versions_html(french, "commission_rate")
    assert "résolution d’assemblée générale" in _versions_html(french, "cancellation_fee")


# --- Links to the dispatch pages ----------------------------------------------------------------


def test_coordinator_board_links_to_the_dispatch_rounds(coop, login, member):
    coordinator = login(mb.coordinator(coop, "coo"))
    board = coordinator.get("/c/alpha/coord/")
    assert board.status_code == 200
    assert 'href="/c/alpha/dispatch/"' in board.content.decode()
    assert coordinator.get("/c/alpha/dispatch/").status_code == 200
    # A member without the coordinator role has no board, hence no link to the rounds.
    assert login(member.user).get("/c/alpha/coord/").status_code == 403
    assert 'href="/c/alpha/dispatch/"' not in login(member.user).get("/c/alpha/").content.decode()


def test_governance_dashboard_links_to_the_fairness_curve(coop, login, member):
    html = login(member.user).get("/c/alpha/governance/").content.decode()
    assert 'href="/c/alpha/dispatch/fairness/"' in html
    assert 'href="/c/alpha/rules/#dispatch_fairness_weight"' in html
    assert login(member.user).get("/c/alpha/dispatch/fairness/").status_code == 200
    french = login(member.user).get("/c/alpha/governance/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Voir la courbe des compromis d’équité" in french.content.decode()


def test_rules_page_links_the_fairness_weight_to_its_curve_for_the_coops_people(
    coop, client, login, member
):
    html = login(member.user).get("/c/alpha/rules/").content.decode()
    weight = _versions_html(html, "dispatch_fairness_weight")
    assert 'href="/c/alpha/dispatch/fairness/"' in weight
    assert "540 seconds of pick-up time" in weight
    assert 'href="/c/alpha/dispatch/fairness/"' not in _versions_html(html, "commission_rate")
    # The rules are public; the curve (the co-op's own data) is not, so no link for the public.
    public = client.get("/c/alpha/rules/").content.decode()
    assert 'id="dispatch_fairness_weight"' in public
    assert "/c/alpha/dispatch/fairness/" not in public
    assert client.get("/c/alpha/dispatch/fairness/").status_code in (302, 403)


def test_receipts_and_the_board_page_say_how_a_resolution_was_adopted(coop, login, board_client):
    from coopwork.governance.services import resolution_record

    today = timezone.localdate()
    resolution_record(
        cooperative=coop,
        title="Commission at 10 %",
        text="",
        source="ballot",
        reference="",
        parameter_key="commission_rate",
        parameter_value="10/100",
        effective_from=today,
    )
    resolution_record(
        cooperative=coop,
        title="Cancellation fee at 6",
        text="",
        source="assembly",
        reference="assembly:41/item:3",
        parameter_key="cancellation_fee",
        parameter_value=600,
        effective_from=today,
    )
    owner = mb.client_user(coop, "owner")
    job = mb.ride(coop, owner)
    page = login(owner).get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    terms = page[page.index("Rules this receipt used") :]
    commission = terms[terms.index("#commission_rate-v") :]
    assert commission[: commission.index("</li>")].count("resolution by online vote") == 1
    board = board_client.get("/c/alpha/board/").content.decode()
    params = board[board.index('id="params-title"') :]
    assert "resolution by online vote" in params
    assert "resolution of a general assembly" in params
    assert "assembly resolution" not in params


def test_the_api_does_not_call_every_resolution_an_assembly_one(coop, login, member):
    from coopwork.core.services import parameter_set

    parameter_set(
        cooperative=coop,
        key="commission_rate",
        value="10/100",
        effective_from=timezone.localdate(),
        source="resolution",
        source_ref="R1 online ballot #1",
        actor=None,
    )
    api = login(member.user)
    en = {p["key"]: p for p in api.get("/api/v1/coops/alpha/parameters").json()}
    assert en["commission_rate"]["source_label"] == "members' resolution"
    fr = api.get("/api/v1/coops/alpha/parameters", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert {p["key"]: p for p in fr}["commission_rate"]["source_label"] == (
        "résolution des sociétaires"
    )


def test_the_rules_page_shows_how_long_a_case_waits_for_the_other_side(coop, client):
    html = client.get("/c/alpha/rules/").content.decode()
    assert 'id="case_response_hours"' in html
    assert "decided without their statement" in html
