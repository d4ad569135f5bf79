"""Sprints: planned, two weeks from a Monday unless told otherwise (the team's first from
SPRINT_START, the next ones each after the team's last: a team's sprints never overlap);
ceremonies: a daily meeting of a team unless told otherwise."""

from __future__ import annotations

import datetime as dt
from typing import Any

from accounts.models import User
from backlog.models import Sprint, SprintState, Story
from sprints import services
from sprints.models import Ceremony, CeremonyKind
from sprints.services.acceptance import done_items
from tests.factories_base import LazyAttribute, ModelFactory, Sequence, SubFactory
from tests.products.factories import TeamFactory

# A Monday, so that a 14-day sprint covers two full working weeks.
SPRINT_START = dt.date(2026, 3, 2)


def _next_start(o: Any) -> dt.date:
    last = Sprint.objects.filter(team_id=o.team.pk).order_by("-end_date").first()
    return last.end_date + dt.timedelta(days=1) if last else SPRINT_START


class SprintFactory(ModelFactory[Sprint]):
    class Meta:
        model = Sprint

    team = SubFactory(TeamFactory)
    name = Sequence(lambda n: f"Sprint {n}")
    start_date = LazyAttribute(_next_start)
    end_date = LazyAttribute(lambda o: o.start_date + dt.timedelta(days=13))
    state = SprintState.PLANNED

    @classmethod
    def _create(cls, model_class: type[Sprint], *args: Any, **kwargs: Any) -> Sprint:
        # PostgreSQL refuses overlapping sprints of a team (backlog_sprint_no_overlap);
        # refused here too, so that a test that would fail there fails on SQLite as well.
        team, start, end = kwargs["team"], kwargs["start_date"], kwargs["end_date"]
        clash = Sprint.objects.filter(team=team, start_date__lte=end, end_date__gte=start)
        if clash.exists():
            raise ValueError(f"{kwargs.get('name')} overlaps {clash.first()} of team {team}")
        # factory-boy's _create is untyped; DjangoModelFactory's makes a model_class row.
        created: Sprint = super()._create(model_class, *args, **kwargs)  # type: ignore[no-untyped-call]
        return created


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
