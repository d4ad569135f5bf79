"""The product overview: each team's burndown thumbnail, and the next release's epics
with the roadmap's forecast, at a cost that doesn't grow with the number of teams."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from backlog import services as backlog
from core import clock
from products.models import Product, StatusCategory
from sprints import services
from tests.backlog.factories import EpicFactory, ReleaseFactory
from tests.products.factories import TeamFactory, status_of
from tests.sprints.factories import accept


def _team_with_a_sprint(product: Product, superuser: Any, make_story: Any, i: int) -> Any:
    team = TeamFactory(product=product, slug=f"t{i}", name=f"Team {i}")
    today = clock.today()
    done = status_of(product, StatusCategory.DONE)
    # A closed sprint, through the services: its close event gives the forecast a pace.
    # Planned when it was still to come: a new sprint can't be over already.
    with clock.at(clock.now() - dt.timedelta(days=41)):
        old = services.create_sprint(actor=superuser, team=team, name=f"Old {i}",
                                     start_date=today - dt.timedelta(days=40),
                                     end_date=today - dt.timedelta(days=27))  # fmt: skip
    finished = make_story(team=team, points=8)
    services.add_story_to_sprint(actor=superuser, story=finished, sprint=old)
    services.start_sprint(actor=superuser, sprint=old)
    backlog.move_story(actor=superuser, story=finished, status=done)
    accept(superuser, finished)
    services.close_sprint(actor=superuser, sprint=old, goal_met=True)
    sprint = services.create_sprint(actor=superuser, team=team, name=f"Now {i}",
                                     start_date=today - dt.timedelta(days=3),
                                     end_date=today + dt.timedelta(days=10))  # fmt: skip
    stories = [make_story(team=team, points=3) for _ in range(2)]
    for story in stories:
        services.add_story_to_sprint(actor=superuser, story=story, sprint=sprint)
    services.start_sprint(actor=superuser, sprint=sprint)
    backlog.move_story(actor=superuser, story=stories[0], status=done)
    accept(superuser, stories[0])
    return sprint


@pytest.mark.parametrize("teams", [1, 3])
def test_the_overview_costs_the_same_queries_whatever_its_teams(
    client: Client,
    pm: Any,
    superuser: Any,
    product: Product,
    make_story: Any,
    django_assert_num_queries: Any,
    teams: int,
) -> None:
    release = ReleaseFactory(product=product, name="v2", date=clock.today() + dt.timedelta(30))
    epic = EpicFactory(product=product, title="Checkout", release=release)
    for i in range(teams):
        _team_with_a_sprint(product, superuser, make_story, i)
    make_story(epic=epic, points=5)
    client.force_login(pm)
    url = reverse("sprints:product_overview", args=[product.slug])
    client.get(url)  # the forecast is computed once, then read from the cache
    # 9 as before + the sprints' history (statuses, events, stories) + the release, its
    # epics, and the latest event that names the cached forecast.
    with django_assert_num_queries(15):
        html = client.get(url).content.decode()
    assert html.count('class="burndown-thumb"') == teams
    assert "Next release: v2" in html and "Checkout" in html


def test_each_thumbnail_shows_the_sprints_remaining_points_and_links_to_it(
    client: Client, pm: Any, superuser: Any, product: Product, make_story: Any
) -> None:
    sprint = _team_with_a_sprint(product, superuser, make_story, 0)
    client.force_login(pm)
    html = client.get(reverse("sprints:product_overview", args=[product.slug])).content.decode()
    link = reverse("sprints:sprint", args=[product.slug, sprint.pk])
    assert f'<a class="burndown-thumb" href="{link}">' in html
    assert "Burndown of Now 0: 3 of 6 committed points remain." in html


def test_the_next_release_is_the_first_one_still_to_come_with_its_epics_forecast(
    client: Client, pm: Any, superuser: Any, product: Product, make_story: Any
) -> None:
    today = clock.today()
    ReleaseFactory(product=product, name="v1", date=today - dt.timedelta(days=5))
    later = ReleaseFactory(product=product, name="v3", date=today + dt.timedelta(days=90))
    soon = ReleaseFactory(product=product, name="v2", date=today + dt.timedelta(days=20))
    EpicFactory(product=product, title="Later epic", release=later)
    epic = EpicFactory(product=product, title="Soon epic", release=soon)
    make_story(epic=epic, points=5)
    _team_with_a_sprint(product, superuser, make_story, 0)
    client.force_login(pm)
    response = client.get(reverse("sprints:product_overview", args=[product.slug]))
    html = response.content.decode()
    assert response.context["release"] == soon
    assert [e.title for e in response.context["release_epics"]] == ["Soon epic"]
    assert response.context["release_epics"][0].forecast.available
    assert "Later epic" not in html and "50 %:" in html


def test_without_a_release_to_come_the_overview_has_no_release_section(
    client: Client, pm: Any, product: Product
) -> None:
    ReleaseFactory(product=product, name="v1", date=clock.today() - dt.timedelta(days=5))
    client.force_login(pm)
    html = client.get(reverse("sprints:product_overview", args=[product.slug])).content.decode()
    assert "Next release" not in html
