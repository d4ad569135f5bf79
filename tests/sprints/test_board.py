"""The team's board: who sees it and what, moves through the move endpoint, WIP limits,
ageing from the event log, filters, and its cost in queries."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from backlog import services as backlog_services
from backlog.models import Sprint, SprintState, Story, StoryKind
from core import clock
from core.models import Event
from products.models import Product, Status, Team
from sprints import services
from tests.backlog.factories import EpicFactory, TaskFactory
from tests.conftest import MakeStory
from tests.products.factories import MembershipFactory, UserFactory
from tests.sprints.factories import SprintFactory

# Wednesday of the sprint's first week, noon in Paris.
WEDNESDAY = dt.datetime(2026, 3, 4, 11, 0, tzinfo=dt.UTC)


@pytest.fixture
def active(team: Team) -> Sprint:
    return SprintFactory(team=team, name="Sprint 3", state=SprintState.ACTIVE)


def _url(product: Product, team: Team, **params: str) -> str:
    url = reverse("sprints:board", args=[product.slug, team.slug])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def _status(product: Product, name: str) -> Status:
    return product.statuses.get(name=name)


def _card(html: str, story: Story) -> str:
    """The card's markup, up to the next card or the end of its column."""
    start = html.rindex("<li", 0, html.index(f'id="story-{story.pk}"'))
    ends = (html.find('<li class="board-card', start + 1), html.find("</ol>", start))
    return html[start : min(i for i in ends if i > 0)]


def _columns(response: Any) -> dict[str, list[str]]:
    return {c.status.name: [s.title for s in c.cards] for c in response.context["columns"]}


# Who sees the board


@pytest.mark.parametrize(
    "role",
    ["pm", "po", "scrum_master", "developer", "stakeholder", "other_team_developer", "superuser"],
)
def test_every_member_of_the_product_sees_the_board(
    request: pytest.FixtureRequest,
    client: Client,
    product: Product,
    team: Team,
    active: Sprint,
    role: str,
) -> None:
    client.force_login(request.getfixturevalue(role))
    assert client.get(_url(product, team)).status_code == 200


def test_an_outsider_gets_404(client: Client, outsider: User, product: Product, team: Team) -> None:
    client.force_login(outsider)
    assert client.get(_url(product, team)).status_code == 404


def test_an_unknown_team_gets_404(client: Client, po: User, product: Product) -> None:
    client.force_login(po)
    assert client.get(reverse("sprints:board", args=[product.slug, "nope"])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(
    client: Client, product: Product, team: Team
) -> None:
    response = client.get(_url(product, team))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "may_move"),
    [
        ("po", True),
        ("scrum_master", True),
        ("developer", True),
        ("superuser", True),
        ("pm", False),
        ("stakeholder", False),
        ("other_team_developer", False),
    ],
)
def test_only_those_who_may_move_cards_see_handles_and_forms(
    request: pytest.FixtureRequest,
    client: Client,
    product: Product,
    team: Team,
    active: Sprint,
    make_story: MakeStory,
    role: str,
    may_move: bool,
) -> None:
    story = make_story(sprint=active)
    client.force_login(request.getfixturevalue(role))
    html = client.get(_url(product, team)).content.decode()
    card = _card(html, story)
    assert ("drag-handle" in card) is may_move
    assert ("data-can-move" in card) is may_move
    assert (reverse("sprints:card_move", args=[product.slug, story.pk]) in card) is may_move
    assert (reverse("sprints:impediment_flag", args=[product.slug, story.pk]) in card) is may_move
    assert ('id="board-help"' in html) is may_move


def test_without_an_active_sprint_it_says_so_and_links_to_the_team(
    client: Client, developer: User, product: Product, team: Team, sprint: Sprint
) -> None:
    client.force_login(developer)
    response = client.get(_url(product, team))
    html = response.content.decode()
    assert response.status_code == 200
    assert "No active sprint" in html and 'id="board"' not in html
    assert f'href="{reverse("sprints:team", args=[product.slug, team.slug])}"' in html


def test_the_team_page_the_sprint_page_and_the_nav_link_to_the_board(
    client: Client, po: User, product: Product, team: Team, active: Sprint
) -> None:
    client.force_login(po)
    board = f'href="{_url(product, team)}"'
    assert (
        board
        in client.get(reverse("sprints:team", args=[product.slug, team.slug])).content.decode()
    )
    sprint_page = client.get(reverse("sprints:sprint", args=[product.slug, active.pk]))
    assert board in sprint_page.content.decode()
    html = client.get(_url(product, team)).content.decode()
    assert f'{board} aria-current="page"' in html


# What the board shows


def test_it_shows_the_active_sprint_in_one_column_per_status_in_order(
    client: Client,
    developer: User,
    product: Product,
    team: Team,
    active: Sprint,
    make_story: MakeStory,
) -> None:
    review = _status(product, "Review")
    closed = SprintFactory(team=team, state=SprintState.CLOSED, start_date=dt.date(2026, 2, 1))
    make_story(title="Last sprint", sprint=closed)
    make_story(title="In the backlog")
    make_story(title="Login", sprint=active)
    make_story(title="Search", sprint=active, status=_status(product, "In progress"))
    make_story(title="Export", sprint=active, status=review)
    make_story(title="Invoices", sprint=active)
    client.force_login(developer)
    response = client.get(_url(product, team))
    assert _columns(response) == {
        "To do": ["Login", "Invoices"],
        "In progress": ["Search"],
        "Review": ["Export"],
        "Done": [],
    }


def test_a_card_shows_title_kind_points_initials_epic_colour_and_task_progress(
    client: Client,
    developer: User,
    product: Product,
    team: Team,
    active: Sprint,
    make_story: MakeStory,
) -> None:
    epic = EpicFactory(product=product, title="Payments", colour="#12ab34")
    ada = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    story = make_story(
        title="Pay by card", kind=StoryKind.BUG, points=5, epic=epic, assignee=ada, sprint=active
    )
    for done in (True, True, False):
        TaskFactory(story=story, done=done)
    client.force_login(developer)
    card = _card(client.get(_url(product, team)).content.decode(), story)
    assert f'href="{reverse("backlog:story", args=[product.slug, story.pk])}">Pay by card<' in card
    assert ">Bug<" in card and ">5<" in card
    assert ">AL<" in card and "Assigned to Ada Lovelace" in card
    assert '<rect width="6" height="100" fill="#12ab34"/>' in card and "Payments" in card
    assert "2/3 tasks" in card
    assert "style=" not in card  # the CSP forbids inline styles


def test_a_column_over_its_wip_limit_says_so_in_its_header(
    client: Client,
    developer: User,
    product: Product,
    team: Team,
    active: Sprint,
    make_story: MakeStory,
) -> None:
    doing = _status(product, "In progress")
    doing.wip_limit = 2
    doing.save()
    todo = _status(product, "To do")
    todo.wip_limit = 5
    todo.save()
    for _ in range(3):
        make_story(sprint=active, status=doing)
    make_story(sprint=active)
    client.force_login(developer)
    response = client.get(_url(product, team))
    html = response.content.decode()
    over = {c.status.name: (c.count, c.limit, c.over) for c in response.context["columns"]}
    assert over["In progress"] == (3, 2, True)
    assert over["To do"] == (1, 5, False)
    assert html.count('class="board-column is-over"') == 1
    column = html[html.index(f'data-column-status="{doing.pk}"') :]
    header = column[: column.index("</header>")]
    assert '<span data-count>3</span><span aria-hidden="true"> / 2</span>' in header
    assert "data-over>Over the WIP limit<" in header
    todo_header = html[html.index(f'data-column-status="{todo.pk}"') :]
    assert "data-over hidden>" in todo_header[: todo_header.index("</header>")]


def test_a_blocked_card_shows_its_reason_until_resolved(
    client: Client,
    developer: User,
    product: Product,
    team: Team,
    active: Sprint,
    make_story: MakeStory,
) -> None:
    story = make_story(sprint=active)
    impediment = services.flag_impediment(actor=developer, story=story, reason="Waiting for keys")
    client.force_login(developer)
    card = _card(client.get(_url(product, team)).content.decode(), story)
    assert "is-blocked" in card and ">Blocked<" in card and "Waiting for keys" in card
    resolve = reverse("sprints:impediment_resolve", args=[product.slug, impediment.pk])
    assert f'action="{resolve}"' in card

    services.resolve_impediment(actor=developer, impediment=impediment, note="Got them")
    card = _card(client.get(_url(product, team)).content.decode(), story)
    assert "is-blocked" not in card and "Waiting for keys" not in card


# Moves through the endpoint the board's script and forms use


def test_a_move_across_columns_updates_the_status_and_writes_one_event(
    client: Client,
    developer: User,
    product: Product,
    team: Team,
    active: Sprint,
    make_story: MakeStory,
) -> None:
    doing = _status(product, "In progress")
    there = make_story(sprint=active, status=doing)
    moving = make_story(sprint=active)
    client.force_login(developer)
    url = reverse("backlog:story_move", args=[product.slug, moving.pk])
    response = client.post(
        url, {"status": doing.pk, "after": there.pk}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204
    moving.refresh_from_db()
    assert moving.status == doing
    (event,) = Event.objects.filter(verb="story.moved")
    assert event.sprint_id == active.pk and event.after["status"] == doing.pk
    assert "wip_exceeded" not in event.after
    assert _columns(client.get(_url(product, team)))["In progress"] == [there.title, moving.title]


def test_the_move_to_form_without_javascript_returns_to_the_filtered_board(
    client: Client,
    developer: User,
    product: Product,
    team: Team,
    active: Sprint,
    make_story: MakeStory,
) -> None:
    done = _status(product, "Done")
    first = make_story(sprint=active, status=done)
    moving = make_story(sprint=active)
    client.force_login(developer)
    back = _url(product, team, mine="on")
    url = reverse("backlog:story_move", args=[product.slug, moving.pk])
    response = client.post(url, {"status": done.pk, "position": "top", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert _columns(client.get(_url(product, team)))["Done"] == [moving.title, first.title]


@pytest.mark.parametrize("role", ["pm", "stakeholder", "other_team_developer"])
def test_a_forged_move_from_someone_who_may_not_move_cards_gets_403(
    request: pytest.FixtureRequest,
    client: Client,
    product: Product,
    active: Sprint,
    make_story: MakeStory,
    role: str,
) -> None:
    story = make_story(sprint=active)
    client.force_login(request.getfixturevalue(role))
    url = reverse("backlog:story_move", args=[product.slug, story.pk])
    doing = _status(product, "In progress")
    response = client.post(url, {"status": doing.pk}, headers={"HX-Request": "true"})
    assert response.status_code == 403
    story.refresh_from_db()
    assert story.status != doing and not Event.objects.filter(verb="story.moved").exists()


def test_the_move_that_takes_a_column_over_its_wip_limit_is_recorded(
    client: Client,
    developer: User,
    product: Product,
    team: Team,
    active: Sprint,
    make_story: MakeStory,
) -> None:
    doing = _status(product, "In progress")
    doing.wip_limit = 2
    doing.save()
    make_story(sprint=active, status=doing)
    second, third = make_story(sprint=active), make_story(sprint=active)
    client.force_login(developer)
    for story in (second, third):
        url = reverse("backlog:story_move", args=[product.slug, story.pk])
        client.post(url, {"status": doing.pk}, headers={"HX-Request": "true"})
    within, over = Event.objects.filter(verb="story.moved").order_by("id")
    assert "wip_exceeded" not in within.after
    assert over.after["status"] == doing.pk
    assert (over.after["wip_exceeded"], over.after["wip_count"], over.after["wip_limit"]) == (
        True,
        3,
        2,
    )


def test_a_reorder_inside_a_column_over_its_limit_is_not_an_excess(
    developer: User, product: Product, active: Sprint, make_story: MakeStory
) -> None:
    doing = _status(product, "In progress")
    doing.wip_limit = 1
    doing.save()
    first, second = make_story(sprint=active, status=doing), make_story(sprint=active, status=doing)
    backlog_services.move_story(actor=developer, story=second, before=first)
    (event,) = Event.objects.filter(verb="story.moved")
    assert "wip_exceeded" not in event.after


def test_a_wip_limit_counts_the_sprints_stories_only(
    po: User, product: Product, team: Team, active: Sprint, make_story: MakeStory
) -> None:
    doing = _status(product, "In progress")
    doing.wip_limit = 1
    doing.save()
    make_story(status=doing)  # in the backlog, not on the board
    moving = make_story(sprint=active)
    backlog_services.move_story(actor=po, story=moving, status=doing)
    (event,) = Event.objects.filter(verb="story.moved")
    assert "wip_exceeded" not in event.after


def test_the_wip_check_costs_one_count_and_the_move_still_writes_one_row_and_one_event(
    developer: User, product: Product, active: Sprint, make_story: MakeStory
) -> None:
    doing = _status(product, "In progress")
    doing.wip_limit = 1
    doing.save()
    make_story(sprint=active, status=doing)
    moving = Story.objects.select_related("product", "team", "status").get(
        pk=make_story(sprint=active).pk
    )
    with CaptureQueriesContext(connection) as ctx:
        backlog_services.move_story(actor=developer, story=moving, status=doing)
    sql = [q["sql"] for q in ctx.captured_queries]
    assert [q.split()[0] for q in sql if q.startswith(("UPDATE", "INSERT"))] == ["UPDATE", "INSERT"]
    assert sum(q.startswith("SELECT COUNT") for q in sql) == 1
    assert Event.objects.get(verb="story.moved").after["wip_exceeded"] is True


# Ageing: days in the current column, read from the event log


def _age(client: Client, product: Product, team: Team, story: Story) -> int:
    with clock.at(WEDNESDAY + dt.timedelta(days=7)):
        response = client.get(_url(product, team))
    cards = [c for column in response.context["columns"] for c in column.cards]
    age: int = next(c.age_days for c in cards if c.pk == story.pk)
    return age


def test_ageing_counts_the_days_since_the_card_entered_its_column(
    client: Client, po: User, product: Product, team: Team, active: Sprint, make_story: MakeStory
) -> None:
    doing, review = _status(product, "In progress"), _status(product, "Review")
    story = make_story(team=team)
    with clock.at(WEDNESDAY - dt.timedelta(days=10)):
        story = services.add_story_to_sprint(actor=po, story=story, sprint=active)
    with clock.at(WEDNESDAY - dt.timedelta(days=6)):
        backlog_services.move_story(actor=po, story=story, status=doing)
    with clock.at(WEDNESDAY - dt.timedelta(days=4)):
        backlog_services.move_story(actor=po, story=story, status=review)
    with clock.at(WEDNESDAY):
        backlog_services.move_story(actor=po, story=story, status=doing)
    client.force_login(po)
    # Back in "In progress" on Wednesday, looked at a week later.
    assert _age(client, product, team, story) == 7


def test_a_reorder_inside_the_column_keeps_the_cards_age(
    client: Client, po: User, product: Product, team: Team, active: Sprint, make_story: MakeStory
) -> None:
    doing = _status(product, "In progress")
    other = make_story(sprint=active, status=doing)
    story = make_story(sprint=active)
    with clock.at(WEDNESDAY):
        backlog_services.move_story(actor=po, story=story, status=doing)
    with clock.at(WEDNESDAY + dt.timedelta(days=5)):
        backlog_services.move_story(actor=po, story=story, before=other)
    client.force_login(po)
    assert _age(client, product, team, story) == 7


def test_a_card_never_moved_ages_from_the_day_it_joined_the_sprint(
    client: Client, po: User, product: Product, team: Team, active: Sprint, make_story: MakeStory
) -> None:
    story = make_story(team=team)
    with clock.at(WEDNESDAY - dt.timedelta(days=2)):
        services.add_story_to_sprint(actor=po, story=story, sprint=active)
    client.force_login(po)
    assert _age(client, product, team, story) == 9


def test_without_any_event_a_card_ages_from_its_creation(
    client: Client, po: User, product: Product, team: Team, active: Sprint, make_story: MakeStory
) -> None:
    story = make_story(sprint=active, created_at=WEDNESDAY - dt.timedelta(days=1))
    client.force_login(po)
    assert _age(client, product, team, story) == 8


def test_a_move_into_the_column_before_the_card_joined_the_sprint_doesnt_age_it(
    client: Client, po: User, product: Product, team: Team, active: Sprint, make_story: MakeStory
) -> None:
    """The age is the card's time in its column in this sprint: from when it joined."""
    doing = _status(product, "In progress")
    story = make_story(team=team)
    with clock.at(WEDNESDAY - dt.timedelta(days=20)):
        backlog_services.move_story(actor=po, story=story, status=doing)
    with clock.at(WEDNESDAY - dt.timedelta(days=1)):
        services.add_story_to_sprint(actor=po, story=story, sprint=active)
    client.force_login(po)
    assert _age(client, product, team, story) == 8


def _carried_over(
    po: User, team: Team, story: Story, *, move_to: Status | None = None
) -> tuple[Sprint, Sprint]:
    """``story`` spends a fortnight in Sprint 2, in ``move_to`` if given, and is carried
    over into Sprint 3 when Sprint 2 closes on Sunday 1 March; Sprint 3 starts on Monday."""
    earlier = SprintFactory(
        team=team,
        name="Sprint 2",
        start_date=dt.date(2026, 2, 16),
        end_date=dt.date(2026, 3, 1),
        state=SprintState.ACTIVE,
    )
    current = SprintFactory(team=team, name="Sprint 3", start_date=dt.date(2026, 3, 2))
    with clock.at(WEDNESDAY - dt.timedelta(days=16)):
        services.add_story_to_sprint(actor=po, story=story, sprint=earlier)
    if move_to is not None:
        with clock.at(WEDNESDAY - dt.timedelta(days=15)):
            backlog_services.move_story(actor=po, story=story, status=move_to)
    with clock.at(WEDNESDAY - dt.timedelta(days=3)):
        services.close_sprint(actor=po, sprint=earlier, carry_over_to=current)
    with clock.at(WEDNESDAY - dt.timedelta(days=2)):
        services.start_sprint(actor=po, sprint=current)
    return earlier, current


@pytest.mark.parametrize("moved", [True, False])
def test_a_carried_over_card_ages_from_the_day_it_was_carried_over(
    client: Client, po: User, product: Product, team: Team, make_story: MakeStory, moved: bool
) -> None:
    """Not from the story's creation 76 days ago, nor from its move in the last sprint."""
    doing = _status(product, "In progress")
    # Unmoved, it was made in progress: no event says since when.
    status = {} if moved else {"status": doing}
    story = make_story(team=team, created_at=WEDNESDAY - dt.timedelta(days=76), **status)
    _carried_over(po, team, story, move_to=doing if moved else None)
    client.force_login(po)
    # Carried over on Sunday 1 March, looked at on Wednesday 11 March.
    assert _age(client, product, team, story) == 10


def test_a_carried_over_card_moved_in_this_sprint_ages_from_the_move(
    client: Client, po: User, product: Product, team: Team, make_story: MakeStory
) -> None:
    doing, review = _status(product, "In progress"), _status(product, "Review")
    story = make_story(team=team, created_at=WEDNESDAY - dt.timedelta(days=76))
    _carried_over(po, team, story, move_to=doing)
    with clock.at(WEDNESDAY + dt.timedelta(days=1)):
        backlog_services.move_story(actor=po, story=Story.objects.get(pk=story.pk), status=review)
    client.force_login(po)
    assert _age(client, product, team, story) == 6


def test_a_card_added_after_a_carry_over_ages_from_its_own_addition(
    client: Client, po: User, product: Product, team: Team, make_story: MakeStory
) -> None:
    carried, added = make_story(team=team), make_story(team=team)
    _, current = _carried_over(po, team, carried)
    with clock.at(WEDNESDAY):
        services.add_story_to_sprint(actor=po, story=added, sprint=current)
    client.force_login(po)
    assert _age(client, product, team, added) == 7
    assert _age(client, product, team, carried) == 10


# Filters


@pytest.fixture
def filtered(product: Product, active: Sprint, make_story: MakeStory, developer: User) -> Any:
    epic = EpicFactory(product=product)
    ada = UserFactory(username="ada")
    MembershipFactory(user=ada, product=product, team=active.team)
    make_story(title="Mine", sprint=active, assignee=developer)
    make_story(title="Ada's", sprint=active, assignee=ada, epic=epic)
    make_story(title="Nobody's", sprint=active, epic=epic)
    return {"epic": epic, "ada": ada}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Mine", "Ada's", "Nobody's"]),
        ({"mine": "on"}, ["Mine"]),
        ({"assignee": "ada"}, ["Ada's"]),
        ({"assignee": "none"}, ["Nobody's"]),
        ({"epic": "epic"}, ["Ada's", "Nobody's"]),
        ({"epic": "epic", "assignee": "none"}, ["Nobody's"]),
        ({"assignee": "999999"}, ["Mine", "Ada's", "Nobody's"]),  # unknown: ignored
    ],
)
def test_filters_narrow_the_cards_but_not_the_column_counts(
    client: Client,
    developer: User,
    product: Product,
    team: Team,
    filtered: Any,
    params: dict[str, str],
    expected: list[str],
) -> None:
    values = {"ada": str(filtered["ada"].pk), "epic": str(filtered["epic"].pk)}
    query = {k: values.get(v, v) for k, v in params.items()}
    client.force_login(developer)
    response = client.get(_url(product, team, **query))
    assert _columns(response)["To do"] == expected
    assert response.context["columns"][0].count == 3


def test_a_filter_change_from_htmx_answers_the_board_partial(
    client: Client, developer: User, product: Product, team: Team, filtered: Any
) -> None:
    client.force_login(developer)
    response = client.get(
        _url(product, team, mine="on"), headers={"HX-Request": "true", "HX-Target": "board"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="board"') and "<html" not in html
    assert "Mine" in html and "Nobody&#x27;s" not in html
    # The forms on the cards come back to the filtered board.
    assert f'name="next" value="{_url(product, team, mine="on")}"' in html
    assert response["Vary"] and "HX-Request" in response["Vary"]


# Queries


@pytest.mark.parametrize("cards", [3, 60])
def test_the_board_costs_the_same_queries_whatever_its_size(
    client: Client,
    po: User,
    developer: User,
    product: Product,
    team: Team,
    active: Sprint,
    make_story: MakeStory,
    django_assert_num_queries: Any,
    cards: int,
) -> None:
    statuses = list(product.statuses.all())
    epics = [EpicFactory(product=product) for _ in range(2)]
    for i in range(cards):
        story = make_story(
            sprint=active,
            status=statuses[i % len(statuses)],
            epic=epics[i % 2],
            assignee=developer if i % 2 else po,
            points=3,
        )
        TaskFactory(story=story, done=True)
        TaskFactory(story=story)
        if i % 3 == 0:
            backlog_services.move_story(actor=po, story=story, status=statuses[(i + 1) % 4])
        if i % 5 == 0:
            services.flag_impediment(actor=po, story=story, reason="Blocked")
    client.force_login(po)
    with django_assert_num_queries(13):
        response = client.get(_url(product, team))
    assert sum(len(c.cards) for c in response.context["columns"]) == cards
    assert len(re.findall(r'<li class="board-card[ "]', response.content.decode())) == cards
