"""The team's impediments page: open and resolved lists, the filter, resolving from it; and
an impediment raised in a daily meeting showing on its card of the board."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from backlog.models import Sprint, SprintState, Story
from core import clock
from products.models import Product, Team
from sprints import services
from sprints import services as ceremonies
from sprints.models import Ceremony, Impediment
from tests.conftest import MakeStory
from tests.sprints.factories import CeremonyFactory, SprintFactory

DURING = dt.datetime(2026, 3, 3, 8, 40, tzinfo=dt.UTC)


@pytest.fixture
def active(team: Team) -> Sprint:
    return SprintFactory(team=team, name="Sprint 3", state=SprintState.ACTIVE)


@pytest.fixture
def daily(team: Team, active: Sprint) -> Ceremony:
    return CeremonyFactory(team=team, sprint=active)


@pytest.fixture
def story(active: Sprint, make_story: MakeStory) -> Story:
    return make_story(title="Card payments", sprint=active)


def _url(product: Product, team: Team, show: str = "") -> str:
    url = reverse("sprints:impediments", args=[product.slug, team.slug])
    return f"{url}?show={show}" if show else url


def _resolve_url(product: Product, team: Team, impediment: Impediment) -> str:
    return reverse("sprints:team_impediment_resolve", args=[product.slug, team.slug, impediment.pk])


def _raise(user: User, daily: Ceremony, story: Story | None, reason: str) -> Impediment:
    with clock.at(DURING):
        ceremonies.write_daily_entry(
            actor=user, ceremony=daily, done="", doing="", blockers=reason, blocker_story=story
        )
    return Impediment.objects.get(raised_in=daily, owner=user)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("po", 200),
        ("developer", 200),
        ("pm", 200),
        ("stakeholder", 200),
        ("other_team_po", 200),
        ("outsider", 404),
    ],
)
def test_everyone_in_the_product_reads_the_impediments(
    request: pytest.FixtureRequest,
    client: Client,
    product: Product,
    team: Team,
    role: str,
    status: int,
) -> None:
    client.force_login(request.getfixturevalue(role))
    assert client.get(_url(product, team)).status_code == status


def test_it_lists_open_and_resolved_with_where_they_were_raised(
    client: Client,
    product: Product,
    team: Team,
    po: User,
    developer: User,
    daily: Ceremony,
    story: Story,
) -> None:
    from_daily = _raise(developer, daily, story, "No API keys")
    on_board = services.flag_impediment(actor=po, story=story, reason="Legal review")
    services.resolve_impediment(actor=po, impediment=on_board, note="Signed")
    client.force_login(po)
    page = client.get(_url(product, team)).content.decode()
    assert "No API keys" in page and "Legal review" not in page
    assert reverse("sprints:daily", args=[product.slug, daily.pk]) in page
    page = client.get(_url(product, team, "resolved")).content.decode()
    assert "Legal review" in page and "Signed" in page and "No API keys" not in page
    page = client.get(_url(product, team, "all")).content.decode()
    assert "Legal review" in page and "No API keys" in page
    assert from_daily.is_open


def test_the_team_page_links_the_impediments_and_todays_daily(
    client: Client, product: Product, team: Team, po: User
) -> None:
    client.force_login(po)
    page = client.get(reverse("sprints:team", args=[product.slug, team.slug])).content.decode()
    assert _url(product, team) in page
    assert reverse("sprints:daily_today", args=[product.slug, team.slug]) in page


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("po", 302),
        ("scrum_master", 302),
        ("developer", 302),
        ("pm", 403),
        ("stakeholder", 403),
        ("other_team_developer", 403),
        ("outsider", 404),
    ],
)
def test_resolving_from_the_page_is_for_the_team(
    request: pytest.FixtureRequest,
    client: Client,
    product: Product,
    team: Team,
    po: User,
    story: Story,
    role: str,
    status: int,
) -> None:
    impediment = services.flag_impediment(actor=po, story=story, reason="Blocked")
    client.force_login(request.getfixturevalue(role))
    response = client.post(_resolve_url(product, team, impediment), {"note": "Done"})
    assert response.status_code == status
    impediment.refresh_from_db()
    assert impediment.is_open == (status != 302)


def test_resolving_goes_back_to_the_daily_it_came_from(
    client: Client, product: Product, team: Team, developer: User, daily: Ceremony
) -> None:
    impediment = _raise(developer, daily, None, "CI down")
    client.force_login(developer)
    back = reverse("sprints:daily", args=[product.slug, daily.pk])
    response = client.post(
        _resolve_url(product, team, impediment), {"note": "Restarted", "next": back}
    )
    assert response["Location"] == back
    impediment.refresh_from_db()
    assert (impediment.resolved_by, impediment.resolution_note) == (developer, "Restarted")


def test_resolving_twice_answers_422(
    client: Client, product: Product, team: Team, po: User, story: Story
) -> None:
    impediment = services.flag_impediment(actor=po, story=story, reason="Blocked")
    client.force_login(po)
    client.post(_resolve_url(product, team, impediment), {"note": ""})
    response = client.post(_resolve_url(product, team, impediment), {"note": ""})
    assert response.status_code == 422
    assert "already resolved" in response.content.decode()


def test_htmx_resolving_answers_the_lists(
    client: Client, product: Product, team: Team, po: User, story: Story
) -> None:
    impediment = services.flag_impediment(actor=po, story=story, reason="Blocked")
    client.force_login(po)
    response = client.post(
        _resolve_url(product, team, impediment), {"note": ""}, headers={"HX-Request": "true"}
    )
    assert response.content.decode().lstrip().startswith('<div id="impediment-lists"')


@pytest.mark.parametrize("count", [3, 30])
def test_the_page_costs_the_same_whatever_the_impediments(
    client: Client,
    product: Product,
    team: Team,
    po: User,
    developer: User,
    daily: Ceremony,
    make_story: MakeStory,
    active: Sprint,
    count: int,
    django_assert_num_queries: Any,
) -> None:
    for i in range(count):
        story = make_story(title=f"S{i}", sprint=active)
        impediment = services.flag_impediment(
            actor=po, story=story, reason=f"R{i}", raised_in=daily, owner=developer
        )
        if i % 2:
            services.resolve_impediment(actor=developer, impediment=impediment, note="ok")
    client.force_login(po)
    # session, user, product, grants, teams, team, open list, resolved list
    with django_assert_num_queries(8):
        response = client.get(_url(product, team, "all"))
    shown = response.context["open_impediments"] + response.context["resolved_impediments"]
    assert len(shown) == count


def test_a_blocker_raised_in_the_daily_shows_on_its_card(
    client: Client, product: Product, team: Team, developer: User, daily: Ceremony, story: Story
) -> None:
    _raise(developer, daily, story, "Waiting for the bank")
    client.force_login(developer)
    response = client.get(reverse("sprints:board", args=[product.slug, team.slug]))
    (card,) = [c for col in response.context["columns"] for c in col.cards if c.pk == story.pk]
    assert [b.reason for b in card.blockers] == ["Waiting for the bank"]
    assert "is-blocked" in response.content.decode()
