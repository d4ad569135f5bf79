"""The iCalendar we write, read back with the same library: each event as RFC 5545 wants
it, and stable enough for calendar apps to update in place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import icalendar
import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from backlog.models import Sprint
from core import clock
from core.access import Role
from products.models import Product
from sprints.models import Ceremony, CeremonyKind
from sprints.services import (
    cancel_ceremony,
    regenerate_calendar_token,
    schedule_sprint_ceremonies,
    update_ceremony,
)
from tests.products.factories import MembershipFactory, TeamFactory
from tests.sprints.factories import SprintFactory

pytestmark = pytest.mark.django_db

K = CeremonyKind


@pytest.fixture(autouse=True)
def _before_the_sprints() -> Iterator[None]:
    # The feed holds a year back: pin today before the fixtures' sprints (2026).
    with clock.at(dt.datetime(2026, 2, 20, 12, 0, tzinfo=dt.UTC)):
        yield


def _feed(po: User, sprint: Sprint) -> icalendar.Calendar:
    token = regenerate_calendar_token(actor=po, team=sprint.team).token
    body = Client().get(reverse("sprints:calendar_feed", args=[token])).content
    return icalendar.Calendar.from_ical(body)


def _events(calendar: icalendar.Calendar) -> dict[str, icalendar.Component]:
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


@pytest.fixture
def scheduled(po: User, sprint: Sprint) -> Sprint:
    schedule_sprint_ceremonies(actor=po, sprint=sprint)
    return sprint


def test_the_feed_is_a_published_calendar_with_the_teams_zone(po: User, scheduled: Sprint) -> None:
    calendar = _feed(po, scheduled)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//Cadence//Ceremonies//EN"
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["X-WR-CALNAME"] == "Cadence · Falcons"
    (zone,) = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/Paris"


def test_each_event_carries_what_calendar_apps_need(po: User, scheduled: Sprint) -> None:
    events = _events(_feed(po, scheduled))
    ceremonies = list(scheduled.ceremonies.all())
    assert set(events) == {c.uid for c in ceremonies}
    for ceremony in ceremonies:
        event = events[ceremony.uid]
        start = event.decoded("DTSTART")
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert str(start.tzinfo) == "Europe/Paris"
        assert start == ceremony.starts_at  # the same instant…
        assert start.replace(tzinfo=None) == ceremony.starts_at.astimezone(
            ceremony.team.tzinfo
        ).replace(tzinfo=None)  # …written as local wall-clock time
        assert event.decoded("DTEND") - start == dt.timedelta(minutes=ceremony.duration_minutes)
        assert event["SEQUENCE"] == ceremony.version == 1
        assert "DTSTAMP" in event and "LAST-MODIFIED" in event
        assert str(event["SUMMARY"]) == f"Falcons · {ceremony.get_kind_display()} · Sprint 1"
        assert str(event["STATUS"]) == "CONFIRMED"
        page = f"/p/cadence/ceremonies/{ceremony.pk}/"
        assert str(event["URL"]).endswith(page)
        assert page in str(event["DESCRIPTION"])
    daily = next(c for c in ceremonies if c.kind == K.DAILY)
    local = events[daily.uid].decoded("DTSTART")
    assert (local.hour, local.minute) == (9, 30)


def test_an_update_keeps_the_uid_raises_the_sequence_and_a_cancel_stays_marked(
    po: User, scheduled: Sprint
) -> None:
    review = scheduled.ceremonies.get(kind=K.REVIEW)
    update_ceremony(
        actor=po,
        ceremony=review,
        version=1,
        title="Demo day",
        starts_at=review.starts_at + dt.timedelta(hours=-1),
        duration_minutes=60,
        location="Room 4",
        video_url="https://meet.example.com/demo",
    )
    cancel_ceremony(actor=po, ceremony=review)
    event = _events(_feed(po, scheduled))[review.uid]
    assert review.uid == f"ceremony-{review.pk}@cadence"
    assert event["SEQUENCE"] == 3
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]) == "Falcons · Demo day · Sprint 1"
    assert str(event["LOCATION"]) == "Room 4"
    assert str(event["URL"]) == "https://meet.example.com/demo"


def test_the_download_of_one_ceremony(po: User, scheduled: Sprint) -> None:
    retro = scheduled.ceremonies.get(kind=K.RETROSPECTIVE)
    client = Client()
    client.force_login(po)
    body = client.get(reverse("sprints:ceremony_ics", args=["cadence", retro.pk])).content
    calendar = icalendar.Calendar.from_ical(body)
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == retro.uid
    assert calendar["METHOD"] == "PUBLISH"
    assert len(calendar.walk("VTIMEZONE")) == 1


def test_dst_in_the_feed_keeps_0930_local_on_both_sides(po: User, product: Product) -> None:
    team = TeamFactory(product=product, slug="paris", timezone="Europe/Paris")
    MembershipFactory(user=po, product=product, team=team, role=Role.PO)
    sprint = SprintFactory(team=team, start_date=dt.date(2026, 10, 19))
    schedule_sprint_ceremonies(actor=po, sprint=sprint)
    events = _feed(po, sprint).walk("VEVENT")
    dailies = [e.decoded("DTSTART") for e in events if "Daily" in str(e["SUMMARY"])]
    assert {(d.hour, d.minute) for d in dailies} == {(9, 30)}
    offsets = {d.utcoffset() for d in dailies}
    assert offsets == {dt.timedelta(hours=2), dt.timedelta(hours=1)}
    assert Ceremony.objects.filter(team=team).count() == 13


def test_the_feed_leaves_out_ceremonies_older_than_a_year(po: User, scheduled: Sprint) -> None:
    token = regenerate_calendar_token(actor=po, team=scheduled.team).token
    url = reverse("sprints:calendar_feed", args=[token])
    with clock.at(dt.datetime(2027, 3, 10, 12, 0, tzinfo=dt.UTC)):
        events = icalendar.Calendar.from_ical(Client().get(url).content).walk("VEVENT")
    # Only the last week's ceremonies (from 10 March 2026 on) are within the year.
    assert 0 < len(events) < 13
