"""The team calendar, the ceremony page and their forms: who sees what, who may do what,
and what a page costs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from backlog.models import Sprint, Story
from core import clock
from products.models import Product, Team
from products.services import remove_member
from sprints import services as sprints
from sprints.models import Ceremony, CeremonyKind, TeamCalendar
from sprints.services import regenerate_calendar_token, schedule_sprint_ceremonies
from tests.conftest import MakeStory
from tests.sprints.factories import SprintFactory

pytestmark = pytest.mark.django_db

K = CeremonyKind
# Wednesday of the sprint fixture's first week, in the morning.
NOW = dt.datetime(2026, 3, 4, 8, 0, tzinfo=dt.UTC)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _calendar(view: str = "") -> str:
    return reverse("sprints:calendar", args=["cadence", "falcons"]) + view


def _page(ceremony: Ceremony, name: str = "ceremony") -> str:
    return reverse(f"sprints:{name}", args=["cadence", ceremony.pk])


@pytest.fixture
def before_the_sprints() -> Iterator[None]:
    """The feed holds a year back: today pinned before the fixtures' sprints (2026)."""
    with clock.at(dt.datetime(2026, 2, 20, 12, 0, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def scheduled(po: User, sprint: Sprint) -> Sprint:
    schedule_sprint_ceremonies(actor=po, sprint=sprint)
    return sprint


@pytest.fixture
def review(scheduled: Sprint) -> Ceremony:
    return scheduled.ceremonies.get(kind=K.REVIEW)


# The calendar


@pytest.mark.parametrize(
    ("role", "status"),
    [("pm", 200), ("po", 200), ("scrum_master", 200), ("developer", 200), ("stakeholder", 200),
     ("other_team_po", 200), ("outsider", 404)],
)  # fmt: skip
def test_every_member_of_the_product_sees_the_calendar(
    request: pytest.FixtureRequest, scheduled: Sprint, role: str, status: int
) -> None:
    client = _client(request.getfixturevalue(role))
    assert client.get(_calendar("?week=2026-03-02")).status_code == status


def test_the_week_view_places_ceremonies_by_time_in_the_teams_zone(
    po: User, scheduled: Sprint
) -> None:
    with clock.at(NOW):
        response = _client(po).get(_calendar("?week=2026-03-04"))
    html = response.content.decode()
    assert "Europe/Paris" in html
    assert "09:30–09:45" in html  # a daily, local time
    assert "10:00–14:00" in html  # planning on Monday, 4 h for two weeks
    assert 'aria-current="date"' in html  # today, Wednesday
    assert "?week=2026-02-23" in html and "?week=2026-03-09" in html  # prev / next
    assert response.context["week"]["count"] == 6  # planning, 4 dailies, refinement
    columns = response.context["week"]["columns"]
    assert [c["working"] for c in columns] == [True] * 5 + [False] * 2


def test_the_list_view_shows_upcoming_ceremonies(po: User, scheduled: Sprint) -> None:
    with clock.at(NOW):
        response = _client(po).get(_calendar("?view=list"))
    days = [group["day"] for group in response.context["upcoming"]]
    assert days[0] == dt.date(2026, 3, 4) and days[-1] == dt.date(2026, 3, 13)
    assert "Sprint review" in response.content.decode()


def test_the_calendar_costs_the_same_queries_for_one_or_ten_sprints(
    po: User, team: Team, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    start = dt.date(2026, 3, 2)
    regenerate_calendar_token(actor=po, team=team)
    client = _client(po)

    def add_sprints(n: int) -> None:
        for _ in range(n):
            nonlocal start
            sprint = SprintFactory(team=team, start_date=start)
            schedule_sprint_ceremonies(actor=po, sprint=sprint)
            start += dt.timedelta(days=14)

    add_sprints(1)
    counts = []
    for more in (0, 9):
        add_sprints(more)
        for view in ("?week=2026-03-02", "?view=list"):
            with clock.at(NOW), django_assert_num_queries(8) as captured:
                client.get(_calendar(view))
            counts.append(len(captured))
    assert Ceremony.objects.filter(team=team).count() == 130
    assert len(set(counts)) == 1


def test_timeboxes_form_for_the_po_and_read_only_for_a_developer(
    po: User, developer: User, team: Team
) -> None:
    assert b'name="planning_minutes_per_week"' in _client(po).get(_calendar()).content
    page = _client(developer).get(_calendar()).content.decode()
    assert 'name="planning_minutes_per_week"' not in page
    assert "120 min per sprint week" in page


def test_timeboxes_above_the_scrum_guide_answer_422(po: User, team: Team) -> None:
    url = reverse("sprints:calendar_settings", args=["cadence", "falcons"])
    data = {
        "planning_minutes_per_week": 150,
        "review_minutes_per_week": 60,
        "retro_minutes_per_week": 45,
        "refinement_minutes": 60,
    }
    response = _client(po).post(url, data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "2 hours (120 minutes)" in response.content.decode()
    data["planning_minutes_per_week"] = 90
    assert _client(po).post(url, data).status_code == 302
    team.refresh_from_db()
    assert team.planning_minutes_per_week == 90


@pytest.mark.parametrize(
    ("role", "status"),
    [("po", 302), ("scrum_master", 302), ("developer", 403), ("pm", 403),
     ("stakeholder", 403), ("other_team_po", 403), ("outsider", 404)],
)  # fmt: skip
def test_who_may_change_the_timeboxes(
    request: pytest.FixtureRequest, team: Team, role: str, status: int
) -> None:
    client = _client(request.getfixturevalue(role))
    settings_url = reverse("sprints:calendar_settings", args=["cadence", "falcons"])
    data = {
        "planning_minutes_per_week": 60,
        "review_minutes_per_week": 60,
        "retro_minutes_per_week": 45,
        "refinement_minutes": 60,
    }
    assert client.post(settings_url, data).status_code == status


@pytest.mark.parametrize(
    "role",
    ["po", "scrum_master", "developer", "pm", "stakeholder", "other_team_po"],
)
def test_every_member_who_sees_the_team_makes_their_own_address(
    request: pytest.FixtureRequest, po: User, team: Team, role: str
) -> None:
    user = request.getfixturevalue(role)
    theirs = regenerate_calendar_token(actor=po, team=team).token if role != "po" else None
    client = _client(user)
    assert (
        client.post(reverse("sprints:calendar_token", args=["cadence", "falcons"])).status_code
        == 302
    )
    mine = TeamCalendar.objects.get(team=team, user=user).token
    page = client.get(_calendar()).content.decode()
    assert f"/calendar/{mine}.ics" in page and "Make a new address" in page
    if theirs:  # another member's address is neither shown nor changed
        assert theirs not in page
        assert TeamCalendar.objects.get(team=team, user=po).token == theirs


def test_an_outsider_makes_no_address(outsider: User, team: Team) -> None:
    url = reverse("sprints:calendar_token", args=["cadence", "falcons"])
    assert _client(outsider).post(url).status_code == 404
    assert not TeamCalendar.objects.exists()


def test_an_address_dies_with_its_owners_membership(
    pm: User, developer: User, team: Team, scheduled: Sprint
) -> None:
    token = regenerate_calendar_token(actor=developer, team=team).token
    url = reverse("sprints:calendar_feed", args=[token])
    assert Client().get(url).status_code == 200
    membership = developer.memberships.get(team=team)
    remove_member(actor=pm, membership=membership)
    assert Client().get(url).status_code == 404


def test_making_a_new_address_revokes_only_ones_own(
    po: User, developer: User, team: Team, scheduled: Sprint
) -> None:
    old = regenerate_calendar_token(actor=developer, team=team).token
    others = regenerate_calendar_token(actor=po, team=team).token
    new = regenerate_calendar_token(actor=developer, team=team).token
    assert Client().get(reverse("sprints:calendar_feed", args=[old])).status_code == 404
    assert Client().get(reverse("sprints:calendar_feed", args=[new])).status_code == 200
    assert Client().get(reverse("sprints:calendar_feed", args=[others])).status_code == 200


# The feed


@pytest.mark.usefixtures("before_the_sprints")
def test_the_feed_needs_no_login_and_dies_with_its_token(
    po: User, team: Team, scheduled: Sprint
) -> None:
    old = regenerate_calendar_token(actor=po, team=team).token
    response = Client().get(reverse("sprints:calendar_feed", args=[old]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response.content.count(b"BEGIN:VEVENT") == 13
    new = regenerate_calendar_token(actor=po, team=team).token
    assert Client().get(reverse("sprints:calendar_feed", args=[old])).status_code == 404
    assert Client().get(reverse("sprints:calendar_feed", args=[new])).status_code == 200
    assert Client().get("/calendar/nonsense.ics").status_code == 404


@pytest.mark.usefixtures("before_the_sprints")
def test_the_feed_costs_the_same_queries_for_any_number_of_ceremonies(
    po: User, team: Team, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    token = regenerate_calendar_token(actor=po, team=team).token
    url = reverse("sprints:calendar_feed", args=[token])
    start = dt.date(2026, 3, 2)
    for n in (1, 5):
        while Sprint.objects.filter(team=team).count() < n:
            sprint = SprintFactory(team=team, start_date=start)
            schedule_sprint_ceremonies(actor=po, sprint=sprint)
            start += dt.timedelta(days=14)
        # The token with its owner, the owner's grants (the address is theirs while they may
        # see the team), the ceremonies' fingerprint, and (not cached yet) the ceremonies.
        with django_assert_num_queries(4):
            assert Client().get(url).status_code == 200
        with django_assert_num_queries(3):
            assert Client().get(url).status_code == 200


@pytest.mark.usefixtures("before_the_sprints")
def test_a_change_to_a_ceremony_shows_in_the_cached_feed_at_once(
    po: User, team: Team, scheduled: Sprint
) -> None:
    from sprints.services import cancel_ceremony

    token = regenerate_calendar_token(actor=po, team=team).token
    url = reverse("sprints:calendar_feed", args=[token])
    assert b"STATUS:CANCELLED" not in Client().get(url).content
    cancel_ceremony(actor=po, ceremony=scheduled.ceremonies.get(kind=K.REVIEW))
    assert Client().get(url).content.count(b"STATUS:CANCELLED") == 1


# The ceremony page


@pytest.mark.parametrize(
    ("role", "status", "edits", "writes"),
    [("po", 200, True, True), ("scrum_master", 200, True, True), ("developer", 200, False, True),
     ("pm", 200, False, False), ("stakeholder", 200, False, False),
     ("other_team_po", 200, False, False), ("outsider", 404, False, False)],
)  # fmt: skip
def test_the_ceremony_page_shows_each_role_what_it_may_do(
    request: pytest.FixtureRequest, review: Ceremony, role: str, status: int, edits: bool,
    writes: bool,
) -> None:  # fmt: skip
    response = _client(request.getfixturevalue(role)).get(_page(review))
    assert response.status_code == status
    if status != 200:
        return
    html = response.content.decode()
    assert ('name="duration_minutes"' in html) is edits
    assert ('name="attendees"' in html) is edits
    assert ('name="notes"' in html) is writes
    assert f"/p/cadence/ceremonies/{review.pk}/review/" in html  # the dedicated page
    assert reverse("sprints:ceremony_ics", args=["cadence", review.pk]) in html


def test_the_ceremony_page_costs_the_same_queries_with_more_people(
    po: User, review: Ceremony, team: Team, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    from tests.products.factories import MembershipFactory, UserFactory

    client = _client(po)
    counts = []
    for _ in range(2):
        with django_assert_num_queries(8) as captured:
            client.get(_page(review))
        counts.append(len(captured))
        for _ in range(10):
            MembershipFactory(user=UserFactory(), product=team.product, team=team)
    assert counts[0] == counts[1]


def test_the_planning_ceremony_shows_goal_capacity_and_the_committed_scope(
    po: User, scheduled: Sprint, make_story: MakeStory
) -> None:
    story: Story = make_story(title="Login with SSO", points=5)
    sprints.add_story_to_sprint(actor=po, story=story, sprint=scheduled)
    planning = scheduled.ceremonies.get(kind=K.PLANNING)
    scheduled.goal = "Ship SSO"
    scheduled.save()
    client = _client(po)
    html = client.get(_page(planning)).content.decode()
    assert "Ship SSO" in html
    assert reverse("sprints:sprint_plan", args=["cadence", scheduled.pk]) in html
    assert "recorded here when the sprint starts" in html
    sprints.start_sprint(actor=po, sprint=scheduled)
    sprints.remove_story_from_sprint(actor=po, story=story)  # later changes don't rewrite it
    response = client.get(_page(planning))
    assert response.context["committed"] == [{"pk": story.pk, "title": "Login with SSO"}]
    assert response.context["committed_points"] == 5


def test_moving_a_ceremony_from_its_page(po: User, review: Ceremony) -> None:
    data = {
        "title": "Demo day",
        "date": "2026-03-13",
        "time": "11:00",
        "duration_minutes": 90,
        "location": "Room 4",
        "video_url": "https://meet.example.com/demo",
        "version": review.version,
    }
    response = _client(po).post(_page(review, "ceremony_edit"), data)
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.starts_at == dt.datetime(2026, 3, 13, 11, 0, tzinfo=review.team.tzinfo)
    assert (review.title, review.duration_minutes, review.moved_by_hand) == ("Demo day", 90, True)
    # The same form again: its version is stale now.
    response = _client(po).post(_page(review, "ceremony_edit"), data | {"title": "Again"})
    assert response.status_code == 409
    assert "Someone else changed this ceremony" in response.content.decode()
    # Over the timebox: 422 with the message on the field.
    data |= {"version": review.version, "duration_minutes": 500}
    response = _client(po).post(_page(review, "ceremony_edit"), data)
    assert response.status_code == 422
    assert "caps this ceremony at 120 minutes" in response.content.decode()
    assert f'href="/p/cadence/ceremonies/{review.pk}/review/"' in response.content.decode()


def test_cancel_restore_start_end_and_attendance_from_the_page(
    po: User, developer: User, review: Ceremony
) -> None:
    client = _client(po)
    assert client.post(_page(review, "ceremony_cancel")).status_code == 302
    assert client.post(_page(review, "ceremony_start")).status_code == 422  # cancelled
    assert client.post(_page(review, "ceremony_restore")).status_code == 302
    with clock.at(NOW):
        assert client.post(_page(review, "ceremony_start")).status_code == 302
    with clock.at(NOW + dt.timedelta(minutes=150)):
        assert client.post(_page(review, "ceremony_end")).status_code == 302
    url = _page(review, "ceremony_attendance")
    assert client.post(url, {"attendees": [po.pk, developer.pk]}).status_code == 302
    html = client.get(_page(review)).content.decode()
    assert "Overran its timebox by 30 minutes." in html
    assert set(review.attendees.all()) == {po, developer}
    assert client.post(url, {"attendees": ["x"]}).status_code == 422


@pytest.mark.parametrize(
    ("role", "status"),
    [("po", 302), ("scrum_master", 302), ("developer", 403), ("pm", 403), ("stakeholder", 403),
     ("other_team_po", 403), ("outsider", 404)],
)  # fmt: skip
@pytest.mark.parametrize("action", ["ceremony_cancel", "ceremony_start", "ceremony_attendance"])
def test_who_may_schedule_from_the_page(
    request: pytest.FixtureRequest, review: Ceremony, role: str, status: int, action: str
) -> None:
    client = _client(request.getfixturevalue(role))
    assert client.post(_page(review, action)).status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [("po", 302), ("developer", 302), ("pm", 403), ("stakeholder", 403),
     ("other_team_developer", 403), ("outsider", 404)],
)  # fmt: skip
def test_team_members_write_the_notes(
    request: pytest.FixtureRequest, review: Ceremony, role: str, status: int
) -> None:
    client = _client(request.getfixturevalue(role))
    data = {"notes": "**Demo** went well", "version": review.version}
    assert client.post(_page(review, "ceremony_notes"), data).status_code == status
    if status == 302:
        html = client.get(_page(review)).content.decode()
        assert "<strong>Demo</strong> went well" in html


def test_stale_notes_keep_what_was_typed(developer: User, po: User, review: Ceremony) -> None:
    from sprints.services import cancel_ceremony

    cancel_ceremony(actor=po, ceremony=review)  # version 2
    data = {"notes": "my words", "version": 1}
    response = _client(developer).post(_page(review, "ceremony_notes"), data)
    assert response.status_code == 409
    assert "my words" in response.content.decode()
    assert response.context["notes_form"].initial["version"] == 2


def test_the_ics_download_needs_membership(
    developer: User, outsider: User, review: Ceremony
) -> None:
    url = _page(review, "ceremony_ics")
    response = _client(developer).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert _client(outsider).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_the_nav_links_to_the_calendar(po: User, team: Team, product: Product) -> None:
    html = _client(po).get(reverse("sprints:team", args=["cadence", "falcons"])).content.decode()
    assert _calendar() in html
    assert TeamCalendar.objects.count() == 0  # a page view writes nothing
