"""CORS for the customer's public endpoints, so a chat widget on a shop's own domain can start
and resume a conversation. These endpoints take no cookies (the token is the credential), so
any origin may call them; everything else stays same-origin."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
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


class SecurityHeadersMiddleware:
    """Content-Security-Policy on every answer (settings.HELPDESK_CSP; docs/security.md).

    Django's SecurityMiddleware already sets Referrer-Policy, X-Content-Type-Options,
    Cross-Origin-Opener-Policy and HSTS, and XFrameOptionsMiddleware X-Frame-Options; Django
    5.2 has no CSP of its own. A view that set its own policy (attachments: `default-src
    'none'`) keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy(request)
        return response


def content_security_policy(request: HttpRequest) -> str:
    directives = dict(settings.HELPDESK_CSP)
    for prefix, overrides in settings.HELPDESK_CSP_OVERRIDES.items():
        if request.path.startswith(prefix):
            directives.update(overrides)
    # The page's own websocket origin: CSP3 browsers count it as 'self', older ones do not.
    try:
        host = request.get_host()
    except DisallowedHost:  # the 400 for a foreign Host header still gets the base policy
        host = None
    if host:
        ws_scheme = "wss" if request.is_secure() else "ws"
        directives["connect-src"] = f"{directives['connect-src']} {ws_scheme}://{host}"
    return "; ".join(f"{name} {value}" for name, value in directives.items())
