"""The serializers of the review endpoints (``sprints/api/review.py``)."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema_serializer,
)

from backlog.models import Story
from core import serializers as strict
from products.serializers import UserScopedRelatedField
from sprints.models import Ceremony, CeremonyKind, ReviewFeedback


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "About a story, turned into a story",
            value={
                "id": 17,
                "ceremony": 11,
                "about": 42,
                "text": "Can the export include comments?",
                "author": 9,
                "created_at": "2027-01-14T10:25:00Z",
                "story": 61,
            },
            response_only=True,
        )
    ]
)
class ReviewFeedbackSerializer(strict.ModelSerializer):
    ceremony = UserScopedRelatedField(
        queryset=Ceremony.objects.filter(kind=CeremonyKind.REVIEW), product_path="team__product"
    )
    about = UserScopedRelatedField(
        queryset=Story.objects.all(),
        allow_null=True,
        required=False,
        help_text="A story of the reviewed sprint the feedback is about.",
    )

    class Meta:
        model = ReviewFeedback
        fields = ["id", "ceremony", "about", "text", "author", "created_at", "story"]
        read_only_fields = ["author", "created_at", "story"]
