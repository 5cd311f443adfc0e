"""The framework's floor for bench/floor.py: a bare Channels echo app, no database, no apps.

    FLOOR_REDIS_URL=redis://127.0.0.1:6379/12 .venv/bin/python -m daphne -b 127.0.0.1 -p 8765 \\
        bench.floor_echo:application

Each socket joins a group of its own when it connects; a JSON frame it sends goes out with
`group_send` to that group, and the group's handler sends it back. So an echo crosses the same
channel layer as a desk message's push (channels_redis' pub/sub layer, as
config/settings/base.py configures it, under a prefix of its own), and nothing else: no
parsing beyond JSON, no row lock, no commit. `GET /healthz` answers 200 so the bench can wait for the server.

bench/floor.py starts it in a daphne of its own; the product never imports it.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import django
from django.conf import settings

REDIS_URL = os.environ.get("FLOOR_REDIS_URL", "redis://127.0.0.1:6379/12")


# Settings of its own, configured here rather than from config.settings: the floor is Channels
# and its layer, not the desk's apps, middleware or database.
if not settings.configured:
    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        INSTALLED_APPS=[],
        DATABASES={},
        CHANNEL_LAYERS={
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                # A prefix of its own: pub/sub channel names ignore Redis' database number, and
                # the echo must never hear a desk on the same Redis.
                "CONFIG": {"hosts": [REDIS_URL], "prefix": "floor-echo"},
            }
        },
    )
    django.setup()

from channels.generic.websocket import AsyncJsonWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class EchoConsumer(AsyncJsonWebsocketConsumer):
    """Every frame through the socket's own group and back."""

    group: str

    async def connect(self) -> None:
        # A group name of its own (the channel name holds a "!", which group names may not).
        self.group = f"echo.{uuid.uuid4().hex}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.channel_layer.group_send(self.group, {"type": "echo.frame", "frame": content})

    async def echo_frame(self, event: dict[str, Any]) -> None:
        await self.send_json(event["frame"])


async def healthz(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """200 to any HTTP request: the bench waits on /healthz, as for the desk."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


application = ProtocolTypeRouter(
    {
        "http": healthz,
        "websocket": URLRouter([path("ws/echo/", EchoConsumer.as_asgi())]),
    }
)
