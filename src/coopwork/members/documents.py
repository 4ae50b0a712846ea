"""Legal documents as CSV and PDF: share certificates and the two registers.

PDFs are rendered from Django templates by WeasyPrint; fonts and styles are local, nothing is
fetched from the network.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from coopwork.core.models import Cooperative
from coopwork.core.money import Money

from .models import Member
from .selectors import capital_register, holding, member_movements, member_register


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported lazily: it loads pango at import time

    html = render_to_string(template, {**context, "generated_at": timezone.now()})
    return bytes(HTML(string=html).write_pdf())


def certificate_pdf(*, member: Member) -> bytes:
    shares = holding(member=member)
    nominal = member.college.share_class.nominal_minor
    return _pdf(
        "members/certificate.html",
        {
            "coop": member.cooperative,
            "member": member,
            "shares": shares,
            "share_class": member.college.share_class,
            "nominal": Money(nominal, member.cooperative.currency),
            "capital": Money(nominal * shares, member.cooperative.currency),
            "movements": member_movements(member=member),
        },
    )


def member_register_csv(*, cooperative: Cooperative) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Member number"),
            _("Name"),
            _("Organisation"),
            _("College"),
            _("Date of entry"),
            _("Status"),
            _("Date of exit"),
            _("Shares"),
            _("Capital"),
        ]
    )
    for row in member_register(cooperative=cooperative):
        writer.writerow(
            [
                row.register_number,
                row.name,
                "yes" if row.is_organisation else "no",
                row.college_code,
                row.admitted_on.isoformat(),
                row.status,
                row.left_on.isoformat() if row.left_on else "",
                row.shares,
                str(row.capital.amount),
            ]
        )
    return out.getvalue()


def capital_register_csv(*, cooperative: Cooperative) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Date"),
            _("Member number"),
            _("Name"),
            _("Operation"),
            _("Share class"),
            _("Shares"),
            _("Nominal value"),
            _("Amount"),
            _("Counterparty"),
            _("Reference"),
        ]
    )
    for mv in capital_register(cooperative=cooperative):
        writer.writerow(
            [
                mv.effective_on.isoformat(),
                mv.member.register_number,
                mv.member.display_name,
                mv.kind,
                mv.share_class.code,
                mv.quantity,
                str(Money(mv.nominal_minor, mv.currency).amount),
                str(Money(mv.amount_minor, mv.currency).amount),
                mv.counterparty.register_number if mv.counterparty else "",
                mv.reference,
            ]
        )
    return out.getvalue()


def member_register_pdf(*, cooperative: Cooperative) -> bytes:
    return _pdf(
        "members/member_register.html",
        {"coop": cooperative, "rows": member_register(cooperative=cooperative)},
    )


def capital_register_pdf(*, cooperative: Cooperative) -> bytes:
    rows = [
        {
            "mv": mv,
            "nominal": Money(mv.nominal_minor, mv.currency),
            "amount": Money(mv.amount_minor, mv.currency),
        }
        for mv in capital_register(cooperative=cooperative)
    ]
    return _pdf("members/capital_register.html", {"coop": cooperative, "rows": rows})
