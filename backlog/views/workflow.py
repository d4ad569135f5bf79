"""The workflow's statuses (settings, for the PM and POs): reading them counts their
stories and deleting one moves its stories, so the page is the backlog's."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from backlog import services
from core import access
from core.access import Capability
from core.web import UserRequest, add_service_errors, answer
from products import workflow
from products.forms import DeleteStatusForm, StatusForm
from products.grants import get_product_or_404
from products.models import Product, Status
from products.settings_views.common import settings_context


def _statuses_context(request: UserRequest, product: Product, **extra: Any) -> dict[str, Any]:
    statuses = list(
        product.statuses.annotate(story_count=Count("stories")).order_by("position", "id")
    )
    forms = {
        s.pk: StatusForm(
            initial={"name": s.name, "category": s.category, "wip_limit": s.wip_limit},
            prefix=f"s{s.pk}",
        )
        for s in statuses
    }
    rows = [(s, forms[s.pk]) for s in statuses]
    return (
        settings_context(request, product, "statuses")
        | {
            "rows": rows,
            "new_form": StatusForm(prefix="new"),
        }
        | extra
    )


@login_required
def statuses(request: UserRequest, slug: str) -> HttpResponse:
    """The workflow's columns in order; the PM and POs add, edit, reorder and delete."""
    product = get_product_or_404(request.user, slug)
    if request.method == "POST":
        access.require(request.user, Capability.EDIT_WORKFLOW, product)
        form = StatusForm(request.POST, prefix="new")
        if form.is_valid():
            try:
                workflow.create_status(actor=request.user, product=product, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return _statuses_answer(request, product)
        context = _statuses_context(request, product, new_form=form)
        return render(request, "backlog/statuses.html", context, status=422)
    context = _statuses_context(request, product)
    return render(request, "backlog/statuses.html", context)


def _statuses_answer(request: UserRequest, product: Product) -> HttpResponse:
    return answer(
        request,
        "backlog/statuses.html#status-list",
        lambda: _statuses_context(request, product),
        reverse("backlog:settings_statuses", args=[product.slug]),
    )


def _status(request: UserRequest, slug: str, pk: int) -> tuple[Product, Status]:
    product = get_product_or_404(request.user, slug)
    return product, get_object_or_404(Status, pk=pk, product=product)


@login_required
@require_POST
def status_edit(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, status = _status(request, slug, pk)
    access.require(request.user, Capability.EDIT_WORKFLOW, product)
    form = StatusForm(request.POST, prefix=f"s{status.pk}")
    if form.is_valid():
        try:
            workflow.update_status(actor=request.user, status=status, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _statuses_answer(request, product)
    context = _statuses_context(request, product)
    context["rows"] = [(s, form if s.pk == status.pk else f) for s, f in context["rows"]]
    return answer(request, "backlog/statuses.html#status-list", context, status=422)


@login_required
@require_POST
def status_move(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, status = _status(request, slug, pk)
    workflow.move_status(
        actor=request.user, status=status, up=request.POST.get("direction") == "up"
    )
    return _statuses_answer(request, product)


@login_required
def status_delete(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    """Asks where the status's stories go, then deletes it (a confirmation page)."""
    product, status = _status(request, slug, pk)
    access.require(request.user, Capability.EDIT_WORKFLOW, product)
    story_count = status.stories.count()
    form = DeleteStatusForm(status=status)
    code = 200
    if request.method == "POST":
        form = DeleteStatusForm(request.POST, status=status)
        if form.is_valid():
            try:
                moved = services.delete_status(
                    actor=request.user, status=status, move_to=form.cleaned_data["move_to"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Status deleted; %(count)d story moved.",
                        "Status deleted; %(count)d stories moved.",
                        moved,
                    )
                    % {"count": moved},
                )
                return redirect("backlog:settings_statuses", slug=product.slug)
        code = 422
    context = settings_context(request, product, "statuses") | {
        "status": status,
        "story_count": story_count,
        "form": form,
    }
    return render(request, "backlog/status_delete.html", context, status=code)
