from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from backlog import forecast
from backlog.models import Sprint, SprintState, Story
from core import access, clock
from core.access import Capability, Role
from core.web import UserRequest, add_service_errors
from products.grants import get_product_or_404, get_team_or_404
from products.models import Membership, Product, StatusCategory, Team
from products.views import product_context
from sprints import charts, completion, services
from sprints.forms import AddStoryForm, NewSprintForm, SprintForm
from sprints.models import Impediment

# Completed, on a sprint's stories: accepted by the PO (sprints.completion).
DONE = completion.completed_q("stories__")
# An epic's progress counts its stories in a done column, as the roadmap does (backlog
# sits below the acceptance and cannot read it).
EPIC_DONE = Q(stories__status__category=StatusCategory.DONE)


def _with_progress(sprints: Any) -> Any:
    return sprints.annotate(
        story_count=Count("stories", distinct=True),
        points_total=Sum("stories__points"),
        points_done=Sum("stories__points", filter=DONE),
        done_count=Count("stories", filter=DONE, distinct=True),
    )


@login_required
def product_overview(request: UserRequest, slug: str) -> HttpResponse:
    """The product's home: vision, and every team's sprint at a glance."""
    product = get_product_or_404(request.user, slug)
    context = product_context(request, product)
    active = {
        s.team_id: s
        for s in _with_progress(
            Sprint.objects.active().filter(team__product=product).select_related("team")
        )
    }
    today = clock.today()
    # Each team's Product Owner and Scrum Master, and its open impediments: two queries.
    leads: dict[int, dict[str, list[str]]] = {}
    for membership in Membership.objects.filter(
        team__product=product, role__in=[Role.PO, Role.SCRUM_MASTER]
    ).select_related("user"):
        if membership.team_id is None:  # a product-wide role: no team's lead
            continue
        leads.setdefault(membership.team_id, {}).setdefault(membership.role, []).append(
            membership.user.display_name
        )
    blocked = dict(
        Impediment.objects.filter(team__product=product, resolved_at__isnull=True)
        .values("team_id")
        .annotate(n=Count("pk"))
        .values_list("team_id", "n")
    )
    for team in context["teams"]:
        team.active_sprint = active.get(team.pk)
        if team.active_sprint:
            team.active_sprint.days_left = max((team.active_sprint.end_date - today).days, 0)
        team.product_owners = leads.get(team.pk, {}).get(Role.PO, [])
        team.scrum_masters = leads.get(team.pk, {}).get(Role.SCRUM_MASTER, [])
        team.open_impediments = blocked.get(team.pk, 0)
    # A burndown thumbnail per active sprint: three queries for all of them.
    thumbnails = charts.burndowns(list(active.values()), today)
    for sprint in active.values():
        sprint.burndown = thumbnails[sprint.pk]
    backlog = Story.objects.filter(product=product, sprint__isnull=True).aggregate(
        count=Count("pk"), points=Sum("points"), ready=Count("pk", filter=Q(ready=True))
    )
    context |= {"today": today, "backlog": backlog, "nav": "overview"}
    context |= _next_release(product, today)
    return render(request, "sprints/product_overview.html", context)


def _next_release(product: Product, today: Any) -> dict[str, Any]:
    """The first release dated today or later, its epics with their progress and the
    forecast the roadmap shows (the same cache entry: computed for all the epics)."""
    release = product.releases.filter(date__gte=today).order_by("date", "name").first()
    if release is None:
        return {"release": None}
    epics = list(
        product.epics.annotate(
            points_total=Sum("stories__points"),
            points_done=Sum("stories__points", filter=EPIC_DONE),
        ).order_by("rank")
    )
    forecasts = forecast.cached_forecast(product, epics)
    mine = [e for e in epics if e.release_id == release.pk]
    for epic in mine:
        # For the template, which the page's tests read too; Epic does not declare it.
        epic.forecast = forecasts.get(epic.pk)  # type: ignore[attr-defined]
    return {"release": release, "release_epics": mine}


def _team_context(
    request: UserRequest, product: Product, team: Team, form: NewSprintForm | None = None
) -> dict[str, Any]:
    sprints = list(_with_progress(team.sprints.order_by("-start_date")))
    if form is None:
        form = NewSprintForm(initial=services.suggest_next(team))
    return product_context(request, product) | {
        "team": team,
        "active": [s for s in sprints if s.state == SprintState.ACTIVE],
        "planned": sorted(
            (s for s in sprints if s.state == SprintState.PLANNED), key=lambda s: s.start_date
        ),
        "closed": [s for s in sprints if s.state == SprintState.CLOSED],
        "members": team.memberships.select_related("user").order_by("role", "user__username"),
        "sprint_form": form,
        "can_plan": access.can(request.user, Capability.PLAN_SPRINTS, team),
        "velocity": charts.velocity(team),
        "bar_width": 20,
    }


@login_required
def team_detail(request: UserRequest, slug: str, team_slug: str) -> HttpResponse:
    product, team = get_team_or_404(request.user, slug, team_slug)
    return render(request, "sprints/team.html", _team_context(request, product, team))


@login_required
@require_POST
def sprint_create(request: UserRequest, slug: str, team_slug: str) -> HttpResponse:
    product, team = get_team_or_404(request.user, slug, team_slug)
    access.require(request.user, Capability.PLAN_SPRINTS, team)
    form = NewSprintForm(request.POST)
    if form.is_valid():
        try:
            sprint = services.create_sprint(actor=request.user, team=team, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            url = reverse("sprints:sprint", args=[product.slug, sprint.pk])
            # htmx would swap a followed redirect's whole page into the form's place.
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    template = "sprints/team.html" + ("#sprint-form" if request.htmx else "")
    return render(request, template, _team_context(request, product, team, form), status=422)


def _sprint_or_404(request: UserRequest, slug: str, pk: int) -> tuple[Product, Sprint]:
    product = get_product_or_404(request.user, slug)
    sprint = get_object_or_404(Sprint.objects.select_related("team"), team__product=product, pk=pk)
    return product, sprint


def _sprint_context(
    request: UserRequest, product: Product, sprint: Sprint, **forms: Any
) -> dict[str, Any]:
    stories = sprint.stories.select_related("status", "assignee", "epic").order_by(
        "status__position", "rank"
    )
    can_plan = access.can(request.user, Capability.PLAN_SPRINTS, sprint)
    chart = flow = None
    if sprint.state != SprintState.PLANNED:
        chart, flow = charts.sprint_charts(sprint, clock.today())
    return product_context(request, product) | {
        "team": sprint.team,
        "sprint": sprint,
        "stories": stories,
        "totals": stories.aggregate(
            planned=Sum("points"),
            done=Sum("points", filter=completion.completed_q()),
        ),
        "can_plan": can_plan,
        "add_form": forms.get("add_form") or AddStoryForm(team=sprint.team),
        "edit_form": forms.get("edit_form") or SprintForm(instance=sprint),
        "error": forms.get("error"),
        "today": clock.today(),
        "chart": chart,
        "flow": flow,
        # The review's and retrospective's pages (ceremonies; named by kind, not imported).
        "ceremony_pages": list(
            sprint.ceremonies.filter(kind__in=["review", "retrospective"]).order_by("starts_at")
        ),
    }


@login_required
def sprint_detail(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, sprint = _sprint_or_404(request, slug, pk)
    return render(request, "sprints/sprint.html", _sprint_context(request, product, sprint))


def _sprint_action_failed(
    request: UserRequest, product: Product, sprint: Sprint, error: ValidationError, **forms: Any
) -> HttpResponse:
    sprint.refresh_from_db()
    context = _sprint_context(request, product, sprint, error=error.messages, **forms)
    return render(request, "sprints/sprint.html", context, status=422)


@login_required
@require_POST
def sprint_edit(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, sprint = _sprint_or_404(request, slug, pk)
    access.require(request.user, Capability.PLAN_SPRINTS, sprint)
    form = SprintForm(request.POST, instance=Sprint(team=sprint.team))
    if form.is_valid():
        try:
            services.update_sprint(actor=request.user, sprint=sprint, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("sprints:sprint", slug=product.slug, pk=sprint.pk)
    sprint.refresh_from_db()
    context = _sprint_context(request, product, sprint, edit_form=form)
    return render(request, "sprints/sprint.html", context, status=422)


@login_required
@require_POST
def sprint_start(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, sprint = _sprint_or_404(request, slug, pk)
    try:
        services.start_sprint(actor=request.user, sprint=sprint)
    except ValidationError as error:
        return _sprint_action_failed(request, product, sprint, error)
    return redirect("sprints:sprint", slug=product.slug, pk=sprint.pk)


@login_required
@require_POST
def sprint_remove_story(request: UserRequest, slug: str, pk: int, story_pk: int) -> HttpResponse:
    product, sprint = _sprint_or_404(request, slug, pk)
    story = get_object_or_404(Story, sprint=sprint, pk=story_pk)
    try:
        services.remove_story_from_sprint(actor=request.user, story=story)
    except ValidationError as error:
        return _sprint_action_failed(request, product, sprint, error)
    return _story_moved(request, product, sprint)


def _story_moved(request: UserRequest, product: Product, sprint: Sprint) -> HttpResponse:
    """The planning page's script (fetch, htmx) gets 204 and redraws what it shows; a form
    goes back where it came from (``next``: the planning page) or to the sprint."""
    if request.htmx:
        return HttpResponse(status=204)
    url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(url)
    return redirect("sprints:sprint", slug=product.slug, pk=sprint.pk)
