"""Personas for the in-process tests: an agent (or supervisor) with a profile and queues."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from tests.support.servers import DEMO_PASSWORD


def make_agent(username: str, queues: list, *, supervisor: bool = False, capacity: int = 3, display_name: str = ""):
    from helpdesk.models import AgentProfile

    user = get_user_model().objects.create_user(username=username, password=DEMO_PASSWORD, is_staff=supervisor)
    profile = AgentProfile.objects.create(
        user=user,
        display_name=display_name or username.title(),
        max_concurrent_chats=capacity,
        is_supervisor=supervisor,
    )
    profile.queues.set(queues)
    return profile
