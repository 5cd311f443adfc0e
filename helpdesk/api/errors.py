from __future__ import annotations

import logging
from typing import Any

from django.db import InterfaceError, OperationalError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..errors import NotFound, PermissionDenied, ServiceError, Unavailable

RETRY_AFTER_SECONDS = 5
logger = logging.getLogger(__name__)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Service errors become 4xx answers with the same code an `error` frame would carry; a
    database that does not answer, 503 `unavailable` with Retry-After."""
    if isinstance(exc, OperationalError | InterfaceError):
        logger.warning("database unavailable: %s", exc, exc_info=True)
        exc = Unavailable()
    if isinstance(exc, Unavailable):
        return Response(
            {"code": exc.code, "detail": exc.detail}, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
        )
    if isinstance(exc, ServiceError):
        status = 404 if isinstance(exc, NotFound) else 403 if isinstance(exc, PermissionDenied) else 400
        return Response({"code": exc.code, "detail": exc.detail}, status=status)
    return drf_exception_handler(exc, context)
