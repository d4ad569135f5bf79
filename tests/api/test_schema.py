"""Every operation of the schema is documented: a summary, an example and its error answers.

Held over the generated schema, so an endpoint added later is held to it as well.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


OPERATIONS = operations()


def has_example(operation: dict[str, Any]) -> bool:
    successes = {code for code in operation["responses"] if code.startswith("2")}
    if successes == {"204"} and "requestBody" not in operation:
        # A delete: no body either way, so nothing to show but its summary and refusals.
        return not operation["responses"]["204"].get("content")
    bodies = [operation.get("requestBody", {})] + [
        answer for code, answer in operation["responses"].items() if code.startswith("2")
    ]
    return any(
        media.get("examples") or media.get("example")
        for body in bodies
        for media in body.get("content", {}).values()
    )


def test_the_schema_has_operations() -> None:
    assert len(OPERATIONS) >= 39


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=lambda v: str(v)[:60])
def test_every_operation_is_documented(method: str, path: str, operation: dict[str, Any]) -> None:
    assert operation.get("summary"), f"{method} {path} has no summary"
    assert has_example(operation), f"{method} {path} has no request or response example"
    answers = set(operation["responses"])
    expected = {"401", "404"}
    if method != "GET":
        expected |= {"400", "403", "429"}
    assert expected <= answers, f"{method} {path} does not document {expected - answers}"
    for code in expected:
        assert operation["responses"][code].get("content"), f"{method} {path}: {code} has no body"
    if "429" in answers:
        assert "Retry-After" in operation["responses"]["429"].get("headers", {}), method + path


def test_the_schema_validates_without_a_warning(tmp_path: Any) -> None:
    # drf-spectacular warns where it has to guess (an unresolvable serializer, a path
    # parameter's type): a guess is a lie in the schema that schemathesis would test against.
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "s.yaml"))
    assert (tmp_path / "s.yaml").read_text().startswith("openapi: 3")
