from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from core import access
from core.access import Capability, Role
from core.concurrency import Stale
from core.parsing import toggle_param
from core.web import UserRequest
from products import services
from products.grants import get_product_or_404
from products.models import Product


def product_context(request: UserRequest, product: Product) -> dict[str, Any]:
    """What every page of a product needs for its header and navigation."""
    # Archived teams leave the navigation (their pages stay reachable by address).
    teams = list(product.teams.filter(archived_at__isnull=True))
    team_names: dict[int | None, str] = {t.pk: t.name for t in teams}
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
def home(request: UserRequest) -> HttpResponse:
    products = list(Product.objects.for_user(request.user))
    if len(products) == 1 and not request.user.is_superuser:
        return redirect("sprints:product_overview", slug=products[0].slug)
    return render(request, "products/home.html", {"products": products})


class VisionForm(forms.ModelForm):
    # The version the PM started from: a save over someone else's meanwhile is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Product
        fields = ["vision", "business_case", "research_notes"]
        widgets = {name: forms.Textarea(attrs={"rows": 10}) for name in fields}


@login_required
def vision(request: UserRequest, slug: str) -> HttpResponse:
    """The product's vision and business case, for everyone; the PM edits them."""
    product = get_product_or_404(request.user, slug)
    can_edit = access.can(request.user, Capability.EDIT_VISION, product)
    form = VisionForm(instance=product, initial={"version": product.version})
    status, stale = 200, None
    if request.method == "POST":
        access.require(request.user, Capability.EDIT_VISION, product)
        form = VisionForm(request.POST, instance=Product(pk=product.pk))
        if form.is_valid():
            try:
                services.update_product(actor=request.user, product=product, **form.cleaned_data)
            except Stale as conflict:
                # The form again with the current texts; the PM's own are shown beside it.
                current = conflict.current_as(Product)
                stale = [(form[f].label, form.cleaned_data[f]) for f in VisionForm.Meta.fields]
                form = VisionForm(instance=current, initial={"version": current.version})
                status = 409
            else:
                return redirect("products:vision", slug=product.slug)
        else:
            status = 422
    context = product_context(request, product) | {
        "form": form,
        "stale": stale,
        "can_edit": can_edit,
        "editing": request.method == "POST"
        or toggle_param(request.GET, "edit", ("0", "1"), "0") == "1",
        "nav": "vision",
    }
    return render(request, "products/vision.html", context, status=status)
