"""Ceremonies as iCalendar (RFC 5545), written with the ``icalendar`` library.

Each ceremony is one VEVENT whose UID never changes and whose SEQUENCE is the ceremony's
version, so Google Calendar, Outlook and Apple Calendar update it in place; a cancelled
ceremony stays in the feed with STATUS:CANCELLED so that subscribers see it go. Times are
written in the team's zone (DTSTART;TZID=…) with its VTIMEZONE, so a 09:30 daily shows at
09:30 on both sides of a daylight-saving change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urljoin

import icalendar
from django.urls import reverse

from core import clock
from products.models import Team
from sprints.models import Ceremony

PRODID = "-//Cadence//Ceremonies//EN"


def _summary(ceremony: Ceremony, team: Team) -> str:
    parts = [team.name, ceremony.display_title]
    if ceremony.sprint is not None:
        parts.append(ceremony.sprint.name)
    return " · ".join(parts)


def _event(ceremony: Ceremony, team: Team, pages: str, now: dt.datetime) -> icalendar.Event:
    tz = team.tzinfo
    page = pages.replace("/0/", f"/{ceremony.pk}/")
    description = [page]
    if ceremony.video_url:
        description.insert(0, ceremony.video_url)
    if ceremony.sprint is not None and ceremony.sprint.goal:
        description.append(ceremony.sprint.goal)
    event = icalendar.Event()
    event.add("uid", ceremony.uid)
    event.add("sequence", ceremony.version)
    event.add("dtstamp", now)
    event.add("last-modified", ceremony.updated_at.astimezone(dt.UTC))
    event.add("dtstart", ceremony.starts_at.astimezone(tz))
    event.add("dtend", ceremony.ends_at.astimezone(tz))
    event.add("summary", _summary(ceremony, team))
    if ceremony.location:
        event.add("location", ceremony.location)
    event.add("url", ceremony.video_url or page)
    event.add("description", "\n\n".join(description))
    event.add("status", "CANCELLED" if ceremony.cancelled else "CONFIRMED")
    return event


def build(
    team: Team, ceremonies: Iterable[Ceremony], *, name: str, base_url: str
) -> icalendar.Calendar:
    ceremonies = list(ceremonies)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", team.timezone)
    if ceremonies:
        # The zone's rules over the ceremonies' years only: the full 1970–2038 history would
        # weigh more than a year of events.
        first = min(c.starts_at for c in ceremonies).date().replace(month=1, day=1)
        last = max(c.ends_at for c in ceremonies).date().replace(month=12, day=31)
        calendar.add_component(
            icalendar.Timezone.from_tzid(team.timezone, first_date=first, last_date=last)
        )
    now = clock.now().astimezone(dt.UTC)
    # One reverse() for all: a feed holds hundreds of events.
    pages = urljoin(base_url, reverse("sprints:ceremony", args=[team.product.slug, 0]))
    for ceremony in ceremonies:
        calendar.add_component(_event(ceremony, team, pages, now))
    return calendar


def team_calendar(team: Team, ceremonies: Iterable[Ceremony], *, base_url: str) -> bytes:
    """The team's subscription feed: every ceremony, cancelled ones included."""
    name = f"{team.product.name} · {team.name}"
    feed: bytes = build(team, ceremonies, name=name, base_url=base_url).to_ical()  # untyped
    return feed


def one_ceremony(ceremony: Ceremony, *, base_url: str) -> bytes:
    team = ceremony.team
    name = _summary(ceremony, team)
    feed: bytes = build(team, [ceremony], name=name, base_url=base_url).to_ical()  # untyped
    return feed
