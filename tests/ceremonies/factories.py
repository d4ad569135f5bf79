"""Ceremonies: a daily meeting of a team unless told otherwise."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from ceremonies.models import Ceremony, CeremonyKind
from tests.products.factories import TeamFactory


class CeremonyFactory(DjangoModelFactory[Ceremony]):
    class Meta:
        model = Ceremony

    team = factory.SubFactory(TeamFactory)
    sprint = None
    kind = CeremonyKind.DAILY
    starts_at = factory.LazyAttribute(
        lambda o: dt.datetime(2026, 3, 3, 9, 30, tzinfo=o.team.tzinfo)
    )
    duration_minutes = 15
