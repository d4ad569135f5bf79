"""The REST API's plumbing: one router under /api/v1/, errors mapped the same way for all."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.utils.csp import CSP
from django.utils.decorators import method_decorator
from django.views import defaults
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import exception_handler as drf_exception_handler

from backlog import api as backlog_api
from core.concurrency import Stale
from core.parsing import BadInput
from products import api as products_api
from sprints import api as sprints_api


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Services raise Django's errors; the API answers them as the pages do.

    A stale edit is 409 with the object as it is now, in the shape the endpoint's
    viewset reads it (its ``serializer_class``)."""
    if isinstance(exc, Stale):
        view = context["view"]
        current = view.serializer_class(exc.current, context=view.get_serializer_context())
        return Response(
            {"detail": str(exc), "current": current.data}, status=status.HTTP_409_CONFLICT
        )
    if isinstance(exc, BadInput):
        # A query-string value the parameter doesn't take (core.parsing): 400, named.
        return Response({exc.name: [exc.message]}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response({"detail": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A URL under /api/ that no endpoint matches (``/stories/0.5/``) answers JSON too."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)


router = DefaultRouter()
products_api.register(router)
backlog_api.register(router)
sprints_api.register(router)

# Swagger UI's own script and styles: served from the sidecar package, no CDN. Its
# stylesheet injects style attributes, so this one page allows inline styles.
docs = method_decorator(
    csp_override(
        {
            "default-src": [CSP.SELF],
            "script-src": [CSP.SELF, CSP.NONCE],
            "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
            "img-src": [CSP.SELF, "data:"],
        }
    ),
    name="dispatch",
)(SpectacularSwaggerSplitView)

urlpatterns = [
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", docs.as_view(url_name="api-schema"), name="api-docs"),
]
