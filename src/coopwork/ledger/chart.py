"""The chart of accounts: every account code, its type and its normal side.

Amounts on legs are signed minor units: a debit is positive, a credit negative, so the legs of a
transaction sum to zero. Credit-normal accounts (liabilities, equity, income) show their balance
negated, so that a healthy balance reads positive.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ASSET, LIABILITY, EQUITY, INCOME, EXPENSE = "asset", "liability", "equity", "income", "expense"
CREDIT_NORMAL = {LIABILITY, EQUITY, INCOME}


@dataclass(frozen=True)
class AccountKind:
    code: str
    type: str
    label: str | Promise
    per_holder: bool = False

    @property
    def credit_normal(self) -> bool:
        return self.type in CREDIT_NORMAL


CHART: dict[str, AccountKind] = {
    k.code: k
    for k in (
        AccountKind("bank", ASSET, _("Bank")),
        AccountKind("cash", ASSET, pgettext_lazy("ledger account", "Cash")),
        AccountKind("payment_clearing", ASSET, _("Payment provider clearing")),
        AccountKind("client_receivable", ASSET, _("Client receivable"), per_holder=True),
        AccountKind("worker_payable", LIABILITY, _("Worker payable"), per_holder=True),
        AccountKind("tax_vat_payable", LIABILITY, _("VAT payable")),
        AccountKind(
            "patronage_payable", LIABILITY, _("Patronage refunds payable"), per_holder=True
        ),
        AccountKind(
            "share_redemption_payable", LIABILITY, _("Share redemptions payable"), per_holder=True
        ),
        AccountKind("share_capital", EQUITY, _("Share capital"), per_holder=True),
        AccountKind("legal_reserve", EQUITY, _("Legal reserve (indivisible)")),
        AccountKind("development_reserve", EQUITY, _("Development reserve (indivisible)")),
        AccountKind("solidarity_fund", EQUITY, _("Solidarity / pay-floor fund")),
        AccountKind("revenue_fees", INCOME, _("Co-op revenue (fees)")),
        AccountKind("pay_floor_topups", EXPENSE, _("Pay-floor top-ups")),
    )
}
