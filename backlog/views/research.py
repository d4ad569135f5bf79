"""User research: the insights the PM records, and the epics and stories that act on them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from backlog import services
from backlog.models import Insight
from backlog.research import InsightForm, LinkForm, insights_of, unaddressed
from core import access, clock
from core.access import Capability
from core.concurrency import Stale
from core.web import UserRequest, add_service_errors, answer
from products.grants import get_product_or_404
from products.models import Product
from products.views import product_context


@login_required
def research(request: UserRequest, slug: str) -> HttpResponse:
    """Every member reads the insights; the PM records new ones here."""
    product = get_product_or_404(request.user, slug)
    form = InsightForm(initial={"date": clock.today()})
    status = 200
    if request.method == "POST":
        access.require(request.user, Capability.EDIT_VISION, product)
        form = InsightForm(request.POST)
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in services.INSIGHT_FIELDS}
            try:
                insight = services.create_insight(actor=request.user, product=product, **data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                # Straight to the insight's page: linking it to epics is the next step.
                return redirect("backlog:insight", slug=product.slug, pk=insight.pk)
        status = 422
    insights = insights_of(product)
    context = product_context(request, product) | {
        "insights": insights,
        "unaddressed": unaddressed(insights),
        "form": form,
        "can_edit": access.can(request.user, Capability.EDIT_VISION, product),
        "nav": "research",
    }
    return render(request, "backlog/research.html", context, status=status)


def _insight_or_404(request: UserRequest, slug: str, pk: int) -> tuple[Product, Insight]:
    product = get_product_or_404(request.user, slug)
    return product, get_object_or_404(Insight.objects.filter(product=product), pk=pk)


def _insight_context(
    request: UserRequest, product: Product, insight: Insight, **overrides: Any
) -> dict[str, Any]:
    context = product_context(request, product) | {
        "insight": insight,
        "epics": insight.epics.order_by("rank"),
        "stories": insight.stories.select_related("status").order_by("rank"),
        "form": InsightForm(instance=insight, initial={"version": insight.version}),
        "link_form": LinkForm(product=product),
        "can_edit": access.can(request.user, Capability.EDIT_VISION, insight),
        "stale": None,
        "nav": "research",
    }
    return context | overrides


@login_required
def insight_detail(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    """One insight with what it is linked to; the PM edits it here."""
    product, insight = _insight_or_404(request, slug, pk)
    if request.method != "POST":
        return render(
            request, "backlog/research_insight.html", _insight_context(request, product, insight)
        )
    access.require(request.user, Capability.EDIT_VISION, insight)
    form = InsightForm(request.POST, instance=Insight(product=product))
    status, stale = 422, None
    if form.is_valid():
        changes = {k: form.cleaned_data[k] for k in services.INSIGHT_FIELDS}
        try:
            services.update_insight(
                actor=request.user,
                insight=insight,
                version=form.cleaned_data["version"] or 0,
                **changes,
            )
        except Stale as conflict:
            status = 409
            stale = {"yours": changes}
            insight = conflict.current_as(Insight)
            form = InsightForm(instance=insight, initial={"version": insight.version})
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("backlog:insight", slug=product.slug, pk=insight.pk)
    insight.refresh_from_db()
    context = _insight_context(request, product, insight, form=form, stale=stale)
    return render(request, "backlog/research_insight.html", context, status=status)


def _links_changed(
    request: UserRequest, product: Product, insight: Insight, link_form: LinkForm, status: int
) -> HttpResponse:
    return answer(
        request,
        "backlog/research_insight.html#insight-links",
        lambda: _insight_context(request, product, insight, link_form=link_form),
        reverse("backlog:insight", args=[product.slug, insight.pk]),
        status=status,
    )


@login_required
@require_POST
def insight_link(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, insight = _insight_or_404(request, slug, pk)
    access.require(request.user, Capability.EDIT_VISION, insight)
    form = LinkForm(request.POST, product=product)
    if form.is_valid():
        try:
            services.link_insight(
                actor=request.user,
                insight=insight,
                epic=form.cleaned_data["epic"],
                story=form.cleaned_data["story"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _links_changed(request, product, insight, LinkForm(product=product), 200)
    return _links_changed(request, product, insight, form, 422)


@login_required
@require_POST
def insight_unlink(request: UserRequest, slug: str, pk: int) -> HttpResponse:
    product, insight = _insight_or_404(request, slug, pk)
    access.require(request.user, Capability.EDIT_VISION, insight)
    form = LinkForm(request.POST, product=product)
    if form.is_valid():
        try:
            services.unlink_insight(
                actor=request.user,
                insight=insight,
                epic=form.cleaned_data["epic"],
                story=form.cleaned_data["story"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _links_changed(request, product, insight, LinkForm(product=product), 200)
    return _links_changed(request, product, insight, form, 422)
