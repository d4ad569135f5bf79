"""The ASGI entry point: Django's pages over HTTP, the live channel over websockets.

Serve it with uvicorn (``uvicorn config.asgi:application --workers 4``); several processes
share events through Redis when REDIS_URL is set (see the README, "Running in production").
"""

from __future__ import annotations

import os
import warnings

from django.core.asgi import get_asgi_application

# WhiteNoise hands Django a file iterator that isn't async; Django reads it in a thread and
# warns on every static file. The files are small and hashed names are cached for a year.
warnings.filterwarnings("ignore", "StreamingHttpResponse must consume synchronous iterators")

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Django first: the consumer's imports need the app registry ready.
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from core.live import LiveConsumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(
            # channels routes an ASGI app with Django's path(), which django-stubs types
            # for views only and types-channels' URLRouter doesn't accept.
            AuthMiddlewareStack(URLRouter([path("ws/live/", LiveConsumer.as_asgi())]))  # type: ignore[arg-type, list-item]
        ),
    }
)
