"""Stories, epics, releases and tasks, for scripts: the same services as the pages."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from backlog import services
from backlog.filters import BacklogFilterForm
from backlog.models import Epic, Release, Story, Task
from backlog.serializers import (
    EpicSerializer,
    MoveSerializer,
    ReadySerializer,
    ReleaseSerializer,
    StoryCreateSerializer,
    StorySerializer,
    StoryUpdateSerializer,
    TaskSerializer,
)
from config.schema import REFUSALS
from products.api import filter_by_product, query_id, user_products

STALE = OpenApiResponse(
    response=inline_serializer(
        "StaleEdit", {"detail": serializers.CharField(), "current": StorySerializer()}
    ),
    description="Someone changed the story since your `version`: nothing was written; "
    "`current` holds the story as it is now.",
)
STORY_FILTERS = [
    OpenApiParameter("product", int, description="Only this product's stories, in rank order."),
    OpenApiParameter("backlog", bool, description="Only stories in no sprint."),
    OpenApiParameter("sprint", int, description="Only this sprint's stories."),
    OpenApiParameter("q", str, description="Text in the title or description (needs product)."),
    OpenApiParameter("team", str, description='A team id, or "none" (needs product).'),
    OpenApiParameter("epic", int, description="Needs product."),
    OpenApiParameter("release", int, description="Needs product."),
    OpenApiParameter("label", int, description="Needs product."),
    OpenApiParameter("kind", str, description="story, bug, spike or chore (needs product)."),
    OpenApiParameter("ready", str, description='"yes" or "no" (needs product).'),
    OpenApiParameter("unestimated", bool, description="Needs product."),
    OpenApiParameter("assignee", int, description="Needs product."),
]


class StoryPagination(CursorPagination):
    page_size = 100

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        # Rank is unique within a product: the backlog's order. Across products, creation.
        return ("rank",) if query_id(request, "product") is not None else ("id",)


@extend_schema_view(
    list=extend_schema(summary="Stories", parameters=STORY_FILTERS),
    retrieve=extend_schema(summary="One story"),
    create=extend_schema(
        summary="Create a story",
        request=StoryCreateSerializer,
        responses={201: StorySerializer, **REFUSALS},
        examples=[
            OpenApiExample(
                "A bug at the top",
                value={"product": 1, "title": "Crash on login", "kind": "bug", "at_top": True},
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Edit a story (send the version you edited)",
        request=StoryUpdateSerializer,
        responses={200: StorySerializer, 409: STALE, **REFUSALS},
        examples=[
            OpenApiExample(
                "Estimate",
                value={"version": 3, "points": 5},
                request_only=True,
            )
        ],
    ),
)
class StoryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = StorySerializer
    pagination_class = StoryPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        stories = Story.objects.filter(product__in=user_products(self.request)).prefetch_related(
            "labels"
        )
        if self.action != "list":
            return stories
        params = self.request.query_params
        if (product_id := query_id(self.request, "product")) is not None:
            product = get_object_or_404(user_products(self.request), pk=product_id)
            stories = BacklogFilterForm(params, product=product).apply(
                stories.filter(product=product)
            )
        if params.get("backlog") in ("1", "true"):
            stories = stories.filter(sprint__isnull=True)
        if (sprint := query_id(self.request, "sprint")) is not None:
            stories = stories.filter(sprint_id=sprint)
        return stories

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = StoryCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        story = services.create_story(actor=request.user, **data.validated_data)
        return Response(StorySerializer(story).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        story = self.get_object()
        data = StoryUpdateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        version = changes.pop("version")
        story = services.update_story(actor=request.user, story=story, version=version, **changes)
        return Response(StorySerializer(story).data)

    @extend_schema(
        summary="Move a story: a status and/or a place (neighbour, top, bottom)",
        description="The server computes the rank from the neighbour you name; a move writes "
        "the story and one event, whatever the backlog's size.",
        request=MoveSerializer,
        responses={200: StorySerializer, **REFUSALS},
        examples=[
            OpenApiExample("After another story", value={"after": 42}, request_only=True),
            OpenApiExample(
                "Into a column, at the top",
                value={"status": 3, "position": "top"},
                request_only=True,
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        story = self.get_object()
        data = MoveSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        story = services.move_story(actor=request.user, story=story, **data.validated_data)
        return Response(StorySerializer(Story.objects.get(pk=story.pk)).data)

    @extend_schema(
        summary="Mark a story ready, or not ready (its team's Product Owner)",
        request=ReadySerializer,
        responses={200: StorySerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def ready(self, request: Request, pk: str | None = None) -> Response:
        story = self.get_object()
        data = ReadySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        story = services.set_story_ready(
            actor=request.user, story=story, ready=data.validated_data["ready"]
        )
        return Response(StorySerializer(story).data)


@extend_schema_view(
    list=extend_schema(summary="Epics", parameters=[OpenApiParameter("product", int)]),
    retrieve=extend_schema(summary="One epic"),
    create=extend_schema(
        summary="Create an epic (Product Manager)", responses={201: EpicSerializer, **REFUSALS}
    ),
    partial_update=extend_schema(
        summary="Edit an epic (Product Manager)", responses={200: EpicSerializer, **REFUSALS}
    ),
)
class EpicViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = EpicSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        epics = Epic.objects.filter(product__in=user_products(self.request)).order_by(
            "product_id", "rank"
        )
        return filter_by_product(self.request, epics)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        epic = services.create_epic(actor=request.user, **data.validated_data)
        return Response(self.get_serializer(epic).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        epic = self.get_object()
        data = self.get_serializer(epic, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = {k: v for k, v in data.validated_data.items() if k != "product"}
        epic = services.update_epic(actor=request.user, epic=epic, **changes)
        return Response(self.get_serializer(epic).data)


@extend_schema_view(
    list=extend_schema(summary="Releases", parameters=[OpenApiParameter("product", int)]),
    retrieve=extend_schema(summary="One release"),
    create=extend_schema(
        summary="Create a release (Product Manager)", responses={201: ReleaseSerializer, **REFUSALS}
    ),
)
class ReleaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ReleaseSerializer

    def get_queryset(self) -> Any:
        releases = Release.objects.filter(product__in=user_products(self.request)).order_by("id")
        return filter_by_product(self.request, releases)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        release = services.create_release(actor=request.user, **data.validated_data)
        return Response(self.get_serializer(release).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Tasks", parameters=[OpenApiParameter("story", OpenApiTypes.INT)]),
    retrieve=extend_schema(summary="One task"),
    create=extend_schema(
        summary="Add a task to a story (its team)", responses={201: TaskSerializer, **REFUSALS}
    ),
    partial_update=extend_schema(
        summary="Tick or untick a task (its team)", responses={200: TaskSerializer, **REFUSALS}
    ),
)
class TaskViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TaskSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        tasks = Task.objects.filter(story__product__in=user_products(self.request)).order_by(
            "story_id", "rank"
        )
        if (story := query_id(self.request, "story")) is not None:
            tasks = tasks.filter(story_id=story)
        return tasks

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.add_task(
            actor=request.user,
            story=data.validated_data["story"],
            title=data.validated_data["title"],
        )
        return Response(self.get_serializer(task).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        task = self.get_object()
        data = self.get_serializer(task, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if "done" in data.validated_data:
            task = services.set_task_done(
                actor=request.user, task=task, done=data.validated_data["done"]
            )
        return Response(self.get_serializer(task).data)


def register(router: BaseRouter) -> None:
    router.register("stories", StoryViewSet, basename="story")
    router.register("epics", EpicViewSet, basename="epic")
    router.register("releases", ReleaseViewSet, basename="release")
    router.register("tasks", TaskViewSet, basename="task")
