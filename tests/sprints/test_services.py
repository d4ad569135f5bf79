from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TypedDict

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.models import User
from backlog.models import Sprint, SprintQuerySet, SprintState, Story
from core import clock
from core.models import Event
from products.models import Product, StatusCategory, Team
from sprints import services
from tests.conftest import MakeStory
from tests.products.factories import ProductFactory, status_of
from tests.sprints.factories import SPRINT_START, SprintFactory, accept

pytestmark = pytest.mark.django_db

MONDAY_NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


class _Dates(TypedDict):
    start_date: dt.date
    end_date: dt.date


def _days(days: int) -> _Dates:

    return {"start_date": SPRINT_START, "end_date": SPRINT_START + dt.timedelta(days=days - 1)}


def backlog_titles(product: Product) -> list[str]:
    return list(
        Story.objects.filter(product=product, sprint__isnull=True)
        .order_by("rank")
        .values_list("title", flat=True)
    )


# create_sprint


@pytest.fixture
def on_monday() -> Iterator[None]:
    """The morning of SPRINT_START: a sprint from that day is not over (nothing past)."""
    with clock.at(MONDAY_NOON):
        yield


@pytest.mark.usefixtures("on_monday")
@pytest.mark.parametrize("role", ["po", "scrum_master"])
def test_create_sprint_for_the_teams_planners(
    request: pytest.FixtureRequest, team: Team, role: str
) -> None:
    user: User = request.getfixturevalue(role)
    sprint = services.create_sprint(actor=user, team=team, name=" Sprint 1 ", **_days(14))
    assert (sprint.name, sprint.state, sprint.length_days) == ("Sprint 1", SprintState.PLANNED, 14)
    (event,) = Event.objects.filter(verb="sprint.created")
    assert (event.sprint_id, event.team_id, event.actor) == (sprint.pk, team.pk, user)
    assert event.after == {"name": "Sprint 1", "start": "2026-03-02", "end": "2026-03-15"}


@pytest.mark.usefixtures("on_monday")
@pytest.mark.parametrize("days", [14, 28])
def test_create_sprint_accepts_two_to_four_weeks(po: User, team: Team, days: int) -> None:
    assert services.create_sprint(actor=po, team=team, name="S", **_days(days)).length_days == days


@pytest.mark.parametrize("days", [13, 29, -5])
def test_it_refuses_a_sprint_shorter_than_two_or_longer_than_four_weeks(
    po: User, team: Team, days: int
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.create_sprint(actor=po, team=team, name="S", **_days(days))
    assert list(excinfo.value.message_dict) == ["end_date"]
    assert not Sprint.objects.exists()


@pytest.mark.usefixtures("on_monday")
@pytest.mark.parametrize("name", ["Sprint 1", "  Sprint 1 "])
def test_create_sprint_refuses_a_name_the_team_already_used(
    po: User, sprint: Sprint, name: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.create_sprint(actor=po, team=sprint.team, name=name, **_days(14))
    assert "name" in excinfo.value.message_dict


@pytest.mark.usefixtures("on_monday")
def test_create_sprint_accepts_a_name_another_team_used(
    other_team_po: User, other_team: Team, sprint: Sprint
) -> None:
    services.create_sprint(actor=other_team_po, team=other_team, name=sprint.name, **_days(14))


def test_create_sprint_refuses_a_blank_name(po: User, team: Team) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.create_sprint(actor=po, team=team, name="  ", **_days(14))
    assert "name" in excinfo.value.message_dict


@pytest.mark.parametrize(
    ("role", "error"),
    [
        ("developer", PermissionDenied),
        ("pm", PermissionDenied),
        ("stakeholder", PermissionDenied),
        ("other_team_po", PermissionDenied),
        ("outsider", Http404),
    ],
)
def test_create_sprint_refuses_who_may_not_plan_the_teams_sprints(
    request: pytest.FixtureRequest, team: Team, role: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        services.create_sprint(
            actor=request.getfixturevalue(role), team=team, name="S", **_days(14)
        )
    assert not Sprint.objects.exists()


# update_sprint


def test_update_sprint_refuses_a_closed_sprint(po: User, team: Team) -> None:
    closed = SprintFactory(team=team, state=SprintState.CLOSED)
    with pytest.raises(ValidationError):
        services.update_sprint(actor=po, sprint=closed, name="Again", goal="", **_days(14))


def test_update_sprint_refuses_a_length_outside_two_to_four_weeks(po: User, sprint: Sprint) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.update_sprint(actor=po, sprint=sprint, name=sprint.name, goal="", **_days(30))
    assert "end_date" in excinfo.value.message_dict


# suggest_next


def test_suggest_next_starts_the_first_sprint_today(team: Team) -> None:
    with clock.at(MONDAY_NOON):
        suggestion = services.suggest_next(team)
    assert suggestion == {
        "name": "Sprint 1",
        "start_date": dt.date(2026, 3, 2),
        "end_date": dt.date(2026, 3, 15),
    }


def test_suggest_next_starts_the_first_sprint_on_the_teams_today(product: Product) -> None:
    team = Team.objects.create(
        product=product, name="Kiwis", slug="kiwis", timezone="Pacific/Auckland"
    )
    # Sunday 20:00 in UTC is already Monday 09:00 in Auckland.
    with clock.at(dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)):
        assert services.suggest_next(team)["start_date"] == dt.date(2026, 3, 2)


def test_suggest_next_follows_the_last_sprint(sprint: Sprint) -> None:
    with clock.at(MONDAY_NOON):
        suggestion = services.suggest_next(sprint.team)
    assert suggestion == {
        "name": "Sprint 2",
        "start_date": dt.date(2026, 3, 16),
        "end_date": dt.date(2026, 3, 29),
    }


def test_suggest_next_starts_today_when_the_last_sprint_is_long_over(sprint: Sprint) -> None:
    """A new sprint can't be over already: the day after the last one would be past."""
    with clock.at(dt.datetime(2026, 5, 6, 12, 0, tzinfo=dt.UTC)):
        assert services.suggest_next(sprint.team)["start_date"] == dt.date(2026, 5, 6)


def test_suggest_next_uses_the_teams_usual_length(product: Product) -> None:
    team = Team.objects.create(product=product, name="Slow", slug="slow", sprint_weeks=4)
    suggestion = services.suggest_next(team)
    start, end = suggestion["start_date"], suggestion["end_date"]
    assert isinstance(start, dt.date) and isinstance(end, dt.date)
    assert (end - start).days + 1 == 28


# add_story_to_sprint, remove_story_from_sprint


def test_add_story_to_sprint_gives_a_story_with_no_team_the_sprints_team(
    po: User, team: Team, sprint: Sprint, make_story: MakeStory
) -> None:
    story = make_story(team=None, points=5)
    services.add_story_to_sprint(actor=po, story=story, sprint=sprint)
    story.refresh_from_db()
    assert (story.sprint, story.team) == (sprint, team)
    (event,) = Event.objects.filter(verb="story.added_to_sprint")
    assert event.before == {"sprint": None, "team": None}
    assert event.after == {"sprint": sprint.pk, "team": team.pk, "points": 5, "active": False}


def test_add_story_to_sprint_twice_records_it_once(
    po: User, sprint: Sprint, make_story: MakeStory
) -> None:
    story = make_story()
    services.add_story_to_sprint(actor=po, story=story, sprint=sprint)
    services.add_story_to_sprint(actor=po, story=story, sprint=sprint)
    assert Event.objects.filter(verb="story.added_to_sprint").count() == 1


def test_add_story_to_sprint_refuses_a_story_of_another_product(
    po: User, sprint: Sprint, make_story: MakeStory
) -> None:
    story = make_story(product=ProductFactory())
    with pytest.raises(ValidationError):
        services.add_story_to_sprint(actor=po, story=story, sprint=sprint)
    story.refresh_from_db()
    assert story.sprint is None


def test_add_story_to_sprint_refuses_a_story_of_another_team(
    po: User, other_team: Team, sprint: Sprint, make_story: MakeStory
) -> None:
    story = make_story(team=other_team)
    with pytest.raises(ValidationError):
        services.add_story_to_sprint(actor=po, story=story, sprint=sprint)


def test_add_story_to_sprint_refuses_a_closed_sprint(
    po: User, team: Team, make_story: MakeStory
) -> None:
    closed = SprintFactory(team=team, state=SprintState.CLOSED)
    with pytest.raises(ValidationError):
        services.add_story_to_sprint(actor=po, story=make_story(), sprint=closed)


@pytest.mark.parametrize(
    ("role", "error"),
    [("developer", PermissionDenied), ("other_team_po", PermissionDenied), ("outsider", Http404)],
)
def test_add_story_to_sprint_is_for_the_teams_planners(
    request: pytest.FixtureRequest,
    sprint: Sprint,
    make_story: MakeStory,
    role: str,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        services.add_story_to_sprint(
            actor=request.getfixturevalue(role), story=make_story(), sprint=sprint
        )


def test_remove_story_from_sprint_sends_it_back_to_the_backlog(
    scrum_master: User, team: Team, sprint: Sprint, make_story: MakeStory
) -> None:
    story = make_story(sprint=sprint, points=3)
    services.remove_story_from_sprint(actor=scrum_master, story=story)
    story.refresh_from_db()
    assert (story.sprint, story.team) == (None, team)
    (event,) = Event.objects.filter(verb="story.removed_from_sprint")
    assert (event.sprint_id, event.after) == (
        sprint.pk,
        {"sprint": None, "points": 3, "active": False},
    )


def test_remove_story_from_sprint_refuses_a_closed_sprint(
    po: User, team: Team, make_story: MakeStory
) -> None:
    story = make_story(sprint=SprintFactory(team=team, state=SprintState.CLOSED))
    with pytest.raises(ValidationError):
        services.remove_story_from_sprint(actor=po, story=story)


def test_remove_story_from_sprint_refuses_a_developer(
    developer: User, sprint: Sprint, make_story: MakeStory
) -> None:
    story = make_story(sprint=sprint)
    with pytest.raises(PermissionDenied):
        services.remove_story_from_sprint(actor=developer, story=story)


# start_sprint


def test_start_sprint_records_the_commitment(
    po: User, sprint: Sprint, make_story: MakeStory
) -> None:
    stories = [make_story(sprint=sprint, points=p) for p in (3, 5, None)]
    make_story(points=8)  # in the backlog: not committed
    with clock.at(MONDAY_NOON):
        services.start_sprint(actor=po, sprint=sprint)
    sprint.refresh_from_db()
    assert (sprint.state, sprint.committed_points, sprint.started_at) == (
        SprintState.ACTIVE,
        8,
        MONDAY_NOON,
    )
    (event,) = Event.objects.filter(verb="sprint.started")
    assert event.after["committed_points"] == 8
    assert sorted(event.after["stories"]) == sorted(s.pk for s in stories)


def test_start_sprint_refuses_a_second_active_sprint_in_the_team(
    po: User, team: Team, sprint: Sprint
) -> None:
    SprintFactory(team=team, state=SprintState.ACTIVE)
    with pytest.raises(ValidationError):
        services.start_sprint(actor=po, sprint=sprint)
    sprint.refresh_from_db()
    assert sprint.state == SprintState.PLANNED


def test_start_sprint_lets_each_team_run_one_sprint(
    po: User, other_team_po: User, other_team: Team, sprint: Sprint
) -> None:
    services.start_sprint(actor=po, sprint=sprint)
    services.start_sprint(actor=other_team_po, sprint=SprintFactory(team=other_team))
    assert Sprint.objects.active().count() == 2


def test_start_sprint_that_loses_a_race_is_refused_not_a_500(
    po: User, team: Team, sprint: Sprint, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another start committed between the check and the write: the unique index decides.
    SprintFactory(team=team, state=SprintState.ACTIVE)
    monkeypatch.setattr(SprintQuerySet, "active", lambda self: self.none())
    with pytest.raises(ValidationError):
        services.start_sprint(actor=po, sprint=sprint)
    assert Sprint.objects.get(pk=sprint.pk).state == SprintState.PLANNED
    assert not Event.objects.filter(verb="sprint.started").exists()


@pytest.mark.parametrize("state", [SprintState.ACTIVE, SprintState.CLOSED])
def test_start_sprint_refuses_a_sprint_not_planned(po: User, team: Team, state: str) -> None:
    with pytest.raises(ValidationError):
        services.start_sprint(actor=po, sprint=SprintFactory(team=team, state=state))


@pytest.mark.parametrize(
    ("role", "error"), [("developer", PermissionDenied), ("outsider", Http404)]
)
def test_start_sprint_is_for_the_teams_planners(
    request: pytest.FixtureRequest, sprint: Sprint, role: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        services.start_sprint(actor=request.getfixturevalue(role), sprint=sprint)


# close_sprint


@pytest.fixture
def running(
    po: User, product: Product, other_team: Team, sprint: Sprint, make_story: MakeStory
) -> Sprint:
    """An active sprint with a done story and two unfinished ones, among backlog stories.

    The product's order, all teams together: Done, Todo, B1, Doing, Other, B2; Other is in
    another team's sprint.
    """
    done = status_of(product, StatusCategory.DONE)
    doing = status_of(product, StatusCategory.IN_PROGRESS)
    make_story(title="Done", sprint=sprint, status=done, points=5)
    make_story(title="Todo", sprint=sprint, points=3)
    make_story(title="B1")
    make_story(title="Doing", sprint=sprint, status=doing, points=2)
    make_story(title="Other", team=other_team, sprint=SprintFactory(team=other_team))
    make_story(title="B2")
    services.start_sprint(actor=po, sprint=sprint)
    accept(po, Story.objects.get(title="Done"))
    return sprint


def test_close_sprint_records_what_was_done(po: User, running: Sprint) -> None:
    with clock.at(MONDAY_NOON + dt.timedelta(days=13)):
        services.close_sprint(actor=po, sprint=running, goal_met=True)
    running.refresh_from_db()
    assert running.state == SprintState.CLOSED
    assert (running.committed_points, running.completed_points, running.goal_met) == (10, 5, True)
    assert running.closed_at == MONDAY_NOON + dt.timedelta(days=13)
    (event,) = Event.objects.filter(verb="sprint.closed")
    assert event.after["done"] == [Story.objects.get(title="Done").pk]
    assert event.after["carried_over"] == [Story.objects.get(title=t).pk for t in ("Todo", "Doing")]
    assert event.after["carried_to"] is None


def test_close_sprint_sends_unfinished_stories_to_the_top_of_the_backlog_in_their_order(
    po: User, product: Product, running: Sprint
) -> None:
    services.close_sprint(actor=po, sprint=running)
    assert backlog_titles(product) == ["Todo", "Doing", "B1", "B2"]
    assert list(running.stories.values_list("title", flat=True)) == ["Done"]
    all_ranks = list(Story.objects.filter(product=product).values_list("rank", flat=True))
    assert len(set(all_ranks)) == len(all_ranks)
    assert Story.objects.get(title="Other").sprint is not None


def test_close_sprint_with_an_empty_backlog_still_keeps_the_order(
    po: User, product: Product, sprint: Sprint, make_story: MakeStory
) -> None:
    for title in ("C", "A", "B"):
        make_story(title=title, sprint=sprint)
    services.start_sprint(actor=po, sprint=sprint)
    services.close_sprint(actor=po, sprint=sprint)
    assert backlog_titles(product) == ["C", "A", "B"]


def test_close_sprint_carries_unfinished_stories_over_to_a_planned_sprint(
    po: User, team: Team, running: Sprint
) -> None:
    following = SprintFactory(team=team, name="Sprint 2")
    services.close_sprint(actor=po, sprint=running, carry_over_to=following)
    assert list(following.stories.values_list("title", flat=True)) == ["Todo", "Doing"]
    assert list(running.stories.values_list("title", flat=True)) == ["Done"]


@pytest.mark.parametrize("case", ["other team", "active", "closed"])
def test_close_sprint_refuses_to_carry_over_elsewhere_than_a_planned_sprint_of_the_team(
    po: User, team: Team, other_team: Team, running: Sprint, case: str
) -> None:
    target = {
        "other team": lambda: SprintFactory(team=other_team),
        "active": lambda: running,
        "closed": lambda: SprintFactory(team=team, state=SprintState.CLOSED),
    }[case]()
    with pytest.raises(ValidationError):
        services.close_sprint(actor=po, sprint=running, carry_over_to=target)
    running.refresh_from_db()
    assert running.state == SprintState.ACTIVE


def test_close_sprint_refuses_a_planned_sprint(po: User, sprint: Sprint) -> None:
    with pytest.raises(ValidationError):
        services.close_sprint(actor=po, sprint=sprint)


@pytest.mark.parametrize(
    ("role", "error"),
    [("developer", PermissionDenied), ("other_team_po", PermissionDenied), ("outsider", Http404)],
)
def test_close_sprint_is_for_the_teams_planners(
    request: pytest.FixtureRequest, running: Sprint, role: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        services.close_sprint(actor=request.getfixturevalue(role), sprint=running)
