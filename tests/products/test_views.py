from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from products.models import Product


def test_a_member_of_one_product_lands_on_it(client: Client, developer: Any) -> None:
    client.force_login(developer)
    response = client.get(reverse("products:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("sprints:product_overview", args=["cadence"])


def test_the_head_of_product_sees_every_product(
    client: Client, superuser: Any, product: Product
) -> None:
    client.force_login(superuser)
    response = client.get(reverse("products:home"))
    assert response.status_code == 200
    assert product.name in response.content.decode()


def test_an_outsider_is_told_to_ask_for_an_invitation(client: Client, outsider: Any) -> None:
    client.force_login(outsider)
    response = client.get(reverse("products:home"))
    assert response.status_code == 200
    assert "You don't belong to any product yet." in response.content.decode()


@pytest.mark.parametrize(
    ("role", "sees_new_story"),
    [("pm", True), ("po", True), ("developer", True), ("stakeholder", False)],
)
def test_the_navigation_shows_only_what_the_role_may_do(
    client: Client,
    request: pytest.FixtureRequest,
    product: Product,
    role: str,
    sees_new_story: bool,
) -> None:
    client.force_login(request.getfixturevalue(role))
    html = client.get(reverse("sprints:product_overview", args=[product.slug])).content.decode()
    assert (reverse("backlog:story_create", args=[product.slug]) in html) is sees_new_story


def test_the_overview_shows_each_team_and_its_active_sprint(
    client: Client, po: Any, product: Product, team: Any, other_team: Any
) -> None:
    from backlog.models import SprintState
    from tests.sprints.factories import SprintFactory

    SprintFactory(team=team, name="Sprint 12", state=SprintState.ACTIVE, goal="Ship search")
    client.force_login(po)
    html = client.get(reverse("sprints:product_overview", args=[product.slug])).content.decode()
    assert "Falcons" in html and "Owls" in html
    assert "Sprint 12" in html and "Ship search" in html
    assert "No active sprint." in html  # the Owls have none


def test_the_vision_is_rendered_as_safe_markdown(client: Client, pm: Any, product: Product) -> None:
    Product.objects.filter(pk=product.pk).update(
        vision="## Why\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    client.force_login(pm)
    html = client.get(reverse("sprints:product_overview", args=[product.slug])).content.decode()
    assert "<h2>Why</h2>" in html
    assert "javascript:" not in html and "onerror" not in html


def test_every_page_is_sent_with_a_content_security_policy_and_nonces(
    client: Client, po: Any, product: Product
) -> None:
    client.force_login(po)
    response = client.get(reverse("sprints:product_overview", args=[product.slug]))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()
