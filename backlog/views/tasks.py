"""A story's tasks: add, tick, reorder, delete (the team's work, so MOVE_CARDS)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from backlog import services
from backlog.models import Task
from backlog.views.story import after_change, detail_context, story_or_404
from core.web import UserRequest


def _task(request: UserRequest, slug: str, pk: int, task_pk: int) -> tuple:
    product, story = story_or_404(request, slug, pk)
    return product, story, get_object_or_404(Task, story=story, pk=task_pk)


@login_required
@require_POST
def add(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, story = story_or_404(request, slug, pk)
    try:
        services.add_task(actor=request.user, story=story, title=request.POST.get("title", ""))
    except ValidationError as error:
        context = detail_context(request, product, story, task_error=error.messages)
        template = "backlog/story_detail.html" + ("#tasks" if request.htmx else "")
        return render(request, template, context, status=422)
    return after_change(request, product, story, "tasks")


@login_required
@require_POST
def tick(request: UserRequest, slug: str, pk: int, task_pk: int) -> HttpResponse:
    product, story, task = _task(request, slug, pk, task_pk)
    services.set_task_done(actor=request.user, task=task, done=request.POST.get("done") == "1")
    return after_change(request, product, story, "tasks")


@login_required
@require_POST
def move(request: UserRequest, slug: str, pk: int, task_pk: int) -> HttpResponse:
    product, story, task = _task(request, slug, pk, task_pk)
    try:
        services.move_task(
            actor=request.user, task=task, direction=request.POST.get("direction", "")
        )
    except ValidationError:
        return HttpResponse(status=422)
    return after_change(request, product, story, "tasks")


@login_required
@require_POST
def delete(request: UserRequest, slug: str, pk: int, task_pk: int) -> HttpResponse:
    product, story, task = _task(request, slug, pk, task_pk)
    services.delete_task(actor=request.user, task=task)
    return after_change(request, product, story, "tasks")
