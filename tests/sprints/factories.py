"""Sprints: planned, two weeks from a Monday unless told otherwise; ceremonies: a daily
meeting of a team unless told otherwise."""

from __future__ import annotations

import datetime as dt

from accounts.models import User
from backlog.models import Sprint, SprintState, Story
from sprints import services
from sprints.models import Ceremony, CeremonyKind
from sprints.services.acceptance import done_items
from tests.factories_base import LazyAttribute, ModelFactory, Sequence, SubFactory
from tests.products.factories import TeamFactory

# A Monday, so that a 14-day sprint covers two full working weeks.
SPRINT_START = dt.date(2026, 3, 2)


class SprintFactory(ModelFactory[Sprint]):
    class Meta:
        model = Sprint

    team = SubFactory(TeamFactory)
    name = Sequence(lambda n: f"Sprint {n}")
    start_date = SPRINT_START
    end_date = LazyAttribute(lambda o: o.start_date + dt.timedelta(days=13))
    state = SprintState.PLANNED


class CeremonyFactory(ModelFactory[Ceremony]):
    class Meta:
        model = Ceremony

    team = SubFactory(TeamFactory)
    sprint = None
    kind = CeremonyKind.DAILY
    starts_at = LazyAttribute(lambda o: dt.datetime(2026, 3, 3, 9, 30, tzinfo=o.team.tzinfo))
    duration_minutes = 15


def accept(po: User, story: Story) -> Story:
    """The PO ticks the story's Definition of Done and accepts it, through the services
    (the story must be in a done column)."""
    story = Story.objects.get(pk=story.pk)
    for item in done_items(story):
        services.tick_done_item(actor=po, story=story, item=item)
    services.accept_story(actor=po, story=story)
    return Story.objects.get(pk=story.pk)
