"""ASGI entry point: `daphne config.asgi:application` (any number of processes)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from config import ws_guard  # noqa: E402
from helpdesk.consumers.auth import AgentAuthStack  # noqa: E402
from helpdesk.consumers.origin import OriginValidator  # noqa: E402
from helpdesk.consumers.urls import websocket_urlpatterns  # noqa: E402
from helpdesk.infrastructure.housekeeping import LoopStarter  # noqa: E402

# A client that stops reading is dropped before its backlog grows without bound (docs/faults.md).
ws_guard.install(settings.HELPDESK_WS_SEND_BUFFER_LIMIT)

# The process's own loop (fail open, and embedded mode's chores) starts with its first request.
application = LoopStarter(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": OriginValidator(AgentAuthStack(URLRouter(websocket_urlpatterns))),
        }
    )
)
