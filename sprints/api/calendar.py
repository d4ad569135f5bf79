"""Ceremonies, for scripts: the calendar's list, one ceremony, its edits and its minutes,
through the same services as the pages."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from core.api import query_choice, query_id, query_moment, signed_in
from core.schema import stale
from products.api import user_products
from sprints import services
from sprints.models import Ceremony, CeremonyKind
from sprints.serializers.calendar import (
    CEREMONY,
    AttendanceSerializer,
    CeremonySerializer,
    CeremonyUpdateSerializer,
)

FILTERS = [
    OpenApiParameter("team", int, description="Only this team's ceremonies."),
    OpenApiParameter("sprint", int, description="Only this sprint's ceremonies."),
    OpenApiParameter("kind", str, enum=CeremonyKind.values),
    OpenApiParameter(
        "from", str, description="Starting at or after: a date (midnight UTC) or a date-time."
    ),
    OpenApiParameter(
        "to", str, description="Starting before: a date (midnight UTC) or a date-time."
    ),
]


STALE = stale(
    "StaleCeremony",
    CeremonySerializer(),
    "the ceremony",
    examples=(
        OpenApiExample(
            "Moved meanwhile",
            value={
                "detail": "Someone else changed this ceremony meanwhile.",
                "current": CEREMONY | {"version": 5, "starts_at": "2027-01-15T15:00:00Z"},
            },
            response_only=True,
        ),
    ),
)


SCHEDULE_FIELDS = ("title", "starts_at", "duration_minutes", "location", "video_url")


@extend_schema_view(
    list=extend_schema(
        summary="Ceremonies of your products' teams, by start time",
        parameters=FILTERS,
    ),
    retrieve=extend_schema(summary="One ceremony"),
    partial_update=extend_schema(
        summary="Move, rename, place or minute a ceremony (send the version you edited)",
        description="Time, title, duration, location and video link: Product Owner or Scrum "
        "Master of the team (the ceremony then stays put when the sprint's dates change; a "
        "duration above the Scrum Guide's timebox is refused). Notes: any team member.",
        request=CeremonyUpdateSerializer,
        responses={200: CeremonySerializer, 409: STALE},
        examples=[
            OpenApiExample(
                "Move to the afternoon, in a room",
                value={
                    "version": 2,
                    "starts_at": "2026-03-04T14:00:00+01:00",
                    "location": "Room 4",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Minutes", value={"version": 3, "notes": "- Demo went well"}, request_only=True
            ),
        ],
    ),
)
class CeremonyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CeremonySerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        ceremonies = (
            Ceremony.objects.filter(team__product__in=user_products(self.request))
            .select_related("team", "sprint")
            .prefetch_related("attendees")
        )
        if (team := query_id(self.request, "team")) is not None:
            ceremonies = ceremonies.filter(team_id=team)
        if (sprint := query_id(self.request, "sprint")) is not None:
            ceremonies = ceremonies.filter(sprint_id=sprint)
        if kind := query_choice(self.request, "kind", CeremonyKind.values):
            ceremonies = ceremonies.filter(kind=kind)
        if start := query_moment(self.request, "from"):
            ceremonies = ceremonies.filter(starts_at__gte=start)
        if end := query_moment(self.request, "to"):
            ceremonies = ceremonies.filter(starts_at__lt=end)
        return ceremonies.order_by("starts_at", "pk")

    def _answer(self, ceremony: Ceremony, **kwargs: Any) -> Response:
        fresh = self.get_queryset().get(pk=ceremony.pk)
        return Response(self.get_serializer(fresh).data, **kwargs)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ceremony = self.get_object()
        data = CeremonyUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = values.pop("version")
        with transaction.atomic():
            if any(name in values for name in SCHEDULE_FIELDS):
                services.update_ceremony(
                    actor=signed_in(request),
                    ceremony=ceremony,
                    version=version,
                    **{name: values.get(name, getattr(ceremony, name)) for name in SCHEDULE_FIELDS},
                )
                version = ceremony.version
            if "notes" in values:
                services.update_ceremony_notes(
                    actor=signed_in(request),
                    ceremony=ceremony,
                    notes=values["notes"],
                    version=version,
                )
        return self._answer(ceremony)

    def _do(self, verb: Any) -> Response:
        ceremony = self.get_object()
        verb(actor=signed_in(self.request), ceremony=ceremony)
        return self._answer(ceremony)

    @extend_schema(
        summary="Cancel the ceremony (Product Owner, Scrum Master)",
        description="It stays in the calendar feeds with STATUS:CANCELLED.",
        request=None,
        responses={200: CeremonySerializer},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        return self._do(services.cancel_ceremony)

    @extend_schema(
        summary="Restore a cancelled ceremony (Product Owner, Scrum Master)",
        request=None,
        responses={200: CeremonySerializer},
    )
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        return self._do(services.restore_ceremony)

    @extend_schema(
        summary="Stamp the start (Product Owner, Scrum Master)",
        request=None,
        responses={200: CeremonySerializer},
    )
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        return self._do(services.start_ceremony)

    @extend_schema(
        summary="Stamp the end (Product Owner, Scrum Master)",
        description="`overrun_minutes` then tells how far past its timebox it ran.",
        request=None,
        responses={200: CeremonySerializer},
    )
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str | None = None) -> Response:
        return self._do(services.end_ceremony)

    @extend_schema(
        summary="Who was there (Product Owner, Scrum Master)",
        description="Replaces the list; team members and the product's PMs and stakeholders.",
        request=AttendanceSerializer,
        responses={200: CeremonySerializer},
        examples=[
            OpenApiExample("Three people", value={"attendees": [3, 5, 8]}, request_only=True)
        ],
    )
    @action(detail=True, methods=["post"])
    def attendance(self, request: Request, pk: str | None = None) -> Response:
        ceremony = self.get_object()
        data = AttendanceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.set_attendance(
            actor=signed_in(request), ceremony=ceremony, user_ids=data.validated_data["attendees"]
        )
        return self._answer(ceremony)


def register(router: BaseRouter) -> None:
    router.register("ceremonies", CeremonyViewSet, basename="ceremony")
