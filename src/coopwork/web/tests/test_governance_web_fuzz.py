"""Fuzzing the governance, assembly and dispatch pages with hypothesis.

Every page and form of ``/c/<slug>/governance/``, ``/c/<slug>/assemblies/`` and the dispatch
pages is requested by every kind of caller with real, foreign, missing and huge ids and with
random form fields (wrong types, unicode, NUL, oversized, duplicates). No answer is a 500, and
a refused POST writes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopwork.api.tests.test_governance_fuzz import _counts, fuzz_world  # noqa: F401

pytestmark = pytest.mark.django_db

A = "/c/{slug}/assemblies/{assembly_id}/"
P = "/c/{slug}/governance/proposals/{proposal_id}/"
B = "/c/{slug}/governance/ballots/{ballot_id}/"
PAGES = [
    "/c/{slug}/work/offers/{offer_id}/",
    "/c/{slug}/dispatch/",
    "/c/{slug}/dispatch/rounds/{round_id}/",
    "/c/{slug}/dispatch/run/",
    "/c/{slug}/dispatch/fairness/",
    "/c/{slug}/assemblies/",
    "/c/{slug}/assemblies/convene/",
    A,
    A + "live/",
    A + "proxy/",
    A + "proxy/revoke/",
    A + "postal/",
    A + "check-in/",
    A + "items/{number}/vote/",
    A + "items/add/",
    A + "items/{number}/remove/",
    A + "items/{number}/open/",
    A + "items/{number}/close/",
    A + "items/{number}/admit/",
    A + "open/",
    A + "attendance/",
    A + "quorum/",
    A + "close/",
    A + "minutes.pdf",
    "/c/{slug}/governance/",
    "/c/{slug}/governance/register/",
    "/c/{slug}/governance/proposals/",
    "/c/{slug}/governance/proposals/new/",
    P,
    P + "comment/",
    P + "amend/",
    P + "support/",
    P + "withdraw/",
    P + "vote/",
    P + "amendments/{amendment_id}/decide/",
    P + "amendments/{amendment_id}/vote/",
    "/c/{slug}/governance/elections/new/",
    B,
    B + "live/",
    B + "vote/",
    B + "close/",
    B + "receipt/",
]

FIELDS = [
    "choice",
    "choices",
    "rank_a",
    "rank_b",
    "mark_a",
    "mark_b",
    "code",
    "title",
    "body",
    "rationale",
    "zone",
    "member",
    "member_id",
    "holder",
    "mode",
    "kind",
    "starts_at",
    "postal_cutoff",
    "place",
    "remote_url",
    "items",
    "item_1",
    "vote_1",
    "on_behalf_of",
    "accept",
    "decision",
    "secret",
    "results_hidden",
    "majority",
    "quorum",
    "method",
    "seats",
    "max_choices",
    "candidates",
    "opens_at",
    "closes_at",
    "parameter_key",
    "parameter_value",
    "effective_from",
    "payment_method",
    "payment_reference",
    "text",
    "first_convocation",
    "item-1",
    "item-²",
    "item-title",
    "item-kind",
    "item-parameter_key",
    "item-parameter_value",
    "item-effective_from",
    "rank_c",
    "mark_c",
]
VALUES = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "",
            "yes",
            "no",
            "abstain",
            "blank",
            "a",
            "b",
            "1",
            "0",
            "-1",
            "2",
            str(2**63),
            "99999999999999999999999",
            "1.5",
            "\x00",
            "é" * 5000,
            "2030-01-01T10:00",
            "2030-01-01",
            "not a date",
            "true",
            "on",
            "remote",
            "in_person",
            "ordinary",
            "extraordinary",
            "commission_rate",
            "1/2",
            "[]",
            "{}",
            '{"a": 1}',
            "irv",
            "approval",
            "²",
            "١",
            "1" * 5000,
            "-²",
        ]
    ),
)


def _id(name: str, ids: dict[str, list[int]]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from([str(i) for i in ids.get(name, [1])]),
        st.sampled_from(["0", "99999", str(2**31), str(2**63), "99999999999999999999999"]),
    )


@pytest.mark.parametrize("template", PAGES)
def test_fuzz_page(fuzz_world, template: str) -> None:  # noqa: F811
    users = fuzz_world["users"]
    ids = fuzz_world["ids"]

    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        who=st.sampled_from(sorted(users)),
        method=st.sampled_from(["GET", "POST", "POST"]),
        slug=st.sampled_from(["alpha", "alpha", "beta", "nope"]),
        ids_=st.fixed_dictionaries(
            {
                n: _id(n, ids)
                for n in (
                    "assembly_id",
                    "proposal_id",
                    "ballot_id",
                    "amendment_id",
                    "number",
                    "offer_id",
                    "round_id",
                )
            }
        ),
        form=st.lists(st.tuples(st.sampled_from(FIELDS), VALUES), max_size=8),
        htmx=st.booleans(),
    )
    def check(
        who: str,
        method: str,
        slug: str,
        ids_: dict[str, str],
        form: list[tuple[str, str]],
        htmx: bool,
    ) -> None:
        url = template.format(slug=slug, **ids_)
        client = Client(HTTP_ACCEPT_LANGUAGE="fr")
        if users[who] is not None:
            client.force_login(users[who])
        headers: dict[str, Any] = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        before = _counts()
        if method == "GET":
            response = client.get(url, **headers)
        else:
            data: dict[str, list[str]] = {}
            for k, v in form:
                data.setdefault(k, []).append(v)
            response = client.post(url, data, **headers)
        assert response.status_code < 500, (who, method, url, form, response.content[:400])
        if method == "POST" and response.status_code >= 400:
            assert _counts() == before, (who, url, form)

    check()
