"""Products, teams, memberships, statuses and the event log, for scripts."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from config.schema import REFUSALS
from products import access, invitations, services, workflow
from products.access import Capability
from products.models import (
    ChecklistItem,
    Event,
    Invitation,
    Membership,
    Product,
    Role,
    Status,
    Team,
)
from products.serializers import (
    ChecklistItemSerializer,
    ChecklistItemUpdateSerializer,
    DirectionSerializer,
    EventSerializer,
    InvitationCreateSerializer,
    InvitationSerializer,
    MembershipCreateSerializer,
    MembershipSerializer,
    ProductSerializer,
    RoleSerializer,
    StatusSerializer,
    StatusWriteSerializer,
    TeamSerializer,
)
from products.views import base_url


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
        summary="Edit the vision and texts, name, slug or estimation scale (Product Manager)",
        responses={200: ProductSerializer, **REFUSALS},
        examples=[
            OpenApiExample(
                "Estimate in T-shirt sizes",
                value={
                    "estimation_scale": "tshirt",
                    "tshirt_points": {"XS": 1, "S": 2, "M": 3, "L": 5, "XL": 8, "XXL": 13},
                },
                request_only=True,
            )
        ],
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
        data = serializer.validated_data
        texts = ("vision", "business_case", "research_notes")
        if any(f in data for f in texts):
            values = {f: data.get(f, getattr(product, f)) for f in texts}
            services.update_product(actor=request.user, product=product, **values)
        settings_fields = ("name", "slug", "estimation_scale", "tshirt_points")
        if any(f in data for f in settings_fields):
            values = {f: data.get(f, getattr(product, f)) for f in settings_fields}
            services.update_product_settings(actor=request.user, product=product, **values)
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
    list=extend_schema(summary="Memberships: who holds which role", parameters=[PRODUCT_FILTER]),
    retrieve=extend_schema(summary="One membership"),
    create=extend_schema(
        summary="Give someone with an account a role (Product Manager)",
        request=MembershipCreateSerializer,
        responses={201: MembershipSerializer, **REFUSALS},
        examples=[
            OpenApiExample(
                "A developer in a team",
                value={"product": 1, "user": "dev4", "role": "dev", "team": 2},
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Change a member's role within its level (Product Manager)",
        description="Refused for the product's last Product Manager and for a second "
        "Product Owner in a team. Takes effect on the member's next request.",
        request=RoleSerializer,
        responses={200: MembershipSerializer, **REFUSALS},
        examples=[OpenApiExample("Make a Scrum Master", value={"role": "sm"}, request_only=True)],
    ),
    destroy=extend_schema(
        summary="Remove a role (Product Manager)",
        description="Refused for the product's last Product Manager. The person loses "
        "access at once (404 on the product if it was their only role).",
        responses={204: None, **REFUSALS},
    ),
)
class MembershipViewSet(viewsets.ModelViewSet):
    serializer_class = MembershipSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        memberships = Membership.objects.filter(
            product__in=user_products(self.request)
        ).select_related("user", "product")
        return filter_by_product(self.request, memberships.order_by("id"))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = MembershipCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data | {"role": Role(serializer.validated_data["role"])}
        membership = services.add_member(actor=request.user, **data)
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        serializer = RoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.change_role(
            actor=request.user, membership=membership, role=Role(serializer.validated_data["role"])
        )
        return Response(MembershipSerializer(membership).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.remove_member(actor=request.user, membership=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _managed_products(request: Request) -> list[int]:
    """Products whose invitations the user sees: those whose members they manage, as the
    settings page shows them (an archived product's to nobody)."""
    return [
        product.pk
        for product in user_products(request)
        if access.can(request.user, Capability.MANAGE_TEAMS, product)
    ]


@extend_schema_view(
    list=extend_schema(
        summary="Invitations of the products you manage (Product Manager)",
        parameters=[PRODUCT_FILTER],
    ),
    retrieve=extend_schema(summary="One invitation"),
    create=extend_schema(
        summary="Invite someone by e-mail (Product Manager)",
        description="Sends an e-mail with a link that works once, for seven days. The token "
        "is never returned: it exists in the e-mail only.",
        request=InvitationCreateSerializer,
        responses={201: InvitationSerializer, **REFUSALS},
        examples=[
            OpenApiExample(
                "A Product Owner, invited in French",
                value={
                    "product": 1,
                    "email": "claire@example.com",
                    "role": "po",
                    "team": 3,
                    "language": "fr",
                },
                request_only=True,
            )
        ],
    ),
    resend=extend_schema(
        summary="Send the invitation again: a new link, the old one stops working",
        request=None,
        responses={200: InvitationSerializer, **REFUSALS},
    ),
    revoke=extend_schema(
        summary="Revoke a pending invitation: its link stops working",
        request=None,
        responses={200: InvitationSerializer, **REFUSALS},
    ),
)
class InvitationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = InvitationSerializer

    def get_queryset(self) -> Any:
        found = Invitation.objects.filter(product__in=_managed_products(self.request))
        return filter_by_product(self.request, found.order_by("-id"))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = InvitationCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        invitation, _token = invitations.invite(
            actor=request.user, base_url=base_url(request), **serializer.validated_data
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    def _invitation(self, request: Request, pk: str) -> Invitation:
        # Scoped to the user's products (not only those they manage), so a member without
        # the right gets 403 from the service rather than a 404.
        # DRF's get_object_or_404: an id that is no number ("null,null") is not found too.
        found = Invitation.objects.filter(product__in=user_products(request))
        return generics.get_object_or_404(found, pk=pk)

    @action(detail=True, methods=["post"])
    def resend(self, request: Request, pk: str) -> Response:
        invitation = self._invitation(request, pk)
        invitations.resend_invitation(
            actor=request.user, invitation=invitation, base_url=base_url(request)
        )
        return Response(InvitationSerializer(invitation).data)

    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        invitation = self._invitation(request, pk)
        invitations.revoke_invitation(actor=request.user, invitation=invitation)
        return Response(InvitationSerializer(invitation).data)


MOVE_EXAMPLE = OpenApiExample("One place up", value={"direction": "up"}, request_only=True)


@extend_schema_view(
    list=extend_schema(
        summary="Workflow statuses (the board's columns), in order", parameters=[PRODUCT_FILTER]
    ),
    retrieve=extend_schema(summary="One status"),
    create=extend_schema(
        summary="Add a status at the end of the workflow (PM or PO)",
        request=StatusWriteSerializer,
        responses={201: StatusSerializer, **REFUSALS},
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
        responses={200: StatusSerializer, **REFUSALS},
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
        responses={204: None, **REFUSALS},
    ),
    move=extend_schema(
        summary="Move a status one place up (left) or down (right) (PM or PO)",
        request=DirectionSerializer,
        responses={200: StatusSerializer, **REFUSALS},
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
        serializer = StatusWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        created = workflow.create_status(actor=request.user, **serializer.validated_data)
        return Response(StatusSerializer(created).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        current = self.get_object()
        serializer = StatusWriteSerializer(
            data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        workflow.update_status(
            actor=request.user,
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
        workflow.delete_status(actor=request.user, status=current, move_to=move_to)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        current = self.get_object()
        serializer = DirectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        up = serializer.validated_data["direction"] == "up"
        workflow.move_status(actor=request.user, status=current, up=up)
        current.refresh_from_db()
        return Response(StatusSerializer(current).data)


@extend_schema_view(
    list=extend_schema(
        summary="Definition of Ready and of Done items",
        parameters=[OpenApiParameter("kind", str, description='"ready" or "done".')],
    ),
    retrieve=extend_schema(summary="One checklist item"),
    create=extend_schema(
        summary="Add an item at the end of its checklist (PM or PO)",
        responses={201: ChecklistItemSerializer, **REFUSALS},
        examples=[
            OpenApiExample(
                "A Definition of Done item",
                value={"product": 1, "kind": "done", "text": "Demo given to the PO", "rule": ""},
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Edit an item's text or automatic check (PM or PO)",
        request=ChecklistItemUpdateSerializer,
        responses={200: ChecklistItemSerializer, **REFUSALS},
    ),
    destroy=extend_schema(summary="Remove an item (PM or PO)", responses={204: None, **REFUSALS}),
    move=extend_schema(
        summary="Move an item one place up or down (PM or PO)",
        request=DirectionSerializer,
        responses={200: ChecklistItemSerializer, **REFUSALS},
        examples=[MOVE_EXAMPLE],
    ),
)
class ChecklistItemViewSet(viewsets.ModelViewSet):
    serializer_class = ChecklistItemSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        items = ChecklistItem.objects.filter(product__in=user_products(self.request))
        if kind := self.request.query_params.get("kind"):
            items = items.filter(kind=kind)
        items = items.select_related("product")
        return filter_by_product(
            self.request, items.order_by("product_id", "kind", "position", "id")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = workflow.create_checklist_item(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        serializer = ChecklistItemUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        workflow.update_checklist_item(
            actor=request.user,
            item=item,
            text=data.get("text", item.text),
            rule=data.get("rule", item.rule),
        )
        return Response(self.get_serializer(item).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        workflow.delete_checklist_item(actor=request.user, item=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        item = self.get_object()
        serializer = DirectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        up = serializer.validated_data["direction"] == "up"
        workflow.move_checklist_item(actor=request.user, item=item, up=up)
        item.refresh_from_db()
        return Response(self.get_serializer(item).data)


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
    router.register("invitations", InvitationViewSet, basename="invitation")
    router.register("checklist-items", ChecklistItemViewSet, basename="checklist-item")
    router.register("events", EventViewSet, basename="event")
