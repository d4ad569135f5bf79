"""Closing a sprint: the done and unfinished stories, where the unfinished ones go, whether
the goal was met, and a preview of the report that closing stores for good.

The page costs the same queries whatever the number of stories: the stories, the planned
sprints to carry over to, and the three of the report's preview.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from backlog.models import Sprint, SprintState, Story
from core import access
from core.access import Capability
from core.web import UserRequest
from products.models import ChecklistItem, ChecklistKind, Product, StatusCategory
from products.views import product_context
from sprints import completion, report, services
from sprints.forms import CloseSprintForm
from sprints.models import DoneCheck
from sprints.views.sprint import _sprint_or_404


def _close_context(
    request: UserRequest,
    product: Product,
    sprint: Sprint,
    form: CloseSprintForm,
    stories: list[Story],
    **extra: Any,
) -> dict[str, Any]:
    done = [s for s in stories if completion.is_completed(s)]
    pending = form.pending
    unfinished = [s for s in stories if s.status.category != StatusCategory.DONE]
    # The preview as if closed now, the done stories not accepted leaving with the rest:
    # the same function close_sprint stores the result of.
    leaving = sorted(unfinished + pending, key=lambda s: s.rank)
    preview = report.build(
        sprint, done=done, unfinished=leaving, goal_met=None, carried_to=None, not_accepted=pending
    )
    return product_context(request, product) | {
        "team": sprint.team,
        "sprint": sprint,
        "done": done,
        "pending": pending,
        "unfinished": unfinished,
        "done_points": completion.points(done),
        "pending_points": sum(s.points or 0 for s in pending),
        "unfinished_points": sum(s.points or 0 for s in unfinished),
        "preview": preview,
        "form": form,
        "can_close": access.can(request.user, Capability.PLAN_SPRINTS, sprint),
        **extra,
    }


def _stories(sprint: Sprint) -> list[Story]:
    return list(sprint.stories.select_related("status", "assignee", "acceptance").order_by("rank"))


def _pending(
    request: UserRequest, sprint: Sprint, stories: list[Story]
) -> list[tuple[Story, bool]]:
    """The done stories not accepted, each with whether the user may accept it now (the
    PO, every item of the Definition of Done ticked): two queries."""
    done = [s for s in stories if s.status.category == StatusCategory.DONE]
    pending = [s for s in done if not completion.is_completed(s)]
    if not pending:
        return []
    total = ChecklistItem.objects.filter(
        product_id=sprint.team.product_id, kind=ChecklistKind.DONE
    ).count()
    ticked = dict(
        DoneCheck.objects.filter(story__in=pending)
        .values("story_id")
        .annotate(n=Count("pk"))
        .values_list("story_id", "n")
    )
    return [
        (
            s,
            ticked.get(s.pk, 0) >= total and access.can(request.user, Capability.ACCEPT_STORY, s),
        )
        for s in pending
    ]


def _form(
    request: UserRequest, sprint: Sprint, data: Any = None
) -> tuple[CloseSprintForm, list[Story]]:
    stories = _stories(sprint)
    pending = _pending(request, sprint, stories)
    return CloseSprintForm(data, team=sprint.team, pending=pending), stories


@login_required
@require_http_methods(["GET", "POST"])
def sprint_close(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    """GET shows what closing will record; POST (the team's planners) closes the sprint."""
    product, sprint = _sprint_or_404(request, slug, pk)
    if request.method == "GET":
        if sprint.state != SprintState.ACTIVE:
            return redirect("sprints:sprint", slug=product.slug, pk=sprint.pk)
        form, stories = _form(request, sprint)
        context = _close_context(request, product, sprint, form, stories)
        return render(request, "sprints/close.html", context)
    access.require(request.user, Capability.PLAN_SPRINTS, sprint)
    form, stories = _form(request, sprint, request.POST)
    error = None
    if form.is_valid():
        try:
            services.close_sprint(actor=request.user, sprint=sprint, **form.cleaned_data)
        except ValidationError as exc:
            error = exc.messages
        else:
            return redirect("sprints:sprint", slug=product.slug, pk=sprint.pk)
    sprint.refresh_from_db()
    context = _close_context(request, product, sprint, form, stories, error=error)
    return render(request, "sprints/close.html", context, status=422)
