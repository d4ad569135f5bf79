"""The ceremonies' REST endpoints, by concept (``calendar.py``, ``daily.py``, ``retro.py``,
``review.py``, ``estimation.py``), each with its serializers beside its viewsets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ceremonies.api import calendar, daily, estimation, retro, review

if TYPE_CHECKING:
    from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    # Each concept module adds one line here: `<concept>.register(router)`.
    daily.register(router)
    retro.register(router)
    review.register(router)
    calendar.register(router)
    estimation.register(router)
