"""Stable error codes of dispatch."""

from django.utils.translation import gettext_lazy as _

from coopwork.core.errors import NotFound


class RoundNotFound(NotFound):
    code = "dispatch_round_not_found"
    default_message = _("No such dispatch round.")


class ZoneNotFound(NotFound):
    code = "zone_not_found"
    default_message = _("No such zone.")
