"""Co-ops and their colleges: the public face of a tenant."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import RootModel

from coopwork.core.models import LegalForm
from coopwork.core.money import Money

from .common import Code, MoneyOut

if TYPE_CHECKING:
    from coopwork.core.models import Cooperative
    from coopwork.members.models import College, ShareClass
    from coopwork.members.selectors import PublicProfile


def _percent(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


class CoopOut(Schema):
    slug: str
    name: str
    legal_form: str
    legal_form_label: str
    country: str
    currency: str
    sponsor: str | None = Field(description="The sponsor co-op's slug, if any.")

    @classmethod
    def of(cls, coop: Cooperative) -> CoopOut:
        return cls(
            slug=coop.slug,
            name=coop.name,
            legal_form=coop.legal_form,
            legal_form_label=str(LegalForm(coop.legal_form).label),
            country=coop.country,
            currency=coop.currency,
            sponsor=coop.sponsor.slug if coop.sponsor is not None else None,
        )


class ShareClassOut(Schema):
    code: str
    name: str
    nominal: MoneyOut
    max_per_member: int | None

    @classmethod
    def of(cls, share_class: ShareClass, currency: str) -> ShareClassOut:
        return cls(
            code=share_class.code,
            name=share_class.localized("name"),
            nominal=MoneyOut.of(Money(share_class.nominal_minor, currency)),
            max_per_member=share_class.max_per_member,
        )


class CollegeOut(Schema):
    code: str
    name: str
    description: str
    min_shares: int
    max_shares: int | None
    share_class: ShareClassOut
    min_subscription: MoneyOut = Field(description="The price of the minimum holding.")
    weight: str | None = Field(
        description="Percentage of the votes (e.g. '40.00') when the co-op weights its colleges."
    )
    open_to_applications: bool

    @classmethod
    def of(cls, college: College, currency: str, weighted: bool = True) -> CollegeOut:
        share_class = college.share_class
        return cls(
            code=college.code,
            name=college.localized("name"),
            description=college.localized("description"),
            min_shares=college.min_shares,
            max_shares=share_class.max_per_member,
            share_class=ShareClassOut.of(share_class, currency),
            min_subscription=MoneyOut.of(
                Money(share_class.nominal_minor * college.min_shares, currency)
            ),
            weight=_percent(college.weight) if weighted else None,
            open_to_applications=college.open_to_applications,
        )


class HowToJoinOut(Schema):
    admission_body: str = Field(description="'board' or 'assembly' (who admits new members).")
    steps: list[str]
    apply_path: str


class CoopPageOut(CoopOut):
    language: str = Field(description="The language of the texts below.")
    tagline: str
    about: str
    offer: str
    colleges: list[CollegeOut]
    colleges_weighted: bool
    member_count: int
    how_to_join: HowToJoinOut

    @classmethod
    def of_profile(cls, profile: PublicProfile) -> CoopPageOut:
        coop = profile.cooperative
        decided_by = (
            _("The board decides on applications between general assemblies.")
            if profile.admission_body == "board"
            else _("The general assembly decides on applications.")
        )
        return cls(
            **CoopOut.of(coop).model_dump(),
            language=(get_language() or "en")[:2],
            tagline=coop.localized("tagline"),
            about=coop.localized("about"),
            offer=coop.localized("offer"),
            colleges=[
                CollegeOut.of(c, coop.currency, profile.colleges_weighted) for c in profile.colleges
            ],
            colleges_weighted=profile.colleges_weighted,
            member_count=profile.member_count,
            how_to_join=HowToJoinOut(
                admission_body=profile.admission_body,
                steps=[
                    _("Create an account, or sign in."),
                    _("Choose the college that fits you and how many shares you subscribe."),
                    _("Send your application."),
                    decided_by,
                    _(
                        "Pay for your shares by bank transfer or in cash: the board records the "
                        "payment when it admits you, and you get a register number and a share "
                        "certificate."
                    ),
                ],
                apply_path=f"/api/v1/coops/{coop.slug}/applications",
            ),
        )


class WeightsIn(RootModel[dict[Code, Decimal]]):
    """``{college code: percentage}`` for every college, each 10-50, summing to 100."""
