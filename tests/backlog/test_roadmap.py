from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from backlog import forecast
from backlog.models import Epic
from core import clock
from core.models import Event
from products.models import Product, StatusCategory, Team
from tests.backlog.factories import EpicFactory, ReleaseFactory, closed_sprints
from tests.products.factories import status_of

TODAY = dt.date(2026, 11, 26)


def _history(product: Product, team: Team, *points: int) -> None:
    closed_sprints(product, team, *points, today=TODAY)


def test_the_simulation_is_reproducible_and_ordered() -> None:
    basis = forecast.ForecastBasis(
        today=TODAY, teams=(forecast.TeamPace(name="A", sprint_days=14, history=(10, 20, 30)),)
    )
    dates, runs = forecast.simulate(basis, [15, 100])
    assert (dates, runs) == forecast.simulate(basis, [15, 100])
    assert len(runs[0]) == forecast.TRIALS
    # 15 points take one or two sprints: they end on the 14th and the 28th day from today.
    assert {dates[n] for n in runs[0] if n is not None} == {
        TODAY + dt.timedelta(days=13),
        TODAY + dt.timedelta(days=27),
    }
    assert all(
        a is not None and b is not None and a <= b for a, b in zip(runs[0], runs[1], strict=True)
    )


def test_an_epic_forecast_counts_the_work_ranked_before_its_last_story(
    product: Product, team: Team, make_story: Any
) -> None:
    _history(product, team, 8, 8, 8)
    first, second = EpicFactory(product=product), EpicFactory(product=product)
    make_story(epic=first, points=8)
    make_story(epic=second, points=8)
    make_story(epic=first, points=8)  # the first epic's last story is ranked third
    make_story(epic=None, points=8)
    make_story(epic=second, points=5, status=status_of(product, StatusCategory.DONE))

    result = forecast.forecast_epics(product, [first, second], TODAY)
    assert result[first.pk].work_ahead == 24
    assert result[first.pk].remaining == 16
    # Three two-week sprints from today: the third one ends on its 42nd day.
    assert result[first.pk].p50_date == result[first.pk].p85_date == TODAY + dt.timedelta(days=41)
    assert result[second.pk].work_ahead == 16
    assert result[second.pk].p50_date == TODAY + dt.timedelta(days=27)


def test_unestimated_stories_count_as_the_average_story(
    product: Product, team: Team, make_story: Any
) -> None:
    _history(product, team, 10)
    epic = EpicFactory(product=product)
    make_story(epic=epic, points=8)
    make_story(epic=epic, points=None)
    make_story(epic=None, points=2)
    result = forecast.forecast_epics(product, [epic], TODAY)
    assert result[epic.pk].work_ahead == 8 + 5  # the average of 8 and 2


def test_an_epic_whose_85_percent_date_is_after_its_target_is_late(
    product: Product, team: Team, make_story: Any
) -> None:
    _history(product, team, 5, 5, 5)
    epic = EpicFactory(product=product, target_date=TODAY + dt.timedelta(days=14))
    make_story(epic=epic, points=20)
    result = forecast.forecast_epics(product, [epic], TODAY)
    assert result[epic.pk].late


def test_without_history_there_is_no_forecast(product: Product, make_story: Any) -> None:
    epic = EpicFactory(product=product)
    make_story(epic=epic, points=3)
    result = forecast.forecast_epics(product, [epic], TODAY)
    assert not result[epic.pk].available


@pytest.mark.parametrize("layout", ["timeline", "lanes"])
@pytest.mark.parametrize("group", ["release", "team"])
def test_the_roadmap_shows_each_epic_with_its_progress(
    client: Client,
    stakeholder: Any,
    product: Product,
    team: Team,
    make_story: Any,
    layout: str,
    group: str,
) -> None:
    release = ReleaseFactory(product=product, name="Spring")
    epic = EpicFactory(
        product=product,
        title="Search",
        release=release,
        start_date=TODAY - dt.timedelta(days=30),
        target_date=TODAY + dt.timedelta(days=60),
    )
    make_story(epic=epic, points=2, status=status_of(product, StatusCategory.DONE))
    make_story(epic=epic, points=8)
    client.force_login(stakeholder)
    with clock.at(dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)):
        response = client.get(
            reverse("backlog:roadmap", args=[product.slug]) + f"?layout={layout}&group={group}"
        )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Search" in html and "20 % done" in html
    assert "roadmap-edit" not in html  # a stakeholder reads it


@pytest.mark.parametrize("epics", [2, 12])
def test_the_roadmap_costs_the_same_queries_whatever_its_size(
    client: Client,
    pm: Any,
    product: Product,
    team: Team,
    make_story: Any,
    django_assert_num_queries: Any,
    epics: int,
) -> None:
    _history(product, team, 10, 20)
    for i in range(epics):
        epic = EpicFactory(product=product, target_date=TODAY + dt.timedelta(days=30 * i))
        make_story(epic=epic, points=3)
    client.force_login(pm)
    url = reverse("backlog:roadmap", args=[product.slug])
    with django_assert_num_queries(15):
        client.get(url)
    with django_assert_num_queries(9):  # the forecast is cached until the next event
        client.get(url)


def test_the_pm_changes_an_epic_target_date_from_the_roadmap(
    client: Client, pm: Any, product: Product
) -> None:
    epic = EpicFactory(product=product, title="Search", target_date=TODAY)
    client.force_login(pm)
    back = reverse("backlog:roadmap", args=[product.slug])
    response = client.post(
        reverse("backlog:epic_update", args=[product.slug, epic.pk]),
        {"dates_only": "1", "target_date": "2027-03-31", "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    epic.refresh_from_db()
    assert epic.target_date == dt.date(2027, 3, 31) and epic.title == "Search"
    event = Event.objects.get(verb="epic.updated")
    assert event.after["target_date"] == "2027-03-31"


def test_a_target_before_the_start_is_refused(client: Client, pm: Any, product: Product) -> None:
    epic = EpicFactory(product=product)
    client.force_login(pm)
    response = client.post(
        reverse("backlog:epic_update", args=[product.slug, epic.pk]),
        {
            "title": "X",
            "colour": "#336699",
            "start_date": "2027-03-01",
            "target_date": "2027-01-01",
        },
    )
    assert response.status_code == 422
    assert "can&#x27;t be before the start date" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [("pm", 302), ("po", 403), ("developer", 403), ("stakeholder", 403), ("outsider", 404)],
)
def test_only_the_pm_creates_and_edits_epics(
    client: Client, request: pytest.FixtureRequest, product: Product, role: str, status: int
) -> None:
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("backlog:epics", args=[product.slug]), {"title": "Billing", "colour": "#aa3300"}
    )
    assert response.status_code == status
    assert Epic.objects.filter(title="Billing").exists() is (status == 302)


def test_the_epics_page_unfolds_an_epic_s_stories(
    client: Client, developer: Any, product: Product, make_story: Any
) -> None:
    epic = EpicFactory(product=product)
    make_story(epic=epic, title="Index the titles")
    client.force_login(developer)
    page = client.get(reverse("backlog:epics", args=[product.slug])).content.decode()
    assert epic.title in page
    fragment = client.get(
        reverse("backlog:epic", args=[product.slug, epic.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert "Index the titles" in fragment and "<html" not in fragment


def test_the_roadmap_keeps_a_decimal_point_in_its_svg_for_a_french_reader(
    client: Client, stakeholder: Any, product: Product, team: Team, make_story: Any
) -> None:
    import re

    stakeholder.language = "fr"
    stakeholder.save(update_fields=["language"])
    epic = EpicFactory(product=product, title="Search", start_date=TODAY - dt.timedelta(days=31),
                       target_date=TODAY + dt.timedelta(days=47))  # fmt: skip
    make_story(epic=epic, points=3)
    client.force_login(stakeholder)
    with clock.at(dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)):
        html = client.get(reverse("backlog:roadmap", args=[product.slug])).content.decode()
    assert 'lang="fr"' in html and "roadmap-svg" in html
    assert not re.search(r'\b(x|x1|x2|width)="-?\d+,\d', html)
