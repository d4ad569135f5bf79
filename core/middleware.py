"""Refusals at the edge, before any view reads the request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

NUL = "\x00"


def nul_refused(request: HttpRequest) -> HttpResponse:
    message = _("The request holds a NUL character, which no field takes.")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponseBadRequest(message)


class RefuseNulMiddleware:
    """400 for a NUL character in the query string or a form field (names and values).

    No text a user writes holds one, and PostgreSQL refuses it in any text value, which
    would otherwise answer 500 wherever the value reaches a query. JSON bodies are checked
    by the API's parser (``core.parsers.JSONParser``), which reads them anyway."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _holds_nul(request.GET) or (
            request.method == "POST"
            # The API takes JSON only: DRF answers a form body 415, unless it finds the
            # form already read here.
            and not request.path.startswith("/api/")
            and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
            and _holds_nul(request.POST)
        ):
            return nul_refused(request)
        return self.get_response(request)


def _holds_nul(params: object) -> bool:
    return any(
        NUL in key or any(NUL in value for value in values)
        for key, values in params.lists()  # type: ignore[attr-defined]
    )
