"""Forms of the marketplace pages. They parse what a browser sends into the domain's booking
requests; every business rule (ranges, times, service area, skills) stays in the services, so a
form only checks that a number is a number and a date is a date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from coopwork.core.money import Money
from coopwork.marketplace.booking import (
    BookingRequest,
    DeliveryRequest,
    Place,
    RideRequest,
    ShiftRequest,
    TaskRequest,
)
from coopwork.marketplace.models import Case, DeliveryDetail, TaskDetail, Vehicle


@dataclass(frozen=True)
class KnownPlace:
    code: str
    label: str
    lat: float
    lon: float


# Named places for the demo co-op (Lyon), so a booking can be tried without a map: choosing one
# fills the address and coordinates (with or without JavaScript). No map tiles are fetched.
KNOWN_PLACES: tuple[KnownPlace, ...] = (
    KnownPlace("bellecour", "Place Bellecour, 69002 Lyon", 45.7578, 4.8320),
    KnownPlace("part-dieu", "Gare de la Part-Dieu, 69003 Lyon", 45.7606, 4.8593),
    KnownPlace("croix-rousse", "Place de la Croix-Rousse, 69004 Lyon", 45.7745, 4.8318),
    KnownPlace("confluence", "Cours Charlemagne, 69002 Lyon (Confluence)", 45.7411, 4.8177),
    KnownPlace("vieux-lyon", "Rue Saint-Jean, 69005 Lyon", 45.7622, 4.8270),
    KnownPlace("guillotiere", "Place Gabriel Péri, 69007 Lyon", 45.7531, 4.8430),
    KnownPlace("gratte-ciel", "Avenue Henri Barbusse, 69100 Villeurbanne", 45.7696, 4.8800),
    KnownPlace("monplaisir", "Place Ambroise Courtois, 69008 Lyon", 45.7452, 4.8705),
)
KNOWN = {p.code: p for p in KNOWN_PLACES}

KIND_CHOICES = ("shift", "ride", "delivery", "task")
TASK_CATEGORIES = [
    ("cleaning", _("Cleaning")),
    ("repairs", _("Small repairs")),
    ("gardening", _("Gardening")),
    ("moving", _("Moving help")),
    ("other", _("Something else")),
]


def _place_fields(prefix: str, label: Any) -> dict[str, forms.Field]:
    return {
        f"{prefix}_known": forms.ChoiceField(
            label=label,
            required=False,
            choices=[("", _("Type an address below…"))] + [(p.code, p.label) for p in KNOWN_PLACES],
            help_text=_("Pick a known address, or type one with its coordinates."),
        ),
        f"{prefix}_address": forms.CharField(label=_("Address"), max_length=300, required=False),
        f"{prefix}_lat": forms.FloatField(
            label=_("Latitude"),
            required=False,
            widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        ),
        f"{prefix}_lon": forms.FloatField(
            label=_("Longitude"),
            required=False,
            widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        ),
    }


def _date(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


def _time(label: Any) -> forms.TimeField:
    return forms.TimeField(
        label=label, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )


def _money(label: Any, **extra: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **extra,
    )


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    """A local date and time as an aware datetime in the installation's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, time))


def _skills(raw: str) -> list[str]:
    return [s.strip() for s in raw.replace(";", ",").split(",") if s.strip()]


class BookingForm(forms.Form):
    """Base of the four booking forms: places, and the conversion into a booking request."""

    kind = ""
    places: tuple[tuple[str, Any], ...] = ()
    known_places = KNOWN_PLACES

    description = forms.CharField(
        label=_("Notes for the worker"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, currency: str = "EUR", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        for prefix, label in self.places:
            self.fields.update(_place_fields(prefix, label))
        for name in ("hourly_rate", "fixed_price"):
            if name in self.fields:
                field = self.fields[name]
                field.label = f"{field.label} ({currency})"

    def place_groups(self) -> list[dict[str, Any]]:
        """The place fields grouped per stop, for the template."""
        return [
            {
                "prefix": prefix,
                "legend": label,
                "known": self[f"{prefix}_known"],
                "address": self[f"{prefix}_address"],
                "lat": self[f"{prefix}_lat"],
                "lon": self[f"{prefix}_lon"],
            }
            for prefix, label in self.places
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for prefix, _label in self.places:
            known = KNOWN.get(data.get(f"{prefix}_known") or "")
            if known is not None:
                data[f"{prefix}_address"] = known.label
                data[f"{prefix}_lat"] = known.lat
                data[f"{prefix}_lon"] = known.lon
                continue
            if not (data.get(f"{prefix}_address") or "").strip():
                self.add_error(f"{prefix}_address", _("Give an address or pick a known one."))
            for axis in ("lat", "lon"):
                if data.get(f"{prefix}_{axis}") is None and f"{prefix}_{axis}" not in self.errors:
                    self.add_error(f"{prefix}_{axis}", _("Give the coordinates of the address."))
        return data

    def place(self, prefix: str) -> Place:
        d = self.cleaned_data
        return Place(
            str(d[f"{prefix}_address"]).strip(), float(d[f"{prefix}_lat"]), d[f"{prefix}_lon"]
        )

    def minor(self, amount: Decimal | None) -> int | None:
        """A decimal amount typed in major units, as minor units of the co-op's currency."""
        if amount is None:
            return None
        return Money.from_decimal(amount, self.currency).minor

    def to_request(self) -> BookingRequest:  # pragma: no cover - overridden
        raise NotImplementedError


class ShiftForm(BookingForm):
    kind = "shift"
    places = (("site", _("Where")),)

    title = forms.CharField(label=_("Job title"), max_length=200, help_text=_("e.g. Waiter"))
    site_name = forms.CharField(label=_("Site"), max_length=200, help_text=_("e.g. Bistro"))
    date = _date(_("Date"))
    start = _time(_("Starts at"))
    end = _time(_("Ends at"))
    break_minutes = forms.IntegerField(
        label=_("Unpaid break (minutes)"),
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    positions = forms.IntegerField(
        label=_("Positions"), initial=1, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    skills = forms.CharField(
        label=_("Skills needed"),
        required=False,
        max_length=500,
        help_text=_("Separated by commas, e.g. service, bar"),
    )
    hourly_rate = _money(_("Hourly rate billed per position"), help_text=_("Before VAT."))
    business = forms.BooleanField(
        label=_("Booked for a business (invoiced each period)"), required=False, initial=True
    )

    field_order = [
        "title",
        "site_name",
        "site_known",
        "site_address",
        "site_lat",
        "site_lon",
        "date",
        "start",
        "end",
        "break_minutes",
        "positions",
        "skills",
        "hourly_rate",
        "business",
        "description",
    ]

    def to_request(self) -> ShiftRequest:
        d = self.cleaned_data
        starts = _at(d["date"], d["start"])
        ends = _at(d["date"], d["end"])
        if ends <= starts:  # an overnight shift ends the next day
            ends = _at(d["date"] + dt.timedelta(days=1), d["end"])
        return ShiftRequest(
            title=d["title"],
            site_name=d["site_name"],
            place=self.place("site"),
            starts_at=starts,
            ends_at=ends,
            hourly_rate_minor=self.minor(d["hourly_rate"]) or 0,
            positions=d["positions"],
            break_minutes=d["break_minutes"],
            skills=_skills(d["skills"]),
            description=d["description"],
        )


class RideForm(BookingForm):
    kind = "ride"
    places = (("pickup", _("Pick-up")), ("dropoff", _("Drop-off")))

    date = _date(_("Date"))
    time = _time(_("Pick-up time"))
    passengers = forms.IntegerField(
        label=_("Passengers"), initial=1, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    vehicle = forms.ChoiceField(
        label=_("Vehicle"),
        choices=[
            (v, capfirst(label)) for v, label in Vehicle.choices if v in ("car", "van", "scooter")
        ],
        initial="car",
    )

    def to_request(self) -> RideRequest:
        d = self.cleaned_data
        return RideRequest(
            pickup=self.place("pickup"),
            dropoff=self.place("dropoff"),
            starts_at=_at(d["date"], d["time"]),
            passengers=d["passengers"],
            vehicle=d["vehicle"],
            description=d["description"],
        )


class DeliveryForm(BookingForm):
    kind = "delivery"
    places = (("pickup", _("Pick-up")), ("dropoff", _("Drop-off")))

    parcel_size = forms.ChoiceField(
        label=_("Parcel size"),
        choices=[(v, capfirst(label)) for v, label in DeliveryDetail.Size.choices],
        initial="S",
    )
    weight_kg = forms.DecimalField(
        label=_("Weight (kg)"),
        max_digits=9,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    date = _date(_("Date"))
    pickup_from = _time(_("Pick up from"))
    pickup_until = _time(_("Pick up until"))
    dropoff_from = _time(_("Deliver from"))
    dropoff_until = _time(_("Deliver until"))
    proof_kind = forms.ChoiceField(
        label=_("Proof of delivery"),
        choices=DeliveryDetail.Proof.choices,
        initial="code",
        widget=forms.RadioSelect,
        help_text=_("With a code, the recipient gives the worker the code shown on your page."),
    )

    def to_request(self) -> DeliveryRequest:
        d = self.cleaned_data
        day = d["date"]
        return DeliveryRequest(
            pickup=self.place("pickup"),
            dropoff=self.place("dropoff"),
            parcel_size=d["parcel_size"],
            weight_g=int(d["weight_kg"] * 1000),
            pickup_from=_at(day, d["pickup_from"]),
            pickup_until=_at(day, d["pickup_until"]),
            dropoff_from=_at(day, d["dropoff_from"]),
            dropoff_until=_at(day, d["dropoff_until"]),
            proof_kind=d["proof_kind"],
            description=d["description"],
        )


class TaskForm(BookingForm):
    kind = "task"
    places = (("place", _("Where")),)

    title = forms.CharField(label=_("What needs doing"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=TASK_CATEGORIES)
    date = _date(_("Date"))
    start = _time(_("From"))
    end = _time(_("Until"))
    mode = forms.ChoiceField(
        label=_("Price"),
        choices=TaskDetail.Mode.choices,
        initial="fixed",
        widget=forms.RadioSelect,
    )
    fixed_price = _money(_("Fixed price"), required=False, help_text=_("Before VAT."))
    estimated_hours = forms.DecimalField(
        label=_("Estimated hours"),
        required=False,
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
        help_text=_("Hourly: you are billed the hours worked; the estimate sets the quote."),
    )
    skills = forms.CharField(label=_("Skills needed"), required=False, max_length=500)

    field_order = [
        "title",
        "category",
        "place_known",
        "place_address",
        "place_lat",
        "place_lon",
        "date",
        "start",
        "end",
        "mode",
        "fixed_price",
        "estimated_hours",
        "skills",
        "description",
    ]

    def to_request(self) -> TaskRequest:
        d = self.cleaned_data
        fixed = d["mode"] == TaskDetail.Mode.FIXED
        return TaskRequest(
            title=d["title"],
            category=d["category"],
            place=self.place("place"),
            starts_at=_at(d["date"], d["start"]),
            ends_at=_at(d["date"], d["end"]),
            mode=d["mode"],
            fixed_price_minor=self.minor(d["fixed_price"]) if fixed else None,
            estimated_hours=None if fixed else d["estimated_hours"],
            skills=_skills(d["skills"]),
            description=d["description"],
        )


BOOKING_FORMS: dict[str, type[BookingForm]] = {
    "shift": ShiftForm,
    "ride": RideForm,
    "delivery": DeliveryForm,
    "task": TaskForm,
}


# --- Actions on a job ----------------------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class RatingForm(forms.Form):
    ratee = forms.IntegerField(widget=forms.HiddenInput)
    score = forms.TypedChoiceField(
        label=_("Rating"),
        choices=[(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MessageForm(forms.Form):
    # Not required here: the service refuses an empty message with its own code.
    body = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CaseForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is it?"), choices=Case.CaseKind.choices, widget=forms.RadioSelect
    )
    summary = forms.CharField(label=_("In a few words"), max_length=300, required=False)
    statement = forms.CharField(
        label=_("What happened"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence = forms.FileField(label=_("Evidence (photo or document)"), required=False)


class StatementForm(forms.Form):
    text = forms.CharField(
        label=_("Your statement"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence = forms.FileField(label=_("Evidence (photo or document)"), required=False)


class ClockInForm(forms.Form):
    code = forms.CharField(
        label=_("Shift code"),
        required=False,
        max_length=8,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 8}
        ),
    )


class FinishForm(forms.Form):
    code = forms.CharField(label=_("Shift code"), required=False, max_length=8)
    proof_code = forms.CharField(
        label=_("Code given by the recipient"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    proof_text = forms.CharField(
        label=_("Signature"), required=False, max_length=200_000, widget=forms.HiddenInput
    )
    proof_name = forms.CharField(label=_("Or the recipient's name"), required=False, max_length=200)
    proof_file = forms.FileField(label=_("Photo of the delivered parcel"), required=False)

    def signature(self) -> str:
        d = self.cleaned_data
        return str(d.get("proof_text") or "").strip() or str(d.get("proof_name") or "").strip()


class PositionForm(forms.Form):
    lat = forms.FloatField()
    lon = forms.FloatField()


class SendHomeForm(forms.Form):
    worker = forms.IntegerField(widget=forms.HiddenInput)


class ProfileForm(forms.Form):
    skills = forms.CharField(
        label=_("My skills"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas, e.g. service, bar, cleaning"),
    )
    vehicle = forms.ChoiceField(
        label=_("My vehicle"), choices=[(v, capfirst(label)) for v, label in Vehicle.choices]
    )
    capacity_kg = forms.IntegerField(
        label=_("What I can carry (kg)"), widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    seats = forms.IntegerField(
        label=_("Passenger seats"), widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    zones = forms.MultipleChoiceField(
        label=_("Zones I work in"),
        required=False,
        choices=[],
        widget=forms.CheckboxSelectMultiple,
    )
    active = forms.BooleanField(label=_("I am taking work"), required=False)

    def __init__(
        self, *args: Any, zones: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["zones"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = list(zones or [])

    def skill_list(self) -> list[str]:
        return _skills(self.cleaned_data["skills"])


WEEKDAYS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]
EXCEPTION_ROWS = 3


class AvailabilityForm(forms.Form):
    """The weekly plan (one optional slot per day) and a few date exceptions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in range(7):
            self.fields[f"d{day}_start"] = forms.TimeField(
                label=_("From"),
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"d{day}_end"] = forms.TimeField(
                label=_("Until"),
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
        for i in range(EXCEPTION_ROWS):
            self.fields[f"x{i}_date"] = forms.DateField(
                label=_("Date"),
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )
            self.fields[f"x{i}_available"] = forms.TypedChoiceField(
                label=_("That day"),
                required=False,
                choices=[("0", _("not available")), ("1", _("available at other hours"))],
                coerce=lambda v: v == "1",
                empty_value=None,
            )
            self.fields[f"x{i}_start"] = forms.TimeField(
                label=_("From"),
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"x{i}_end"] = forms.TimeField(
                label=_("Until"),
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"x{i}_note"] = forms.CharField(
                label=_("Note"), required=False, max_length=200
            )

    def days(self) -> list[dict[str, Any]]:
        return [
            {"label": WEEKDAYS[d], "start": self[f"d{d}_start"], "end": self[f"d{d}_end"]}
            for d in range(7)
        ]

    def exception_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "date": self[f"x{i}_date"],
                "available": self[f"x{i}_available"],
                "start": self[f"x{i}_start"],
                "end": self[f"x{i}_end"],
                "note": self[f"x{i}_note"],
            }
            for i in range(EXCEPTION_ROWS)
        ]

    def weekly(self) -> list[tuple[int, dt.time, dt.time]]:
        d = self.cleaned_data
        slots = []
        for day in range(7):
            start, end = d.get(f"d{day}_start"), d.get(f"d{day}_end")
            if start is not None and end is not None:
                slots.append((day, start, end))
            elif start is not None or end is not None:
                # Half a slot is sent to the service, which refuses it with its own message.
                slots.append((day, start or dt.time(0), end or dt.time(0)))
        return slots

    def exceptions(self) -> list[tuple[dt.date, bool, dt.time | None, dt.time | None, str]]:
        d = self.cleaned_data
        rows = []
        for i in range(EXCEPTION_ROWS):
            day = d.get(f"x{i}_date")
            if day is None:
                continue
            rows.append(
                (
                    day,
                    bool(d.get(f"x{i}_available")),
                    d.get(f"x{i}_start"),
                    d.get(f"x{i}_end"),
                    str(d.get(f"x{i}_note") or ""),
                )
            )
        return rows


class AssignForm(forms.Form):
    worker = forms.IntegerField(label=_("Worker"))
    replace = forms.IntegerField(label=_("Instead of"), required=False)


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Case.Outcome.choices, required=False)
    decision = forms.CharField(
        label=_("Decision and reasons"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Typed in major units (6.50); the service checks the range and says why.
    adjusted_price = _money(_("Adjusted price before VAT"), required=False)

    def __init__(self, *args: Any, currency: str = "EUR", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    def adjusted_net_minor(self) -> int | None:
        """The adjusted price in minor units of the co-op's currency, if one was typed."""
        amount = self.cleaned_data.get("adjusted_price")
        if amount is None:
            return None
        return Money.from_decimal(amount, self.currency).minor


class InvoiceForm(forms.Form):
    client = forms.IntegerField(label=_("Client"))
    period_start = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    period_end = forms.DateField(
        label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
