"""Sprints and impediments through the API: inputs the fuzzer once broke them with."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from products.models import Team
from sprints.models import Sprint


def test_a_team_id_past_the_database_range_lists_no_sprint(
    po: Any, team: Team, sprint: Sprint
) -> None:
    # ?team=12986774614258114560 overflowed SQLite's integer in the team_id lookup: a 500.
    api = APIClient()
    api.force_authenticate(po)
    response = api.get("/api/v1/sprints/?team=12986774614258114560")
    assert response.status_code == 200
    assert response.json()["results"] == []
