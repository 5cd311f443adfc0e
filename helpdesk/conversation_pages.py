"""The staff pages about past and present conversations: the conversations view (search) and
the permanent link that opens one conversation in the inbox."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .errors import NotFound, PermissionDenied
from .models import AgentProfile, ConversationStatus
from .selectors.conversations import conversation_get_for_agent
from .selectors.search import search_choices


@login_required
@require_GET
def conversation_permalink(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """/inbox/c/<id>/: the inbox with that conversation open (static/js/inbox.js reads the id
    from the address). Whether the agent may reply is the inbox's to show, live."""
    profile = AgentProfile.objects.filter(user=request.user).first()
    if profile is None:
        return render(request, "no_agent.html", status=403)
    try:
        conversation_get_for_agent(conversation_id, profile)
    except (NotFound, PermissionDenied):
        # Another queue's conversation answers like a missing one: a 403 would confirm that
        # it exists.
        return render(request, "conversation_missing.html", status=404)
    return render(request, "inbox.html", {"agent": profile, "ws_path": "/ws/agent/"})


@login_required
@require_GET
def conversations_page(request: HttpRequest) -> HttpResponse:
    """The conversations view: search and filters over all history. The results come from
    GET /api/v1/agent/conversations/search/ (static/js/conversations.js)."""
    profile = AgentProfile.objects.filter(user=request.user).first()
    if profile is None:
        return render(request, "no_agent.html", status=403)
    return render(
        request,
        "conversations.html",
        {"agent": profile, "statuses": ConversationStatus.choices, **search_choices(profile)},
    )
