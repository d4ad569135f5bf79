"""Products, teams, memberships, statuses and the event log, for scripts."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from products import services
from products.models import Event, Membership, Product, Status, Team
from products.serializers import (
    EventSerializer,
    MembershipSerializer,
    ProductSerializer,
    StatusSerializer,
    TeamSerializer,
)


def user_products(request: Request) -> Any:
    return Product.objects.for_user(request.user)


# The largest id a bigint column holds: a larger one names no object.
MAX_ID = 2**63 - 1


def query_id(request: Request, name: str) -> int | None:
    """``?<name>=<id>`` as a number, or None when it is absent or not a number.

    An id past the database's range names no object, so it becomes 0 (ids start at 1):
    SQLite would overflow on it in a foreign-key lookup. ``str.isdigit`` alone would let
    "²" through to ``int()``.
    """
    value = request.query_params.get(name, "")
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= MAX_ID else 0


PRODUCT_FILTER = OpenApiParameter("product", int, description="Only this product's.")


def filter_by_product(request: Request, queryset: Any, path: str = "product") -> Any:
    """``?product=<id>`` narrows a list; every list is already limited to the user's products."""
    if (product := query_id(request, "product")) is not None:
        queryset = queryset.filter(**{path: product})
    return queryset


@extend_schema_view(
    list=extend_schema(summary="Products you belong to"),
    retrieve=extend_schema(summary="One product"),
    partial_update=extend_schema(
        summary="Edit the vision, business case or research notes (Product Manager)"
    ),
)
class ProductViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ProductSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return user_products(self.request).order_by("name")

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        product = self.get_object()
        serializer = self.get_serializer(product, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = ("vision", "business_case", "research_notes")
        values = {f: serializer.validated_data.get(f, getattr(product, f)) for f in fields}
        services.update_product(actor=request.user, product=product, **values)
        return Response(self.get_serializer(product).data)


@extend_schema_view(
    list=extend_schema(summary="Teams of your products", parameters=[PRODUCT_FILTER]),
    retrieve=extend_schema(summary="One team"),
)
class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TeamSerializer

    def get_queryset(self) -> Any:
        teams = Team.objects.filter(product__in=user_products(self.request)).order_by("id")
        return filter_by_product(self.request, teams)


@extend_schema_view(
    list=extend_schema(summary="Who holds which role", parameters=[PRODUCT_FILTER]),
    retrieve=extend_schema(summary="One membership"),
)
class MembershipViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MembershipSerializer

    def get_queryset(self) -> Any:
        memberships = Membership.objects.filter(
            product__in=user_products(self.request)
        ).select_related("user")
        return filter_by_product(self.request, memberships.order_by("id"))


@extend_schema_view(
    list=extend_schema(
        summary="Workflow statuses (the board's columns), in order", parameters=[PRODUCT_FILTER]
    ),
    retrieve=extend_schema(summary="One status"),
)
class StatusViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StatusSerializer

    def get_queryset(self) -> Any:
        statuses = Status.objects.filter(product__in=user_products(self.request))
        return filter_by_product(self.request, statuses.order_by("product_id", "position", "id"))


class EventPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 100


@extend_schema_view(
    list=extend_schema(
        summary="The event log, newest first",
        description="Filter with `?product=`, `?sprint=`, or `?object_type=story&object_id=`.",
    ),
    retrieve=extend_schema(summary="One event"),
)
class EventViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = EventSerializer
    pagination_class = EventPagination

    def get_queryset(self) -> Any:
        events = Event.objects.filter(product__in=user_products(self.request)).select_related(
            "actor"
        )
        events = filter_by_product(self.request, events)
        params = self.request.query_params
        if (sprint := query_id(self.request, "sprint")) is not None:
            events = events.filter(sprint_id=sprint)
        if params.get("object_type") and (obj := query_id(self.request, "object_id")) is not None:
            events = events.filter(object_type=params["object_type"], object_id=obj)
        return events


def register(router: BaseRouter) -> None:
    router.register("products", ProductViewSet, basename="product")
    router.register("teams", TeamViewSet, basename="team")
    router.register("memberships", MembershipViewSet, basename="membership")
    router.register("statuses", StatusViewSet, basename="status")
    router.register("events", EventViewSet, basename="event")
