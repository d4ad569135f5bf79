"""Products, teams, memberships, statuses and the event log, for scripts."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from core import access
from core.access import Capability, Role
from core.api import (
    PRODUCT_FILTER,
    filter_by_product,
    query_choice,
    query_id,
    query_name,
    require_anywhere,
    signed_in,
)
from core.models import Event
from core.schema import stale
from core.web import base_url
from products import invitations, services, workflow
from products.models import ChecklistItem, ChecklistKind, Invitation, Membership, Product, Team
from products.serializers import (
    ArchiveSerializer,
    ChecklistItemSerializer,
    ChecklistItemUpdateSerializer,
    DirectionSerializer,
    EventSerializer,
    InvitationCreateSerializer,
    InvitationSerializer,
    MembershipCreateSerializer,
    MembershipSerializer,
    ProductCreateSerializer,
    ProductSerializer,
    RoleSerializer,
    TeamCreateSerializer,
    TeamSerializer,
    TeamWriteSerializer,
)


def user_products(request: Request) -> Any:
    return Product.objects.for_user(request.user)


@extend_schema_view(
    list=extend_schema(summary="Products you belong to"),
    retrieve=extend_schema(summary="One product"),
    create=extend_schema(
        summary="Create a product with its first Product Manager (Head of Product)",
        description="The Product Manager is the account with `pm_email` at once, else an "
        "invitation is sent to that address.",
        request=ProductCreateSerializer,
        responses={201: ProductSerializer},
        examples=[
            OpenApiExample(
                "A new product",
                value={"name": "Mobile", "slug": "mobile", "pm_email": "pm@example.com"},
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Edit the vision and texts, name, slug or estimation scale (Product Manager), "
        "or the readiness rule (Product Manager, Product Owner)",
        responses={
            200: ProductSerializer,
            409: stale("StaleProduct", ProductSerializer(), "the vision or business case"),
        },
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
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ProductSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return user_products(self.request).order_by("name")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_anywhere(request, Capability.CREATE_PRODUCT)
        data = ProductCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        product, _manager = invitations.create_product_with_manager(
            actor=signed_in(request),
            name=values["name"],
            slug=values["slug"],
            email=values["pm_email"],
            language=values["language"],
            base_url=base_url(request),
        )
        return Response(self.get_serializer(product).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Archive or restore a product (Product Manager)",
        description="Archived, a product is read-only for everyone; nothing is deleted.",
        request=ArchiveSerializer,
        responses={200: ProductSerializer},
        examples=[OpenApiExample("Archive", value={"archived": True}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        product = self.get_object()
        data = ArchiveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.archive_product(
            actor=signed_in(request), product=product, archived=data.validated_data["archived"]
        )
        return Response(self.get_serializer(product).data)

    @transaction.atomic  # the texts and the settings are one edit: both or neither
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        product = self.get_object()
        serializer = self.get_serializer(product, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        texts = ("vision", "business_case", "research_notes")
        if any(f in data for f in texts):
            if "version" not in data:
                # A member without the right hears 403 whatever the body, as everywhere.
                access.require(signed_in(request), Capability.EDIT_VISION, product)
                raise ValidationError({"version": ["Give the version you edited."]})
            values = {f: data.get(f, getattr(product, f)) for f in texts}
            services.update_product(
                actor=signed_in(request), product=product, version=data["version"], **values
            )
        settings_fields = ("name", "slug", "estimation_scale", "tshirt_points")
        if any(f in data for f in settings_fields):
            values = {f: data.get(f, getattr(product, f)) for f in settings_fields}
            services.update_product_settings(actor=signed_in(request), product=product, **values)
        if "readiness_rule" in data:
            workflow.set_readiness_rule(
                actor=signed_in(request), product=product, rule=data["readiness_rule"]
            )
        return Response(self.get_serializer(product).data)


@extend_schema_view(
    list=extend_schema(summary="Teams of your products", parameters=[PRODUCT_FILTER]),
    retrieve=extend_schema(summary="One team"),
    create=extend_schema(
        summary="Create a team (Product Manager)",
        request=TeamCreateSerializer,
        responses={201: TeamSerializer},
        examples=[
            OpenApiExample(
                "A team in Montréal",
                value={
                    "product": 1,
                    "name": "Owls",
                    "slug": "owls",
                    "timezone": "America/Montreal",
                    "daily_time": "10:00",
                    "working_days": [1, 2, 3, 4, 5],
                    "sprint_weeks": 3,
                },
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Edit a team's name, address, time zone, daily time, days or sprint length "
        "(Product Manager)",
        request=TeamWriteSerializer(partial=True),
        responses={200: TeamSerializer},
        examples=[OpenApiExample("Three-week sprints", value={"sprint_weeks": 3})],
    ),
)
class TeamViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TeamSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        teams = Team.objects.filter(product__in=user_products(self.request)).order_by("id")
        return filter_by_product(self.request, teams)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_anywhere(request, Capability.MANAGE_TEAMS)
        data = TeamCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        team = services.create_team(actor=signed_in(request), **data.validated_data)
        return Response(TeamSerializer(team).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        team = self.get_object()
        access.require(signed_in(request), Capability.MANAGE_TEAMS, team)
        data = TeamWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = ("name", "slug", "timezone", "daily_time", "working_days", "sprint_weeks")
        values = {f: data.validated_data.get(f, getattr(team, f)) for f in fields}
        team = services.update_team(actor=signed_in(request), team=team, **values)
        return Response(TeamSerializer(team).data)

    @extend_schema(
        summary="Archive or restore a team (Product Manager)",
        description="An archived team leaves the navigation and plans no new sprint; "
        "nothing is deleted.",
        request=ArchiveSerializer,
        responses={200: TeamSerializer},
        examples=[OpenApiExample("Archive", value={"archived": True}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        team = self.get_object()
        data = ArchiveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = services.archive_team(
            actor=signed_in(request), team=team, archived=data.validated_data["archived"]
        )
        return Response(TeamSerializer(team).data)


@extend_schema_view(
    list=extend_schema(summary="Memberships: who holds which role", parameters=[PRODUCT_FILTER]),
    retrieve=extend_schema(summary="One membership"),
    create=extend_schema(
        summary="Give someone with an account a role (Product Manager)",
        request=MembershipCreateSerializer,
        responses={201: MembershipSerializer},
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
        responses={200: MembershipSerializer},
        examples=[OpenApiExample("Make a Scrum Master", value={"role": "sm"}, request_only=True)],
    ),
    destroy=extend_schema(
        summary="Remove a role (Product Manager)",
        description="Refused for the product's last Product Manager. The person loses "
        "access at once (404 on the product if it was their only role).",
        responses={204: None},
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
        require_anywhere(request, Capability.MANAGE_TEAMS)
        serializer = MembershipCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data | {"role": Role(serializer.validated_data["role"])}
        membership = services.add_member(actor=signed_in(request), **data)
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        serializer = RoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.change_role(
            actor=signed_in(request),
            membership=membership,
            role=Role(serializer.validated_data["role"]),
        )
        return Response(MembershipSerializer(membership).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.remove_member(actor=signed_in(request), membership=self.get_object())
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
        responses={201: InvitationSerializer},
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
        responses={200: InvitationSerializer},
    ),
    revoke=extend_schema(
        summary="Revoke a pending invitation: its link stops working",
        request=None,
        responses={200: InvitationSerializer},
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
        require_anywhere(request, Capability.MANAGE_TEAMS)
        serializer = InvitationCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        invitation, _token = invitations.invite(
            actor=signed_in(request), base_url=base_url(request), **serializer.validated_data
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
            actor=signed_in(request), invitation=invitation, base_url=base_url(request)
        )
        return Response(InvitationSerializer(invitation).data)

    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        invitation = self._invitation(request, pk)
        invitations.revoke_invitation(actor=signed_in(request), invitation=invitation)
        return Response(InvitationSerializer(invitation).data)


MOVE_EXAMPLE = OpenApiExample("One place up", value={"direction": "up"}, request_only=True)


@extend_schema_view(
    list=extend_schema(
        summary="Definition of Ready and of Done items",
        parameters=[OpenApiParameter("kind", str, enum=ChecklistKind.values)],
    ),
    retrieve=extend_schema(summary="One checklist item"),
    create=extend_schema(
        summary="Add an item at the end of its checklist (PM or PO)",
        responses={201: ChecklistItemSerializer},
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
        responses={200: ChecklistItemSerializer},
    ),
    destroy=extend_schema(summary="Remove an item (PM or PO)", responses={204: None}),
    move=extend_schema(
        summary="Move an item one place up or down (PM or PO)",
        request=DirectionSerializer,
        responses={200: ChecklistItemSerializer},
        examples=[MOVE_EXAMPLE],
    ),
)
class ChecklistItemViewSet(viewsets.ModelViewSet):
    serializer_class = ChecklistItemSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        items = ChecklistItem.objects.filter(product__in=user_products(self.request))
        if kind := query_choice(self.request, "kind", ChecklistKind.values):
            items = items.filter(kind=kind)
        items = items.select_related("product")
        return filter_by_product(
            self.request, items.order_by("product_id", "kind", "position", "id")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_anywhere(request, Capability.EDIT_WORKFLOW)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = workflow.create_checklist_item(actor=signed_in(request), **serializer.validated_data)
        return Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        serializer = ChecklistItemUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        workflow.update_checklist_item(
            actor=signed_in(request),
            item=item,
            text=data.get("text", item.text),
            rule=data.get("rule", item.rule),
        )
        return Response(self.get_serializer(item).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        workflow.delete_checklist_item(actor=signed_in(request), item=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        item = self.get_object()
        serializer = DirectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        up = serializer.validated_data["direction"] == "up"
        workflow.move_checklist_item(actor=signed_in(request), item=item, up=up)
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
        events = Event.objects.filter(
            product_id__in=user_products(self.request).values("pk")
        ).select_related("actor")
        events = filter_by_product(self.request, events, path="product_id")
        if (sprint := query_id(self.request, "sprint")) is not None:
            events = events.filter(sprint_id=sprint)
        object_type = query_name(self.request, "object_type")
        if (obj := query_id(self.request, "object_id")) is not None and object_type:
            events = events.filter(object_type=object_type, object_id=obj)
        return events


def register(router: BaseRouter) -> None:
    router.register("products", ProductViewSet, basename="product")
    router.register("teams", TeamViewSet, basename="team")
    router.register("memberships", MembershipViewSet, basename="membership")
    router.register("invitations", InvitationViewSet, basename="invitation")
    router.register("checklist-items", ChecklistItemViewSet, basename="checklist-item")
    router.register("events", EventViewSet, basename="event")
