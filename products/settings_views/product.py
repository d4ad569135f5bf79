from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import access
from core.access import Capability
from core.web import UserRequest, add_service_errors, base_url
from products import invitations, services
from products.forms import NewProductForm, ProductSettingsForm
from products.grants import get_product_or_404
from products.models import EstimationScale, Product
from products.settings_views.common import settings_context


@login_required
def product_settings(request: UserRequest, slug: str) -> HttpResponse:
    """Name, address and estimation scale (the PM); archiving (the PM or a superuser)."""
    product = get_product_or_404(request.user, slug)
    initial = {
        "name": product.name,
        "slug": product.slug,
        "estimation_scale": product.estimation_scale,
    }
    form = ProductSettingsForm(initial=initial, product=product)
    status = 200
    if request.method == "POST":
        access.require(request.user, Capability.EDIT_VISION, product)
        form = ProductSettingsForm(request.POST, product=product)
        if form.is_valid():
            data = form.cleaned_data
            try:
                product = services.update_product_settings(
                    actor=request.user,
                    product=product,
                    name=data["name"],
                    slug=data["slug"],
                    estimation_scale=data["estimation_scale"],
                    tshirt_points=form.tshirt_points(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Settings saved."))
                return redirect("products:settings", slug=product.slug)
        status = 422
        product.refresh_from_db()
    context = settings_context(request, product, "product") | {
        "form": form,
        "tshirt": EstimationScale.TSHIRT,
    }
    return render(request, "products/settings/product.html", context, status=status)


@login_required
@require_POST
def archive_product(request: UserRequest, slug: str) -> HttpResponse:
    product = get_product_or_404(request.user, slug)
    archived = request.POST.get("archived", "1") == "1"
    services.archive_product(actor=request.user, product=product, archived=archived)
    if archived:
        messages.success(request, _("The product is archived: it is read-only now."))
    else:
        messages.success(request, _("The product is active again."))
    return redirect("products:settings", slug=product.slug)


@login_required
def all_products(request: UserRequest) -> HttpResponse:
    """Every product, for the Head of Product, who creates them here with their first PM."""
    if not access.is_head_of_product(request.user):
        raise PermissionDenied(_("Only the Head of Product sees every product."))
    form = NewProductForm()
    status = 200
    if request.method == "POST":
        form = NewProductForm(request.POST)
        if form.is_valid():
            try:
                product = _create_with_pm(request, form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("products:settings_members", slug=product.slug)
        status = 422
    products = Product.objects.order_by("archived_at", "name")
    context = {"form": form, "products": products, "nav": "all_products"}
    return render(request, "products/all_products.html", context, status=status)


def _create_with_pm(request: UserRequest, data: dict[str, str]) -> Product:
    product, manager = invitations.create_product_with_manager(
        actor=request.user,
        name=data["name"],
        slug=data["slug"],
        email=data["pm_email"],
        language=data.get("language", ""),
        base_url=base_url(request),
    )
    if manager is not None:
        messages.success(
            request,
            _("%(product)s is created; %(name)s is its Product Manager.")
            % {"product": product.name, "name": manager.display_name},
        )
    else:
        messages.success(
            request,
            _("%(product)s is created; its Product Manager is invited at %(email)s.")
            % {"product": product.name, "email": data["pm_email"]},
        )
    return product
