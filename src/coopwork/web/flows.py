"""Flows that span two services and must commit or fail together.

A visitor who applies without an account gets one in the same form: the account and the
application are created in one transaction, so a refused application leaves no orphan account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from coopwork.core.models import Cooperative
from coopwork.core.services import user_signup
from coopwork.members.models import Application
from coopwork.members.services import application_submit

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def signup_and_apply(
    *,
    cooperative: Cooperative,
    username: str,
    email: str,
    password: str,
    college_code: str,
    shares: int,
    display_name: str,
    is_organisation: bool,
    motivation: str,
) -> tuple[User, Application]:
    user = user_signup(username=username, email=email, password=password)
    application = application_submit(
        cooperative=cooperative,
        user=user,
        college_code=college_code,
        shares=shares,
        display_name=display_name,
        is_organisation=is_organisation,
        motivation=motivation,
    )
    return user, application
