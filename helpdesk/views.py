"""Pages and the health check."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from .models import AgentProfile
from .services.fail_open import bot_health


@xframe_options_exempt  # framed by the widget: CSP frame-ancestors says where (HELPDESK_EMBED_ORIGINS)
@require_GET
def chat_page(request: HttpRequest) -> HttpResponse:
    embedded = request.GET.get("embed") == "1"
    return render(request, "chat.html", {"bot_name": settings.HELPDESK_BOT_NAME, "embedded": embedded})


@require_GET
def widget_demo(request: HttpRequest) -> HttpResponse:
    """A make-believe shop page with the chat widget on it, as a shop would add it."""
    return render(request, "widget_demo.html", {"desk": request.build_absolute_uri("/").rstrip("/")})


@login_required
@require_GET
def inbox_page(request: HttpRequest) -> HttpResponse:
    profile = AgentProfile.objects.filter(user=request.user).first()
    if profile is None:
        return render(request, "no_agent.html", status=403)
    return render(request, "inbox.html", {"agent": profile, "ws_path": "/ws/agent/"})


@login_required
@require_GET
@ensure_csrf_cookie  # the page's actions are session-authenticated POSTs that send the token
def tickets_page(request: HttpRequest) -> HttpResponse:
    """Callback tickets and the like, in the agents' hands: the page reads and acts through
    the REST API (/api/v1/tickets/), so its scope is the API's."""
    profile = AgentProfile.objects.filter(user=request.user).first()
    if profile is None:
        return render(request, "no_agent.html", status=403)
    return render(request, "tickets.html", {"agent": profile})


def _check_database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        ok = True
    except Exception as exc:  # health checks report failures, they do not raise them
        return {"engine": connection.vendor, "ok": False, "error": str(exc)[:200]}
    return {"engine": connection.vendor, "ok": ok, "ms": round((time.monotonic() - started) * 1000, 1)}


def _check_redis(url: str) -> tuple[bool, str | None]:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
        return True, None
    except Exception as exc:
        return False, str(exc)[:200]


def _check_channel_layer() -> dict:
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    if settings.REDIS_URL:
        ok, error = _check_redis(settings.REDIS_URL)
        return {"backend": backend, "ok": ok, **({"error": error} if error else {})}
    return {"backend": backend, "ok": True}


def _check_broker() -> dict:
    if not settings.REDIS_URL:
        return {"backend": "in-process (embedded: no broker)", "ok": True}
    ok, error = _check_redis(settings.CELERY_BROKER_URL)
    return {"backend": "redis", "ok": ok, **({"error": error} if error else {})}


def _check_bot(database_ok: bool) -> dict:
    if not database_ok:
        return {"ok": False, "error": "the database did not answer"}
    try:
        return bot_health()
    except DatabaseError as error:
        return {"ok": False, "error": str(error)[:200]}


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database, channel layer and broker all answer; 503 when one does not.
    `status` is "degraded" (still 200: this process serves chats, and customers are handed to
    people) when customers wait past the answer bound and no bot worker is taking tasks."""
    checks = {"database": _check_database(), "channel_layer": _check_channel_layer(), "broker": _check_broker()}
    healthy = all(check["ok"] for check in checks.values())
    bot = _check_bot(checks["database"]["ok"])
    body = {
        "status": ("ok" if bot["ok"] else "degraded") if healthy else "unavailable",
        "mode": "embedded" if settings.EMBEDDED else "production",
        **checks,
        "bot": bot,
    }
    return JsonResponse(body, status=200 if healthy else 503)
