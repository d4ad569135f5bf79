"""The product's readiness rule (issue 16): warn (the default) or enforce, chosen by the PM
and the POs on the Definitions page and through the product API."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from core.models import Event
from products import workflow
from products.models import Product, ReadinessRule


def _rule(product: Product) -> str:
    return Product.objects.get(pk=product.pk).readiness_rule


# The service


def test_a_new_product_warns(product: Product) -> None:
    assert product.readiness_rule == ReadinessRule.WARN


@pytest.mark.parametrize("role", ["pm", "po", "other_team_po", "superuser"])
def test_the_pm_and_the_pos_set_the_rule(
    request: pytest.FixtureRequest, product: Product, role: str
) -> None:
    actor = request.getfixturevalue(role)
    workflow.set_readiness_rule(actor=actor, product=product, rule="enforce")
    assert _rule(product) == ReadinessRule.ENFORCE
    (event,) = Event.objects.filter(verb="product.readiness_rule_changed")
    assert (event.before, event.after) == (
        {"readiness_rule": "warn"},
        {"readiness_rule": "enforce"},
    )
    assert event.actor_id == actor.pk


def test_setting_the_same_rule_again_records_nothing(po: User, product: Product) -> None:
    workflow.set_readiness_rule(actor=po, product=product, rule="warn")
    assert not Event.objects.filter(verb="product.readiness_rule_changed").exists()


@pytest.mark.parametrize("role", ["scrum_master", "developer", "stakeholder"])
def test_the_others_may_not_set_the_rule(
    request: pytest.FixtureRequest, product: Product, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        workflow.set_readiness_rule(
            actor=request.getfixturevalue(role), product=product, rule="enforce"
        )
    assert _rule(product) == ReadinessRule.WARN


def test_an_unknown_rule_is_refused_and_nothing_written(po: User, product: Product) -> None:
    with pytest.raises(ValidationError) as refused:
        workflow.set_readiness_rule(actor=po, product=product, rule="strict")
    assert "readiness_rule" in refused.value.message_dict
    assert _rule(product) == ReadinessRule.WARN
    assert not Event.objects.filter(verb="product.readiness_rule_changed").exists()


# The Definitions page


def _page(product: Product) -> str:
    return reverse("products:settings_checklists", args=[product.slug])


def _set(product: Product) -> str:
    return reverse("products:settings_readiness_rule", args=[product.slug])


def test_the_po_sets_the_rule_on_the_definitions_page(
    client: Client, po: User, product: Product
) -> None:
    client.force_login(po)
    html = client.get(_page(product)).content.decode()
    assert f'action="{_set(product)}"' in html
    assert 'value="warn"' in html and 'value="enforce"' in html
    response = client.post(_set(product), {"readiness_rule": "enforce"})
    assert (response.status_code, response["Location"]) == (302, _page(product))
    assert _rule(product) == ReadinessRule.ENFORCE
    response = client.post(
        _set(product), {"readiness_rule": "warn"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert (
        response.content.decode().lstrip().startswith('<div class="stack section" id="checklists"')
    )
    assert _rule(product) == ReadinessRule.WARN


def test_a_rule_off_the_list_is_refused_on_the_page_with_422(
    client: Client, po: User, product: Product
) -> None:
    client.force_login(po)
    response = client.post(
        _set(product), {"readiness_rule": "strict"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert 'class="errorlist' in response.content.decode()
    assert _rule(product) == ReadinessRule.WARN


def test_a_developer_reads_the_rule_without_the_form(
    client: Client, developer: User, po: User, product: Product
) -> None:
    workflow.set_readiness_rule(actor=po, product=product, rule="enforce")
    client.force_login(developer)
    html = client.get(_page(product)).content.decode()
    assert 'data-readiness-rule="enforce"' in html
    assert _set(product) not in html
    assert client.post(_set(product), {"readiness_rule": "warn"}).status_code == 403


# The product API


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def _patch(api: APIClient, user: User, product: Product, data: dict[str, Any]) -> Any:
    api.force_authenticate(user)
    return api.patch(f"/api/v1/products/{product.pk}/", data, format="json")


def test_the_api_shows_and_sets_the_rule(api: APIClient, po: User, product: Product) -> None:
    api.force_authenticate(po)
    assert api.get(f"/api/v1/products/{product.pk}/").json()["readiness_rule"] == "warn"
    response = _patch(api, po, product, {"readiness_rule": "enforce"})
    assert response.status_code == 200 and response.json()["readiness_rule"] == "enforce"
    assert _rule(product) == ReadinessRule.ENFORCE


def test_the_api_refuses_the_rule_to_a_developer_and_an_unknown_rule(
    api: APIClient, po: User, developer: User, product: Product
) -> None:
    assert _patch(api, developer, product, {"readiness_rule": "enforce"}).status_code == 403
    response = _patch(api, po, product, {"readiness_rule": "strict"})
    assert response.status_code == 400 and "readiness_rule" in response.json()
    assert _rule(product) == ReadinessRule.WARN


def test_a_po_who_sends_the_rule_with_a_pm_setting_is_refused_both(
    api: APIClient, po: User, product: Product
) -> None:
    response = _patch(api, po, product, {"readiness_rule": "enforce", "name": "Renamed"})
    assert response.status_code == 403
    product.refresh_from_db()
    assert (product.name, product.readiness_rule) != ("Renamed", "enforce")
    assert product.readiness_rule == ReadinessRule.WARN
