"""Sprint review feedback, for scripts: everyone in the product gives it (stakeholders
included), the team's PO turns it into a backlog story."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from backlog.serializers import StorySerializer
from core.access import Capability
from core.api import query_id, require_anywhere, signed_in
from products.api import user_products
from sprints import services
from sprints.models import ReviewFeedback
from sprints.serializers.review import ReviewFeedbackSerializer


@extend_schema_view(
    list=extend_schema(
        summary="Sprint review feedback",
        parameters=[OpenApiParameter("ceremony", int, description="Only this review's.")],
    ),
    retrieve=extend_schema(summary="One feedback item"),
    create=extend_schema(
        summary="Give feedback in a sprint review (anyone in the product)",
        responses={201: ReviewFeedbackSerializer},
        examples=[
            OpenApiExample(
                "About a story",
                value={"ceremony": 11, "about": 42, "text": "Can the export include comments?"},
                request_only=True,
            )
        ],
    ),
)
class ReviewFeedbackViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ReviewFeedbackSerializer

    def get_queryset(self) -> Any:
        feedback = ReviewFeedback.objects.filter(
            ceremony__team__product__in=user_products(self.request)
        )
        if (ceremony := query_id(self.request, "ceremony")) is not None:
            feedback = feedback.filter(ceremony_id=ceremony)
        return feedback.select_related("ceremony__team").order_by("ceremony_id", "created_at", "id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_anywhere(request, Capability.GIVE_FEEDBACK)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        feedback = services.add_review_feedback(actor=signed_in(request), **data.validated_data)
        return Response(self.get_serializer(feedback).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Turn the feedback into a backlog story (the team's Product Owner)",
        description="The story goes to the bottom of the product backlog, for the team; it "
        "quotes the feedback and links to the review, and the feedback's `story` to it. "
        "Refused with 400 when the feedback is a story already.",
        request=None,
        responses={201: StorySerializer},
    )
    @action(detail=True, methods=["post"])
    def story(self, request: Request, pk: str | None = None) -> Response:
        story = services.convert_feedback_to_story(
            actor=signed_in(request), feedback=self.get_object()
        )
        return Response(StorySerializer(story).data, status=status.HTTP_201_CREATED)


def register(router: BaseRouter) -> None:
    router.register("review-feedback", ReviewFeedbackViewSet, basename="review-feedback")
