from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import access, parsing
from core.access import Capability
from core.web import UserRequest, add_service_errors, answer
from products import workflow
from products.forms import ChecklistItemForm, ReadinessRuleForm
from products.grants import get_product_or_404
from products.models import ChecklistItem, ChecklistKind, Product
from products.settings_views.common import settings_context


def _checklists_context(request: UserRequest, product: Product, **extra: Any) -> dict[str, Any]:
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
    rule_form = extra.pop("rule_form", None) or ReadinessRuleForm(
        initial={"readiness_rule": product.readiness_rule}
    )
    return (
        settings_context(request, product, "checklists")
        | {"lists": lists, "rule_form": rule_form}
        | extra
    )


@login_required
def checklists(request: UserRequest, slug: str) -> HttpResponse:
    """The Definition of Ready and of Done; the PM and POs add, edit, reorder and remove."""
    product = get_product_or_404(request.user, slug)
    if request.method == "POST":
        access.require(request.user, Capability.EDIT_WORKFLOW, product)
        kind = ChecklistKind(
            parsing.choice_param(request.POST, "kind", ChecklistKind.values) or ChecklistKind.READY
        )
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


def _checklists_answer(request: UserRequest, product: Product) -> HttpResponse:
    return answer(
        request,
        "products/settings/checklists.html#checklists",
        lambda: _checklists_context(request, product),
        reverse("products:settings_checklists", args=[product.slug]),
    )


def _item(request: UserRequest, slug: str, pk: int) -> tuple[Product, ChecklistItem]:
    product = get_product_or_404(request.user, slug)
    return product, get_object_or_404(ChecklistItem, pk=pk, product=product)


@login_required
@require_POST
def checklist_item_edit(request: UserRequest, slug: str, pk: int) -> HttpResponse:
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
    return answer(request, "products/settings/checklists.html#checklists", context, status=422)


@login_required
@require_POST
def checklist_item_move(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, item = _item(request, slug, pk)
    workflow.move_checklist_item(
        actor=request.user, item=item, up=request.POST.get("direction") == "up"
    )
    return _checklists_answer(request, product)


@login_required
@require_POST
def checklist_item_delete(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, item = _item(request, slug, pk)
    workflow.delete_checklist_item(actor=request.user, item=item)
    return _checklists_answer(request, product)


@login_required
@require_POST
def readiness_rule(request: UserRequest, slug: str) -> HttpResponse:
    """Whether the Definition of Ready warns or refuses (the PM and the POs)."""
    product = get_product_or_404(request.user, slug)
    access.require(request.user, Capability.EDIT_WORKFLOW, product)
    form = ReadinessRuleForm(request.POST)
    if form.is_valid():
        try:
            workflow.set_readiness_rule(
                actor=request.user, product=product, rule=form.cleaned_data["readiness_rule"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _checklists_answer(request, product)
    context = _checklists_context(request, product, rule_form=form)
    return answer(request, "products/settings/checklists.html#checklists", context, status=422)
