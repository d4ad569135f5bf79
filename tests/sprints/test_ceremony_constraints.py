from __future__ import annotations

import pytest

from products.models import Team
from tests.conftest import violates
from tests.sprints.factories import CeremonyFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("minutes", [0, 8 * 60 + 1])
def test_it_refuses_a_ceremony_of_no_time_or_longer_than_eight_hours(
    team: Team, minutes: int
) -> None:
    with violates("sprints_ceremony_duration_range"):
        CeremonyFactory(team=team, duration_minutes=minutes)


@pytest.mark.parametrize("minutes", [1, 15, 8 * 60])
def test_it_accepts_a_ceremony_of_one_minute_to_eight_hours(team: Team, minutes: int) -> None:
    CeremonyFactory(team=team, duration_minutes=minutes)
