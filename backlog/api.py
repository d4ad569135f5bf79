"""Stories, epics, releases, tasks and the workflow's statuses (which hold stories), for
scripts: the same services as the pages."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from backlog import csvio, services
from backlog.filters import BacklogFilterForm
from backlog.models import Epic, Release, Story, StoryKind, Task
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
from core import access
from core.access import Capability
from core.api import (
    PRODUCT_FILTER,
    filter_by_product,
    query_flag,
    query_id,
    require_anywhere,
    signed_in,
)
from core.parsers import CSVParser
from core.schema import FIELD_ERRORS, stale
from products import workflow
from products.api import MOVE_EXAMPLE, user_products
from products.models import Product, Status
from products.serializers import DirectionSerializer, StatusSerializer, StatusWriteSerializer

STALE = stale("StaleEdit", StorySerializer(), "the story")
CSV_REFUSED = OpenApiResponse(
    response={
        **FIELD_ERRORS,
        "properties": {
            **FIELD_ERRORS["properties"],
            "rows": {
                "type": "array",
                "description": "Each wrong row of the file, by line (0: the whole file).",
                "items": {
                    "type": "object",
                    "required": ["line", "message"],
                    "properties": {
                        "line": {"type": "integer"},
                        "message": {"type": "string"},
                    },
                },
            },
        },
    },
    description="Nothing was imported: the file's wrong rows, or a field's messages.",
    examples=[
        OpenApiExample(
            "A row without a title",
            value={"rows": [{"line": 3, "message": "A story needs a title."}]},
        )
    ],
)
STORY_FILTERS = [
    OpenApiParameter("product", int, description="Only this product's stories, in rank order."),
    OpenApiParameter("backlog", bool, description="Only stories in no sprint."),
    OpenApiParameter("sprint", int, description="Only this sprint's stories."),
    OpenApiParameter("q", str, description="Text in the title or description (needs product)."),
    OpenApiParameter(
        "team",
        str,
        description='A team id, "<id>+" (the team\'s and those of no team) or "none" '
        "(needs product).",
        pattern=r"^(|none|[1-9][0-9]{0,17}\+?)$",
    ),
    OpenApiParameter("epic", int, description="Needs product."),
    OpenApiParameter("release", int, description="Needs product."),
    OpenApiParameter("label", int, description="Needs product."),
    OpenApiParameter("kind", str, enum=StoryKind.values, description="Needs product."),
    OpenApiParameter("ready", str, enum=["yes", "no"], description="Needs product."),
    OpenApiParameter("unestimated", bool, description="Needs product."),
    OpenApiParameter("assignee", int, description="Needs product."),
]

# A story held back by the Definition of Ready (backlog.readiness.NotReady): the reason,
# and the items it misses. The sprints' add-story answers it too.
NOT_READY = OpenApiResponse(
    response=FIELD_ERRORS,
    description="Refused by the Definition of Ready: nothing was written; `detail` says why "
    "and `missing` lists the items the story misses.",
    examples=[
        OpenApiExample(
            "A story that misses an item",
            value={
                "detail": [
                    "This story misses items of the Definition of Ready: confirm to mark it ready."
                ],
                "missing": ["Has acceptance criteria"],
            },
            response_only=True,
        )
    ],
)


def _backlog_filters(request: Request, product: Product) -> BacklogFilterForm:
    """The backlog page's filters, from the query string. The page ignores a value it
    doesn't know; the API refuses it, so that a script never takes the unfiltered list
    for the filtered one."""
    filters = BacklogFilterForm(request.query_params, product=product)
    if not filters.is_valid():
        raise serializers.ValidationError(
            {name: [str(m) for m in messages] for name, messages in filters.errors.items()}
        )
    return filters


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
        responses={201: StorySerializer},
        examples=[
            OpenApiExample(
                "A bug at the top",
                value={"product": 1, "title": "Crash on login", "kind": "bug", "at_top": True},
                request_only=True,
            )
        ],
    ),
    destroy=extend_schema(
        summary="Delete a story (its team's Product Owner)",
        description="The row goes; the `story.deleted` event keeps its last values.",
    ),
    partial_update=extend_schema(
        summary="Edit a story (send the version you edited)",
        request=StoryUpdateSerializer,
        responses={200: StorySerializer, 409: STALE},
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
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = StorySerializer
    pagination_class = StoryPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        stories = Story.objects.filter(product__in=user_products(self.request)).prefetch_related(
            "labels"
        )
        if self.action != "list":
            return stories
        params = self.request.query_params
        # The form's checkbox takes any value as "on": the API says what it takes.
        query_flag(self.request, "unestimated")
        if (product_id := query_id(self.request, "product")) is None:
            # The backlog's filters name the product's teams, epics, releases and labels.
            if needing := sorted(n for n in BacklogFilterForm.base_fields if params.get(n)):
                message = _("Give the product to filter by %(names)s.")
                raise serializers.ValidationError(
                    {"product": [message % {"names": ", ".join(needing)}]}
                )
        else:
            product = get_object_or_404(user_products(self.request), pk=product_id)
            stories = _backlog_filters(self.request, product).apply(stories.filter(product=product))
        if query_flag(self.request, "backlog"):
            stories = stories.filter(sprint__isnull=True)
        if (sprint := query_id(self.request, "sprint")) is not None:
            stories = stories.filter(sprint_id=sprint)
        return stories

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_anywhere(request, Capability.CREATE_STORY)
        data = StoryCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        story = services.create_story(actor=signed_in(request), **data.validated_data)
        return Response(StorySerializer(story).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        story = self.get_object()
        data = StoryUpdateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        version = changes.pop("version")
        story = services.update_story(
            actor=signed_in(request), story=story, version=version, **changes
        )
        return Response(StorySerializer(story).data)

    def perform_destroy(self, instance: Story) -> None:
        services.delete_story(actor=signed_in(self.request), story=instance)

    def _product(self) -> Product:
        if (product_id := query_id(self.request, "product")) is None:
            raise serializers.ValidationError({"product": [_("Give the product.")]})
        product: Product = get_object_or_404(user_products(self.request), pk=product_id)
        return product

    @extend_schema(
        summary="The backlog as CSV (the page's export)",
        description="The stories in no sprint, in rank order, under the backlog's filters "
        "(the list's parameters); cells that a spreadsheet would run as a formula start "
        "with an apostrophe.",
        parameters=[p for p in STORY_FILTERS if p.name not in ("backlog", "sprint")],
        responses={(200, "text/csv"): OpenApiTypes.STR},
        examples=[
            OpenApiExample(
                "Two stories",
                value="id,position,title,kind,points,status,ready,team,epic,release,"
                "assignee,labels,description,acceptance_criteria\n"
                "12,1,Export to PDF,story,3,To do,yes,Falcons,,,dev1,ux,,\n",
                response_only=True,
                media_type="text/csv",
            )
        ],
    )
    @action(detail=False, methods=["get"], url_path="export")
    def export_csv(self, request: Request) -> StreamingHttpResponse:
        product = self._product()
        stories = Story.objects.filter(product=product).in_backlog()
        return csvio.download(product, _backlog_filters(request, product).apply(stories))

    @extend_schema(
        summary="Add stories from CSV at the bottom of the backlog: all of them, or none",
        description="The columns of the export (`title` at least). Every row is checked "
        "first: one wrong row refuses the file with each wrong row's line and reason.",
        parameters=[OpenApiParameter("product", int, required=True)],
        request={"text/csv": OpenApiTypes.STR},
        responses={201: StorySerializer(many=True), 400: CSV_REFUSED},
        examples=[
            OpenApiExample(
                "Two stories",
                value="title,kind,points\nExport to PDF,story,3\nCrash on login,bug,\n",
                request_only=True,
                media_type="text/csv",
            )
        ],
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[CSVParser],
        pagination_class=None,  # the stories it made, all of them
    )
    def import_csv(self, request: Request) -> Response:
        require_anywhere(request, Capability.CREATE_STORY)
        product = self._product()
        access.require(signed_in(request), Capability.CREATE_STORY, product)
        # An empty body comes as DRF's empty data, not as the parser's bytes.
        body: Any = request.data  # typed as the JSON parsers' answer
        parsed = csvio.parse(product, body if isinstance(body, bytes) else b"")
        if parsed.errors:
            rows = [{"line": line, "message": str(message)} for line, message in parsed.errors]
            return Response({"rows": rows}, status=status.HTTP_400_BAD_REQUEST)
        created = services.import_stories(
            actor=signed_in(request), product=product, stories=parsed.stories
        )
        return Response(StorySerializer(created, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move a story: a status and/or a place (neighbour, top, bottom)",
        description="The server computes the rank from the neighbour you name; a move writes "
        "the story and one event, whatever the backlog's size.",
        request=MoveSerializer,
        responses={200: StorySerializer},
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
        context = {**self.get_serializer_context(), "story": story}
        data = MoveSerializer(data=request.data, context=context)
        data.is_valid(raise_exception=True)
        story = services.move_story(actor=signed_in(request), story=story, **data.validated_data)
        return Response(StorySerializer(Story.objects.get(pk=story.pk)).data)

    @extend_schema(
        summary="Mark a story ready, or not ready (its team's Product Owner)",
        description="A story that misses items of the Definition of Ready is refused with "
        "400 and the `missing` items: always when the product enforces it, and unless "
        "`confirm` is true when it warns.",
        request=ReadySerializer,
        responses={200: StorySerializer, 400: NOT_READY},
    )
    @action(detail=True, methods=["post"])
    def ready(self, request: Request, pk: str | None = None) -> Response:
        story = self.get_object()
        data = ReadySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        story = services.set_story_ready(
            actor=signed_in(request), story=story, **data.validated_data
        )
        return Response(StorySerializer(story).data)


@extend_schema_view(
    list=extend_schema(summary="Epics", parameters=[OpenApiParameter("product", int)]),
    retrieve=extend_schema(summary="One epic"),
    create=extend_schema(
        summary="Create an epic (Product Manager)", responses={201: EpicSerializer}
    ),
    partial_update=extend_schema(
        summary="Edit an epic (Product Manager)", responses={200: EpicSerializer}
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
        require_anywhere(request, Capability.EDIT_EPICS)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        epic = services.create_epic(actor=signed_in(request), **data.validated_data)
        return Response(self.get_serializer(epic).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        epic = self.get_object()
        data = self.get_serializer(epic, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = {k: v for k, v in data.validated_data.items() if k != "product"}
        epic = services.update_epic(actor=signed_in(request), epic=epic, **changes)
        return Response(self.get_serializer(epic).data)


@extend_schema_view(
    list=extend_schema(summary="Releases", parameters=[OpenApiParameter("product", int)]),
    retrieve=extend_schema(summary="One release"),
    create=extend_schema(
        summary="Create a release (Product Manager)", responses={201: ReleaseSerializer}
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
        require_anywhere(request, Capability.EDIT_EPICS)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        release = services.create_release(actor=signed_in(request), **data.validated_data)
        return Response(self.get_serializer(release).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Tasks", parameters=[OpenApiParameter("story", OpenApiTypes.INT)]),
    retrieve=extend_schema(summary="One task"),
    create=extend_schema(
        summary="Add a task to a story (its team)", responses={201: TaskSerializer}
    ),
    partial_update=extend_schema(
        summary="Tick or untick a task (its team)", responses={200: TaskSerializer}
    ),
    destroy=extend_schema(summary="Delete a task (its team)", responses={204: None}),
)
class TaskViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TaskSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_destroy(self, instance: Task) -> None:
        services.delete_task(actor=signed_in(self.request), task=instance)

    @extend_schema(
        summary="Move a task one place up or down in its story (its team)",
        request=DirectionSerializer,
        responses={200: TaskSerializer},
        examples=[MOVE_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        data = DirectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.move_task(
            actor=signed_in(request), task=task, direction=data.validated_data["direction"]
        )
        return Response(self.get_serializer(task).data)

    def get_queryset(self) -> Any:
        tasks = Task.objects.filter(story__product__in=user_products(self.request)).order_by(
            "story_id", "rank"
        )
        if (story := query_id(self.request, "story")) is not None:
            tasks = tasks.filter(story_id=story)
        return tasks

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_anywhere(request, Capability.MOVE_CARDS)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.add_task(
            actor=signed_in(request),
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
                actor=signed_in(request), task=task, done=data.validated_data["done"]
            )
        return Response(self.get_serializer(task).data)


@extend_schema_view(
    list=extend_schema(
        summary="Workflow statuses (the board's columns), in order", parameters=[PRODUCT_FILTER]
    ),
    retrieve=extend_schema(summary="One status"),
    create=extend_schema(
        summary="Add a status at the end of the workflow (PM or PO)",
        request=StatusWriteSerializer,
        responses={201: StatusSerializer},
        examples=[
            OpenApiExample(
                "A QA column limited to 3",
                value={"product": 1, "name": "QA", "category": "in_progress", "wip_limit": 3},
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Rename a status, change its category or WIP limit (PM or PO)",
        request=StatusWriteSerializer,
        responses={200: StatusSerializer},
    ),
    destroy=extend_schema(
        summary="Delete a status, moving its stories (PM or PO)",
        parameters=[
            OpenApiParameter(
                "move_to",
                int,
                description="Required when stories hold the status: another status of the "
                "product; each story's move is recorded.",
            )
        ],
        responses={204: None},
    ),
    move=extend_schema(
        summary="Move a status one place up (left) or down (right) (PM or PO)",
        request=DirectionSerializer,
        responses={200: StatusSerializer},
        examples=[MOVE_EXAMPLE],
    ),
)
class StatusViewSet(viewsets.ModelViewSet):
    serializer_class = StatusSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        statuses = Status.objects.filter(product__in=user_products(self.request))
        statuses = statuses.select_related("product")
        return filter_by_product(self.request, statuses.order_by("product_id", "position", "id"))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_anywhere(request, Capability.EDIT_WORKFLOW)
        serializer = StatusWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        created = workflow.create_status(actor=signed_in(request), **serializer.validated_data)
        return Response(StatusSerializer(created).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        current = self.get_object()
        serializer = StatusWriteSerializer(
            data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        workflow.update_status(
            actor=signed_in(request),
            status=current,
            name=data.get("name", current.name),
            category=data.get("category", current.category),
            wip_limit=data.get("wip_limit", current.wip_limit),
        )
        return Response(StatusSerializer(current).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        current = self.get_object()
        move_to = None
        if (target := query_id(request, "move_to")) is not None:
            move_to = get_object_or_404(self.get_queryset(), pk=target)
        services.delete_status(actor=signed_in(request), status=current, move_to=move_to)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        current = self.get_object()
        serializer = DirectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        up = serializer.validated_data["direction"] == "up"
        workflow.move_status(actor=signed_in(request), status=current, up=up)
        current.refresh_from_db()
        return Response(StatusSerializer(current).data)


def register(router: BaseRouter) -> None:
    router.register("stories", StoryViewSet, basename="story")
    router.register("statuses", StatusViewSet, basename="status")
    router.register("epics", EpicViewSet, basename="epic")
    router.register("releases", ReleaseViewSet, basename="release")
    router.register("tasks", TaskViewSet, basename="task")
