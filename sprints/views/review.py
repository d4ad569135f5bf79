"""The sprint review's page: the sprint's done stories for the PO to accept or send back,
the goal, everyone's feedback (stakeholders included) that the PO may turn into stories,
and the notes.

Each change answers htmx with the changed part (``#review-stories``, ``#review-feedback``,
``#review-notes``), other requests with a redirect back to the page; a refusal gets 422
(409 for notes edited meanwhile) and the part with its error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from backlog.models import SprintState, Story
from core import access
from core.access import Capability
from core.concurrency import Stale
from core.models import Event
from core.web import UserRequest, add_service_errors, answer
from products.grants import get_product_or_404
from products.models import ChecklistItem, ChecklistKind, Product, StatusCategory
from products.views import product_context
from sprints import completion, services
from sprints.forms import FeedbackForm, NotesForm, RejectForm
from sprints.models import Acceptance, Ceremony, CeremonyKind, ReviewFeedback


def _review_or_404(request: UserRequest, slug: str, pk: int) -> tuple[Product, Ceremony]:
    product = get_product_or_404(request.user, slug)
    ceremony = get_object_or_404(
        Ceremony.objects.select_related("team", "sprint"),
        team__product=product,
        kind=CeremonyKind.REVIEW,
        pk=pk,
    )
    ceremony.team.product = product  # the same row: spares a query for its slug
    return product, ceremony


@dataclass(frozen=True)
class Reviewed:
    """A done story as the review shows it: whether its Definition of Done is all ticked,
    and its acceptance, if any."""

    story: Story
    dod_complete: bool
    accepted: Acceptance | None


def _stories(ceremony: Ceremony) -> dict[str, Any]:
    sprint = ceremony.sprint
    if sprint is None:
        return {"done_stories": [], "open_stories": [], "sent_back": [], "sprint_stories": []}
    stories = list(
        Story.objects.filter(sprint=sprint)
        .select_related("status", "assignee", "acceptance__accepted_by")
        .annotate(ticked=Count("done_checks"))
        .order_by("status__position", "rank")
    )
    dod_size = ChecklistItem.objects.filter(
        product_id=ceremony.team.product_id, kind=ChecklistKind.DONE
    ).count()
    done = []
    for story in stories:
        if story.status.category != StatusCategory.DONE:
            continue
        try:
            accepted: Acceptance | None = story.acceptance
        except Story.acceptance.RelatedObjectDoesNotExist:
            accepted = None
        done.append(Reviewed(story, story.ticked >= dod_size, accepted))
    # Stories sent back during the sprint left it for the backlog; the events keep why.
    rejections = list(
        Event.objects.filter(
            product_id=ceremony.team.product_id,
            sprint_id=sprint.pk,
            verb="story.rejected",
            object_type="story",
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
    titles = Story.objects.in_bulk({e.object_id for e in rejections})
    sent_back = [
        {"event": e, "story": titles[e.object_id]} for e in rejections if e.object_id in titles
    ]
    return {
        "sprint_stories": stories,
        "done_stories": done,
        "open_stories": [s for s in stories if s.status.category != StatusCategory.DONE],
        "sent_back": sent_back,
    }


# The parts of the page live.js redraws when the team's events arrive.
LIVE_PARTS = ("review-stories", "review-feedback")


def _context(request: UserRequest, product: Product, ceremony: Ceremony, **extra: Any) -> dict:
    user = request.user
    sprint = ceremony.sprint
    context = product_context(request, product) | {
        "team": ceremony.team,
        "sprint": sprint,
        "ceremony": ceremony,
        "can_accept": access.can(user, Capability.ACCEPT_STORY, ceremony),
        "live_url": reverse("sprints:review", args=[product.slug, ceremony.pk]),
        "can_reject": sprint is not None
        and sprint.state != SprintState.CLOSED
        and access.can(user, Capability.ACCEPT_STORY, ceremony),
        "can_feedback": access.can(user, Capability.GIVE_FEEDBACK, ceremony),
        "can_convert": access.can(user, Capability.CONVERT_TO_STORY, ceremony),
        "can_write_notes": access.can(user, Capability.WRITE_DAILY, ceremony),
        "feedback_items": list(
            ReviewFeedback.objects.filter(ceremony=ceremony).select_related(
                "author", "about", "story"
            )
        ),
        "feedback_form": FeedbackForm(ceremony=ceremony),
        "notes_form": NotesForm(initial={"notes": ceremony.notes, "version": ceremony.version}),
        "reject_form": RejectForm(),
        "nav": "ceremony",
    }
    context |= _stories(ceremony)
    context["points_done"] = sum(r.story.points or 0 for r in context["done_stories"])
    # What the sprint's close will count as completed (sprints.completion).
    context["points_accepted"] = completion.points(r.story for r in context["done_stories"])
    return context | extra


@login_required
def review(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, ceremony = _review_or_404(request, slug, pk)
    context = _context(request, product, ceremony)
    # live.js asks for the part an event changed (HX-Target).
    if request.htmx and request.htmx.target in LIVE_PARTS:
        return render(request, f"sprints/review.html#{request.htmx.target}", context)
    return render(request, "sprints/review.html", context)


def _answer(
    request: UserRequest,
    product: Product,
    ceremony: Ceremony,
    part: str,
    *,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    def context() -> dict[str, Any]:
        ceremony.refresh_from_db()
        if ceremony.sprint is not None:
            ceremony.sprint.refresh_from_db()
        return _context(request, product, ceremony, **extra)

    url = reverse("sprints:review", args=[product.slug, ceremony.pk])
    return answer(request, f"sprints/review.html#{part}", context, f"{url}#{part}", status=status)


@login_required
@require_POST
def review_story_accept(request: UserRequest, slug: str, pk: int, story_pk: int) -> HttpResponse:
    product, ceremony = _review_or_404(request, slug, pk)
    access.require(request.user, Capability.ACCEPT_STORY, ceremony)
    story = get_object_or_404(Story, sprint_id=ceremony.sprint_id, pk=story_pk)
    try:
        services.accept_story_in_review(actor=request.user, ceremony=ceremony, story=story)
    except ValidationError as error:
        return _answer(
            request, product, ceremony, "review-stories", status=422, story_errors=error.messages
        )
    return _answer(request, product, ceremony, "review-stories")


@login_required
@require_POST
def review_story_reject(request: UserRequest, slug: str, pk: int, story_pk: int) -> HttpResponse:
    """Send a done story back to the product backlog, saying what is missing."""
    product, ceremony = _review_or_404(request, slug, pk)
    access.require(request.user, Capability.ACCEPT_STORY, ceremony)
    story = get_object_or_404(Story, sprint_id=ceremony.sprint_id, pk=story_pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.reject_story_in_review(
                actor=request.user,
                ceremony=ceremony,
                story=story,
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _answer(request, product, ceremony, "review-stories")
    errors = [str(e) for errors in form.errors.values() for e in errors]
    return _answer(
        request,
        product,
        ceremony,
        "review-stories",
        status=422,
        story_errors=errors,
        rejecting=story.pk,
    )


@login_required
@require_POST
def review_feedback_add(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, ceremony = _review_or_404(request, slug, pk)
    access.require(request.user, Capability.GIVE_FEEDBACK, ceremony)
    form = FeedbackForm(request.POST, ceremony=ceremony)
    if form.is_valid():
        try:
            services.add_review_feedback(actor=request.user, ceremony=ceremony, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _answer(request, product, ceremony, "review-feedback")
    return _answer(request, product, ceremony, "review-feedback", status=422, feedback_form=form)


@login_required
@require_POST
def review_feedback_convert(
    request: UserRequest, slug: str, pk: int, feedback_pk: int
) -> HttpResponse:
    """The PO turns the feedback into a backlog story."""
    product, ceremony = _review_or_404(request, slug, pk)
    feedback = get_object_or_404(ReviewFeedback, ceremony=ceremony, pk=feedback_pk)
    feedback.ceremony = ceremony
    access.require(request.user, Capability.CONVERT_TO_STORY, ceremony)
    try:
        services.convert_feedback_to_story(actor=request.user, feedback=feedback)
    except ValidationError as error:
        return _answer(
            request,
            product,
            ceremony,
            "review-feedback",
            status=422,
            feedback_errors=error.messages,
        )
    return _answer(request, product, ceremony, "review-feedback")


@login_required
@require_POST
def review_notes(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, ceremony = _review_or_404(request, slug, pk)
    access.require(request.user, Capability.WRITE_DAILY, ceremony)
    form = NotesForm(request.POST)
    if not form.is_valid():
        return _answer(request, product, ceremony, "review-notes", status=422, notes_form=form)
    try:
        services.update_ceremony_notes(
            actor=request.user,
            ceremony=ceremony,
            notes=form.cleaned_data["notes"],
            version=form.cleaned_data["version"],
        )
    except Stale as stale:
        # Their text stays in the box; the notes as they are now show above it.
        current = stale.current_as(Ceremony)
        form = NotesForm(initial={"notes": form.cleaned_data["notes"], "version": current.version})
        return _answer(
            request,
            product,
            ceremony,
            "review-notes",
            status=409,
            notes_form=form,
            stale=True,
            stale_notes=current.notes,
        )
    return _answer(request, product, ceremony, "review-notes")
