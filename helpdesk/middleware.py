"""CORS for the customer's public endpoints, so a chat widget on a shop's own domain can start
and resume a conversation. These endpoints take no cookies (the token is the credential), so
any origin may call them; everything else stays same-origin."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

PUBLIC_PREFIX = "/api/v1/conversations/"


class PublicApiCorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PUBLIC_PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META:
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "content-type, authorization"
            response["Access-Control-Max-Age"] = "600"
        else:
            response = self.get_response(request)
        response["Access-Control-Allow-Origin"] = "*"
        return response
