"""A card's detail beside the board (htmx), or as a page of its own without JavaScript:
description, acceptance criteria, tasks, the Definition of Done to tick, and the PO's
acceptance or sending back.

A change answers htmx with the panel again, and tells the board behind it to redraw.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from backlog import readiness
from backlog.models import SprintState, Story
from backlog.views.story import answer_move
from core import access
from core.access import Capability
from core.models import Event
from core.web import UserRequest, add_service_errors, answer
from products.grants import get_product_or_404
from products.models import ChecklistItem, ChecklistKind, Product, StatusCategory
from products.views import product_context
from sprints import completion, services
from sprints.forms import RejectForm
from sprints.models import Acceptance, DoneCheck
from sprints.services.acceptance import done_items


def _story_or_404(request: UserRequest, slug: str, pk: int) -> tuple[Product, Story]:
    product = get_product_or_404(request.user, slug)
    story = get_object_or_404(
        Story.objects.select_related("status", "team", "sprint", "epic", "assignee"),
        product=product,
        pk=pk,
    )
    return product, story


def _back_to(request: UserRequest, product: Product, story: Story) -> str:
    """Where the panel's forms return without JavaScript: ``next`` if safe, else the panel."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("sprints:card", args=[product.slug, story.pk])


def _panel_context(
    request: UserRequest, product: Product, story: Story, **extra: Any
) -> dict[str, Any]:
    items = done_items(story)
    checks = {
        c.item_id: c for c in DoneCheck.objects.filter(story=story).select_related("checked_by")
    }
    acceptance = (
        Acceptance.objects.filter(completion.CURRENT_ACCEPTANCE, story=story)
        .select_related("accepted_by")
        .first()
    )
    rejection = (
        Event.objects.for_object("story", story.pk)
        .filter(verb="story.rejected")
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    is_done = story.status.category == StatusCategory.DONE
    return {
        "product": product,
        "story": story,
        "criteria": readiness.criteria(story.acceptance_criteria),
        "tasks": list(story.tasks.all()),
        "dod": [{"item": item, "check": checks.get(item.pk)} for item in items],
        "dod_complete": all(item.pk in checks for item in items),
        "acceptance": acceptance,
        "rejection": rejection,
        "is_done": is_done,
        "can_tick": acceptance is None and access.can(request.user, Capability.MOVE_CARDS, story),
        "can_accept": is_done and access.can(request.user, Capability.ACCEPT_STORY, story),
        "can_reject": is_done
        and (story.sprint is None or story.sprint.state != SprintState.CLOSED)
        and access.can(request.user, Capability.ACCEPT_STORY, story),
        "reject_form": extra.pop("reject_form", None) or RejectForm(),
        "next": _back_to(request, product, story),
        "in_panel": bool(request.htmx),
        **extra,
    }


@login_required
@vary_on_headers("HX-Request")
def card_panel(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, story = _story_or_404(request, slug, pk)
    context = _panel_context(request, product, story, opening=True)
    if request.htmx:
        return render(request, "sprints/card.html#card-panel", context)
    context |= product_context(request, product) | {"team": story.team, "nav": "board"}
    return render(request, "sprints/card.html", context)


def _after_change(
    request: UserRequest,
    product: Product,
    story: Story,
    *,
    status: int = 200,
    errors: list[str] | None = None,
    reject_form: RejectForm | None = None,
) -> HttpResponse:
    def context() -> dict[str, Any]:
        story.refresh_from_db()
        values = _panel_context(request, product, story, errors=errors, reject_form=reject_form)
        if not request.htmx:
            values |= product_context(request, product) | {"team": story.team, "nav": "board"}
        return values

    url = _back_to(request, product, story)
    response = answer(request, "sprints/card.html#card-panel", context, url, status=status)
    if request.htmx and status < 400:
        # The board behind the panel redraws itself (its filters kept): the card's count,
        # its badge, its column after a rejection. See board.html's #board.
        response["HX-Trigger"] = "board-changed"
    return response


def _refused(
    request: UserRequest, product: Product, story: Story, error: ValidationError, **forms: Any
) -> HttpResponse:
    return _after_change(request, product, story, status=422, errors=error.messages, **forms)


@login_required
@require_POST
def done_item_toggle(request: UserRequest, slug: str, pk: int, item_pk: int) -> HttpResponse:
    """Tick (``done=1``) or untick (``done=0``) one item of the Definition of Done."""
    product, story = _story_or_404(request, slug, pk)
    item = get_object_or_404(ChecklistItem, product=product, kind=ChecklistKind.DONE, pk=item_pk)
    access.require(request.user, Capability.MOVE_CARDS, story)
    service = (
        services.tick_done_item if request.POST.get("done") == "1" else services.untick_done_item
    )
    try:
        service(actor=request.user, story=story, item=item)
    except ValidationError as error:
        return _refused(request, product, story, error)
    return _after_change(request, product, story)


@login_required
@require_POST
def story_accept(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, story = _story_or_404(request, slug, pk)
    access.require(request.user, Capability.ACCEPT_STORY, story)
    try:
        services.accept_story(actor=request.user, story=story)
    except ValidationError as error:
        return _refused(request, product, story, error)
    return _after_change(request, product, story)


@login_required
@require_POST
def story_reject(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    """Send a done story back to the team's to-do column, saying what is missing."""
    product, story = _story_or_404(request, slug, pk)
    access.require(request.user, Capability.ACCEPT_STORY, story)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.reject_story(
                actor=request.user, story=story, comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _after_change(request, product, story)
    errors = form.non_field_errors()
    return _after_change(
        request, product, story, status=422, errors=[str(m) for m in errors], reject_form=form
    )


@login_required
@require_POST
def card_move(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    """The board's move (drag, keyboard, the "Move to…" form): ``backlog:story_move``'s
    form and answers, through ``move_card``, which withdraws the acceptance of an accepted
    card taken out of the done columns. htmx and fetch calls get 204."""
    return answer_move(request, slug, pk, services.move_card)
