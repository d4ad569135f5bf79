from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from products import access, services
from products.access import Capability
from products.models import Product, Role


def add_service_errors(form: Form, error: ValidationError) -> None:
    """Show a service's refusal on the form: per field where it names one of the form's."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def product_context(request: HttpRequest, product: Product) -> dict[str, Any]:
    """What every page of a product needs for its header and navigation."""
    # Archived teams leave the navigation (their pages stay reachable by address).
    teams = list(product.teams.filter(archived_at__isnull=True))
    team_names = {t.pk: t.name for t in teams}
    roles = [
        (Role(role).label, team_names.get(team_id))
        for team_id, role in access.roles_in(request.user, product.pk)
    ]
    return {
        "product": product,
        "teams": teams,
        "caps": access.capabilities(request.user, product),
        "my_roles": roles,
    }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    products = list(Product.objects.for_user(request.user))
    if len(products) == 1 and not request.user.is_superuser:
        return redirect("sprints:product_overview", slug=products[0].slug)
    return render(request, "products/home.html", {"products": products})


class VisionForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["vision", "business_case", "research_notes"]
        widgets = {name: forms.Textarea(attrs={"rows": 10}) for name in fields}


@login_required
def vision(request: HttpRequest, slug: str) -> HttpResponse:
    """The product's vision and business case, for everyone; the PM edits them."""
    product = access.get_product_or_404(request.user, slug)
    can_edit = access.can(request.user, Capability.EDIT_VISION, product)
    form = VisionForm(instance=product)
    status = 200
    if request.method == "POST":
        access.require(request.user, Capability.EDIT_VISION, product)
        form = VisionForm(request.POST, instance=Product(pk=product.pk))
        if form.is_valid():
            services.update_product(actor=request.user, product=product, **form.cleaned_data)
            return redirect("products:vision", slug=product.slug)
        status = 422
    context = product_context(request, product) | {
        "form": form,
        "can_edit": can_edit,
        "editing": request.method == "POST" or request.GET.get("edit") == "1",
        "nav": "vision",
    }
    return render(request, "products/vision.html", context, status=status)


def base_url(request: HttpRequest) -> str:
    """Where links in e-mails point: this site as the inviter reached it."""
    return request.build_absolute_uri("/").rstrip("/")
