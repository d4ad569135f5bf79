"""Sprints: planned, two weeks from a Monday unless told otherwise; ceremonies: a daily
meeting of a team unless told otherwise."""

from __future__ import annotations

import datetime as dt

from backlog.models import Sprint, SprintState
from sprints.models import Ceremony, CeremonyKind
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
