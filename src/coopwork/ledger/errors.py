from django.utils.translation import gettext_lazy as _

from coopwork.core.errors import ValidationError


class TransactionUnbalanced(ValidationError):
    code = "transaction_unbalanced"
    default_message = _("The legs of a transaction must sum to zero in each currency.")


class AccountUnknown(ValidationError):
    code = "account_unknown"
    default_message = _("There is no account kind %(account)s.")


class AccountCurrencyMismatch(ValidationError):
    code = "account_currency_mismatch"
    default_message = _("A leg's currency must match its account's currency.")
