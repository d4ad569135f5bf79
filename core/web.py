"""What every view uses: the answer to a change, a service's refusal shown on its form,
the site's address."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from accounts.models import User


class HtmxHttpRequest(HttpRequest):
    """What a view receives, for the type checker: django-htmx's middleware gives every
    request its ``htmx`` (django-htmx's documented way to type it)."""

    htmx: HtmxDetails


class UserRequest(HtmxHttpRequest):
    """A request that ``@login_required`` let through: its user is signed in, never the
    AnonymousUser, so it can be a service's ``actor``."""

    user: User


def add_service_errors(form: BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on the form: per field where it names one of the form's."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def base_url(request: HttpRequest) -> str:
    """Where links in e-mails point: this site as the inviter reached it."""
    return request.build_absolute_uri("/").rstrip("/")


def answer(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
    redirect_to: str = "",
    *,
    status: int = 200,
) -> HttpResponse:
    """The one answer of a change, for every page.

    ``template`` names the part that changed (``"sprints/retro.html#cards"``). A plain form
    that worked is redirected to ``redirect_to``; htmx gets the part; a refusal (status
    400 and above) without htmx gets the whole page with its errors. ``context`` may be a
    function, so that a redirect builds none; a refusal needs no ``redirect_to``."""
    if status < 400 and not getattr(request, "htmx", False):
        assert redirect_to, "a change that worked goes somewhere"
        return redirect(redirect_to)
    values = context() if callable(context) else context
    page = template if getattr(request, "htmx", False) else template.partition("#")[0]
    return render(request, page, values, status=status)
