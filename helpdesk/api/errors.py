from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..errors import NotFound, PermissionDenied, ServiceError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Service errors become 4xx answers with the same code an `error` frame would carry."""
    if isinstance(exc, ServiceError):
        status = 404 if isinstance(exc, NotFound) else 403 if isinstance(exc, PermissionDenied) else 400
        return Response({"code": exc.code, "detail": exc.detail}, status=status)
    return drf_exception_handler(exc, context)
