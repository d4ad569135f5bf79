from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from backlog import readiness, services
from backlog.forms import MoveForm, StoryForm, StoryLabelForm
from backlog.history import story_history
from backlog.models import Label, Story
from core import access, parsing
from core.access import Capability
from core.concurrency import Stale
from core.web import UserRequest, add_service_errors, answer
from products.grants import get_product_or_404
from products.models import ChecklistKind, Product
from products.views import product_context


def story_or_404(request: UserRequest, slug: str, pk: int) -> tuple[Product, Story]:
    product = get_product_or_404(request.user, slug)
    story = get_object_or_404(
        Story.objects.select_related("status", "team", "epic", "sprint", "assignee"),
        product=product,
        pk=pk,
    )
    return product, story


def detail_context(
    request: UserRequest, product: Product, story: Story, **overrides: object
) -> dict[str, object]:
    context = product_context(request, product) | {
        "story": story,
        "form": StoryForm(instance=story, product=product, initial={"version": story.version}),
        "can_edit": access.can(request.user, Capability.EDIT_STORY, story),
        "move_form": MoveForm(product=product, story=story, initial={"status": story.status_id}),
        "can_move": access.can(
            request.user,
            Capability.MOVE_CARDS if story.sprint_id else Capability.ORDER_BACKLOG,
            story,
        ),
        "tasks": story.tasks.select_related("assignee"),
        "can_task": access.can(request.user, Capability.MOVE_CARDS, story),
        "can_ready": access.can(request.user, Capability.ORDER_BACKLOG, story),
        "criteria": readiness.criteria(story.acceptance_criteria),
        "ready_checks": readiness.check_ready(
            story, list(product.checklist.filter(kind=ChecklistKind.READY))
        ),
        "history": story_history(story),
        "stale": None,
        # The product's labels, each marked when the story has it: one query for both lists.
        "labels": list(
            product.labels.annotate(
                on_story=Exists(
                    Story.labels.through.objects.filter(story=story.pk, label=OuterRef("pk"))
                )
            )
        ),
        "label_form": StoryLabelForm(product=product),
    }
    context["story_labels"] = [label for label in context["labels"] if label.on_story]
    return context | overrides


def after_change(request: UserRequest, product: Product, story: Story, part: str) -> HttpResponse:
    """After a change on the story page: the changed part for htmx, else the page again."""

    def context() -> dict[str, object]:
        story.refresh_from_db()
        return detail_context(request, product, story)

    url = reverse("backlog:story", args=[product.slug, story.pk])
    return answer(request, f"backlog/story_detail.html#{part}", context, url)


@login_required
@require_POST
def toggle_criterion(request: UserRequest, slug: str, pk: int, index: int) -> HttpResponse:
    """Tick or untick one acceptance criterion: an edit of the text, checked against its version."""
    product, story = story_or_404(request, slug, pk)
    access.require(request.user, Capability.EDIT_STORY, story)
    try:
        text = readiness.with_criterion_toggled(story.acceptance_criteria, index)
        version = parsing.parse_int(request.POST.get("version"), "version", default=-1)
    except (IndexError, parsing.BadInput):
        return HttpResponse(status=422)
    try:
        services.update_story(
            actor=request.user, story=story, version=version, acceptance_criteria=text
        )
    except Stale as conflict:
        current = conflict.current_as(Story)
        context = detail_context(request, product, current, stale={"current": current, "yours": {}})
        template = "backlog/story_detail.html" + ("#criteria" if request.htmx else "")
        return render(request, template, context, status=409)
    return after_change(request, product, story, "criteria")


@login_required
@require_POST
def mark_ready(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    """Mark a story ready; with Definition of Ready items missing, ask once to confirm."""
    product, story = story_or_404(request, slug, pk)
    ready, confirm = request.POST.get("ready") == "1", request.POST.get("confirm") == "1"
    try:
        services.set_story_ready(actor=request.user, story=story, ready=ready, confirm=confirm)
    except readiness.NotReady as refusal:
        # Warned: the same form again with confirm; enforced: the items to meet first.
        key = "confirm_ready" if refusal.confirmable else "ready_refused"
        context = detail_context(request, product, story, **{key: refusal.missing})
        template = "backlog/story_detail.html" + ("#readiness" if request.htmx else "")
        return render(request, template, context, status=422)
    return after_change(request, product, story, "readiness")


@login_required
def story_create(request: UserRequest, slug: str) -> HttpResponse:
    product = get_product_or_404(request.user, slug)
    access.require(request.user, Capability.CREATE_STORY, product)
    form = StoryForm(request.POST or None, product=product)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            story = services.create_story(actor=request.user, product=product, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("backlog:story", slug=product.slug, pk=story.pk)
    status = 422 if request.method == "POST" else 200
    context = product_context(request, product) | {"form": form}
    return render(request, "backlog/story_form.html", context, status=status)


@login_required
def story_detail(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, story = story_or_404(request, slug, pk)
    form: StoryForm | None = None
    status, stale = 200, None
    if request.method == "POST":
        access.require(request.user, Capability.EDIT_STORY, story)
        form = StoryForm(request.POST, instance=story, product=product)
        status = 422
        if form.is_valid():
            version = form.cleaned_data.pop("version") or 0
            changes = {k: form.cleaned_data[k] for k in services.EDITABLE_FIELDS}
            story.refresh_from_db()  # is_valid() wrote the form's values onto the instance
            try:
                services.update_story(actor=request.user, story=story, version=version, **changes)
            except Stale as conflict:
                status = 409
                # Show the current values, keep what the user typed beside them to copy.
                yours = dict(form.cleaned_data)
                current = conflict.current_as(Story)
                form = StoryForm(
                    instance=current, product=product, initial={"version": current.version}
                )
                stale = {"current": current, "yours": yours}
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                url = reverse("backlog:story", args=[product.slug, story.pk])
                # htmx would swap a followed redirect's whole page into the form's place.
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        story.refresh_from_db()
    context = detail_context(request, product, story, stale=stale)
    if form is not None:
        context["form"] = form
    template = "backlog/story_detail.html"
    if request.htmx and request.method == "POST":
        template += "#story-form"
    return render(request, template, context, status=status)


@login_required
@require_POST
def story_move(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    """Move a story: a status and/or a place named by a neighbour, the top, the bottom or a
    position in its list (the backlog, or its sprint). htmx and fetch calls get 204."""
    return answer_move(request, slug, pk, services.move_story)


def answer_move(
    request: UserRequest, slug: str, pk: int, move: Callable[..., Story]
) -> HttpResponse:
    """The move form's answers, whichever service moves (the board's withdraws an
    acceptance: ``sprints:card_move``)."""
    product, story = story_or_404(request, slug, pk)
    form = MoveForm(request.POST, product=product, story=story)
    if form.is_valid():
        data = form.cleaned_data
        try:
            move(
                actor=request.user,
                story=story,
                status=data["status"],
                after=data["after"],
                before=data["before"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                return HttpResponse(status=204)
            next_url = request.POST.get("next", "")
            if url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                return redirect(next_url)
            return redirect("backlog:story", slug=product.slug, pk=story.pk)
    else:
        access.require(request.user, Capability.VIEW, story)
    story.refresh_from_db()
    context = detail_context(request, product, story, move_form=form)
    return answer(request, "backlog/story_detail.html#move-form", context, status=422)


@login_required
@require_POST
def label_add(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    """Add one of the product's labels, or a new one by name, to the story."""
    product, story = story_or_404(request, slug, pk)
    access.require(request.user, Capability.EDIT_STORY, story)
    form = StoryLabelForm(request.POST, product=product)
    if form.is_valid():
        label = form.cleaned_data["label"]
        try:
            if label is None:
                label = services.create_label(
                    actor=request.user, product=product, name=form.cleaned_data["name"]
                )
            services.add_label(actor=request.user, story=story, label=label)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return after_change(request, product, story, "labels")
    context = detail_context(request, product, story, label_form=form)
    template = "backlog/story_detail.html" + ("#labels" if request.htmx else "")
    return render(request, template, context, status=422)


@login_required
@require_POST
def label_remove(request: UserRequest, slug: str, pk: int, label_pk: int) -> HttpResponse:
    product, story = story_or_404(request, slug, pk)
    label = get_object_or_404(Label, product=product, pk=label_pk)
    services.remove_label(actor=request.user, story=story, label=label)
    return after_change(request, product, story, "labels")
