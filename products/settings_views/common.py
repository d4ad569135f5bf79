from __future__ import annotations

from typing import Any

from core import access
from core.access import Capability
from core.web import UserRequest
from products.models import Product
from products.views import product_context


def settings_context(request: UserRequest, product: Product, tab: str) -> dict[str, Any]:
    return product_context(request, product) | {
        "nav": "settings",
        "tab": tab,
        "can_manage": access.can(request.user, Capability.MANAGE_TEAMS, product),
        "can_edit_workflow": access.can(request.user, Capability.EDIT_WORKFLOW, product),
        "can_edit_product": access.can(request.user, Capability.EDIT_VISION, product),
        "can_archive": access.can(request.user, Capability.ARCHIVE_PRODUCT, product),
    }
