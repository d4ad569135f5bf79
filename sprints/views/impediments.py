"""The team's impediments: open and resolved, where each was raised, and resolving them.

Two queries for the lists whatever their length (one for each, with their story, people
and daily joined), on top of the product's header.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from core import access
from core.access import Capability
from core.parsing import toggle_param
from core.web import UserRequest, add_service_errors, answer
from products.grants import get_team_or_404
from products.models import Product, Team
from products.views import product_context
from sprints import services
from sprints.forms import ResolveForm
from sprints.models import Impediment

SHOW = ("open", "resolved", "all")
# The resolved list shows the most recent ones; older ones stay in the event log.
RESOLVED_SHOWN = 200


def _url(product: Product, team: Team) -> str:
    return reverse("sprints:impediments", args=[product.slug, team.slug])


def _context(
    request: UserRequest,
    product: Product,
    team: Team,
    show: str,
    *,
    failed: int | None = None,
    errors: list[str] | None = None,
) -> dict[str, Any]:
    rows = Impediment.objects.filter(team=team).select_related(
        "story", "owner", "raised_in", "opened_by", "resolved_by"
    )
    open_ones = list(rows.open().order_by("opened_at", "id")) if show != "resolved" else []
    resolved = (
        list(
            rows.filter(resolved_at__isnull=False).order_by("-resolved_at", "-id")[:RESOLVED_SHOWN]
        )
        if show != "open"
        else []
    )
    return product_context(request, product) | {
        "team": team,
        "show": show,
        "shows": _labels(),
        "open_impediments": open_ones,
        "resolved_impediments": resolved,
        "resolved_shown": RESOLVED_SHOWN,
        "can_resolve": access.can(request.user, Capability.MOVE_CARDS, team),
        "failed": failed,
        "errors": errors,
        "here": f"{_url(product, team)}?show={show}",
        "nav": "impediments",
    }


def _labels() -> list[tuple[str, str]]:
    return [("open", _("Open")), ("resolved", _("Resolved")), ("all", _("All"))]


def _show(request: UserRequest) -> str:
    return toggle_param(request.GET, "show", SHOW, "open")


@login_required
@vary_on_headers("HX-Request")
def impediments(request: UserRequest, slug: str, team_slug: str) -> HttpResponse:
    product, team = get_team_or_404(request.user, slug, team_slug)
    context = _context(request, product, team, _show(request))
    if request.htmx and request.htmx.target == "impediment-lists":
        return render(request, "sprints/impediments.html#lists", context)
    return render(request, "sprints/impediments.html", context)


@login_required
@require_POST
def impediment_resolve(request: UserRequest, slug: str, team_slug: str, pk: int) -> HttpResponse:
    """Resolve from the impediments page or the daily meeting (``next`` says where to go)."""
    product, team = get_team_or_404(request.user, slug, team_slug)
    impediment = get_object_or_404(
        Impediment.objects.select_related("team__product"), team=team, pk=pk
    )
    access.require(request.user, Capability.MOVE_CARDS, impediment)
    form = ResolveForm(request.POST)
    show = request.POST.get("show", "open")
    show = show if show in SHOW else "open"
    if form.is_valid():
        try:
            services.resolve_impediment(
                actor=request.user, impediment=impediment, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            url = request.POST.get("next", "")
            if not url_has_allowed_host_and_scheme(
                url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                url = f"{_url(product, team)}?show={show}"
            return answer(
                request,
                "sprints/impediments.html#lists",
                lambda: _context(request, product, team, show),
                url,
            )
    messages = [str(m) for errors in form.errors.values() for m in errors]
    context = _context(request, product, team, show, failed=impediment.pk, errors=messages)
    return answer(request, "sprints/impediments.html#lists", context, status=422)
