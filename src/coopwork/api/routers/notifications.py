"""In-app notifications of the marketplace: /coops/{slug}/notifications."""

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from coopwork.api import access
from coopwork.api.schemas.common import ERRORS, Pagination, Rendered, SlugPath
from coopwork.api.schemas.coordination import MarkedOut, NotificationOut, NotificationsReadIn
from coopwork.marketplace.selectors import notifications
from coopwork.marketplace.services import notifications_mark_read

router = Router(tags=["notifications"])


@router.get("/coops/{slug}/notifications", response={200: list[NotificationOut], **ERRORS})
@paginate(Pagination)
def notification_list(request: HttpRequest, slug: SlugPath, unread: bool = False) -> Any:
    """My notifications in this co-op, newest first (``?unread=true``: only the unread)."""
    coop = access.cooperative(slug)
    return Rendered(
        notifications(user=access.acting_user(request), cooperative=coop, unread_only=unread),
        NotificationOut.of,
    )


@router.post("/coops/{slug}/notifications/read", response={200: MarkedOut, **ERRORS})
def notifications_read(
    request: HttpRequest, slug: SlugPath, payload: NotificationsReadIn
) -> MarkedOut:
    """Mark my notifications read: those given in ``ids``, or all of mine in this co-op."""
    coop = access.cooperative(slug)
    marked = notifications_mark_read(
        user=access.acting_user(request),
        ids=list(payload.ids) if payload.ids is not None else None,
        cooperative=coop,
    )
    return MarkedOut(marked=marked)
