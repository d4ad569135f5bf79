"""What every viewset uses: its signed-in user, and its query string read through
``core.parsing`` (ids, dates, choices and the product filter): a value the parameter
doesn't take answers 400, never the unfiltered list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import pagination
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from accounts.models import User
from core import access, parsing

MAX_ID = parsing.MAX_ID


def signed_in(request: Request) -> User:
    """The request's user, as a service's ``actor``: every endpoint is behind
    ``IsAuthenticated`` (DEFAULT_PERMISSION_CLASSES), so it is never the AnonymousUser here;
    the check narrows the type, and would answer as IsAuthenticated does."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user


def query_id(request: Request, name: str) -> int | None:
    """``?<name>=<id>`` as a number, None when absent; 400 for anything else, the empty
    value included (a page's form sends ``?team=`` for "any"; a script leaves it out)."""
    _not_empty(request, name)
    return parsing.id_param(request.query_params, name)


def _not_empty(request: Request, name: str) -> None:
    raw = request.query_params.get(name)
    if raw is not None and not raw.strip():
        raise parsing.BadInput(name, _("Give a value, or leave the parameter out."))


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's, with ``?page=`` read as every number is: a whole number from 1, else 400
    (DRF took an empty or missing page as the first)."""

    def get_page_number(self, request: Request, paginator: Any) -> Any:
        _not_empty(request, self.page_query_param)
        raw = request.query_params.get(self.page_query_param)
        if raw in self.last_page_strings:
            return paginator.num_pages
        return parsing.parse_int(raw, self.page_query_param, default=1, minimum=1)


def query_date(request: Request, name: str) -> dt.date | None:
    """``?<name>=YYYY-MM-DD`` inside the dates' range, None when absent; 400 otherwise."""
    return parsing.date_param(request.query_params, name)


def query_moment(request: Request, name: str) -> dt.datetime | None:
    """``?<name>=`` a day or an ISO 8601 time inside the dates' range; 400 otherwise."""
    return parsing.moment_param(request.query_params, name)


def query_flag(request: Request, name: str) -> bool | None:
    """``?<name>=1|true|0|false``, None when absent; 400 otherwise."""
    value = parsing.choice_param(request.query_params, name, ("1", "true", "0", "false"))
    return None if value is None else value in ("1", "true")


def query_choice(request: Request, name: str, choices: Iterable[str]) -> str | None:
    """``?<name>=`` one of ``choices``, None when absent; 400 otherwise."""
    return parsing.choice_param(request.query_params, name, choices)


def query_name(request: Request, name: str) -> str | None:
    """``?<name>=`` a model's name as the event log writes it (``story``, ``retrocard``):
    lowercase ASCII letters, None when absent; 400 otherwise."""
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isalpha() and value.islower() and len(value) <= 40):
        raise parsing.BadInput(name, _("Give a kind of object, such as story."))
    return value


def require_anywhere(request: Request, capability: access.Capability) -> None:
    """403 before the body is read, for a user whose roles nowhere hold ``capability``."""
    if not access.holds_anywhere(request.user, capability):
        raise PermissionDenied(gettext("Your role does not allow this."))


PRODUCT_FILTER = OpenApiParameter("product", int, description="Only this product's.")


def filter_by_product(request: Request, queryset: Any, path: str = "product") -> Any:
    """``?product=<id>`` narrows a list; every list is already limited to the user's products."""
    if (product := query_id(request, "product")) is not None:
        queryset = queryset.filter(**{path: product})
    return queryset
