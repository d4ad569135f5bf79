"""The daily meeting: entries written by the team on the day, blockers raised as impediments,
the "I'm done" state, the digest since the previous daily, and the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from backlog import services as backlog
from backlog.models import Sprint, SprintState, Story
from core import clock
from core.access import Role
from core.concurrency import Stale
from core.models import Event
from products.models import Product, StatusCategory, Team
from sprints import digest, services
from sprints import services as sprints
from sprints.models import Ceremony, CeremonyKind, DailyEntry, Impediment
from tests.conftest import MakeStory
from tests.products.factories import MembershipFactory, UserFactory
from tests.sprints.factories import CeremonyFactory, SprintFactory

PARIS = dt.timezone(dt.timedelta(hours=1))  # March 2026, before the switch to summer time
# Tuesday 3 March 2026: the daily is at 09:30 in Paris; the clock reads 09:40.
DAILY_DAY = dt.date(2026, 3, 3)
DURING = dt.datetime(2026, 3, 3, 9, 40, tzinfo=PARIS)
NEXT_DAY = dt.datetime(2026, 3, 4, 9, 40, tzinfo=PARIS)
# 00:30 on the 4th in Paris is still the 3rd in UTC: the team's day counts, not the server's.
PAST_MIDNIGHT = dt.datetime(2026, 3, 4, 0, 30, tzinfo=PARIS)

# Only the team's members write entries; product roles read; outsiders see nothing.
MATRIX = [
    ("po", None),
    ("scrum_master", None),
    ("developer", None),
    ("superuser", None),
    ("pm", PermissionDenied),
    ("stakeholder", PermissionDenied),
    ("other_team_po", PermissionDenied),
    ("other_team_developer", PermissionDenied),
    ("outsider", Http404),
]
STATUS_CODES: dict[type[Exception] | None, int] = {None: 302, PermissionDenied: 403, Http404: 404}


@pytest.fixture
def active(team: Team) -> Sprint:
    return SprintFactory(team=team, name="Sprint 3", state=SprintState.ACTIVE, goal="Pay by card")


@pytest.fixture
def daily(team: Team, active: Sprint) -> Ceremony:
    return CeremonyFactory(team=team, sprint=active)


@pytest.fixture
def yesterday(team: Team, active: Sprint) -> Ceremony:
    return CeremonyFactory(
        team=team, sprint=active, starts_at=dt.datetime(2026, 3, 2, 9, 30, tzinfo=PARIS)
    )


@pytest.fixture
def story(active: Sprint, make_story: MakeStory) -> Story:
    return make_story(title="Card payments", sprint=active)


def _write(user: User, ceremony: Ceremony, **kwargs: Any) -> DailyEntry:
    values = {"done": "Wrote the form", "doing": "Tests", "blockers": ""} | kwargs
    with clock.at(kwargs.pop("at", DURING)):
        values.pop("at", None)
        return services.write_daily_entry(actor=user, ceremony=ceremony, **values)


def _url(product: Product, ceremony: Ceremony, name: str = "daily") -> str:
    return reverse(f"sprints:{name}", args=[product.slug, ceremony.pk])


# write_daily_entry


def test_it_writes_the_entry_and_records_an_event(developer: User, daily: Ceremony) -> None:
    entry = _write(developer, daily, done=" Login page ", doing="Logout")
    assert (entry.ceremony, entry.author, entry.done, entry.doing) == (
        daily,
        developer,
        "Login page",
        "Logout",
    )
    assert entry.created_at == DURING and entry.version == 1
    (event,) = Event.objects.filter(verb="daily.entry_written")
    assert (event.actor, event.object_id, event.sprint_id) == (developer, entry.pk, daily.sprint_id)
    assert event.after["done"] == "Login page" and event.before == {}


def test_a_second_write_updates_the_same_entry(developer: User, daily: Ceremony) -> None:
    first = _write(developer, daily)
    second = _write(developer, daily, doing="Review", version=first.version)
    assert second.pk == first.pk and second.version == 2 and second.doing == "Review"
    assert DailyEntry.objects.count() == 1


def test_it_refuses_a_stale_version(developer: User, daily: Ceremony) -> None:
    first = _write(developer, daily)
    _write(developer, daily, doing="Review", version=first.version)
    with pytest.raises(Stale) as refusal:
        _write(developer, daily, doing="Lost", version=first.version)
    current = refusal.value.current
    assert isinstance(current, DailyEntry)
    assert current.doing == "Review"


@pytest.mark.parametrize(("role", "refusal"), MATRIX)
def test_only_team_members_write_entries(
    request: pytest.FixtureRequest, daily: Ceremony, role: str, refusal: type[Exception] | None
) -> None:
    user: User = request.getfixturevalue(role)
    if refusal is None:
        assert _write(user, daily).author == user
    else:
        with pytest.raises(refusal):
            _write(user, daily)
        assert not DailyEntry.objects.exists()


@pytest.mark.parametrize(("role", "refusal"), MATRIX)
def test_only_team_members_say_they_are_done(
    request: pytest.FixtureRequest, daily: Ceremony, role: str, refusal: type[Exception] | None
) -> None:
    user: User = request.getfixturevalue(role)
    with clock.at(DURING):
        if refusal is None:
            assert services.set_daily_finished(actor=user, ceremony=daily, finished=True).finished
        else:
            with pytest.raises(refusal):
                services.set_daily_finished(actor=user, ceremony=daily, finished=True)


def test_entries_are_written_on_the_day_of_the_meeting_only(
    developer: User, daily: Ceremony
) -> None:
    entry = _write(developer, daily)
    with pytest.raises(ValidationError, match="read-only"):
        _write(developer, daily, doing="Late", at=NEXT_DAY, version=entry.version)
    with pytest.raises(ValidationError, match="read-only"):
        _write(developer, daily, at=DURING - dt.timedelta(days=1))
    with clock.at(NEXT_DAY), pytest.raises(ValidationError):
        services.set_daily_finished(actor=developer, ceremony=daily, finished=True)
    assert DailyEntry.objects.get().doing == "Tests"


def test_the_day_is_the_teams_not_the_servers(developer: User, daily: Ceremony) -> None:
    # 23:30 UTC on the 3rd is already the 4th in Paris.
    with pytest.raises(ValidationError):
        _write(developer, daily, at=PAST_MIDNIGHT)
    assert _write(developer, daily, at=dt.datetime(2026, 3, 3, 23, 50, tzinfo=PARIS)).pk


def test_an_entry_is_its_authors_only(developer: User, scrum_master: User, daily: Ceremony) -> None:
    mine = _write(developer, daily, done="Mine")
    theirs = _write(scrum_master, daily, done="Theirs")
    assert mine.pk != theirs.pk
    assert DailyEntry.objects.get(author=developer).done == "Mine"


def test_only_a_daily_takes_entries(developer: User, team: Team, active: Sprint) -> None:
    review = CeremonyFactory(team=team, sprint=active, kind=CeremonyKind.REVIEW)
    with pytest.raises(ValidationError):
        _write(developer, review)


def test_a_cancelled_daily_takes_no_entry(developer: User, daily: Ceremony) -> None:
    Ceremony.objects.filter(pk=daily.pk).update(cancelled=True)
    daily.refresh_from_db()
    with pytest.raises(ValidationError):
        _write(developer, daily)


# Blockers become impediments


def test_a_blocker_raises_an_impediment_on_the_story(
    developer: User, team: Team, active: Sprint, daily: Ceremony, story: Story
) -> None:
    _write(developer, daily, blockers="No API keys", blocker_story=story)
    impediment = Impediment.objects.get()
    assert (impediment.story, impediment.team, impediment.sprint) == (story, team, active)
    assert (impediment.owner, impediment.raised_in, impediment.reason) == (
        developer,
        daily,
        "No API keys",
    )
    assert impediment.is_open
    opened = Event.objects.get(verb="impediment.opened")
    assert opened.after == {"story": story.pk, "reason": "No API keys", "raised_in": daily.pk}


def test_a_blocker_without_a_story_blocks_the_team(
    developer: User, team: Team, active: Sprint, daily: Ceremony
) -> None:
    _write(developer, daily, blockers="The CI is down")
    impediment = Impediment.objects.get()
    assert impediment.story is None and (impediment.team, impediment.sprint) == (team, active)


def test_editing_the_blocker_rewords_its_impediment(
    developer: User, daily: Ceremony, story: Story
) -> None:
    entry = _write(developer, daily, blockers="No keys")
    _write(developer, daily, blockers="No API keys", blocker_story=story, version=entry.version)
    impediment = Impediment.objects.get()
    assert (impediment.reason, impediment.story) == ("No API keys", story)
    assert Event.objects.filter(verb="impediment.reworded").count() == 1


def test_a_new_blocker_after_resolving_raises_a_new_impediment(
    developer: User, daily: Ceremony
) -> None:
    entry = _write(developer, daily, blockers="No keys")
    with clock.at(DURING):
        sprints.resolve_impediment(actor=developer, impediment=Impediment.objects.get())
    _write(developer, daily, blockers="No VPN", version=entry.version)
    assert list(Impediment.objects.order_by("pk").values_list("reason", "resolved_at")) == [
        ("No keys", pytest.approx(DURING, abs=dt.timedelta(0))),
        ("No VPN", None),
    ]


def test_the_blocked_story_must_be_in_the_dailys_sprint(
    developer: User, daily: Ceremony, make_story: MakeStory
) -> None:
    elsewhere = make_story(title="Backlog story")
    with pytest.raises(ValidationError) as refusal:
        _write(developer, daily, blockers="Blocked", blocker_story=elsewhere)
    assert "blocker_story" in refusal.value.message_dict
    assert not Impediment.objects.exists()


def test_set_daily_finished_toggles_and_records(developer: User, daily: Ceremony) -> None:
    with clock.at(DURING):
        entry = services.set_daily_finished(actor=developer, ceremony=daily, finished=True)
        assert entry.finished
        entry = services.set_daily_finished(actor=developer, ceremony=daily, finished=False)
    assert not entry.finished
    assert list(Event.objects.filter(object_type="dailyentry").values_list("verb", flat=True)) == [
        "daily.finished",
        "daily.unfinished",
    ]


# The digest


def _status(product: Product, category: str) -> Any:
    return product.statuses.filter(category=category).first()


def test_the_digest_names_what_moved_since_the_previous_daily(
    product: Product,
    po: User,
    developer: User,
    active: Sprint,
    yesterday: Ceremony,
    daily: Ceremony,
    make_story: MakeStory,
) -> None:
    doing = _status(product, StatusCategory.IN_PROGRESS)
    done = _status(product, StatusCategory.DONE)
    moved, finished, before = (make_story(title=t, sprint=active) for t in ("Moved", "Fin", "Old"))
    added = make_story(title="Added")
    removed = make_story(title="Removed", sprint=active)
    with clock.at(dt.datetime(2026, 3, 2, 8, 0, tzinfo=PARIS)):  # before yesterday's daily
        backlog.move_story(actor=developer, story=before, status=doing)
    with clock.at(dt.datetime(2026, 3, 2, 15, 0, tzinfo=PARIS)):
        backlog.move_story(actor=developer, story=moved, status=doing)
        backlog.move_story(actor=po, story=finished, status=done)
        sprints.add_story_to_sprint(actor=po, story=added, sprint=active)
        sprints.remove_story_from_sprint(actor=po, story=removed)
        blocker = sprints.flag_impediment(actor=developer, story=moved, reason="No keys")
        sprints.resolve_impediment(actor=po, impediment=blocker, note="Asked")
    with clock.at(dt.datetime(2026, 3, 3, 10, 0, tzinfo=PARIS)):  # after today's daily
        backlog.move_story(actor=developer, story=moved, status=done)
    result = digest.since_previous_daily(daily)
    assert result.previous == yesterday
    groups = {g.key: g.items for g in result.groups}
    assert [i.title for i in groups["moved"]] == ["Moved"]
    assert groups["moved"][0].detail == "To do → In progress"
    assert groups["moved"][0].actors == [developer.display_name]
    assert [(i.title, i.actors) for i in groups["finished"]] == [("Fin", [po.display_name])]
    assert [i.title for i in groups["added"]] == ["Added"]
    assert [i.title for i in groups["removed"]] == ["Removed"]
    assert [(i.title, i.detail) for i in groups["opened"]] == [("Moved", "No keys")]
    assert [i.title for i in groups["resolved"]] == ["Moved"]


def test_the_first_daily_digests_from_the_sprints_start(daily: Ceremony, active: Sprint) -> None:
    result = digest.since_previous_daily(daily)
    assert result.previous is None and result.is_empty
    assert result.since.date() == active.start_date


def _events(
    count: int, actor: User, sprint: Sprint, product: Product, stories: list[Story]
) -> None:
    """Moves recorded straight into the log: the digest only reads it."""
    todo = _status(product, StatusCategory.TODO).pk
    doing = _status(product, StatusCategory.IN_PROGRESS).pk
    when = dt.datetime(2026, 3, 2, 12, 0, tzinfo=PARIS)
    Event.objects.bulk_create(
        Event(
            actor=actor,
            verb="story.moved",
            product_id=product.pk,
            team_id=sprint.team.pk,
            sprint_id=sprint.pk,
            object_type="story",
            object_id=stories[i % len(stories)].pk,
            before={"status": todo},
            after={"status": doing},
            created_at=when + dt.timedelta(seconds=i),
        )
        for i in range(count)
    )


def test_the_digest_costs_the_same_queries_whatever_the_events(
    product: Product,
    developer: User,
    active: Sprint,
    yesterday: Ceremony,
    daily: Ceremony,
    make_story: MakeStory,
    django_assert_num_queries: Any,
) -> None:
    stories = [make_story(title=f"S{i}", sprint=active) for i in range(20)]
    _events(10, developer, active, product, stories)
    with django_assert_num_queries(4):
        digest.since_previous_daily(daily)
    _events(490, developer, active, product, stories)
    with django_assert_num_queries(4):
        result = digest.since_previous_daily(daily)
    assert result.event_count == 500 and len(result.groups[0].items) == 20


# The page


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("po", 200),
        ("developer", 200),
        ("pm", 200),
        ("stakeholder", 200),
        ("other_team_developer", 200),
        ("outsider", 404),
    ],
)
def test_everyone_in_the_product_reads_the_daily(
    request: pytest.FixtureRequest,
    client: Client,
    product: Product,
    daily: Ceremony,
    role: str,
    status: int,
) -> None:
    client.force_login(request.getfixturevalue(role))
    with clock.at(DURING):
        assert client.get(_url(product, daily)).status_code == status


def test_the_page_shows_entries_goal_impediments_and_the_form(
    client: Client, product: Product, developer: User, po: User, daily: Ceremony, story: Story
) -> None:
    _write(po, daily, done="Ordered the backlog", blockers="Legal review", blocker_story=story)
    client.force_login(developer)
    with clock.at(DURING):
        response = client.get(_url(product, daily))
    page = response.content.decode()
    assert "Ordered the backlog" in page and "Pay by card" in page
    assert "Legal review" in page and 'id="impediments"' in page
    assert 'name="blockers"' in page and "data-timer" in page
    assert "js/daily.js" in page


def test_a_past_daily_is_read_only(
    client: Client, product: Product, developer: User, daily: Ceremony
) -> None:
    _write(developer, daily, done="Yesterday's work")
    client.force_login(developer)
    with clock.at(NEXT_DAY):
        page = client.get(_url(product, daily)).content.decode()
        assert "Yesterday&#x27;s work" in page and 'name="blockers"' not in page
        response = client.post(
            _url(product, daily, "daily_entry"), {"done": "x", "doing": "", "blockers": ""}
        )
    assert response.status_code == 422
    assert DailyEntry.objects.get().done == "Yesterday's work"


@pytest.mark.parametrize(("role", "refusal"), MATRIX)
def test_posting_an_entry_follows_the_matrix(
    request: pytest.FixtureRequest,
    client: Client,
    product: Product,
    daily: Ceremony,
    role: str,
    refusal: type[Exception] | None,
) -> None:
    client.force_login(request.getfixturevalue(role))
    with clock.at(DURING):
        response = client.post(
            _url(product, daily, "daily_entry"), {"done": "a", "doing": "b", "blockers": ""}
        )
    assert response.status_code == STATUS_CODES[refusal]
    assert DailyEntry.objects.exists() == (refusal is None)


def test_htmx_posting_answers_the_meeting_partial(
    client: Client, product: Product, developer: User, daily: Ceremony, story: Story
) -> None:
    client.force_login(developer)
    with clock.at(DURING):
        response = client.post(
            _url(product, daily, "daily_entry"),
            {"done": "a", "doing": "b", "blockers": "No keys", "blocker_story": story.pk},
            headers={"HX-Request": "true"},
        )
    page = response.content.decode()
    assert response.status_code == 200 and page.lstrip().startswith('<div id="meeting"')
    assert "No keys" in page
    assert Impediment.objects.get().story == story


def test_a_stale_post_answers_409_with_the_current_entry(
    client: Client, product: Product, developer: User, daily: Ceremony
) -> None:
    entry = _write(developer, daily, doing="First")
    _write(developer, daily, doing="Second", version=entry.version)
    client.force_login(developer)
    with clock.at(DURING):
        response = client.post(
            _url(product, daily, "daily_entry"),
            {"done": "", "doing": "Lost", "blockers": "", "version": entry.version},
        )
    assert response.status_code == 409
    assert "Second" in response.content.decode()
    assert DailyEntry.objects.get().doing == "Second"


def test_the_done_button_marks_the_member_done(
    client: Client, product: Product, developer: User, daily: Ceremony
) -> None:
    client.force_login(developer)
    with clock.at(DURING):
        response = client.post(_url(product, daily, "daily_finished"), {"finished": "1"})
    assert response.status_code == 302
    assert DailyEntry.objects.get(author=developer).finished


def test_a_stakeholder_cannot_say_done(
    client: Client, product: Product, stakeholder: User, daily: Ceremony
) -> None:
    client.force_login(stakeholder)
    with clock.at(DURING):
        response = client.post(_url(product, daily, "daily_finished"), {"finished": "1"})
    assert response.status_code == 403


def test_the_page_links_the_previous_and_next_dailies(
    client: Client, product: Product, po: User, yesterday: Ceremony, daily: Ceremony
) -> None:
    client.force_login(po)
    with clock.at(DURING):
        page = client.get(_url(product, yesterday)).content.decode()
    assert _url(product, daily) in page


def test_today_redirects_to_todays_daily(
    client: Client, product: Product, team: Team, po: User, yesterday: Ceremony, daily: Ceremony
) -> None:
    client.force_login(po)
    url = reverse("sprints:daily_today", args=[product.slug, team.slug])
    with clock.at(DURING):
        assert client.get(url)["Location"] == _url(product, daily)
    with clock.at(DURING - dt.timedelta(days=3)):  # before the sprint: the next one
        assert client.get(url)["Location"] == _url(product, yesterday)
    with clock.at(NEXT_DAY):
        response = client.get(url)
    assert response.status_code == 200
    assert "No daily meeting is scheduled" in response.content.decode()


def _members(team: Team, product: Product, count: int) -> list[User]:
    users = []
    for _ in range(count):
        user = UserFactory()
        MembershipFactory(user=user, product=product, team=team, role=Role.DEVELOPER)
        users.append(user)
    return users


def _page_queries(client: Client, url: str) -> int:
    with clock.at(DURING), CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_with_5_or_50_members_and_10_or_500_events(
    client: Client,
    product: Product,
    team: Team,
    po: User,
    active: Sprint,
    yesterday: Ceremony,
    daily: Ceremony,
    make_story: MakeStory,
    django_assert_num_queries: Any,
) -> None:
    stories = [make_story(title=f"S{i}", sprint=active) for i in range(10)]
    members = _members(team, product, 4)
    for user in members[:2]:
        _write(user, daily, blockers="Blocked", blocker_story=stories[0])
    _events(10, po, active, product, stories)
    client.force_login(po)
    url = _url(product, daily)
    small = _page_queries(client, url)

    members += _members(team, product, 45)
    for user in members[2:]:
        _write(user, daily, blockers=f"Blocked {user.pk}", blocker_story=stories[1])
    _events(490, po, active, product, stories)
    client.force_login(po)
    with clock.at(DURING), django_assert_num_queries(small):
        response = client.get(url)
    assert len(response.context["members"]) == 50
    assert response.context["digest"].event_count >= 500
