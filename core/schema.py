"""The OpenAPI schema's shared parts: the error answers every endpoint can give, documented once.

Every operation gets the refusals that DRF and the services can answer with, unless its view
documents that code itself: 401 (no or a bad token), 404 (an unknown object, one of a product
you're not in, or a page past the end), for reads with query parameters 400 (a value the
parameter doesn't take, core.parsing), and for writes 400 (field messages), 403 (your role
may not), 415 (a body that isn't JSON, a form or multipart) and 429 (too many token writes).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import Direction, OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers

from core import parsing


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in the user's language.")


# A service's ValidationError without a field answers {"detail": [messages]}; serializers
# answer {field: [messages]}, and a list of objects {field: {index: {field: [messages]}}}.
FIELD_ERRORS: dict[str, Any] = {
    "type": "object",
    "description": "The messages per field; `detail` or `non_field_errors` for the others.",
    "properties": {
        "detail": {
            "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            "description": "A message about the whole request (a body that isn't JSON…).",
        }
    },
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "object", "additionalProperties": True},
        ]
    },
}

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def error(description: str, example: str) -> OpenApiResponse:
    return OpenApiResponse(
        response=ErrorSerializer,
        description=description,
        examples=[OpenApiExample(example, value={"detail": example}, response_only=True)],
    )


INVALID = OpenApiResponse(
    response=FIELD_ERRORS,
    description="Invalid input: nothing was written; a message per field.",
    examples=[
        OpenApiExample(
            "A missing field",
            value={"title": ["This field is required."]},
            response_only=True,
        )
    ],
)
BAD_QUERY = OpenApiResponse(
    response=FIELD_ERRORS,
    description=(
        "A query parameter with a value it doesn't take (`?team=abc`, an id past 2^63, "
        "`?from=2026-13-45`, an unknown `state`): refused, never read as no filter."
    ),
    examples=[
        OpenApiExample(
            "Not an id",
            value={"team": ["Give an object's id (a whole number)."]},
            response_only=True,
        )
    ],
)
UNAUTHENTICATED = error(
    "No token, or a revoked one: send `Authorization: Bearer cad_…`.", "Invalid or revoked token."
)
FORBIDDEN = error(
    "You belong to the product, but your role may not do this.",
    "You do not have permission to perform this action.",
)
NOT_FOUND = error(
    "No such object among your products (someone else's product answers the same), "
    "or a page past the end.",
    "Not found.",
)
UNSUPPORTED = error(
    "The body is not JSON, a form or multipart.", 'Unsupported media type "text/plain" in request.'
)
THROTTLED = error(
    "Too many writes with this token: wait the seconds that the `Retry-After` header gives.",
    "Request was throttled. Expected available in 12 seconds.",
)


class CadenceAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction: Direction = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, answer in self.error_responses().items():
            if code not in responses:
                # drf-spectacular's helper is not annotated.
                responses[code] = self._get_response_for_code(answer, code, direction=direction)  # type: ignore[no-untyped-call]
        return responses

    def _get_parameters(self) -> list[dict[str, Any]]:
        # An id in a query string is a whole number from 1 to 2^63 - 1 (core.parsing refuses
        # 0, negatives and anything past what the database holds); the schema says so.
        parameters: list[dict[str, Any]] = super()._get_parameters()
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if parameter["in"] == "query" and schema.get("type") == "integer":
                schema.setdefault("minimum", 1)
                schema.setdefault("maximum", parsing.MAX_ID)
        return parameters

    def _get_response_headers_for_code(self, status_code: str, direction: str = "response") -> Any:
        headers = super()._get_response_headers_for_code(status_code, direction)
        if status_code == "429":
            headers["Retry-After"] = {
                "schema": {"type": "integer"},
                "description": "Seconds to wait before the next write.",
            }
        return headers

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        # A PATCH body is partial, so drf-spectacular marks every field optional; but an edit
        # of a versioned object names the version it was based on (core.concurrency) and is
        # refused with 400 without it. The schema says so: ``version`` stays required.
        schema: dict[str, Any] = super()._map_basic_serializer(  # type: ignore[no-untyped-call]
            serializer, direction
        )  # drf-spectacular's private helper is not annotated
        if self.method != "PATCH" or direction != "request":
            return schema
        fields = getattr(serializer, "fields", {})
        version = fields.get("version")
        if version is not None and version.required and not version.read_only:
            schema["required"] = sorted({*schema.get("required", []), "version"})
        # A PATCH body read whole (``read_whole = True``: a role change, a card's new text)
        # requires what its serializer requires.
        if getattr(serializer, "read_whole", False):
            needed = {name for name, f in fields.items() if f.required and not f.read_only}
            schema["required"] = sorted({*schema.get("required", []), *needed})
        return schema

    def error_responses(self) -> dict[str, OpenApiResponse]:
        answers = {"401": UNAUTHENTICATED, "404": NOT_FOUND}
        if self.method == "GET" and any(p["in"] == "query" for p in self._get_parameters()):
            answers["400"] = BAD_QUERY
        if self.method not in SAFE_METHODS:
            answers |= {"400": INVALID, "403": FORBIDDEN, "415": UNSUPPORTED, "429": THROTTLED}
        return answers


def stale(
    name: str,
    serializer: serializers.Serializer,
    what: str,
    examples: tuple[OpenApiExample, ...] = (),
) -> OpenApiResponse:
    """The 409 of a versioned edit (``config.api.exception_handler``): the ``current`` object
    in the endpoint's own shape. ``what`` names the object ("the story")."""
    return OpenApiResponse(
        response=inline_serializer(
            name, {"detail": serializers.CharField(), "current": serializer}
        ),
        description=f"Someone changed {what} since your `version`: nothing was written; "
        f"`current` holds {what} as it is now.",
        examples=list(examples),
    )
