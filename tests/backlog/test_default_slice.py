"""A PO of exactly one team opens the backlog on that team's slice (its stories and those
with no team yet); the filter says so in the URL's place and can be cleared."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from core.access import Role
from products.models import Product, Team
from tests.products.factories import MembershipFactory


def _url(product: Product, query: str = "") -> str:
    url = reverse("backlog:backlog", args=[product.slug])
    return f"{url}?{query}" if query else url


def _titles(response: Any) -> list[str]:
    return [s.title for s in response.context["rows"]]


def _stories(make_story: Any, team: Team, other_team: Team) -> None:
    make_story(title="Ours", team=team)
    make_story(title="Nobody's", team=None)
    make_story(title="Theirs", team=other_team)


def test_a_po_of_one_team_opens_on_the_teams_slice(
    client: Client, po: Any, product: Product, team: Team, other_team: Team, make_story: Any
) -> None:
    _stories(make_story, team, other_team)
    client.force_login(po)
    response = client.get(_url(product))
    assert _titles(response) == ["Ours", "Nobody's"]
    assert response.context["slice_by_default"]
    html = response.content.decode()
    assert f'<option value="{team.pk}+" selected>' in html
    assert "Your team&#x27;s slice" in html or "Your team's slice" in html
    # The export and the bulk form carry the slice, so they act on what is shown.
    assert f"team={team.pk}%2B" in response.context["query"]
    assert response.context["totals"]["count"] == 2


def test_the_slice_can_be_cleared_or_replaced_by_another_team(
    client: Client, po: Any, product: Product, team: Team, other_team: Team, make_story: Any
) -> None:
    _stories(make_story, team, other_team)
    client.force_login(po)
    response = client.get(_url(product, "team=all"))
    assert _titles(response) == ["Ours", "Nobody's", "Theirs"]
    assert not response.context["slice_by_default"] and not response.context["filters"].active
    # The select's "All teams" sends an empty value: that also means every team.
    assert len(_titles(client.get(_url(product, "team=")))) == 3
    assert _titles(client.get(_url(product, f"team={other_team.pk}"))) == ["Theirs"]
    # "Clear filters" goes to every team, not back to the default.
    assert f'href="{_url(product, "team=all")}"' in response.content.decode()


def test_the_slice_filter_is_also_a_choice_for_anyone(
    client: Client, pm: Any, product: Product, team: Team, other_team: Team, make_story: Any
) -> None:
    _stories(make_story, team, other_team)
    client.force_login(pm)
    assert len(_titles(client.get(_url(product)))) == 3  # no default for a PM
    response = client.get(_url(product, f"team={other_team.pk}%2B"))
    assert _titles(response) == ["Nobody's", "Theirs"]


def test_a_po_of_two_teams_and_a_developer_see_every_team_by_default(
    client: Client,
    po: Any,
    developer: Any,
    product: Product,
    team: Team,
    other_team: Team,
    make_story: Any,
) -> None:
    _stories(make_story, team, other_team)
    client.force_login(developer)
    assert len(_titles(client.get(_url(product)))) == 3
    MembershipFactory(user=po, product=product, team=other_team, role=Role.PO)
    client.force_login(po)
    response = client.get(_url(product))
    assert len(_titles(response)) == 3 and not response.context["slice_by_default"]


def test_the_default_slice_costs_no_query(
    client: Client,
    po: Any,
    product: Product,
    team: Team,
    other_team: Team,
    make_story: Any,
    django_assert_num_queries: Any,
) -> None:
    _stories(make_story, team, other_team)
    client.force_login(po)
    client.get(_url(product))
    with django_assert_num_queries(19):  # as test_the_backlog_page_costs_the_same_queries…
        client.get(_url(product))
