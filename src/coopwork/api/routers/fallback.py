"""Unknown paths under /api/v1 answer JSON 404, like every other error."""

from django.http import HttpRequest
from ninja import Router

from coopwork.core.errors import NotFound

router = Router()


@router.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False
)
def unknown(request: HttpRequest, rest: str) -> None:
    raise NotFound()
