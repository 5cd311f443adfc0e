"""Websocket URL routes."""

from django.urls import re_path

from .agent import AgentConsumer
from .customer import CustomerConsumer

websocket_urlpatterns = [
    re_path(r"^ws/conversations/(?P<conversation_id>[^/]+)/$", CustomerConsumer.as_asgi()),
    re_path(r"^ws/agent/$", AgentConsumer.as_asgi()),
]
