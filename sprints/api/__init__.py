"""The sprints app's REST endpoints, by concept: sprints and impediments (``sprints.py``),
the calendar and ceremonies (``calendar.py``), the daily (``daily.py``), the
retrospective (``retro.py``), the review (``review.py``) and planning poker
(``estimation.py``), each with its serializers beside its viewsets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sprints.api import acceptance, calendar, daily, estimation, retro, review, sprints

if TYPE_CHECKING:
    from rest_framework.routers import BaseRouter


def register(router: BaseRouter) -> None:
    sprints.register(router)
    acceptance.register(router)
    daily.register(router)
    retro.register(router)
    review.register(router)
    calendar.register(router)
    estimation.register(router)
