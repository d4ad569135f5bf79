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
    extend_schema_serializer,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from backlog.models import Story
from ceremonies import services
from ceremonies.models import Ceremony, DailyEntry
from config.schema import INVALID, NOT_FOUND, error
from products.api import query_id, user_products
from products.serializers import UserScopedRelatedField

REFUSALS = {
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
ENTRY = {
    "id": 57,
    "ceremony": 12,
    "author": 4,
    "done": "Payment form",
    "doing": "Its tests",
    "blockers": "No sandbox API keys",
    "finished": False,
    "version": 2,
    "created_at": "2027-01-12T08:58:41Z",
    "updated_at": "2027-01-12T09:31:05Z",
}


@extend_schema_serializer(
    examples=[OpenApiExample("With a blocker", value=ENTRY, response_only=True)]
)
class DailyEntrySerializer(serializers.ModelSerializer):
    ceremony = UserScopedRelatedField(
        queryset=Ceremony.objects.all(),
        product_path="team__product",
        help_text="The daily meeting (a ceremony of kind `daily`) held today in the team's "
        "time zone.",
    )
    blocker_story = UserScopedRelatedField(
        queryset=Story.objects.all(),
        write_only=True,
        required=False,
        allow_null=True,
        default=None,
        help_text="The story of the daily's sprint that the blocker blocks; empty: the team.",
    )
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The version you edited; a stale one is refused with 409.",
    )

    class Meta:
        model = DailyEntry
        fields = [
            "id", "ceremony", "author", "done", "doing", "blockers", "blocker_story",
            "finished", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["author", "finished", "created_at", "updated_at"]
        extra_kwargs = {
            "done": {"required": False, "default": ""},
            "doing": {"required": False, "default": ""},
            "blockers": {"required": False, "default": ""},
        }


class EditSerializer(DailyEntrySerializer):
    ceremony = serializers.PrimaryKeyRelatedField(read_only=True)


class FinishedSerializer(serializers.Serializer):
    ceremony = UserScopedRelatedField(queryset=Ceremony.objects.all(), product_path="team__product")
    finished = serializers.BooleanField()


STALE = {
    409: OpenApiResponse(
        response=inline_serializer(
            "StaleDailyEntry",
            {"detail": serializers.CharField(), "current": DailyEntrySerializer()},
        ),
        description="Someone changed the entry since your `version`: nothing was written; "
        "`current` holds the entry as it is now.",
        examples=[
            OpenApiExample(
                "Edited meanwhile",
                value={
                    "detail": "This entry was changed meanwhile; here is what it says now.",
                    "current": ENTRY | {"version": 3, "doing": "Review"},
                },
                response_only=True,
            )
        ],
    )
}


def _stale(entry: DailyEntry, context: dict[str, Any]) -> Response:
    return Response(
        {
            "detail": _("This entry was changed meanwhile; here is what it says now."),
            "current": DailyEntrySerializer(entry, context=context).data,
        },
        status=status.HTTP_409_CONFLICT,
    )


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
        responses={201: DailyEntrySerializer, **REFUSALS, **STALE},
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
        responses={200: DailyEntrySerializer, **REFUSALS, **STALE},
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
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        ceremony = Ceremony.objects.select_related("team", "sprint").get(pk=fields["ceremony"].pk)
        try:
            entry = services.write_daily_entry(
                actor=request.user,
                ceremony=ceremony,
                done=fields["done"],
                doing=fields["doing"],
                blockers=fields["blockers"],
                blocker_story=fields["blocker_story"],
                version=fields["version"],
            )
        except services.StaleEntry as stale:
            return _stale(stale.current, self.get_serializer_context())
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entry = self.get_object()
        if entry.author_id != request.user.pk:
            raise PermissionDenied(_("Only its author edits a daily entry."))
        data = EditSerializer(
            entry, data=request.data, partial=True, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        try:
            entry = services.write_daily_entry(
                actor=request.user,
                ceremony=Ceremony.objects.select_related("team", "sprint").get(
                    pk=entry.ceremony_id
                ),
                done=fields.get("done", entry.done),
                doing=fields.get("doing", entry.doing),
                blockers=fields.get("blockers", entry.blockers),
                blocker_story=fields.get("blocker_story"),
                version=fields.get("version"),
            )
        except services.StaleEntry as stale:
            return _stale(stale.current, self.get_serializer_context())
        return Response(self.get_serializer(entry).data)

    @extend_schema(
        summary="Say you are done (or not) in today's daily (team members)",
        request=FinishedSerializer,
        responses={200: DailyEntrySerializer, **REFUSALS},
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
            actor=request.user, ceremony=ceremony, finished=data.validated_data["finished"]
        )
        return Response(self.get_serializer(entry).data)


def register(router: BaseRouter) -> None:
    router.register("daily-entries", DailyEntryViewSet, basename="daily-entry")
