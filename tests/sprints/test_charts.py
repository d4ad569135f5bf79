from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.test import Client
from django.urls import reverse

from backlog import services as backlog
from backlog.models import SprintState
from core import clock
from products.models import Product, StatusCategory, Team
from sprints import charts, services
from tests.products.factories import status_of
from tests.sprints.factories import SprintFactory, accept

MONDAY = dt.date(2026, 3, 2)


def _at(day: dt.date, hour: int = 10) -> Any:
    return clock.at(dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC))


def test_the_burndown_replays_the_sprint_from_its_events(
    po: Any, developer: Any, product: Product, team: Team, make_story: Any
) -> None:
    a, b, c = make_story(points=5), make_story(points=3), make_story(points=8)
    with _at(MONDAY - dt.timedelta(days=1)):
        sprint = services.create_sprint(actor=po, team=team, name="S", start_date=MONDAY,
                                        end_date=MONDAY + dt.timedelta(days=13))  # fmt: skip
        services.add_story_to_sprint(actor=po, story=a, sprint=sprint)
        services.add_story_to_sprint(actor=po, story=b, sprint=sprint)
    with _at(MONDAY):
        services.start_sprint(actor=po, sprint=sprint)
    done = status_of(product, StatusCategory.DONE)
    with _at(MONDAY + dt.timedelta(days=1)):
        backlog.move_story(actor=developer, story=a, status=done)
        accept(po, a)
    with _at(MONDAY + dt.timedelta(days=2)):
        services.add_story_to_sprint(actor=po, story=c, sprint=sprint)

    chart = charts.burndown(sprint, today=MONDAY + dt.timedelta(days=3))
    remaining = [d.remaining for d in chart.days]
    assert chart.committed == 8
    assert remaining[:4] == [8, 3, 11, 11]
    assert remaining[4:] == [None] * 10  # days still to come
    assert chart.days[2].scope_change == 8
    # The ideal line is flat over the weekend (days 5 and 6) and ends at zero.
    ideal = [d.ideal for d in chart.days]
    assert ideal[4] == ideal[5] == ideal[6] and ideal[-1] == 0


def test_velocity_shows_the_last_closed_sprints_and_their_average(team: Team) -> None:
    for i, (committed, completed) in enumerate([(20, 18), (25, 22), (30, 26)]):
        SprintFactory(team=team, state=SprintState.CLOSED, committed_points=committed,
                      completed_points=completed,
                      start_date=MONDAY + dt.timedelta(days=14 * i))  # fmt: skip
    chart = charts.velocity(team)
    assert [b.sprint.completed_points for b in chart.bars] == [18, 22, 26]
    assert chart.average == 22


def test_the_sprint_page_draws_the_burndown_with_its_numbers(
    client: Client, po: Any, product: Product, team: Team, make_story: Any
) -> None:
    sprint = SprintFactory(team=team, state=SprintState.ACTIVE, start_date=MONDAY)
    make_story(sprint=sprint, points=5)
    client.force_login(po)
    html = client.get(reverse("sprints:sprint", args=[product.slug, sprint.pk])).content.decode()
    assert 'class="remaining"' in html or 'class="ideal"' in html
    assert "Burndown" in html and "The numbers" in html


def test_the_team_page_draws_the_velocity(
    client: Client, developer: Any, product: Product, team: Team
) -> None:
    SprintFactory(team=team, state=SprintState.CLOSED, committed_points=20, completed_points=18)
    client.force_login(developer)
    html = client.get(reverse("sprints:team", args=[product.slug, team.slug])).content.decode()
    assert "Velocity" in html and 'class="completed"' in html


def test_the_cumulative_flow_counts_the_stories_per_status_each_day(
    po: Any, developer: Any, product: Product, team: Team, make_story: Any
) -> None:
    todo, doing, review, done = list(product.statuses.all())
    a, b, c = make_story(points=5), make_story(points=3), make_story(points=8)
    with _at(MONDAY - dt.timedelta(days=1)):
        sprint = services.create_sprint(actor=po, team=team, name="S", start_date=MONDAY,
                                        end_date=MONDAY + dt.timedelta(days=13))  # fmt: skip
        services.add_story_to_sprint(actor=po, story=a, sprint=sprint)
        services.add_story_to_sprint(actor=po, story=b, sprint=sprint)
    with _at(MONDAY):
        services.start_sprint(actor=po, sprint=sprint)
    with _at(MONDAY + dt.timedelta(days=1)):
        backlog.move_story(actor=developer, story=a, status=doing)
    with _at(MONDAY + dt.timedelta(days=2)):
        backlog.move_story(actor=developer, story=a, status=done)
        services.add_story_to_sprint(actor=po, story=c, sprint=sprint)
    with _at(MONDAY + dt.timedelta(days=3)):
        services.remove_story_from_sprint(actor=po, story=b)

    flow = charts.cumulative_flow(sprint, today=MONDAY + dt.timedelta(days=3))
    assert [s.name for s in flow.statuses] == ["To do", "In progress", "Review", "Done"]
    counts = [d.counts for d in flow.days]
    assert counts[:4] == [[2, 0, 0, 0], [1, 1, 0, 0], [2, 0, 0, 1], [1, 0, 0, 1]]
    assert counts[4:] == [None] * 10
    assert flow.y_max == 3
    # One band per status, the done band drawn first (at the bottom).
    assert [band.status for band in flow.bands] == [done, review, doing, todo]
    assert all(band.polygon.count(",") == 8 for band in flow.bands)  # 4 days up, 4 back


def test_a_story_moved_in_the_sprint_starts_from_its_status_before_the_first_move(
    po: Any, developer: Any, product: Product, team: Team, make_story: Any
) -> None:
    todo, doing, _review, done = list(product.statuses.all())
    story = make_story(points=2, status=doing)
    with _at(MONDAY - dt.timedelta(days=1)):
        sprint = services.create_sprint(actor=po, team=team, name="S", start_date=MONDAY,
                                        end_date=MONDAY + dt.timedelta(days=13))  # fmt: skip
        services.add_story_to_sprint(actor=po, story=story, sprint=sprint)
    with _at(MONDAY):
        services.start_sprint(actor=po, sprint=sprint)
    with _at(MONDAY + dt.timedelta(days=1)):
        backlog.move_story(actor=developer, story=story, status=done)
    flow = charts.cumulative_flow(sprint, today=MONDAY + dt.timedelta(days=1))
    assert [d.counts for d in flow.days[:2]] == [[0, 1, 0, 0], [0, 0, 0, 1]]


def test_the_cumulative_flow_counts_days_in_the_teams_time_zone(
    po: Any, developer: Any, product: Product, team: Team, make_story: Any
) -> None:
    """A move at 23:30 UTC on Monday is Tuesday in Paris: it counts on Tuesday."""
    todo, doing, _review, _done = list(product.statuses.all())
    team.timezone = "Europe/Paris"
    team.save(update_fields=["timezone"])
    story = make_story(points=2)
    with _at(MONDAY - dt.timedelta(days=1)):
        sprint = services.create_sprint(actor=po, team=team, name="S", start_date=MONDAY,
                                        end_date=MONDAY + dt.timedelta(days=13))  # fmt: skip
        services.add_story_to_sprint(actor=po, story=story, sprint=sprint)
    with _at(MONDAY, hour=8):
        services.start_sprint(actor=po, sprint=sprint)
    with _at(MONDAY, hour=23):
        backlog.move_story(actor=developer, story=story, status=doing)
    flow = charts.cumulative_flow(sprint, today=MONDAY + dt.timedelta(days=1))
    assert [d.counts for d in flow.days[:2]] == [[1, 0, 0, 0], [0, 1, 0, 0]]


def test_the_sprint_page_draws_the_cumulative_flow_beside_the_burndown(
    client: Client, po: Any, product: Product, team: Team, make_story: Any
) -> None:
    sprint = SprintFactory(team=team, state=SprintState.ACTIVE, start_date=MONDAY)
    make_story(sprint=sprint, points=5)
    client.force_login(po)
    html = client.get(reverse("sprints:sprint", args=[product.slug, sprint.pk])).content.decode()
    assert "Cumulative flow" in html and 'class="chart-pair"' in html
    assert html.index("burndown-heading") < html.index("flow-heading")


def test_the_charts_keep_a_decimal_point_in_their_svg_for_a_french_reader(
    client: Client, po: Any, product: Product, team: Team, make_story: Any
) -> None:
    """French writes 36,5: an SVG coordinate written so is broken, whatever the language."""
    po.language = "fr"
    po.save(update_fields=["language"])
    sprint = SprintFactory(team=team, state=SprintState.ACTIVE, start_date=MONDAY)
    make_story(sprint=sprint, points=5)
    SprintFactory(team=team, state=SprintState.CLOSED, committed_points=7, completed_points=5,
                  start_date=MONDAY - dt.timedelta(days=14))  # fmt: skip
    client.force_login(po)
    for url in (
        reverse("sprints:sprint", args=[product.slug, sprint.pk]),
        reverse("sprints:team", args=[product.slug, team.slug]),
    ):
        html = client.get(url).content.decode()
        assert 'lang="fr"' in html and "<svg" in html
        assert not re.search(r'\b(x|y|x1|x2|y1|y2|cx|cy|width|height)="-?\d+,\d', html)
        assert re.search(r'\bx="\d+\.\d"', html)


def test_the_sprint_pages_charts_read_the_history_once(
    client: Client, po: Any, product: Product, team: Team, make_story: Any,
    django_assert_num_queries: Any,
) -> None:  # fmt: skip
    """Burndown and cumulative flow share one reading: the page costs what it did with the
    burndown alone (see test_close's count of the closed sprint page)."""
    sprint = SprintFactory(team=team, state=SprintState.ACTIVE, start_date=MONDAY)
    for _ in range(3):
        make_story(sprint=sprint, points=2)
    client.force_login(po)
    url = reverse("sprints:sprint", args=[product.slug, sprint.pk])
    client.get(url)
    with django_assert_num_queries(13):
        client.get(url)


def test_a_story_already_accepted_when_the_sprint_starts_is_not_remaining(
    po: Any, product: Product, team: Team, make_story: Any
) -> None:
    done = status_of(product, StatusCategory.DONE)
    finished, open_ = make_story(points=5, status=done), make_story(points=3)
    with _at(MONDAY - dt.timedelta(days=1)):
        sprint = services.create_sprint(actor=po, team=team, name="S", start_date=MONDAY,
                                        end_date=MONDAY + dt.timedelta(days=13))  # fmt: skip
        services.add_story_to_sprint(actor=po, story=finished, sprint=sprint)
        services.add_story_to_sprint(actor=po, story=open_, sprint=sprint)
        accept(po, finished)
    with _at(MONDAY):
        services.start_sprint(actor=po, sprint=sprint)
    chart = charts.burndown(sprint, today=MONDAY)
    assert chart.committed == 3 and chart.days[0].remaining == 3


def test_the_burndown_burns_on_acceptance_and_unburns_on_a_send_back(
    po: Any, developer: Any, product: Product, team: Team, make_story: Any
) -> None:
    """Reaching a done column burns nothing: the PO's acceptance does, a send-back undoes it,
    and so does taking an accepted card out of the done column."""
    a, b = make_story(points=5), make_story(points=3)
    with _at(MONDAY - dt.timedelta(days=1)):
        sprint = services.create_sprint(actor=po, team=team, name="S", start_date=MONDAY,
                                        end_date=MONDAY + dt.timedelta(days=13))  # fmt: skip
        services.add_story_to_sprint(actor=po, story=a, sprint=sprint)
        services.add_story_to_sprint(actor=po, story=b, sprint=sprint)
    with _at(MONDAY):
        services.start_sprint(actor=po, sprint=sprint)
    done = status_of(product, StatusCategory.DONE)
    doing = status_of(product, StatusCategory.IN_PROGRESS)
    with _at(MONDAY + dt.timedelta(days=1)):
        backlog.move_story(actor=developer, story=a, status=done)
        backlog.move_story(actor=developer, story=b, status=done)
    with _at(MONDAY + dt.timedelta(days=2)):
        accept(po, a)
        accept(po, b)
    with _at(MONDAY + dt.timedelta(days=3)):
        services.reject_story(actor=po, story=a, comment="The receipt is missing")
    with _at(MONDAY + dt.timedelta(days=4)):
        services.move_card(actor=developer, story=b, status=doing)

    chart = charts.burndown(sprint, today=MONDAY + dt.timedelta(days=4))
    assert [d.remaining for d in chart.days[:5]] == [8, 8, 0, 5, 8]
