from typing import Any

from django import template
from django.utils.translation import get_language

from coopwork.core.money import Money

register = template.Library()


@register.filter
def money(value: Any) -> str:
    """``{{ amount|money }}``: a Money in the current language's format."""
    if isinstance(value, Money):
        return value.localized(get_language() or "en")
    return "" if value is None else str(value)


@register.filter
def localized(obj: Any, field: str) -> str:
    """``{{ college|localized:"name" }}``: the field in the current language, English fallback."""
    return str(obj.localized(field)) if hasattr(obj, "localized") else ""
