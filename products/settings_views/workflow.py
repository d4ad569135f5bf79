from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from products import access, workflow
from products.access import Capability
from products.forms import ChecklistItemForm, DeleteStatusForm, StatusForm
from products.models import ChecklistItem, ChecklistKind, Product, Status
from products.settings_views.common import settings_context
from products.views import add_service_errors


def _statuses_context(request: HttpRequest, product: Product, **extra: Any) -> dict[str, Any]:
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
def statuses(request: HttpRequest, slug: str) -> HttpResponse:
    """The workflow's columns in order; the PM and POs add, edit, reorder and delete."""
    product = access.get_product_or_404(request.user, slug)
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
        return render(request, "products/settings/statuses.html", context, status=422)
    context = _statuses_context(request, product)
    return render(request, "products/settings/statuses.html", context)


def _statuses_answer(request: HttpRequest, product: Product) -> HttpResponse:
    if request.htmx:
        context = _statuses_context(request, product)
        return render(request, "products/settings/statuses.html#status-list", context)
    return redirect("products:settings_statuses", slug=product.slug)


def _status(request: HttpRequest, slug: str, pk: int) -> tuple[Product, Status]:
    product = access.get_product_or_404(request.user, slug)
    return product, get_object_or_404(Status, pk=pk, product=product)


@login_required
@require_POST
def status_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
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
    template = "products/settings/statuses.html"
    if request.htmx:
        template += "#status-list"
    return render(request, template, context, status=422)


@login_required
@require_POST
def status_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    product, status = _status(request, slug, pk)
    workflow.move_status(
        actor=request.user, status=status, up=request.POST.get("direction") == "up"
    )
    return _statuses_answer(request, product)


@login_required
def status_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Asks where the status's stories go, then deletes it (a confirmation page)."""
    product, status = _status(request, slug, pk)
    access.require(request.user, Capability.EDIT_WORKFLOW, product)
    story_count = status.stories.count()  # type: ignore[attr-defined]
    form = DeleteStatusForm(status=status)
    code = 200
    if request.method == "POST":
        form = DeleteStatusForm(request.POST, status=status)
        if form.is_valid():
            try:
                moved = workflow.delete_status(
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
                return redirect("products:settings_statuses", slug=product.slug)
        code = 422
    context = settings_context(request, product, "statuses") | {
        "status": status,
        "story_count": story_count,
        "form": form,
    }
    return render(request, "products/settings/status_delete.html", context, status=code)


def _checklists_context(request: HttpRequest, product: Product, **extra: Any) -> dict[str, Any]:
    items = list(product.checklist.all())
    lists = []
    for kind in ChecklistKind:
        rows = [
            (i, ChecklistItemForm(initial={"text": i.text, "rule": i.rule}, prefix=f"c{i.pk}"))
            for i in items
            if i.kind == kind
        ]
        new = extra.pop(f"new_{kind.value}", None) or ChecklistItemForm(prefix=f"new-{kind.value}")
        lists.append({"kind": kind, "rows": rows, "new_form": new})
    return settings_context(request, product, "checklists") | {"lists": lists} | extra


@login_required
def checklists(request: HttpRequest, slug: str) -> HttpResponse:
    """The Definition of Ready and of Done; the PM and POs add, edit, reorder and remove."""
    product = access.get_product_or_404(request.user, slug)
    if request.method == "POST":
        access.require(request.user, Capability.EDIT_WORKFLOW, product)
        kind = ChecklistKind(request.POST.get("kind", ChecklistKind.READY))
        form = ChecklistItemForm(request.POST, prefix=f"new-{kind.value}")
        if form.is_valid():
            try:
                workflow.create_checklist_item(
                    actor=request.user, product=product, kind=kind, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return _checklists_answer(request, product)
        context = _checklists_context(request, product, **{f"new_{kind.value}": form})
        return render(request, "products/settings/checklists.html", context, status=422)
    return render(
        request, "products/settings/checklists.html", _checklists_context(request, product)
    )


def _checklists_answer(request: HttpRequest, product: Product) -> HttpResponse:
    if request.htmx:
        context = _checklists_context(request, product)
        return render(request, "products/settings/checklists.html#checklists", context)
    return redirect("products:settings_checklists", slug=product.slug)


def _item(request: HttpRequest, slug: str, pk: int) -> tuple[Product, ChecklistItem]:
    product = access.get_product_or_404(request.user, slug)
    return product, get_object_or_404(ChecklistItem, pk=pk, product=product)


@login_required
@require_POST
def checklist_item_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    product, item = _item(request, slug, pk)
    access.require(request.user, Capability.EDIT_WORKFLOW, product)
    form = ChecklistItemForm(request.POST, prefix=f"c{item.pk}")
    if form.is_valid():
        try:
            workflow.update_checklist_item(actor=request.user, item=item, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _checklists_answer(request, product)
    context = _checklists_context(request, product)
    for checklist in context["lists"]:
        checklist["rows"] = [(i, form if i.pk == item.pk else f) for i, f in checklist["rows"]]
    template = "products/settings/checklists.html"
    if request.htmx:
        template += "#checklists"
    return render(request, template, context, status=422)


@login_required
@require_POST
def checklist_item_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    product, item = _item(request, slug, pk)
    workflow.move_checklist_item(
        actor=request.user, item=item, up=request.POST.get("direction") == "up"
    )
    return _checklists_answer(request, product)


@login_required
@require_POST
def checklist_item_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    product, item = _item(request, slug, pk)
    workflow.delete_checklist_item(actor=request.user, item=item)
    return _checklists_answer(request, product)
