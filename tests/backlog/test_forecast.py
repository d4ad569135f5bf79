"""The roadmap's forecast: each team on its own sprint calendar, from where its running
sprint stands today; and the page that says how it is computed, with the product's inputs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backlog import forecast
from backlog.models import Sprint, SprintState
from core import clock
from core.models import Event
from products.models import Product, Team
from tests.backlog.factories import EpicFactory, ReleaseFactory, closed_sprints
from tests.products.factories import TeamFactory

TODAY = dt.date(2026, 11, 26)
NOON = dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)
# The help page's queries, whatever the number of teams (session, user, grants, product,
# teams, their last closes and running sprints).
QUERIES_HELP = 8


def _history(product: Product, team: Team, *points: int, ended_days_ago: int = 8) -> None:
    closed_sprints(product, team, *points, today=TODAY, ended_days_ago=ended_days_ago)


def _stories(make_story: Any, epic: Any, points: int) -> None:
    """Stories of the epic worth ``points`` in all, each of an allowed estimate."""
    for size in (40, 20, 13, 8, 5, 3, 2, 1):
        while points >= size:
            make_story(epic=epic, points=size)
            points -= size


def _running(team: Team, day: int, length: int = 14) -> Sprint:
    """The team's active sprint, today being its day ``day``."""
    start = TODAY - dt.timedelta(days=day - 1)
    return Sprint.objects.create(
        team=team,
        name=f"Sprint from {start}",
        start_date=start,
        end_date=start + dt.timedelta(days=length - 1),
        state=SprintState.ACTIVE,
    )


def test_a_team_on_day_8_of_14_finishes_sooner_than_one_on_day_1(
    product: Product, team: Team, make_story: Any
) -> None:
    _history(product, team, 10, 10, 10)
    epic = EpicFactory(product=product)
    _stories(make_story, epic, 15)
    sprint = _running(team, day=8)
    on_day_8 = forecast.forecast_epics(product, [epic], TODAY)[epic.pk]
    # Half a sprint (7 of 14 days left) ends in 6 days, then a whole one: 5 + 10 ≥ 15.
    assert on_day_8.p85_date == sprint.end_date + dt.timedelta(days=14) == TODAY + dt.timedelta(20)
    assert on_day_8.basis.teams[0].day == 8 and on_day_8.basis.teams[0].share_left == 0.5

    sprint.delete()
    _running(team, day=1)
    on_day_1 = forecast.forecast_epics(product, [epic], TODAY)[epic.pk]
    # A whole sprint ahead (10 points in 14 days), then another: done at the 28th day.
    assert on_day_1.p85_date == TODAY + dt.timedelta(days=27)
    assert on_day_8.p85_date < on_day_1.p85_date


def test_a_half_sprint_of_work_is_done_at_the_end_of_the_running_sprint(
    product: Product, team: Team, make_story: Any
) -> None:
    _history(product, team, 10)
    epic = EpicFactory(product=product)
    make_story(epic=epic, points=5)
    sprint = _running(team, day=8)
    assert forecast.forecast_epics(product, [epic], TODAY)[epic.pk].p50_date == sprint.end_date


def test_two_teams_advance_each_by_its_own_sprint_length(
    product: Product, team: Team, other_team: Team, make_story: Any
) -> None:
    other_team.sprint_weeks = 3
    other_team.save()
    _history(product, team, 10, 10)
    _history(product, other_team, 10, 10)
    first, second = EpicFactory(product=product), EpicFactory(product=product)
    _stories(make_story, first, 30)
    _stories(make_story, second, 10)
    result = forecast.forecast_epics(product, [first, second], TODAY)
    # Sprint ends: 10 points on day 14 (two weeks), 10 on day 21 (three weeks), 10 on day 28
    # (two weeks again): 30 points then, where one length for all would have said day 29.
    assert result[first.pk].p50_date == result[first.pk].p85_date == TODAY + dt.timedelta(27)
    # Both teams end a sprint on day 42: 50 points by then.
    assert result[second.pk].p85_date == TODAY + dt.timedelta(days=41)
    assert [t.sprint_days for t in result[first.pk].basis.counted] == [14, 21]


def test_each_team_samples_only_its_own_last_closed_sprints(
    product: Product, team: Team, other_team: Team
) -> None:
    _history(product, team, *range(1, 9))  # eight sprints: only the last six are sampled
    _history(product, other_team, 40)
    basis = forecast.forecast_basis(product, TODAY)
    by_name = {t.name: t.history for t in basis.teams}
    assert by_name == {"Falcons": (8, 7, 6, 5, 4, 3), "Owls": (40,)}
    assert basis.sprints_sampled == 7


def test_a_team_that_paused_long_ago_still_counts_its_last_sprints(
    product: Product, team: Team, other_team: Team
) -> None:
    _history(product, other_team, 13, 21, ended_days_ago=8 + 14 * 30)  # a year ago and more
    _history(product, team, *([8] * 30))  # thirty closes since
    by_name = {t.name: t.history for t in forecast.forecast_basis(product, TODAY).teams}
    assert by_name == {"Falcons": (8,) * 6, "Owls": (21, 13)}


def test_a_sprint_closed_twice_counts_what_its_latest_close_recorded(
    product: Product, team: Team
) -> None:
    _history(product, team, 5, 8)
    newest = Sprint.objects.get(team=team, name="Closed 1")
    Event.objects.create(
        verb="sprint.closed",
        product_id=product.pk,
        team_id=team.pk,
        sprint_id=newest.pk,
        object_type="sprint",
        object_id=newest.pk,
        after={"completed_points": 13},
    )
    assert forecast.forecast_basis(product, TODAY).teams[0].history == (13, 5)


def test_an_archived_team_and_a_team_without_history_add_nothing(
    product: Product, team: Team, other_team: Team, make_story: Any
) -> None:
    archived = TeamFactory(product=product, name="Gone", slug="gone", archived_at=NOON)
    _history(product, team, 10)
    _history(product, archived, 100)
    epic = EpicFactory(product=product)
    _stories(make_story, epic, 20)
    result = forecast.forecast_epics(product, [epic], TODAY)[epic.pk]
    assert [t.name for t in result.basis.counted] == ["Falcons"]
    assert [t.name for t in result.basis.teams] == ["Falcons", "Owls"]
    assert result.p85_date == TODAY + dt.timedelta(days=27)


def test_without_history_there_is_no_forecast_and_the_roadmap_says_why(
    client: Client, stakeholder: Any, product: Product, team: Team, make_story: Any
) -> None:
    epic = EpicFactory(product=product, title="Search")
    make_story(epic=epic, points=3)
    _running(team, day=3)  # a running sprint is no pace yet: nothing closed to sample
    result = forecast.forecast_epics(product, [epic], TODAY)[epic.pk]
    assert not result.available and result.p50_date is None and result.p85_date is None
    client.force_login(stakeholder)
    with clock.at(NOON):
        html = client.get(reverse("backlog:roadmap", args=[product.slug])).content.decode()
    assert "No forecast yet: no team has closed a sprint to learn its pace from." in html
    assert "50 %:" not in html


def test_the_simulation_is_the_same_on_every_run(
    product: Product, team: Team, other_team: Team, make_story: Any
) -> None:
    _history(product, team, 3, 13, 8, 21)
    _history(product, other_team, 5, 20)
    _running(team, day=5)
    epics = [EpicFactory(product=product) for _ in range(3)]
    for epic in epics:
        _stories(make_story, epic, 40)
    first = forecast.forecast_epics(product, epics, TODAY)
    assert first == forecast.forecast_epics(product, epics, TODAY)
    dates = [d for e in epics if (d := first[e.pk].p50_date) is not None]
    assert len(dates) == 3 and dates == sorted(dates) and dates[0] != dates[-1]


@pytest.mark.parametrize("teams", [1, 4])
def test_the_forecast_costs_the_same_queries_whatever_its_teams(
    product: Product, make_story: Any, django_assert_num_queries: Any, teams: int
) -> None:
    for i in range(teams):
        crew = TeamFactory(product=product, name=f"Team {i}", slug=f"t{i}", sprint_weeks=2 + i % 3)
        _history(product, crew, 10, 12)
        _running(crew, day=1 + i)
    epics = [EpicFactory(product=product) for _ in range(3)]
    for epic in epics:
        make_story(epic=epic, points=8, team=None)
    # The teams, their sprints' closes, their running sprints; three reads of the backlog.
    with django_assert_num_queries(6):
        result = forecast.forecast_epics(product, epics, TODAY)
    assert len(result[epics[0].pk].basis.counted) == teams


def test_the_cache_key_names_the_calendar_method(
    product: Product, team: Team, make_story: Any
) -> None:
    from django.core.cache import cache

    _history(product, team, 10)
    epic = EpicFactory(product=product)
    make_story(epic=epic, points=5)
    with clock.at(NOON):
        result = forecast.cached_forecast(product, [epic])
    latest = Event.objects.filter(product_id=product.pk).latest("id").pk
    assert cache.get(f"forecast:v2:{product.pk}:{latest}:{TODAY}") == result


def test_each_forecast_says_what_it_assumes_in_its_tooltip(
    client: Client, stakeholder: Any, product: Product, team: Team, make_story: Any
) -> None:
    _history(product, team, 10, 8)
    _running(team, day=8)
    epic = EpicFactory(product=product, title="Search")
    _stories(make_story, epic, 15)
    client.force_login(stakeholder)
    with clock.at(NOON):
        html = client.get(reverse("backlog:roadmap", args=[product.slug])).content.decode()
    assert "1 team counted, 2 closed sprints sampled. Today: Falcons: day 8 of 14." in html
    assert reverse("backlog:forecast_help", args=[product.slug]) in html


def test_the_overview_links_to_how_the_forecast_is_computed(
    client: Client, pm: Any, product: Product, team: Team, make_story: Any
) -> None:
    _history(product, team, 10)
    release = ReleaseFactory(product=product, name="v2", date=TODAY + dt.timedelta(days=30))
    make_story(epic=EpicFactory(product=product, release=release), points=5)
    client.force_login(pm)
    with clock.at(NOON):
        html = client.get(reverse("sprints:product_overview", args=[product.slug])).content.decode()
    assert reverse("backlog:forecast_help", args=[product.slug]) in html
    assert "1 team counted, 1 closed sprint sampled." in html


def test_the_help_page_shows_each_team_inputs_to_a_member(
    client: Client, stakeholder: Any, product: Product, team: Team, other_team: Team
) -> None:
    other_team.sprint_weeks = 3
    other_team.save()
    _history(product, team, 10, 8, 13)
    _running(team, day=8)
    client.force_login(stakeholder)
    with clock.at(NOON):
        response = client.get(reverse("backlog:forecast_help", args=[product.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "13, 8, 10" in html  # newest first
    assert "Day 8 of 14 of the running sprint" in html
    assert "21 days" in html and "14 days" in html
    assert "No closed sprint yet: this team is not counted." in html  # the Owls
    assert "No sprint running: its sprints are counted from today" in html


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("pm", 200),
        ("po", 200),
        ("scrum_master", 200),
        ("developer", 200),
        ("stakeholder", 200),
        ("other_team_developer", 200),
        ("superuser", 200),
        ("outsider", 404),
    ],
)
def test_every_role_of_the_product_reads_the_help_page(
    client: Client, request: pytest.FixtureRequest, product: Product, role: str, code: int
) -> None:
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("backlog:forecast_help", args=[product.slug]))
    assert response.status_code == code


@pytest.mark.parametrize("teams", [1, 4])
def test_the_help_page_costs_the_same_queries_for_more_teams(
    client: Client, stakeholder: Any, product: Product, team: Team, teams: int
) -> None:
    for k in range(teams - 1):
        other = TeamFactory(product=product, name=f"Team {k}", slug=f"team-{k}")
        _history(product, other, 5, 8)
    _history(product, team, 10, 8, 13)
    _running(team, day=8)
    client.force_login(stakeholder)
    client.get(reverse("backlog:forecast_help", args=[product.slug]))  # warm the session
    with clock.at(NOON), CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("backlog:forecast_help", args=[product.slug])).status_code == 200
    assert len(queries) == QUERIES_HELP, [q["sql"][:80] for q in queries]


def test_the_help_page_is_not_found_for_a_non_member(
    client: Client, outsider: Any, product: Product
) -> None:
    client.force_login(outsider)
    response = client.get(reverse("backlog:forecast_help", args=[product.slug]))
    assert response.status_code == 404


def test_the_help_page_asks_to_log_in(client: Client, product: Product) -> None:
    response = client.get(reverse("backlog:forecast_help", args=[product.slug]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_without_a_pace_an_epic_is_not_late_but_out_of_sight_it_is(
    client: Client, stakeholder: Any, product: Product, team: Team, make_story: Any
) -> None:
    epic = EpicFactory(product=product, target_date=TODAY + dt.timedelta(days=30))
    make_story(epic=epic, points=8)
    assert not forecast.forecast_epics(product, [epic], TODAY)[epic.pk].late
    _history(product, team, 0, 0)  # a pace of nothing: four years go by, 8 points stay
    result = forecast.forecast_epics(product, [epic], TODAY)[epic.pk]
    assert result.available and not result.in_sight and result.late
    client.force_login(stakeholder)
    with clock.at(NOON):
        html = client.get(reverse("backlog:epics", args=[product.slug])).content.decode()
    assert "Not in sight within four years at the pace measured" in html
    assert "after the target date" in html
