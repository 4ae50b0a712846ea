"""The governance pages: dashboard, proposals, voting by each method, results with the rounds
table and the SVG chart, receipt checks, the register, and the rules page tracing a fee back to
its vote. In English and French."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from coopwork import testing
from coopwork.core.selectors import parameter_in_force
from coopwork.governance import services
from coopwork.governance.models.ballots import Ballot, Proposal, Vote
from coopwork.marketplace.tests.helpers import weekday

from .conftest import snapshot

pytestmark = pytest.mark.django_db


def browser(user, lang="en") -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c


@pytest.fixture
def members(coop, board_user):
    return [testing.make_member(coop, board=board_user, name=f"Web {i}") for i in range(4)]


def url(name, *args):
    return reverse(f"web:{name}", args=["alpha", *args])


def test_dashboard_and_pages_render_in_both_languages(coop, board_user, members):
    b = services.ballot_create(cooperative=coop, actor=board_user, kind="motion", title="Move")
    services.vote_cast(
        cooperative=coop, ballot_id=b.pk, user=members[0].user, choice={"choice": "yes"}
    )
    services.ballot_close(cooperative=coop, ballot_id=b.pk, actor=board_user)
    for lang, word in (("en", "Open decisions"), ("fr", "Décisions en cours")):
        c = browser(members[0].user, lang)
        page = c.get(url("governance")).content.decode()
        assert word in page and 'id="turnout-chart"' in page and "<polyline" in page
        assert 'id="register"' in page
        for name in ("gov_proposals", "gov_register", "gov_proposal_new"):
            assert c.get(url(name)).status_code == 200
    outsider = browser(testing.make_user("nosy"))
    assert outsider.get(url("governance")).status_code == 403


def test_file_a_proposal_and_put_it_to_vote_on_the_web(coop, board_user, members):
    c = browser(members[0].user)
    r = c.post(url("gov_proposal_new"), {"title": "Bike racks", "body": "Add racks."})
    assert r.status_code == 302
    proposal = Proposal.objects.get()
    r = browser(members[1].user).post(
        url("gov_proposal_comment", proposal.pk), {"comment-body": "Yes"}
    )
    assert r.status_code == 302
    page = c.get(url("gov_proposal", proposal.pk)).content.decode()
    assert "Add racks." in page and "Yes" in page
    r = browser(board_user).post(
        url("gov_proposal_to_vote", proposal.pk), {"vote-majority": "simple"}
    )
    assert r.status_code == 302
    ballot = Ballot.objects.get()
    assert r["Location"].endswith(url("gov_ballot", ballot.pk))


def test_proposal_out_of_bounds_shows_the_french_message_and_writes_nothing(coop, members):
    c = browser(members[0].user, "fr")
    before = snapshot()
    r = c.post(
        url("gov_proposal_new"),
        {
            "title": "Commission 90 %",
            "body": "x",
            "parameter_key": "commission_rate",
            "parameter_value": "90/100",
            "effective_from": (weekday(5)).isoformat(),
        },
    )
    assert r.status_code == 400
    assert "doit" in r.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("method", "form", "expected"),
    [
        ("approval", {"choices": ["ada", "bob"]}, {"choices": ["ada", "bob"]}),
        ("vote_for_n", {"choices": ["cy"]}, {"choices": ["cy"]}),
        (
            "yes_no",
            {"mark_ada": "yes", "mark_bob": "no"},
            {"marks": {"ada": "yes", "bob": "no", "cy": "abstain"}},
        ),
        ("stv_meek", {"rank_bob": "1", "rank_ada": "2"}, {"ranking": ["bob", "ada"]}),
    ],
)
def test_vote_by_each_method_and_change(coop, board_user, members, method, form, expected):
    ballot = services.ballot_create(
        cooperative=coop,
        actor=board_user,
        kind="election",
        title="Board",
        method=method,
        seats=2,
        candidates=[{"key": k, "name": k.title()} for k in ("ada", "bob", "cy")],
    )
    c = browser(members[0].user)
    page = c.get(url("gov_ballot", ballot.pk)).content.decode()
    assert 'id="vote-form"' in page
    r = c.post(url("gov_ballot_vote", ballot.pk), form)
    assert r.status_code == 200 and 'id="receipt-code"' in r.content.decode()
    assert Vote.objects.get(ballot=ballot).choice == expected
    page = c.get(url("gov_ballot", ballot.pk)).content.decode()
    assert "Change my vote" in page


def test_duplicate_rank_refused_in_french(coop, board_user, members):
    ballot = services.ballot_create(
        cooperative=coop,
        actor=board_user,
        kind="election",
        title="Chair",
        method="irv",
        candidates=[{"key": "ada", "name": "Ada"}, {"key": "bob", "name": "Bob"}],
    )
    before = snapshot()
    r = browser(members[0].user, "fr").post(
        url("gov_ballot_vote", ballot.pk), {"rank_ada": "1", "rank_bob": "1"}
    )
    assert r.status_code == 400 and "même rang" in r.content.decode()
    assert snapshot() == before


def test_secret_election_results_rounds_chart_and_receipt(coop, board_user, members):
    ballot = services.ballot_create(
        cooperative=coop,
        actor=board_user,
        kind="election",
        title="Board",
        method="stv_scottish",
        seats=2,
        secret=True,
        candidates=[{"key": k, "name": k.title()} for k in ("ada", "bob", "cy")],
    )
    codes = []
    for m, ranks in zip(
        members,
        [
            {"rank_ada": "1"},
            {"rank_ada": "1", "rank_bob": "2"},
            {"rank_bob": "1"},
            {"rank_cy": "1"},
        ],
        strict=True,
    ):
        r = browser(m.user).post(url("gov_ballot_vote", ballot.pk), ranks)
        codes.append(re.search(r'id="receipt-code">([A-Z0-9-]+)<', r.content.decode())[1])
    c = browser(members[0].user, "fr")
    page = c.get(url("gov_ballot", ballot.pk)).content.decode()
    assert 'id="vote-form"' not in page and "Les résultats sont publiés" in page
    r = browser(board_user).post(url("gov_ballot_close", ballot.pk))
    assert r.status_code == 302
    page = c.get(url("gov_ballot", ballot.pk)).content.decode()
    assert 'id="rounds-chart"' in page and 'id="rounds-table"' in page and "<rect" in page
    r = c.post(url("gov_receipt", ballot.pk), {"code": codes[0]})
    assert 'id="receipt-counted"' in r.content.decode()
    r = c.post(
        url("gov_receipt", ballot.pk), {"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"}, HTTP_HX_REQUEST="true"
    )
    assert 'id="receipt-unknown"' in r.content.decode()
    r = c.post(url("gov_receipt", ballot.pk), {"code": "hello"})
    assert r.status_code == 400


def test_rules_page_traces_the_commission_to_its_vote(coop, board_user, members):
    proposal = services.proposal_file(
        cooperative=coop,
        user=members[0].user,
        title="Commission 9 %",
        body="Lower it.",
        parameter_key="commission_rate",
        parameter_value="9/100",
        effective_from=weekday(3),
    )
    ballot = services.proposal_put_to_vote(
        cooperative=coop, proposal_id=proposal.pk, user=board_user
    )
    services.vote_cast(
        cooperative=coop, ballot_id=ballot.pk, user=members[0].user, choice={"choice": "yes"}
    )
    services.ballot_close(cooperative=coop, ballot_id=ballot.pk, actor=board_user)
    page = browser(members[1].user).get(reverse("web:rules", args=["alpha"])).content.decode()
    assert url("gov_ballot", ballot.pk) in page and "#resolution-1" in page
    page = browser(members[1].user, "fr").get(url("gov_ballot", ballot.pk)).content.decode()
    assert 'id="resolution-link"' in page and "résolution R1" in page
    assert 'id="motion-table"' in page and "100,0 %" in page
    register = browser(members[1].user).get(url("gov_register")).content.decode()
    assert 'id="resolution-1"' in register and "commission_rate" in register


def test_election_form_for_the_board(coop, board_user, members):
    c = browser(board_user)
    assert c.get(url("gov_election_new")).status_code == 200
    r = c.post(
        url("gov_election_new"),
        {
            "title": "Board 2027",
            "method": "approval",
            "seats": "2",
            "candidates": "Ada\nBob\nCy",
            "closes_at": (dt.datetime.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            "secret": "on",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    ballot = Ballot.objects.get(title="Board 2027")
    assert ballot.secret and list(ballot.candidates.values_list("name", flat=True)) == [
        "Ada",
        "Bob",
        "Cy",
    ]
    assert browser(members[0].user).get(url("gov_election_new")).status_code == 403


def test_htmx_vote_swaps_the_card_and_errors_go_above_the_button(coop, board_user, members):
    ballot = services.ballot_create(
        cooperative=coop,
        actor=board_user,
        kind="election",
        title="Board",
        method="approval",
        seats=1,
        max_choices=1,
        candidates=[{"key": "ada", "name": "Ada"}, {"key": "bob", "name": "Bob"}],
    )
    c = browser(members[0].user, "fr")
    r = c.post(
        url("gov_ballot_vote", ballot.pk), {"choices": ["ada", "bob"]}, HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 400 and r["HX-Retarget"] == "#vote-errors"
    assert "plus de candidats" in r.content.decode()
    r = c.post(url("gov_ballot_vote", ballot.pk), {"choices": ["ada"]}, HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert r.status_code == 200 and body.lstrip().startswith("<section") and "receipt-code" in body


def test_register_links_assembly_resolutions_to_their_assembly(coop, members):
    services.resolution_record(
        cooperative=coop,
        title="Accounts approved",
        text="",
        source="assembly",
        reference="assembly:7/item:2",
    )
    page = browser(members[0].user).get(url("gov_register")).content.decode()
    assert reverse("web:assembly", args=["alpha", 7]) in page and "item 2" in page


def test_a_proposal_can_carry_structured_price_rules(coop, members):
    current = parameter_in_force(cooperative=coop, key="pricing_task")
    value = current.spec.dump(current.value)
    r = browser(members[0].user).post(
        url("gov_proposal_new"),
        {
            "title": "New task prices",
            "body": "Same rules, restated.",
            "parameter_key": "pricing_task",
            "parameter_value": json.dumps(value),
            "effective_from": weekday(4).isoformat(),
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    assert Proposal.objects.get().parameter_value == value


def test_live_status_fragment_follows_votes_and_closing(coop, board_user, members):
    ballot = services.ballot_create(cooperative=coop, actor=board_user, kind="motion", title="M")
    c = browser(members[0].user)
    page = c.get(url("gov_ballot", ballot.pk)).content.decode()
    assert 'data-live-url="' + url("gov_ballot_live", ballot.pk) in page
    services.vote_cast(
        cooperative=coop, ballot_id=ballot.pk, user=members[1].user, choice={"choice": "yes"}
    )
    fragment = c.get(url("gov_ballot_live", ballot.pk), HTTP_HX_REQUEST="true").content.decode()
    assert "1 has voted" in fragment and "results-ready" not in fragment
    services.ballot_close(cooperative=coop, ballot_id=ballot.pk, actor=board_user)
    fragment = c.get(url("gov_ballot_live", ballot.pk)).content.decode()
    assert 'id="results-ready"' in fragment
    assert (
        browser(testing.make_user("peeker")).get(url("gov_ballot_live", ballot.pk)).status_code
        == 403
    )
