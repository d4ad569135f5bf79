from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from products.models import Product


def test_switching_to_french_translates_the_pages_and_is_remembered(
    client: Client, developer: Any, product: Product
) -> None:
    client.force_login(developer)
    overview = reverse("sprints:product_overview", args=[product.slug])
    response = client.post(reverse("accounts:set_language"), {"language": "fr", "next": overview})
    assert response.status_code == 302 and response["Location"] == overview
    developer.refresh_from_db()
    assert developer.language == "fr"

    html = client.get(overview).content.decode()
    assert '<html lang="fr">' in html
    assert "Équipes et leurs sprints" in html


def test_a_visitor_can_switch_the_login_page_to_french(client: Client) -> None:
    client.post(reverse("accounts:set_language"), {"language": "fr", "next": "/accounts/login/"})
    html = client.get(reverse("accounts:login")).content.decode()
    assert "Se connecter à Cadence" in html


def test_it_ignores_an_unknown_language_and_a_foreign_next_url(
    client: Client, developer: Any
) -> None:
    client.force_login(developer)
    response = client.post(
        reverse("accounts:set_language"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    developer.refresh_from_db()
    assert developer.language == ""


def test_french_dates_are_localised(client: Client, po: Any, product: Product, team: Any) -> None:
    import datetime as dt

    from backlog.models import SprintState
    from tests.sprints.factories import SprintFactory

    SprintFactory(team=team, state=SprintState.ACTIVE, start_date=dt.date(2026, 3, 2))
    po.language = "fr"
    po.save()
    client.force_login(po)
    html = client.get(reverse("sprints:product_overview", args=[product.slug])).content.decode()
    assert "2 mars 2026" in html
