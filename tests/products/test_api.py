"""The API's own plumbing and the product-level lists: inputs the fuzzer once broke them with."""

from __future__ import annotations

import re
from typing import Any

import pytest
from rest_framework.test import APIClient

from products.models import Product, Team

PAST_BIGINT = "12986774614258114560"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/teams/?product={PAST_BIGINT}",
        f"/api/v1/memberships/?product={PAST_BIGINT}",
        f"/api/v1/statuses/?product={PAST_BIGINT}",
        f"/api/v1/events/?sprint={PAST_BIGINT}",
        f"/api/v1/events/?object_type=story&object_id={PAST_BIGINT}",
    ],
)
def test_an_id_past_the_database_range_is_refused(
    api: APIClient, po: Any, team: Team, path: str
) -> None:
    # SQLite raised OverflowError on the foreign-key lookup: a 500. It names no row: 400.
    api.force_authenticate(po)
    response = api.get(path)
    assert response.status_code == 400


def test_a_superscript_digit_is_not_an_id(api: APIClient, po: Any, team: Team) -> None:
    # "²".isdigit() is true but int("²") raises. The filter was then ignored, which listed
    # every team as if it had filtered: now a 400 that names the parameter.
    api.force_authenticate(po)
    response = api.get("/api/v1/teams/?product=²")
    assert response.status_code == 400
    assert "product" in response.json()


@pytest.mark.parametrize(
    "path", ["/api/v1/stories/0.5/", "/api/v1/sprints/0.5/add-story/", "/api/v1/nothing/"]
)
def test_a_url_under_api_that_matches_no_endpoint_answers_json(
    api: APIClient, po: Any, path: str
) -> None:
    # Django's HTML 404 page came back, which the schema doesn't document.
    api.force_authenticate(po)
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_page_url_that_matches_nothing_still_gets_the_html_page(
    client: Any, product: Product
) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_daily_time_is_documented_as_the_wall_clock_time_it_is(
    api: APIClient, po: Any, team: Team
) -> None:
    # It was documented as an RFC 3339 "time", which needs a UTC offset: "09:30:00" isn't one.
    api.force_authenticate(po)
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    documented = schema["components"]["schemas"]["Team"]["properties"]["daily_time"]
    assert "format" not in documented
    value = api.get(f"/api/v1/teams/{team.pk}/").json()["daily_time"]
    assert re.fullmatch(documented["pattern"], value), value


def test_a_body_that_is_not_json_is_a_400_the_schema_documents(
    api: APIClient, pm: Any, product: Product
) -> None:
    # {"detail": "JSON parse error …"} didn't match the documented 400 body (field messages).
    api.force_authenticate(pm)
    response = api.patch(
        f"/api/v1/products/{product.pk}/", b"\x00", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    answer = schema["paths"]["/api/v1/products/{id}/"]["patch"]["responses"]["400"]
    detail = answer["content"]["application/json"]["schema"]["properties"]["detail"]
    assert {"type": "string"} in detail["oneOf"]


def test_the_vision_is_edited_against_its_version(
    api: APIClient, pm: Any, product: Product
) -> None:
    api.force_authenticate(pm)
    url = f"/api/v1/products/{product.pk}/"
    assert api.get(url).json()["version"] == 1
    missing = api.patch(url, {"vision": "No version"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    done = api.patch(url, {"vision": "First", "version": 1}, format="json")
    assert done.status_code == 200 and done.json()["version"] == 2
    stale = api.patch(url, {"vision": "Second", "version": 1, "name": "Renamed"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current"]["vision"] == "First"
    product.refresh_from_db()
    # Nothing of the refused edit was written, its settings part included.
    assert (product.vision, product.version, product.name) == ("First", 2, "Cadence")
    # The name and the scale don't need the version: they are no text two PMs write in.
    renamed = api.patch(url, {"name": "Renamed"}, format="json")
    assert renamed.status_code == 200, renamed.content


def test_a_vision_edit_without_the_right_is_403_whatever_the_body(
    api: APIClient, po: Any, product: Product
) -> None:
    api.force_authenticate(po)
    response = api.patch(f"/api/v1/products/{product.pk}/", {"vision": "x"}, format="json")
    assert response.status_code == 403
