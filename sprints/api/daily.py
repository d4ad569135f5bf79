"""Daily entries, for scripts: the same services and rights as the daily meeting's page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from core import access
from core.access import Capability
from core.api import query_id, require_anywhere, signed_in
from core.schema import INVALID, NOT_FOUND, error, stale
from products.api import user_products
from sprints import services
from sprints.models import Ceremony, DailyEntry
from sprints.serializers.daily import (
    ENTRY,
    DailyEntrySerializer,
    EditSerializer,
    FinishedSerializer,
)

ENTRY_ANSWERS = {
    400: OpenApiResponse(
        response=INVALID.response,
        description="Invalid input, a daily of another day (read-only), or a story outside "
        "the daily's sprint: a message per field.",
        examples=[
            OpenApiExample(
                "Another day's daily",
                value={
                    "detail": [
                        "Entries are written on the day of the meeting; this daily is read-only."
                    ]
                },
                response_only=True,
            )
        ],
    ),
    403: error(
        "Only the team's members write entries, each their own.",
        "Only its author edits a daily entry.",
    ),
    404: NOT_FOUND,
}


STALE = {
    409: stale(
        "StaleDailyEntry",
        DailyEntrySerializer(),
        "the entry",
        examples=(
            OpenApiExample(
                "Edited meanwhile",
                value={
                    "detail": "This entry was changed meanwhile; here is what it says now.",
                    "current": ENTRY | {"version": 3, "doing": "Review"},
                },
                response_only=True,
            ),
        ),
    )
}


@extend_schema_view(
    list=extend_schema(
        summary="Daily entries",
        description="Entries of the dailies of your products; `?ceremony=<id>` for one daily.",
        parameters=[OpenApiParameter("ceremony", int, description="A daily meeting's id.")],
    ),
    retrieve=extend_schema(summary="A daily entry"),
    create=extend_schema(
        summary="Write your entry in today's daily (team members)",
        description="Creates your entry, or updates it if you wrote one already. A blocker "
        "raises an impediment of the team (on `blocker_story` if given), owned by you.",
        responses={201: DailyEntrySerializer, **ENTRY_ANSWERS, **STALE},
        examples=[
            OpenApiExample(
                "With a blocker",
                value={
                    "ceremony": 12,
                    "done": "Payment form",
                    "doing": "Its tests",
                    "blockers": "No sandbox API keys",
                    "blocker_story": 42,
                },
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Edit your entry, the day of the daily (send the version you edited)",
        request=EditSerializer,
        responses={200: DailyEntrySerializer, **ENTRY_ANSWERS, **STALE},
        examples=[
            OpenApiExample(
                "Plans changed", value={"version": 2, "doing": "Review"}, request_only=True
            )
        ],
    ),
)
class DailyEntryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = DailyEntrySerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        entries = DailyEntry.objects.filter(ceremony__team__product__in=user_products(self.request))
        if (ceremony := query_id(self.request, "ceremony")) is not None:
            entries = entries.filter(ceremony_id=ceremony)
        return entries.order_by("ceremony_id", "created_at", "id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_anywhere(request, Capability.WRITE_DAILY)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        ceremony = Ceremony.objects.select_related("team", "sprint").get(pk=fields["ceremony"].pk)
        entry = services.write_daily_entry(
            actor=signed_in(request),
            ceremony=ceremony,
            done=fields["done"],
            doing=fields["doing"],
            blockers=fields["blockers"],
            blocker_story=fields["blocker_story"],
            version=fields["version"],
        )
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entry = self.get_object()
        if not access.can(request.user, Capability.EDIT_OWN, entry):
            raise PermissionDenied(_("Only its author edits a daily entry."))
        data = EditSerializer(
            entry, data=request.data, partial=True, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        entry = services.write_daily_entry(
            actor=signed_in(request),
            ceremony=Ceremony.objects.select_related("team", "sprint").get(pk=entry.ceremony_id),
            done=fields.get("done", entry.done),
            doing=fields.get("doing", entry.doing),
            blockers=fields.get("blockers", entry.blockers),
            blocker_story=fields.get("blocker_story"),
            version=fields.get("version"),
        )
        return Response(self.get_serializer(entry).data)

    @extend_schema(
        summary="Say you are done (or not) in today's daily (team members)",
        request=FinishedSerializer,
        responses={200: DailyEntrySerializer, **ENTRY_ANSWERS},
        examples=[
            OpenApiExample("Done", value={"ceremony": 12, "finished": True}, request_only=True)
        ],
    )
    @action(detail=False, methods=["post"])
    def finished(self, request: Request) -> Response:
        data = FinishedSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        ceremony = Ceremony.objects.select_related("team", "sprint").get(
            pk=data.validated_data["ceremony"].pk
        )
        entry = services.set_daily_finished(
            actor=signed_in(request), ceremony=ceremony, finished=data.validated_data["finished"]
        )
        return Response(self.get_serializer(entry).data)


def register(router: BaseRouter) -> None:
    router.register("daily-entries", DailyEntryViewSet, basename="daily-entry")
