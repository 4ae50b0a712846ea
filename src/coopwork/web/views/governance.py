"""Decisions on the web: the governance dashboard, proposals (discussion, amendments, putting to
a vote), ballots (vote, change a vote, results with every round and a chart), receipt checks and
the register of decisions.

Each action is a form post that calls one service and redirects (or, for htmx, swaps a
fragment); a refusal renders its 4xx page with the message in the user's language. Charts are
inline SVG computed here, so the pages need no JavaScript chart library.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from fractions import Fraction
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coopwork.core.errors import CoopError
from coopwork.core.models import Cooperative, RoleName
from coopwork.core.parameters import REGISTRY
from coopwork.core.permissions import require_role
from coopwork.governance import errors, selectors, services
from coopwork.members.selectors import colleges
from coopwork.web.http import actor, add_form_error, coop_view, error_response, is_htmx

READERS = {RoleName.MEMBER, RoleName.BOARD, RoleName.ADMIN}
OFFICERS = {RoleName.BOARD, RoleName.ADMIN}
RANK_SHAPE = re.compile(r"[0-9]{1,3}")
PALETTE = ["#1f7a4d", "#d98c00", "#3465a4", "#a4343a", "#6b4fa0", "#2a8c8c", "#8c6d2a"]

METHOD_LABELS = {
    "vote_for_n": gettext_lazy("Vote for N (plurality)"),
    "approval": gettext_lazy("Approval"),
    "yes_no": gettext_lazy("Yes or no per candidate"),
    "irv": gettext_lazy("Instant run-off (one seat)"),
    "stv_scottish": gettext_lazy("Single transferable vote, Scottish rules"),
    "stv_meek": gettext_lazy("Single transferable vote, Meek's method"),
}
MAJORITY_LABELS = {
    "simple": gettext_lazy("Simple majority"),
    "two_thirds": gettext_lazy("Two-thirds majority"),
    "consent": gettext_lazy("Consent (an objection blocks)"),
}
CHOICE_LABELS = {
    "yes": pgettext_lazy("vote", "Yes"),
    "no": pgettext_lazy("vote", "No"),
    "abstain": pgettext_lazy("vote", "Abstain"),
}


FIELD_OF = {
    "proposal_invalid": "body",
    "parameter_unknown": "parameter_key",
    "parameter_out_of_bounds": "parameter_value",
    "parameter_invalid": "parameter_value",
    "parameter_backdated": "effective_from",
    "resolution_parameter_incomplete": "parameter_value",
    "ballot_config_invalid": "candidates",
}


def _reader(request: HttpRequest, coop: Cooperative) -> set[str]:
    return require_role(user=request.user, cooperative=coop, roles=READERS)


# --- Forms ------------------------------------------------------------------------------------


def _parameter_choices() -> list[tuple[str, Any]]:
    return [("", gettext_lazy("No parameter change"))] + [
        (key, f"{spec.label} ({key})") for key, spec in sorted(REGISTRY.items())
    ]


class ProposalForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    body = forms.CharField(
        label=gettext_lazy("Text of the proposal"), max_length=20000, widget=forms.Textarea
    )
    parameter_key = forms.ChoiceField(
        label=gettext_lazy("Rule it changes (optional)"), required=False, choices=()
    )
    parameter_value = forms.CharField(
        label=gettext_lazy("New value"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("A ratio as 8/100, an amount in minor units, or JSON."),
    )
    effective_from = forms.DateField(
        label=gettext_lazy("Takes effect on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parameter_key"].choices = _parameter_choices()  # type: ignore[attr-defined]


class TextForm(forms.Form):
    body = forms.CharField(label=gettext_lazy("Text"), max_length=20000, widget=forms.Textarea)
    rationale = forms.CharField(
        label=gettext_lazy("Why (optional)"), max_length=4000, required=False
    )


class ToVoteForm(forms.Form):
    closes_at = forms.DateTimeField(
        label=gettext_lazy("Voting closes on"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    majority = forms.ChoiceField(
        label=gettext_lazy("Majority"), choices=list(MAJORITY_LABELS.items())
    )
    secret = forms.BooleanField(label=gettext_lazy("Secret ballot"), required=False)


class ElectionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    method = forms.ChoiceField(label=gettext_lazy("Method"), choices=list(METHOD_LABELS.items()))
    seats = forms.IntegerField(label=gettext_lazy("Seats"), min_value=1, max_value=100, initial=1)
    candidates = forms.CharField(
        label=gettext_lazy("Candidates, one per line"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )
    closes_at = forms.DateTimeField(
        label=gettext_lazy("Voting closes on"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    secret = forms.BooleanField(label=gettext_lazy("Secret ballot"), required=False, initial=True)


class ReceiptForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Receipt code"), max_length=40)


def _parameter_value(raw: str) -> Any:
    """The form's text as the service takes it: JSON for structured rules (price rules), the
    text itself otherwise (ratios such as 8/100, whole numbers); the service validates it."""
    text = (raw or "").strip()
    if not text:
        return None
    if text[0] in "{[":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


# --- Charts (inline SVG geometry) ---------------------------------------------------------------


def _pct(value: float) -> str:
    return f"{round(value * 100)} %"


def rounds_chart(result: dict[str, Any]) -> dict[str, Any] | None:
    """Horizontal bars of each candidate's votes in each round (one group per round)."""
    election = result.get("election")
    if not election or not election["rounds"]:
        return None
    names = result.get("names", {})
    cands = election["candidates"]
    rounds = election["rounds"]
    top = max(
        [float(Fraction(v)) for r in rounds for v in r["tallies"].values()]
        + [float(Fraction(election["quota"])) if election.get("quota") else 0.0, 1.0]
    )
    left, width, bar_h, gap = 110, 320, 16, 4
    group_h = len(cands) * (bar_h + gap) + 26
    groups = []
    for i, r in enumerate(rounds):
        y0 = 10 + i * group_h
        bars = []
        for j, c in enumerate(cands):
            value = float(Fraction(r["tallies"].get(c, "0")))
            bars.append(
                {
                    "y": y0 + 20 + j * (bar_h + gap),
                    "w": round(width * value / top, 1),
                    "label": names.get(c, c),
                    "value": _fraction_text(r["tallies"].get(c, "0")),
                    "color": PALETTE[j % len(PALETTE)],
                    "elected": c in r["elected"],
                    "eliminated": c in r["eliminated"],
                }
            )
        groups.append({"y": y0, "title": _("Round %(n)s") % {"n": r["number"]}, "bars": bars})
    table = []
    for r in rounds:
        events = [_("%(name)s elected") % {"name": names.get(c, c)} for c in r["elected"]]
        events += [_("%(name)s excluded") % {"name": names.get(c, c)} for c in r["eliminated"]]
        if r["action"] == "surplus" and r.get("subject"):
            events.insert(
                0, _("surplus of %(name)s transferred") % {"name": names.get(r["subject"], "")}
            )
        table.append(
            {
                "number": r["number"],
                "cells": [_fraction_text(r["tallies"].get(c, "0")) for c in cands],
                "exhausted": _fraction_text(r.get("exhausted_total") or "0"),
                "events": events,
                "tie_break": r.get("tie_break"),
            }
        )
    quota_x = None
    if election.get("quota"):
        quota_x = left + round(width * float(Fraction(election["quota"])) / top, 1)
    return {
        "width": left + width + 80,
        "height": 10 + len(rounds) * group_h,
        "left": left,
        "bar_h": bar_h,
        "groups": groups,
        "quota_x": quota_x,
        "columns": [names.get(c, c) for c in cands],
        "table": table,
    }


def _fraction_text(value: str) -> str:
    """An exact figure for reading: whole numbers as they are, others to two decimals, in the
    active language's format (the exact fractions are in the JSON and CSV exports)."""
    f = Fraction(value)
    if f.denominator == 1:
        return str(f.numerator)
    return formats.number_format(round(float(f), 2), decimal_pos=2)


def motion_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The motion's figures for display: votes (weighted when weighted), share of the expressed
    votes, and heads."""
    m = result["motion"]
    expressed = Fraction(m["expressed"])
    rows = []
    for choice in ("yes", "no", "abstain"):
        value = Fraction(m[choice])
        share = None
        if choice != "abstain" and expressed:
            share = formats.number_format(float(value / expressed) * 100, decimal_pos=1) + " %"
        rows.append(
            {
                "label": CHOICE_LABELS[choice],
                "votes": _fraction_text(m[choice]),
                "share": share,
                "heads": m["heads"].get(choice, 0),
            }
        )
    return rows


def turnout_chart(
    points: list[dict[str, Any]], colleges: list[str], names: dict[str, str]
) -> dict[str, Any] | None:
    """Turnout per closed ballot (overall and per college) as lines over time."""
    if not points:
        return None
    left, right, top, bottom = 48, 700, 16, 196
    n = len(points)
    step = (right - left) / max(n - 1, 1)

    def xy(i: int, rate: float) -> tuple[float, float]:
        return round(left + i * step, 1), round(bottom - (bottom - top) * rate, 1)

    overall = [xy(i, p["rate"]) for i, p in enumerate(points)]
    series = [
        {
            "name": _("All members"),
            "color": "#1d2b22",
            "points": " ".join(f"{x},{y}" for x, y in overall),
            "dots": [
                {"x": x, "y": y, "title": f"{p['ballot'].title}: {_pct(p['rate'])}"}
                for (x, y), p in zip(overall, points, strict=True)
            ],
        }
    ]
    for k, college in enumerate(colleges):
        line = [
            xy(i, p["by_college"][college])
            for i, p in enumerate(points)
            if college in p["by_college"]
        ]
        series.append(
            {
                "name": names.get(college, college),
                "color": PALETTE[k % len(PALETTE)],
                "points": " ".join(f"{x},{y}" for x, y in line),
                "dots": [],
            }
        )
    return {
        "width": right + 20,
        "height": bottom + 40,
        "left": left,
        "right": right,
        "top": top,
        "bottom": bottom,
        "y_ticks": [{"pos": xy(0, t / 4)[1], "label": f"{t * 25} %"} for t in range(5)],
        "x_labels": [
            {"x": xy(i, 0)[0], "label": p["date"].strftime("%d/%m") if p["date"] else ""}
            for i, p in enumerate(points)
        ],
        "series": series,
    }


# --- Dashboard and register ---------------------------------------------------------------------


@require_GET
@coop_view
def dashboard(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    roles = _reader(request, coop)
    data = selectors.governance_dashboard(cooperative=coop)
    return render(
        request,
        "web/governance/dashboard.html",
        {
            "coop": coop,
            "data": data,
            "chart": turnout_chart(data["turnout"], data["colleges"], data["college_names"]),
            "is_officer": bool(roles & OFFICERS),
        },
    )


@require_GET
@coop_view
def register(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    _reader(request, coop)
    return render(
        request,
        "web/governance/register.html",
        {"coop": coop, "resolutions": selectors.decision_register(cooperative=coop)},
    )


# --- Proposals --------------------------------------------------------------------------------


@require_GET
@coop_view
def proposals(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    _reader(request, coop)
    return render(
        request,
        "web/governance/proposals.html",
        {"coop": coop, "proposals": selectors.proposal_list(cooperative=coop)[:200]},
    )


@require_http_methods(["GET", "POST"])
@coop_view
def proposal_new(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    _reader(request, coop)
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            proposal = services.proposal_file(
                cooperative=coop,
                user=actor(request),
                title=d["title"],
                body=d["body"],
                parameter_key=d["parameter_key"] or "",
                parameter_value=_parameter_value(d["parameter_value"]),
                effective_from=d["effective_from"],
            )
        except CoopError as exc:
            add_form_error(form, exc, fields=FIELD_OF)
        else:
            messages.success(request, _("Your proposal is open for discussion."))
            return redirect("web:gov_proposal", slug=coop.slug, proposal_id=proposal.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "web/governance/proposal_new.html", {"coop": coop, "form": form}, status=status
    )


def _proposal_page(
    request: HttpRequest, coop: Cooperative, proposal_id: int, status: int = 200, **forms_: Any
) -> HttpResponse:
    roles = _reader(request, coop)
    view = selectors.proposal_detail(cooperative=coop, proposal_id=proposal_id, user=request.user)
    return render(
        request,
        "web/governance/proposal.html",
        {
            "coop": coop,
            "view": view,
            "is_officer": bool(roles & OFFICERS),
            "comment_form": forms_.get("comment_form") or TextForm(prefix="comment"),
            "amend_form": forms_.get("amend_form")
            or TextForm(prefix="amend", initial={"body": view.proposal.body}),
            "vote_form": forms_.get("vote_form") or ToVoteForm(prefix="vote"),
        },
        status=status,
    )


@require_GET
@coop_view
def proposal(request: HttpRequest, coop: Cooperative, proposal_id: int) -> HttpResponse:
    return _proposal_page(request, coop, proposal_id)


@require_POST
@coop_view
def proposal_comment(request: HttpRequest, coop: Cooperative, proposal_id: int) -> HttpResponse:
    form = TextForm(request.POST, prefix="comment")
    if not form.is_valid():
        return _proposal_page(request, coop, proposal_id, 400, comment_form=form)
    services.proposal_comment(
        cooperative=coop,
        proposal_id=proposal_id,
        user=actor(request),
        body=form.cleaned_data["body"],
    )
    return redirect("web:gov_proposal", slug=coop.slug, proposal_id=proposal_id)


@require_POST
@coop_view
def proposal_amend(request: HttpRequest, coop: Cooperative, proposal_id: int) -> HttpResponse:
    form = TextForm(request.POST, prefix="amend")
    if not form.is_valid():
        return _proposal_page(request, coop, proposal_id, 400, amend_form=form)
    services.amendment_propose(
        cooperative=coop,
        proposal_id=proposal_id,
        user=actor(request),
        body=form.cleaned_data["body"],
        rationale=form.cleaned_data["rationale"],
    )
    messages.success(request, _("Your amendment is proposed to the author."))
    return redirect("web:gov_proposal", slug=coop.slug, proposal_id=proposal_id)


@require_POST
@coop_view
def proposal_support(request: HttpRequest, coop: Cooperative, proposal_id: int) -> HttpResponse:
    services.proposal_support(cooperative=coop, proposal_id=proposal_id, user=actor(request))
    return redirect("web:gov_proposal", slug=coop.slug, proposal_id=proposal_id)


@require_POST
@coop_view
def proposal_withdraw(request: HttpRequest, coop: Cooperative, proposal_id: int) -> HttpResponse:
    services.proposal_withdraw(cooperative=coop, proposal_id=proposal_id, user=actor(request))
    return redirect("web:gov_proposal", slug=coop.slug, proposal_id=proposal_id)


@require_POST
@coop_view
def amendment_decide(
    request: HttpRequest, coop: Cooperative, proposal_id: int, amendment_id: int
) -> HttpResponse:
    services.amendment_decide(
        cooperative=coop,
        amendment_id=amendment_id,
        user=actor(request),
        accept=request.POST.get("decision") == "accept",
    )
    return redirect("web:gov_proposal", slug=coop.slug, proposal_id=proposal_id)


@require_POST
@coop_view
def amendment_to_vote(
    request: HttpRequest, coop: Cooperative, proposal_id: int, amendment_id: int
) -> HttpResponse:
    ballot = services.amendment_put_to_vote(
        cooperative=coop, amendment_id=amendment_id, user=actor(request)
    )
    return redirect("web:gov_ballot", slug=coop.slug, ballot_id=ballot.pk)


@require_POST
@coop_view
def proposal_to_vote(request: HttpRequest, coop: Cooperative, proposal_id: int) -> HttpResponse:
    form = ToVoteForm(request.POST, prefix="vote")
    if not form.is_valid():
        return _proposal_page(request, coop, proposal_id, 400, vote_form=form)
    d = form.cleaned_data
    ballot = services.proposal_put_to_vote(
        cooperative=coop,
        proposal_id=proposal_id,
        user=actor(request),
        closes_at=_aware(d["closes_at"]),
        majority=d["majority"],
        secret=d["secret"],
    )
    messages.success(request, _("The vote is open."))
    return redirect("web:gov_ballot", slug=coop.slug, ballot_id=ballot.pk)


# --- Ballots ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@coop_view
def election_new(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    require_role(user=request.user, cooperative=coop, roles=OFFICERS)
    form = ElectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        names = [line.strip() for line in d["candidates"].splitlines() if line.strip()]
        candidates = [{"key": f"c{i + 1}", "name": name} for i, name in enumerate(names)]
        try:
            ballot = services.ballot_create(
                cooperative=coop,
                actor=actor(request),
                kind="election",
                title=d["title"],
                method=d["method"],
                seats=d["seats"],
                closes_at=_aware(d["closes_at"]),
                secret=d["secret"],
                candidates=candidates,
            )
        except CoopError as exc:
            add_form_error(form, exc, fields=FIELD_OF)
        else:
            return redirect("web:gov_ballot", slug=coop.slug, ballot_id=ballot.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "web/governance/election_new.html", {"coop": coop, "form": form}, status=status
    )


def _ballot_context(request: HttpRequest, coop: Cooperative, ballot_id: int) -> dict[str, Any]:
    roles = _reader(request, coop)
    view = selectors.ballot_detail(cooperative=coop, ballot_id=ballot_id, user=request.user)
    result = None
    if view.results_visible:
        result = selectors.ballot_results(cooperative=coop, ballot_id=ballot_id)
    ballot = view.ballot
    n = len(view.candidates)
    names = {c.code: c.localized("name") for c in colleges(cooperative=coop)}
    my_rank = {}
    if view.my_choice and "ranking" in view.my_choice:
        my_rank = {k: i + 1 for i, k in enumerate(view.my_choice["ranking"])}
    candidates = [
        {
            "key": c.key,
            "name": c.name,
            "checked": bool(view.my_choice and c.key in view.my_choice.get("choices", [])),
            "mark": (view.my_choice or {}).get("marks", {}).get(c.key, "abstain"),
            "rank": my_rank.get(c.key),
        }
        for c in view.candidates
    ]
    return {
        "coop": coop,
        "view": view,
        "ballot": ballot,
        "candidates": candidates,
        "ranks": list(range(1, n + 1)),
        "choices": list(CHOICE_LABELS.items()),
        "method_label": METHOD_LABELS.get(ballot.method, ""),
        "majority_label": MAJORITY_LABELS.get(ballot.majority, ""),
        "result": result,
        "chart": rounds_chart(result) if result else None,
        "motion_rows": motion_rows(result) if result and result.get("motion") else [],
        "weights": [
            (names.get(code, code), weight)
            for code, weight in ((result or {}).get("college_weights") or {}).items()
        ],
        "resolution": ballot.resolutions.first() if ballot.status == "closed" else None,
        "is_officer": bool(roles & OFFICERS),
        "ranked": ballot.method in ("irv", "stv_scottish", "stv_meek"),
    }


@require_GET
@coop_view
def ballot(request: HttpRequest, coop: Cooperative, ballot_id: int) -> HttpResponse:
    return render(request, "web/governance/ballot.html", _ballot_context(request, coop, ballot_id))


@require_GET
@coop_view
def ballot_live(request: HttpRequest, coop: Cooperative, ballot_id: int) -> HttpResponse:
    """The ballot's status line, re-fetched by the page's live region when votes come in."""
    _reader(request, coop)
    view = selectors.ballot_detail(cooperative=coop, ballot_id=ballot_id, user=request.user)
    return render(
        request,
        "web/governance/_ballot_status.html",
        {"coop": coop, "ballot": view.ballot, "view": view, "live": True},
    )


def _paper_from_post(request: HttpRequest, ballot: Any, keys: list[str]) -> dict[str, Any]:
    """The ballot paper from the form, in the service's shape (the service checks the rules)."""
    data = request.POST
    if ballot.kind == "motion":
        return {"choice": data.get("choice", "")}
    if ballot.method == "yes_no":
        return {"marks": {k: data.get(f"mark_{k}", "abstain") for k in keys}}
    if ballot.method in ("irv", "stv_scottish", "stv_meek"):
        ranks: list[tuple[int, str]] = []
        for k in keys:
            raw = data.get(f"rank_{k}", "")
            if raw:
                # ASCII digits only: str.isdigit() also accepts "²" or 5,000 digits, which
                # int() refuses (a 500).
                if not RANK_SHAPE.fullmatch(raw):
                    raise errors.BallotInvalidChoice()
                ranks.append((int(raw), k))
        numbers = [r for r, _k in ranks]
        if len(set(numbers)) != len(numbers):
            raise errors.BallotDuplicateRanking(_("Two candidates have the same rank."))
        return {"ranking": [k for _r, k in sorted(ranks)]}
    return {"choices": data.getlist("choices")}


@require_POST
@coop_view
def ballot_vote(request: HttpRequest, coop: Cooperative, ballot_id: int) -> HttpResponse:
    _reader(request, coop)  # before reading the ballot: outsiders learn nothing of it
    view = selectors.ballot_detail(cooperative=coop, ballot_id=ballot_id, user=request.user)
    try:
        paper = _paper_from_post(request, view.ballot, [c.key for c in view.candidates])
        receipt = services.vote_cast(
            cooperative=coop, ballot_id=ballot_id, user=actor(request), choice=paper
        )
    except CoopError as exc:  # htmx: the message shows above the button, the choices stay
        return error_response(request, exc, cooperative=coop, target="#vote-errors")
    context = _ballot_context(request, coop, ballot_id)
    context["receipt"] = receipt
    if is_htmx(request):
        return render(request, "web/governance/_voted.html", context)
    return render(request, "web/governance/voted.html", context)


@require_POST
@coop_view
def ballot_close(request: HttpRequest, coop: Cooperative, ballot_id: int) -> HttpResponse:
    services.ballot_close(cooperative=coop, ballot_id=ballot_id, actor=actor(request))
    messages.success(request, _("The ballot is closed and its results are published."))
    return redirect("web:gov_ballot", slug=coop.slug, ballot_id=ballot_id)


@require_http_methods(["GET", "POST"])
@coop_view
def receipt_check(request: HttpRequest, coop: Cooperative, ballot_id: int) -> HttpResponse:
    _reader(request, coop)
    view = selectors.ballot_detail(cooperative=coop, ballot_id=ballot_id, user=request.user)
    form = ReceiptForm(request.POST or None)
    check = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            check = selectors.receipt_check(
                cooperative=coop, ballot_id=ballot_id, code=form.cleaned_data["code"]
            )
        except errors.ReceiptInvalid as exc:
            add_form_error(form, exc, fields={"receipt_invalid": "code"})
            status = exc.status
    elif request.method == "POST":
        status = 400
    template = "web/governance/receipt.html"
    if is_htmx(request):  # htmx swaps 200 answers only: the fragment carries the error itself
        template, status = "web/governance/_receipt_result.html", 200
    return render(
        request,
        template,
        {"coop": coop, "ballot": view.ballot, "form": form, "check": check},
        status=status,
    )
