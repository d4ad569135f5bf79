"""Sprints: planned, two weeks from a Monday unless told otherwise."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from sprints.models import Sprint, SprintState
from tests.products.factories import TeamFactory

# A Monday, so that a 14-day sprint covers two full working weeks.
SPRINT_START = dt.date(2026, 3, 2)


class SprintFactory(DjangoModelFactory[Sprint]):
    class Meta:
        model = Sprint

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Sprint {n}")
    start_date = SPRINT_START
    end_date = factory.LazyAttribute(lambda o: o.start_date + dt.timedelta(days=13))
    state = SprintState.PLANNED
