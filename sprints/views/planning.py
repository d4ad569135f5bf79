"""The planning page: the team's backlog slice beside the sprint, the committed points
against the forecast capacity, the members' days off and the sprint goal.

Stories move in and out through sprints:sprint_add_story (here, held to the product's
Definition of Ready) and sprint_remove_story (drag, Alt+←/→, or the row's button, a plain
form without JavaScript). The page costs the same queries whatever the number of stories:
one per list, three for the capacity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from backlog import readiness
from backlog.models import Sprint, SprintState, Story
from core import access
from core.access import Capability
from core.web import UserRequest, add_service_errors, answer
from products.models import Product, ReadinessRule, StatusCategory
from products.views import product_context
from sprints import services
from sprints.capacity import capacity
from sprints.forms import AddStoryForm, DaysOffForm, GoalForm
from sprints.views.sprint import (
    _sprint_action_failed,
    _sprint_context,
    _sprint_or_404,
    _story_moved,
)

# The backlog slice shows this many stories; planning rarely reaches further down.
SLICE = 100


def backlog_slice(sprint: Sprint) -> Any:
    """Stories the team could take: in no sprint, of this team or of none, not done;
    ready ones first, then in backlog order."""
    return (
        Story.objects.filter(product_id=sprint.team.product_id, sprint__isnull=True)
        .filter(Q(team_id=sprint.team_id) | Q(team__isnull=True))
        .exclude(status__category=StatusCategory.DONE)
        .order_by("-ready", "rank")
    )


def _board_context(request: UserRequest, product: Product, sprint: Sprint) -> dict[str, Any]:
    """The summary and the two lists: what a move changes."""
    can_plan = sprint.state != SprintState.CLOSED and access.can(
        request.user, Capability.PLAN_SPRINTS, sprint
    )
    rows = list(backlog_slice(sprint).select_related("epic", "assignee")[: SLICE + 1])
    stories = list(sprint.stories.select_related("epic", "assignee", "status").order_by("rank"))
    for story in (*rows, *stories):
        story.can_move = can_plan
    committed = sum(s.points or 0 for s in stories)
    cap = capacity(sprint)
    # The summary's bar in percent (whole numbers, never localised), with room beyond the
    # larger of the two: committed points within the forecast, the excess, the forecast.
    forecast = cap.forecast or 0
    scale = max(committed, forecast, 1) * 1.1
    bar = {
        "within": round(100 * min(committed, forecast) / scale),
        "over": round(100 * max(committed - forecast, 0) / scale),
        "capacity": round(100 * forecast / scale),
    }
    return {
        "product": product,
        "sprint": sprint,
        "team": sprint.team,
        "can_plan": can_plan,
        "backlog_rows": rows[:SLICE],
        "backlog_more": len(rows) > SLICE,
        "sprint_rows": stories,
        "enforced": product.readiness_rule == ReadinessRule.ENFORCE,
        # What the sprint takes without the Definition of Ready's blessing (warned, not refused).
        "not_ready": [s for s in stories if services.NOT_READY in services.planning_warnings(s)],
        "not_estimated": [
            s for s in stories if services.NOT_ESTIMATED in services.planning_warnings(s)
        ],
        "committed": committed,
        "unestimated": sum(s.points is None for s in stories),
        "capacity": cap,
        "over_by": cap.over_by(committed),
        "bar": bar,
        "availability_percent": round(100 * cap.availability),
        "here": reverse("sprints:sprint_plan", args=[product.slug, sprint.pk]),
    }


def _page_context(
    request: UserRequest, product: Product, sprint: Sprint, **forms: Any
) -> dict[str, Any]:
    context = _board_context(request, product, sprint)
    cap = context["capacity"]
    return (
        product_context(request, product)
        | context
        | {
            "goal_form": forms.get("goal_form") or GoalForm(initial={"goal": sprint.goal}),
            "days_off_form": forms.get("days_off_form")
            or DaysOffForm(members=cap.members, working_days=cap.working_days),
            "error": forms.get("error"),
            "refused": forms.get("refused"),
            "saved": forms.get("saved"),
            "nav": "plan",
        }
    )


def _open_sprint_or_404(request: UserRequest, slug: str, pk: int) -> tuple[Product, Sprint]:
    product, sprint = _sprint_or_404(request, slug, pk)
    sprint.team.product = product  # update_sprint records its event with it: no second query
    return product, sprint


@login_required
@vary_on_headers("HX-Request")
def sprint_plan(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, sprint = _open_sprint_or_404(request, slug, pk)
    if sprint.state == SprintState.CLOSED:
        return redirect("sprints:sprint", slug=product.slug, pk=sprint.pk)
    if request.htmx and request.htmx.target == "plan-board":
        return render(
            request, "sprints/plan.html#plan-board", _board_context(request, product, sprint)
        )
    context = _page_context(request, product, sprint)
    return render(request, "sprints/plan.html", context)


def _after_plan_change(
    request: UserRequest,
    product: Product,
    sprint: Sprint,
    part: str,
    *,
    status: int = 200,
    **forms: Any,
) -> HttpResponse:
    """htmx gets the changed part and, out of band, the summary; a form goes back to the page
    (or shows it again with 422)."""
    if status < 400:
        forms["saved"] = part
    context = (
        _page_context(request, product, sprint, **forms) if request.htmx or status >= 400 else {}
    )
    url = reverse("sprints:sprint_plan", args=[product.slug, sprint.pk])
    response = answer(request, f"sprints/plan.html#{part}", context, url, status=status)
    if request.htmx and status < 400:
        summary = render(request, "sprints/plan.html#plan-summary", context | {"oob": True})
        response.content += summary.content
    return response


@login_required
@require_POST
def sprint_goal(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    """The sprint goal, written on the planning page (the rest of the sprint stays)."""
    product, sprint = _open_sprint_or_404(request, slug, pk)
    access.require(request.user, Capability.PLAN_SPRINTS, sprint)
    form = GoalForm(request.POST)
    if form.is_valid():
        try:
            services.update_sprint(
                actor=request.user,
                sprint=sprint,
                name=sprint.name,
                goal=form.cleaned_data["goal"].strip(),
                start_date=sprint.start_date,
                end_date=sprint.end_date,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _after_plan_change(request, product, sprint, "plan-goal")
    return _after_plan_change(request, product, sprint, "plan-goal", status=422, goal_form=form)


@login_required
@require_POST
def sprint_availability(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    """Days off of each member for this sprint: they scale the forecast capacity."""
    product, sprint = _open_sprint_or_404(request, slug, pk)
    access.require(request.user, Capability.PLAN_SPRINTS, sprint)
    cap = capacity(sprint)
    form = DaysOffForm(request.POST, members=cap.members, working_days=cap.working_days)
    if form.is_valid():
        try:
            services.set_days_off(actor=request.user, sprint=sprint, days_off=form.days_off())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _after_plan_change(request, product, sprint, "plan-availability")
    return _after_plan_change(
        request, product, sprint, "plan-availability", status=422, days_off_form=form
    )


@login_required
@require_POST
def sprint_add_story(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    """Add a backlog story to the sprint (services.plan_story). From the planning page (its
    script sends HX-Request, its forms ``next``) a refusal shows there, with what the story
    misses; from the sprint's page, there."""
    product, sprint = _open_sprint_or_404(request, slug, pk)
    access.require(request.user, Capability.PLAN_SPRINTS, sprint)
    here = reverse("sprints:sprint_plan", args=[product.slug, sprint.pk])
    from_plan = bool(request.htmx) or request.POST.get("next") == here
    form = AddStoryForm(request.POST, team=sprint.team)
    if not form.is_valid():
        if from_plan:
            error = ValidationError([e for errors in form.errors.values() for e in errors])
            return _plan_refused(request, product, sprint, error)
        context = _sprint_context(request, product, sprint, add_form=form)
        return render(request, "sprints/sprint.html", context, status=422)
    try:
        services.plan_story(actor=request.user, story=form.cleaned_data["story"], sprint=sprint)
    except ValidationError as error:
        if from_plan:
            return _plan_refused(request, product, sprint, error)
        return _sprint_action_failed(request, product, sprint, error, add_form=form)
    return _story_moved(request, product, sprint)


@dataclass(frozen=True)
class Refusal:
    """What the planning page says when a story can't join: the reason, and for the
    Definition of Ready the items the story misses."""

    reasons: list[str]
    missing: list[readiness.Check]


def _plan_refused(
    request: UserRequest, product: Product, sprint: Sprint, error: ValidationError
) -> HttpResponse:
    """422 with the lists as they are (nothing was written) and the refusal above them."""
    if isinstance(error, readiness.NotReady):
        refused = Refusal([error.reason], error.missing)
    else:
        refused = Refusal(error.messages, [])
    context = _page_context(request, product, sprint, refused=refused)
    template = "sprints/plan.html" + ("#plan-board" if request.htmx else "")
    return render(request, template, context, status=422)
