"""Closing a sprint: the done and unfinished stories, where the unfinished ones go, whether
the goal was met, and a preview of the report that closing stores for good.

The page costs the same queries whatever the number of stories: the stories, the planned
sprints to carry over to, and the three of the report's preview.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from backlog.models import Sprint, SprintState
from core import access
from core.access import Capability
from core.web import UserRequest
from products.models import Product, StatusCategory
from products.views import product_context
from sprints import report, services
from sprints.forms import CloseSprintForm
from sprints.views.sprint import _sprint_or_404


def _close_context(
    request: UserRequest, product: Product, sprint: Sprint, form: CloseSprintForm, **extra: Any
) -> dict[str, Any]:
    stories = list(sprint.stories.select_related("status", "assignee").order_by("rank"))
    done = [s for s in stories if s.status.category == StatusCategory.DONE]
    unfinished = [s for s in stories if s.status.category != StatusCategory.DONE]
    # The preview as if closed now: the same function close_sprint stores the result of.
    preview = report.build(sprint, done=done, unfinished=unfinished, goal_met=None, carried_to=None)
    return product_context(request, product) | {
        "team": sprint.team,
        "sprint": sprint,
        "done": done,
        "unfinished": unfinished,
        "done_points": sum(s.points or 0 for s in done),
        "unfinished_points": sum(s.points or 0 for s in unfinished),
        "preview": preview,
        "form": form,
        "can_close": access.can(request.user, Capability.PLAN_SPRINTS, sprint),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def sprint_close(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    """GET shows what closing will record; POST (the team's planners) closes the sprint."""
    product, sprint = _sprint_or_404(request, slug, pk)
    if request.method == "GET":
        if sprint.state != SprintState.ACTIVE:
            return redirect("sprints:sprint", slug=product.slug, pk=sprint.pk)
        form = CloseSprintForm(team=sprint.team)
        return render(request, "sprints/close.html", _close_context(request, product, sprint, form))
    access.require(request.user, Capability.PLAN_SPRINTS, sprint)
    form = CloseSprintForm(request.POST, team=sprint.team)
    error = None
    if form.is_valid():
        try:
            services.close_sprint(actor=request.user, sprint=sprint, **form.cleaned_data)
        except ValidationError as exc:
            error = exc.messages
        else:
            return redirect("sprints:sprint", slug=product.slug, pk=sprint.pk)
    sprint.refresh_from_db()
    context = _close_context(request, product, sprint, form, error=error)
    return render(request, "sprints/close.html", context, status=422)
