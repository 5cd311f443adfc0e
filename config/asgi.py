"""ASGI entry point: `daphne config.asgi:application` (any number of processes)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from helpdesk.consumers.auth import AgentAuthStack  # noqa: E402
from helpdesk.consumers.origin import OriginValidator  # noqa: E402
from helpdesk.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": OriginValidator(AgentAuthStack(URLRouter(websocket_urlpatterns))),
    }
)
