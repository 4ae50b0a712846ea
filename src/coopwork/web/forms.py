"""Forms parse and type-check what a browser sends. Business rules stay in the services: a form
never decides whether a number of shares is allowed, it only makes sure it is a number."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from coopwork.members.services import PAYMENT_METHODS

PAYMENT_CHOICES = [("bank_transfer", _("Bank transfer")), ("cash", _("Cash"))]
assert {c for c, _label in PAYMENT_CHOICES} == set(PAYMENT_METHODS)

MAX_SHARES = 1_000_000


class AccountFieldsMixin(forms.Form):
    """Username, e-mail and password, for the sign-up and the join-with-an-account forms."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
        help_text=_("Letters, digits and @/./+/-/_ only."),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Used only to reset your password and to tell you about your application."),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=lazy(password_validators_help_text_html, str)(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self) -> str:
        name = str(self.cleaned_data["username"]).strip()
        validator = get_user_model().username_validator
        validator(name)
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("password1")
            and data.get("password2")
            and data["password1"] != data["password2"]
        ):
            self.add_error("password2", _("The two passwords do not match."))
        return data


class SignupForm(AccountFieldsMixin):
    pass


class JoinForm(forms.Form):
    college = forms.CharField(label=_("College"), max_length=30)
    shares = forms.IntegerField(
        label=_("Number of shares"),
        min_value=1,
        max_value=MAX_SHARES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    display_name = forms.CharField(
        label=_("Name for the member register"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("Your full name, or the organisation's legal name."),
    )
    is_organisation = forms.TypedChoiceField(
        label=_("You are applying as"),
        choices=[("0", _("a person")), ("1", _("an organisation"))],
        coerce=lambda v: v == "1",
        initial="0",
        widget=forms.RadioSelect,
    )
    motivation = forms.CharField(
        label=_("Why do you want to join?"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The board reads it before deciding."),
    )


class JoinWithAccountForm(JoinForm, AccountFieldsMixin):
    pass


class AdmitForm(forms.Form):
    payment_method = forms.ChoiceField(
        label=_("Payment received by"),
        choices=PAYMENT_CHOICES,
        initial="bank_transfer",
        widget=forms.RadioSelect,
    )
    payment_reference = forms.CharField(
        label=_("Payment reference"), max_length=120, required=False
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=2000, required=False)


class PaymentForm(forms.Form):
    payment_method = forms.ChoiceField(
        label=_("Payment by"), choices=PAYMENT_CHOICES, widget=forms.RadioSelect
    )
    payment_reference = forms.CharField(
        label=_("Payment reference"), max_length=120, required=False
    )


class ReasonForm(forms.Form):
    # Not required here: the service refuses an empty reason with its own stable error code.
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)


class TransferForm(forms.Form):
    from_register_number = forms.IntegerField(label=_("From member №"), min_value=1)
    to_register_number = forms.IntegerField(label=_("To member №"), min_value=1)
    quantity = forms.IntegerField(label=_("Shares"), min_value=1, max_value=MAX_SHARES)
    reference = forms.CharField(label=_("Reference (optional)"), max_length=120, required=False)


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(
        label=_("Number of shares"),
        min_value=1,
        max_value=MAX_SHARES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
