"""Sprints and impediments through the API: inputs the fuzzer once broke them with."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from backlog.models import Sprint
from products.models import Team


def test_a_team_id_past_the_database_range_is_refused(po: Any, team: Team, sprint: Sprint) -> None:
    # ?team=12986774614258114560 overflowed SQLite's integer in the team_id lookup: a 500.
    # It names no team; a 400 says so rather than an empty list (core.parsing).
    api = APIClient()
    api.force_authenticate(po)
    response = api.get("/api/v1/sprints/?team=12986774614258114560")
    assert response.status_code == 400
    assert "team" in response.json()
