"""General assemblies on the web: the list, the convocation form, and one assembly's page where
members give a proxy, vote by post, check in and vote, and the board chairs the session.

Every action is a plain form post that calls one service and redirects back to the assembly's
page (a refusal renders the error page with its 4xx status and message).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET, require_POST

from coopwork.core.models import Cooperative
from coopwork.core.parameters import REGISTRY
from coopwork.core.permissions import require_role
from coopwork.core.selectors import user_roles
from coopwork.governance import minutes, selectors, services
from coopwork.governance.models import Assembly, AssemblyKind, AssemblyStatus, VoteChoice
from coopwork.members.selectors import applications
from coopwork.web.forms import PAYMENT_CHOICES
from coopwork.web.http import actor, coop_view, download, form_error
from coopwork.web.pages import Document

# --- Forms ------------------------------------------------------------------------------------

KIND_CHOICES = [
    ("ordinary", gettext_lazy("Ordinary (accounts, elections, ordinary business)")),
    ("extraordinary", gettext_lazy("Extraordinary (statute changes)")),
]
ITEM_KIND_CHOICES = [
    ("ordinary", gettext_lazy("Ordinary resolution")),
    ("extraordinary", gettext_lazy("Statute change")),
]
CHOICES = [(c.value, c.label) for c in VoteChoice]


def _parameter_choices() -> list[tuple[str, Any]]:
    return [("", gettext_lazy("No parameter change"))] + [
        (key, f"{spec.label} ({key})") for key, spec in sorted(REGISTRY.items())
    ]


class ConveneForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of assembly"), choices=KIND_CHOICES)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(label=gettext_lazy("Place"), max_length=300, required=False)
    remote_url = forms.CharField(
        label=gettext_lazy("Link for remote attendance"), max_length=500, required=False
    )
    first_convocation = forms.TypedChoiceField(
        label=gettext_lazy("Second convocation of"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=gettext_lazy("Only after a first convocation failed its quorum."),
    )

    def __init__(self, *args: Any, failed: list[Assembly] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["first_convocation"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—")] + [(a.pk, str(a)) for a in failed or []]


class ItemForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Resolution"), max_length=200, required=False)
    text = forms.CharField(
        label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ITEM_KIND_CHOICES)
    parameter_key = forms.ChoiceField(
        label=gettext_lazy("Governed parameter it sets"), required=False, choices=()
    )
    parameter_value = forms.CharField(
        label=gettext_lazy("New value"), max_length=200, required=False
    )
    effective_from = forms.DateField(
        label=gettext_lazy("Applies from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    application = forms.TypedChoiceField(
        label=gettext_lazy("Or: admission of an applicant"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=gettext_lazy("The title may stay empty: it is written for you."),
    )

    def __init__(
        self, *args: Any, applications: list[tuple[int, str]] | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        field = self.fields["parameter_key"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _parameter_choices()
        pick = self.fields["application"]
        assert isinstance(pick, forms.TypedChoiceField)
        pick.choices = [("", "—"), *(applications or [])]
        if not applications:
            del self.fields["application"]

    def spec(self) -> services.ItemSpec | None:
        data = self.cleaned_data
        if not data.get("title") and not data.get("application"):
            return None
        value: Any = data.get("parameter_value") or None
        if value is not None and NUMBER_SHAPE.fullmatch(str(value)):
            value = int(value)
        return services.ItemSpec(
            title=data["title"],
            text=data.get("text", ""),
            kind=data["kind"],
            parameter_key=data.get("parameter_key") or "",
            parameter_value=value if data.get("parameter_key") else None,
            effective_from=data.get("effective_from") if data.get("parameter_key") else None,
            application_id=data.get("application"),
        )


ItemFormSet = forms.formset_factory(ItemForm, extra=3, max_num=50)


class AttendanceForm(forms.Form):
    member = forms.TypedChoiceField(label=gettext_lazy("Member"), coerce=int)
    mode = forms.ChoiceField(
        label=gettext_lazy("Attends"),
        choices=[("in_person", gettext_lazy("in person")), ("remote", gettext_lazy("remote"))],
    )


class AdmitPaymentForm(forms.Form):
    payment_method = forms.ChoiceField(label=gettext_lazy("Paid by"), choices=PAYMENT_CHOICES)
    payment_reference = forms.CharField(
        label=gettext_lazy("Payment reference"), max_length=120, required=False
    )


# str.isdigit() also accepts "²" and digits of other scripts, and int() refuses more than 4,300
# digits: a posted number is checked against ASCII digits of a sane length before int().
ID_SHAPE = re.compile(r"[0-9]{1,12}")
NUMBER_SHAPE = re.compile(r"-?[0-9]{1,18}")


def _posted_id(raw: str) -> int | None:
    """A posted id or item number, or None when it is not one."""
    return int(raw) if ID_SHAPE.fullmatch(raw or "") else None


def _pending(coop: Cooperative) -> list[tuple[int, str]]:
    return [
        (a.pk, f"{a.display_name} ({a.college.localized('name')}, {a.shares})")
        for a in applications(cooperative=coop, status="pending")
    ]


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


# --- Pages ------------------------------------------------------------------------------------


@require_GET
@coop_view
def assembly_list(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    assemblies = selectors.assembly_list(cooperative=coop, viewer=request.user)
    is_board = "board" in user_roles(user=request.user, cooperative=coop)
    now = timezone.now()
    return render(
        request,
        "web/governance/assemblies/list.html",
        {
            "coop": coop,
            "tab": "assemblies",
            "upcoming": [a for a in assemblies if a.status not in ("closed", "failed")],
            "past": [a for a in assemblies if a.status in ("closed", "failed")],
            "is_board": is_board,
            "now": now,
        },
    )


def _convene_page(
    request: HttpRequest,
    coop: Cooperative,
    form: ConveneForm,
    items: Any,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    return render(
        request,
        "web/governance/assemblies/convene.html",
        {"coop": coop, "tab": "assemblies", "form": form, "items": items, "error": error},
        status=status,
    )


def _failed_first(coop: Cooperative) -> list[Assembly]:
    return list(
        Assembly.objects.filter(
            cooperative=coop, convocation=1, status=AssemblyStatus.FAILED, second_convocation=None
        ).order_by("-starts_at")
    )


@coop_view
def assembly_convene(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    require_role(user=request.user, cooperative=coop, roles={"board"})
    failed = _failed_first(coop)
    if request.method != "POST":
        start = timezone.localtime() + dt.timedelta(days=16)
        form = ConveneForm(
            failed=failed,
            initial={"kind": "ordinary", "starts_at": start.replace(hour=18, minute=0)},
        )
        items = ItemFormSet(prefix="items", form_kwargs={"applications": _pending(coop)})
        return _convene_page(request, coop, form, items)
    form = ConveneForm(request.POST, failed=failed)
    items = ItemFormSet(request.POST, prefix="items", form_kwargs={"applications": _pending(coop)})
    if not form.is_valid() or not items.is_valid():
        return _convene_page(request, coop, form, items, status=400)
    specs = [s for s in (f.spec() for f in items.forms) if s is not None]
    data = form.cleaned_data
    from coopwork.core.errors import CoopError

    try:
        assembly = services.assembly_convene(
            cooperative=coop,
            actor=actor(request),
            kind=data["kind"],
            title=data["title"],
            starts_at=_aware(data["starts_at"]),
            place=data.get("place") or "",
            remote_url=data.get("remote_url") or "",
            first_convocation_id=data.get("first_convocation"),
            items=specs,
        )
    except CoopError as exc:
        return _convene_page(
            request, coop, form, items, status=exc.status, error=exc.render_message()
        )
    messages.success(request, _("The assembly is convened; every member has been notified."))
    return redirect("web:assembly", slug=coop.slug, assembly_id=assembly.pk)


@require_GET
@coop_view
def assembly_detail(request: HttpRequest, coop: Cooperative, assembly_id: int) -> HttpResponse:
    context = _detail_context(request, coop, assembly_id)
    return render(request, "web/governance/assemblies/detail.html", context)


@require_GET
@coop_view
def assembly_live(request: HttpRequest, coop: Cooperative, assembly_id: int) -> HttpResponse:
    """The live part of the assembly's page (agenda, my participation, the chair's panel),
    re-fetched while the session runs."""
    context = _detail_context(request, coop, assembly_id)
    response = render(request, "web/governance/assemblies/_live.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _detail_context(request: HttpRequest, coop: Cooperative, assembly_id: int) -> dict[str, Any]:
    assembly = selectors.assembly_for_viewer(
        cooperative=coop, assembly_id=assembly_id, viewer=request.user
    )
    roles = user_roles(user=request.user, cooperative=coop)
    is_board = "board" in roles
    mine = selectors.my_assembly(assembly=assembly, user=request.user)
    register = (
        selectors.assembly_register(cooperative=coop, assembly_id=assembly_id, viewer=request.user)
        if is_board
        else None
    )
    now = timezone.now()
    items = list(assembly.items.all())
    open_item = next((i for i in items if i.status == "open"), None)
    attendance_form = None
    if register is not None:
        attendance_form = AttendanceForm()
        field = attendance_form.fields["member"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            (
                m.pk,
                pgettext("member number", "No. %(number)s %(name)s")
                % {"number": m.register_number, "name": m.display_name},
            )
            for m in register.members
            if m.pk not in register.attendance
        ]
    proxy_votes = []
    if open_item is not None:
        proxy_votes = [
            p
            for p in mine.proxies_held
            if open_item.number not in mine.voted_for.get(p.giver_id, set())
        ]
    editable = assembly.status == AssemblyStatus.CONVENED and timezone.localdate(
        assembly.starts_at
    ) >= timezone.localdate(now) + dt.timedelta(days=assembly.notice_days)
    return {
        "coop": coop,
        "tab": "assemblies",
        "assembly": assembly,
        "items": [(item, minutes.item_figures(item)) for item in items],
        "open_item": open_item,
        "mine": mine,
        "register": register,
        "is_board": is_board,
        "postal_open": assembly.status == AssemblyStatus.CONVENED and now < assembly.postal_cutoff,
        "can_vote_by_post": mine.eligible
        and mine.proxy_given is None
        and any(i.number not in mine.votes for i in items),
        "choices": CHOICES,
        "attendance_form": attendance_form,
        "proxy_votes": proxy_votes,
        "agenda_editable": editable and is_board,
        "item_form": ItemForm(prefix="item", applications=_pending(coop))
        if editable and is_board
        else None,
        "admit_form": AdmitPaymentForm() if is_board else None,
        "pending_ids": {a for a, _label in _pending(coop)} if is_board else set(),
        "can_open": assembly.status == AssemblyStatus.CONVENED
        and now >= assembly.starts_at - services.OPEN_EARLY,
        "minutes_ready": is_board or assembly.status in ("closed", "failed"),
        "is_extraordinary": assembly.kind == AssemblyKind.EXTRAORDINARY,
        "roll": _roll(register) if register is not None else [],
        "open_item_votes": register.vote_counts.get(open_item.number, 0)
        if register is not None and open_item is not None
        else None,
    }


def _roll(register: Any) -> list[tuple[Any, str]]:
    """Each member entitled to take part, with how they take part (for the chair)."""
    holders = {p.giver_id: p.holder for p in register.proxies if p.revoked_at is None}
    rows = []
    for m in register.members:
        if m.pk in register.attendance:
            state = str(register.attendance[m.pk].get_mode_display())
        elif m.pk in holders:
            state = _("represented by %(name)s") % {"name": holders[m.pk].display_name}
        elif m.pk in register.postal_voters:
            state = _("voted by post")
        else:
            state = _("absent")
        rows.append((m, state))
    return rows


def _back(coop: Cooperative, assembly_id: int) -> HttpResponse:
    return redirect("web:assembly", slug=coop.slug, assembly_id=assembly_id)


# --- Members' actions -------------------------------------------------------------------------


@require_POST
@coop_view
def proxy_give(request: HttpRequest, coop: Cooperative, assembly_id: int) -> HttpResponse:
    holder = request.POST.get("holder", "")
    services.proxy_give(
        cooperative=coop,
        assembly_id=assembly_id,
        user=actor(request),
        holder_member_id=_posted_id(holder) or 0,
    )
    messages.success(
        request, _("Your proxy is recorded. You can revoke it until the assembly opens.")
    )
    return _back(coop, assembly_id)


@require_POST
@coop_view
def proxy_revoke(request: HttpRequest, coop: Cooperative, assembly_id: int) -> HttpResponse:
    services.proxy_revoke(cooperative=coop, assembly_id=assembly_id, user=actor(request))
    messages.success(request, _("Your proxy is revoked."))
    return _back(coop, assembly_id)


@require_POST
@coop_view
def postal_vote(request: HttpRequest, coop: Cooperative, assembly_id: int) -> HttpResponse:
    choices: dict[int, str] = {}
    for key in request.POST:
        value = request.POST.get(key, "")
        number = _posted_id(key[5:]) if key.startswith("item-") else None
        if number is not None and value:
            choices[number] = value
    services.postal_vote_cast(
        cooperative=coop, assembly_id=assembly_id, user=actor(request), choices=choices
    )
    messages.success(request, _("Your postal vote is recorded."))
    return _back(coop, assembly_id)


@require_POST
@coop_view
def check_in(request: HttpRequest, coop: Cooperative, assembly_id: int) -> HttpResponse:
    services.assembly_check_in(cooperative=coop, assembly_id=assembly_id, user=actor(request))
    messages.success(request, _("You are checked in. You can vote on each item as it opens."))
    return _back(coop, assembly_id)


@require_POST
@coop_view
def vote(request: HttpRequest, coop: Cooperative, assembly_id: int, number: int) -> HttpResponse:
    behalf = request.POST.get("on_behalf_of", "")
    services.assembly_vote_cast(
        cooperative=coop,
        assembly_id=assembly_id,
        number=number,
        user=actor(request),
        choice=request.POST.get("choice", ""),
        on_behalf_of=(_posted_id(behalf) or 0) if behalf else None,  # junk: no such proxy
    )
    messages.success(request, _("Your vote is recorded."))
    return _back(coop, assembly_id)


# --- The board's actions ----------------------------------------------------------------------


@require_POST
@coop_view
def item_add(request: HttpRequest, coop: Cooperative, assembly_id: int) -> HttpResponse:
    form = ItemForm(request.POST, prefix="item", applications=_pending(coop))
    if not form.is_valid():
        raise form_error(form)
    spec = form.spec()
    if spec is None:
        raise form_error(form)
    services.agenda_item_add(
        cooperative=coop, assembly_id=assembly_id, actor=actor(request), item=spec
    )
    messages.success(request, _("The item is added; members have the amended agenda."))
    return _back(coop, assembly_id)


@require_POST
@coop_view
def item_remove(
    request: HttpRequest, coop: Cooperative, assembly_id: int, number: int
) -> HttpResponse:
    services.agenda_item_remove(
        cooperative=coop, assembly_id=assembly_id, actor=actor(request), number=number
    )
    messages.success(request, _("The item is removed; members have the amended agenda."))
    return _back(coop, assembly_id)


@require_POST
@coop_view
def session_open(request: HttpRequest, coop: Cooperative, assembly_id: int) -> HttpResponse:
    services.assembly_open(cooperative=coop, assembly_id=assembly_id, actor=actor(request))
    messages.success(request, _("The session is open: record who is present."))
    return _back(coop, assembly_id)


@require_POST
@coop_view
def attendance(request: HttpRequest, coop: Cooperative, assembly_id: int) -> HttpResponse:
    member = request.POST.get("member", "")
    services.attendance_record(
        cooperative=coop,
        assembly_id=assembly_id,
        actor=actor(request),
        member_id=_posted_id(member) or 0,
        mode=request.POST.get("mode", "in_person"),
    )
    messages.success(request, _("Attendance recorded."))
    return _back(coop, assembly_id)


@require_POST
@coop_view
def quorum(request: HttpRequest, coop: Cooperative, assembly_id: int) -> HttpResponse:
    assembly = services.assembly_quorum_check(
        cooperative=coop, assembly_id=assembly_id, actor=actor(request)
    )
    if assembly.quorum_reached:
        messages.success(request, _("The quorum is reached: the assembly can vote."))
    else:
        messages.warning(
            request, _("The quorum is not reached: the assembly is closed without a vote.")
        )
    return _back(coop, assembly_id)


@require_POST
@coop_view
def item_open(
    request: HttpRequest, coop: Cooperative, assembly_id: int, number: int
) -> HttpResponse:
    services.agenda_item_open(
        cooperative=coop, assembly_id=assembly_id, actor=actor(request), number=number
    )
    return _back(coop, assembly_id)


@require_POST
@coop_view
def item_close(
    request: HttpRequest, coop: Cooperative, assembly_id: int, number: int
) -> HttpResponse:
    item = services.agenda_item_close(
        cooperative=coop, assembly_id=assembly_id, actor=actor(request), number=number
    )
    if item.adopted:
        messages.success(request, _("Resolution %(n)s is adopted.") % {"n": item.number})
    else:
        messages.info(request, _("Resolution %(n)s is rejected.") % {"n": item.number})
    return _back(coop, assembly_id)


@require_POST
@coop_view
def session_close(request: HttpRequest, coop: Cooperative, assembly_id: int) -> HttpResponse:
    services.assembly_close(cooperative=coop, assembly_id=assembly_id, actor=actor(request))
    messages.success(request, _("The assembly is closed. The minutes can be downloaded."))
    return _back(coop, assembly_id)


@require_GET
@coop_view
def minutes_pdf(request: HttpRequest, coop: Cooperative, assembly_id: int) -> HttpResponse:
    lang = request.GET.get("lang")
    content = minutes.minutes_pdf(
        cooperative=coop,
        assembly_id=assembly_id,
        viewer=request.user,
        language=lang if lang in ("en", "fr") else None,
    )
    return download(
        Document(
            content=content,
            content_type="application/pdf",
            filename=minutes.minutes_filename(cooperative=coop, assembly_id=assembly_id),
        )
    )


@require_POST
@coop_view
def item_admit(
    request: HttpRequest, coop: Cooperative, assembly_id: int, number: int
) -> HttpResponse:
    form = AdmitPaymentForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    member = services.assembly_admission_complete(
        cooperative=coop,
        assembly_id=assembly_id,
        number=number,
        actor=actor(request),
        payment_method=form.cleaned_data["payment_method"],
        payment_reference=form.cleaned_data.get("payment_reference") or "",
    )
    messages.success(
        request,
        _("%(name)s is admitted with member number %(number)s.")
        % {"name": member.display_name, "number": member.register_number},
    )
    return _back(coop, assembly_id)
