"""core.web.answer: the one way a change answers, for a plain form and for htmx."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from core.web import answer

TEMPLATE = "includes/field.html#missing-part"


def _request(htmx: bool) -> Any:
    # Any: a WSGIRequest given the htmx attribute that django-htmx's middleware sets.
    request: Any = RequestFactory().post("/", HTTP_HX_REQUEST="true" if htmx else None)
    if not htmx:
        request.META.pop("HTTP_HX_REQUEST", None)
    request.htmx = HtmxDetails(request)
    return request


def test_a_plain_form_that_worked_is_redirected_without_building_the_context() -> None:
    built: list[bool] = []

    def context() -> dict[str, Any]:
        built.append(True)
        return {}

    response = answer(_request(htmx=False), TEMPLATE, context, "/next/")
    assert (response.status_code, response["Location"], built) == (302, "/next/", [])


def test_htmx_gets_the_part_that_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, int]] = []

    def render(request: Any, template: str, context: Any, status: int = 200) -> Any:
        seen.append((template, status))
        return status

    monkeypatch.setattr("core.web.render", render)
    answer(_request(htmx=True), "a/page.html#part", {}, "/next/")
    answer(_request(htmx=True), "a/page.html#part", {}, status=422)
    assert seen == [("a/page.html#part", 200), ("a/page.html#part", 422)]


def test_a_refusal_without_htmx_shows_the_whole_page(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, int]] = []
    monkeypatch.setattr(
        "core.web.render",
        lambda request, template, context, status=200: seen.append((template, status)),
    )
    answer(_request(htmx=False), "a/page.html#part", lambda: {}, status=422)
    assert seen == [("a/page.html", 422)]
