from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from core.models import Event
from products.models import Product

ROLES = ["pm", "po", "scrum_master", "developer", "stakeholder", "other_team_po", "superuser"]


def _post(
    client: Client, product: Product, version: int = 1, vision: str = "# Faster teams"
) -> Any:
    data = {"vision": vision, "business_case": "Saves **time**", "research_notes": ""}
    return client.post(reverse("products:vision", args=[product.slug]), data | {"version": version})


@pytest.mark.parametrize("role", ROLES)
def test_every_member_reads_the_vision(
    client: Client, request: pytest.FixtureRequest, product: Product, role: str
) -> None:
    Product.objects.filter(pk=product.pk).update(vision="Teams **in step**")
    client.force_login(request.getfixturevalue(role))
    html = client.get(reverse("products:vision", args=[product.slug])).content.decode()
    assert "Teams <strong>in step</strong>" in html
    assert ("?edit=1" in html) is (role in {"pm", "superuser"})


@pytest.mark.parametrize(
    ("role", "status"),
    [("pm", 302), ("superuser", 302), ("po", 403), ("developer", 403), ("stakeholder", 403),
     ("outsider", 404)],
)  # fmt: skip
def test_only_the_pm_edits_the_vision(
    client: Client, request: pytest.FixtureRequest, product: Product, role: str, status: int
) -> None:
    client.force_login(request.getfixturevalue(role))
    assert _post(client, product).status_code == status
    product.refresh_from_db()
    assert (product.vision == "# Faster teams") is (status == 302)


def test_an_edit_is_an_event_with_before_and_after(
    client: Client, pm: Any, product: Product
) -> None:
    client.force_login(pm)
    _post(client, product)
    event = Event.objects.get(verb="product.updated")
    assert event.before["vision"] == "" and event.after["vision"] == "# Faster teams"
    assert event.actor == pm


def test_the_edit_form_carries_the_version(client: Client, pm: Any, product: Product) -> None:
    Product.objects.filter(pk=product.pk).update(version=7)
    client.force_login(pm)
    html = client.get(reverse("products:vision", args=[product.slug]) + "?edit=1").content.decode()
    assert 'name="version" value="7"' in html


def test_a_save_over_someone_elses_edit_is_refused_with_both_texts(
    client: Client, pm: Any, product: Product
) -> None:
    client.force_login(pm)
    assert _post(client, product, version=1, vision="First PM").status_code == 302
    response = _post(client, product, version=1, vision="Second PM")
    assert response.status_code == 409
    html = response.content.decode()
    assert "Nothing was overwritten" in html
    assert "First PM" in html and "Second PM" in html  # the current text, and the PM's own
    assert 'name="version" value="2"' in html
    product.refresh_from_db()
    assert (product.vision, product.version) == ("First PM", 2)


def test_a_save_without_the_version_is_refused(client: Client, pm: Any, product: Product) -> None:
    client.force_login(pm)
    data = {"vision": "No version", "business_case": "", "research_notes": ""}
    response = client.post(reverse("products:vision", args=[product.slug]), data)
    assert response.status_code == 422
    product.refresh_from_db()
    assert product.vision == ""
