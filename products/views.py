from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from products import access
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
    teams = list(product.teams.all())
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
