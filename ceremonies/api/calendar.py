"""Ceremonies, for scripts: the calendar's list, one ceremony, its edits and its minutes,
through the same services as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from ceremonies import services
from ceremonies.models import Ceremony, CeremonyKind
from config.schema import REFUSALS
from products.api import query_id, user_products

KINDS = "One of: " + ", ".join(CeremonyKind.values) + "."
FILTERS = [
    OpenApiParameter("team", int, description="Only this team's ceremonies."),
    OpenApiParameter("sprint", int, description="Only this sprint's ceremonies."),
    OpenApiParameter("kind", str, description=KINDS),
    OpenApiParameter(
        "from", str, description="Starting at or after: a date (midnight UTC) or a date-time."
    ),
    OpenApiParameter(
        "to", str, description="Starting before: a date (midnight UTC) or a date-time."
    ),
]


@extend_schema_field(
    {
        "type": "string",
        "anyOf": [{"format": "uri"}, {"maxLength": 0}],
        "description": "The video call's link; empty when there is none.",
        "example": "https://meet.example.com/falcons-retro",
    }
)
class OptionalURLField(serializers.CharField):
    """A link that may be empty: "" is no URI, so the schema says either (a URLField's
    schema would say "format: uri" and an empty link would break it)."""

    def to_internal_value(self, data: Any) -> str:
        # Not in `validators`: drf-spectacular would turn a URLValidator into "format: uri".
        value = super().to_internal_value(data)
        try:
            URLValidator()(value)
        except DjangoValidationError as invalid:
            raise serializers.ValidationError(
                serializers.URLField.default_error_messages["invalid"]
            ) from invalid
        return value


CEREMONY = {
    "id": 12,
    "team": 1,
    "sprint": 7,
    "kind": "retrospective",
    "title": "",
    "starts_at": "2027-01-15T14:00:00Z",
    "ends_at": "2027-01-15T15:30:00Z",
    "duration_minutes": 90,
    "location": "Room 4",
    "video_url": "https://meet.example.com/falcons-retro",
    "notes": "- Reviews wait too long: pair on them",
    "cancelled": False,
    "moved_by_hand": True,
    "started_at": "2027-01-15T14:02:10Z",
    "ended_at": "2027-01-15T15:41:00Z",
    "overrun_minutes": 9,
    "attendees": [3, 5, 8],
    "version": 4,
    "updated_at": "2027-01-15T15:41:00Z",
    "uid": "ceremony-12@cadence",
}


@extend_schema_serializer(
    examples=[OpenApiExample("A retrospective, held", value=CEREMONY, response_only=True)]
)
class CeremonySerializer(serializers.ModelSerializer):
    video_url = OptionalURLField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    uid = serializers.CharField(read_only=True, help_text="The iCalendar UID, for good.")
    # A string, not an enum: the schema's "kind" enum is the story's.
    kind = serializers.CharField(read_only=True, help_text=KINDS)
    overrun_minutes = serializers.IntegerField(read_only=True)
    attendees = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Ceremony
        fields = [
            "id", "team", "sprint", "kind", "title", "starts_at", "ends_at", "duration_minutes",
            "location", "video_url", "notes", "cancelled", "moved_by_hand", "started_at",
            "ended_at", "overrun_minutes", "attendees", "version", "updated_at", "uid",
        ]  # fmt: skip
        read_only_fields = fields


STALE = OpenApiResponse(
    response=inline_serializer(
        "StaleCeremony", {"detail": serializers.CharField(), "current": CeremonySerializer()}
    ),
    description="Someone changed the ceremony since your `version`: nothing was written; "
    "`current` holds the ceremony as it is now.",
    examples=[
        OpenApiExample(
            "Moved meanwhile",
            value={
                "detail": "Someone else changed this ceremony meanwhile.",
                "current": CEREMONY | {"version": 5, "starts_at": "2027-01-15T15:00:00Z"},
            },
            response_only=True,
        )
    ],
)


class CeremonyUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="The version you edited.")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    starts_at = serializers.DateTimeField(required=False)
    duration_minutes = serializers.IntegerField(required=False, min_value=1)
    location = serializers.CharField(max_length=300, required=False, allow_blank=True)
    video_url = OptionalURLField(max_length=500, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True, help_text="Markdown.")


class AttendanceSerializer(serializers.Serializer):
    attendees = serializers.ListField(
        child=serializers.IntegerField(), help_text="User ids: who was there (replaces the list)."
    )


SCHEDULE_FIELDS = ("title", "starts_at", "duration_minutes", "location", "video_url")


def _moment(raw: str) -> dt.datetime | None:
    if not raw:
        return None
    if (day := parse_date(raw)) is not None:
        return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
    try:
        moment = parse_datetime(raw)
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


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
        responses={200: CeremonySerializer, 409: STALE, **REFUSALS},
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
        params = self.request.query_params
        if (team := query_id(self.request, "team")) is not None:
            ceremonies = ceremonies.filter(team_id=team)
        if (sprint := query_id(self.request, "sprint")) is not None:
            ceremonies = ceremonies.filter(sprint_id=sprint)
        if params.get("kind"):
            ceremonies = ceremonies.filter(kind=params["kind"])
        if start := _moment(params.get("from", "")):
            ceremonies = ceremonies.filter(starts_at__gte=start)
        if end := _moment(params.get("to", "")):
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
        try:
            with transaction.atomic():
                if any(name in values for name in SCHEDULE_FIELDS):
                    services.update_ceremony(
                        actor=request.user,
                        ceremony=ceremony,
                        version=version,
                        **{
                            name: values.get(name, getattr(ceremony, name))
                            for name in SCHEDULE_FIELDS
                        },
                    )
                    version = ceremony.version
                if "notes" in values:
                    services.update_ceremony_notes(
                        actor=request.user,
                        ceremony=ceremony,
                        notes=values["notes"],
                        version=version,
                    )
        except services.StaleCeremony as stale:
            return Response(
                {"detail": str(stale), "current": self.get_serializer(stale.current).data},
                status=status.HTTP_409_CONFLICT,
            )
        return self._answer(ceremony)

    def _do(self, verb: Any) -> Response:
        ceremony = self.get_object()
        verb(actor=self.request.user, ceremony=ceremony)
        return self._answer(ceremony)

    @extend_schema(
        summary="Cancel the ceremony (Product Owner, Scrum Master)",
        description="It stays in the calendar feeds with STATUS:CANCELLED.",
        request=None,
        responses={200: CeremonySerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        return self._do(services.cancel_ceremony)

    @extend_schema(
        summary="Restore a cancelled ceremony (Product Owner, Scrum Master)",
        request=None,
        responses={200: CeremonySerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        return self._do(services.restore_ceremony)

    @extend_schema(
        summary="Stamp the start (Product Owner, Scrum Master)",
        request=None,
        responses={200: CeremonySerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        return self._do(services.start_ceremony)

    @extend_schema(
        summary="Stamp the end (Product Owner, Scrum Master)",
        description="`overrun_minutes` then tells how far past its timebox it ran.",
        request=None,
        responses={200: CeremonySerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str | None = None) -> Response:
        return self._do(services.end_ceremony)

    @extend_schema(
        summary="Who was there (Product Owner, Scrum Master)",
        description="Replaces the list; team members and the product's PMs and stakeholders.",
        request=AttendanceSerializer,
        responses={200: CeremonySerializer, **REFUSALS},
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
            actor=request.user, ceremony=ceremony, user_ids=data.validated_data["attendees"]
        )
        return self._answer(ceremony)


def register(router: BaseRouter) -> None:
    router.register("ceremonies", CeremonyViewSet, basename="ceremony")
