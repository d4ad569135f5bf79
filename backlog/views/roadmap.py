"""Epics, their progress and forecast, and the roadmap the PM keeps."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backlog import forecast, roadmap, services
from backlog.forms import EpicDatesForm, EpicForm
from backlog.models import Epic, Story
from core import access, clock
from core.access import Capability
from core.parsing import toggle_param
from core.web import UserRequest, add_service_errors
from products.grants import get_product_or_404
from products.models import Product, StatusCategory
from products.views import product_context

DONE = Q(stories__status__category=StatusCategory.DONE)


def _epics(product: Product) -> list[Epic]:
    return list(
        product.epics.select_related("release")
        .annotate(
            points_total=Sum("stories__points"),
            points_done=Sum("stories__points", filter=DONE),
            stories_total=Count("stories"),
            stories_done=Count("stories", filter=DONE),
        )
        .order_by("rank")
    )


def _forecasts(product: Product, epics: list[Epic]) -> dict[int, forecast.EpicForecast]:
    return forecast.cached_forecast(product, epics)


@login_required
def epics(request: UserRequest, slug: str) -> HttpResponse:
    product = get_product_or_404(request.user, slug)
    can_edit = access.can(request.user, Capability.EDIT_EPICS, product)
    form = EpicForm(product=product)
    status = 200
    if request.method == "POST":
        access.require(request.user, Capability.EDIT_EPICS, product)
        form = EpicForm(request.POST, product=product)
        if form.is_valid():
            try:
                services.create_epic(actor=request.user, product=product, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("backlog:epics", slug=product.slug)
        status = 422
    items = _epics(product)
    context = product_context(request, product) | {
        "epics": items,
        "forecasts": _forecasts(product, items),
        "form": form,
        "can_edit": can_edit,
        "nav": "epics",
    }
    return render(request, "backlog/epics.html", context, status=status)


@login_required
def epic_detail(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    """One epic: its stories in backlog order (the fragment the epics page unfolds)."""
    product = get_product_or_404(request.user, slug)
    epic = get_object_or_404(product.epics.select_related("release"), pk=pk)
    stories = (
        Story.objects.filter(epic=epic).select_related("status", "team", "sprint").order_by("rank")
    )
    context = product_context(request, product) | {
        "epic": epic,
        "stories": stories,
        "form": EpicForm(instance=epic, product=product),
        "can_edit": access.can(request.user, Capability.EDIT_EPICS, product),
        "nav": "epics",
    }
    template = "backlog/epic.html" + ("#epic-stories" if request.htmx else "")
    return render(request, template, context)


@login_required
@require_POST
def epic_update(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product = get_product_or_404(request.user, slug)
    epic = get_object_or_404(product.epics, pk=pk)
    access.require(request.user, Capability.EDIT_EPICS, epic)
    form_class = EpicDatesForm if request.POST.get("dates_only") else EpicForm
    form = form_class(request.POST, instance=Epic(product=product, rank=epic.rank), product=product)
    if form.is_valid():
        try:
            services.update_epic(actor=request.user, epic=epic, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            back = request.POST.get("next", "")
            if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                return redirect(back)
            return redirect("backlog:epic", slug=product.slug, pk=epic.pk)
    context = product_context(request, product) | {
        "epic": epic,
        "stories": Story.objects.none(),
        "form": form,
        "can_edit": True,
        "nav": "epics",
    }
    return render(request, "backlog/epic.html", context, status=422)


def _groups(product: Product, epics: list[Epic], by: str) -> list[tuple[str, list[Epic]]]:
    if by == "team":
        teams = {t.pk: t.name for t in product.teams.all()}
        members: dict[int | None, list[Epic]] = defaultdict(list)
        by_epic: dict[int, set[int | None]] = defaultdict(set)
        pairs = Story.objects.filter(epic__in=epics).values_list("epic_id", "team_id").distinct()
        for epic_id, team_id in pairs:
            by_epic[epic_id].add(team_id)
        for epic in epics:
            for in_team in sorted(by_epic.get(epic.pk) or {None}, key=lambda t: t or 0):
                members[in_team].append(epic)
        named = [(teams[t], members[t]) for t in teams if t in members]
        return named + [(_("No team yet"), members.get(None, []))]
    releases = list(product.releases.all())
    grouped = [(r.name, [e for e in epics if e.release_id == r.pk]) for r in releases]
    return grouped + [(_("No release"), [e for e in epics if e.release_id is None])]


@login_required
def roadmap_page(request: UserRequest, slug: str) -> HttpResponse:
    product = get_product_or_404(request.user, slug)
    by = toggle_param(request.GET, "group", ("release", "team"), "release")
    scale = toggle_param(request.GET, "scale", ("month", "quarter"), "month")
    layout = toggle_param(request.GET, "layout", ("timeline", "lanes"), "timeline")
    items = _epics(product)
    forecasts = _forecasts(product, items)
    today = clock.today()
    context = product_context(request, product) | {
        "group": by,
        "scale": scale,
        "layout": layout,
        "can_edit": access.can(request.user, Capability.EDIT_EPICS, product),
        # One list for every row's release menu (a form per row would query per row).
        "releases": list(product.releases.all()),
        "here": request.get_full_path(),
        "today": today,
        "nav": "roadmap",
    }
    if layout == "lanes":
        context["lanes"] = roadmap.lanes(items, forecasts, today)
    else:
        groups = _groups(product, items, by)
        context["timeline"] = roadmap.timeline(items, forecasts, groups, today, scale)
    return render(request, "backlog/roadmap.html", context)


@login_required
def forecast_help(request: UserRequest, slug: str) -> HttpResponse:
    """How the roadmap's forecast is computed, with this product's own inputs."""
    product = get_product_or_404(request.user, slug)
    context = product_context(request, product) | {
        "basis": forecast.forecast_basis(product, clock.today()),
        "trials": forecast.TRIALS,
        "history_sprints": forecast.HISTORY_SPRINTS,
        "nav": "roadmap",
    }
    return render(request, "backlog/forecast_help.html", context)
