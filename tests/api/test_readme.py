"""The README's API section works as written: a token from the profile page, the backlog, a move."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_curl_example_does_what_it_says(
    client: Client, po: Any, make_story: Any
) -> None:
    section = README.read_text().split("## API", 1)[1].split("\n## ", 1)[0]
    list_match = re.search(r'"\$BASE(/stories/\?[^"]+)"', section)
    move_match = re.search(r"-d '([^']+)' \"\$BASE/stories/42/move/\"", section)
    assert list_match is not None and move_match is not None, section
    list_url = list_match.group(1)
    move_body = move_match.group(1)
    first, second, third = make_story(), make_story(), make_story()

    # "Create a personal token on your profile page"
    client.force_login(po)
    html = client.post(reverse("accounts:profile"), {"name": "curl"}).content.decode()
    token = html.split('id="new-token">')[1].split("<")[0]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    listed = api.get("/api/v1" + list_url.replace("product=1", f"product={first.product_id}"))
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()["results"]] == [first.pk, second.pk, third.pk]

    body = move_body.replace("17", str(first.pk))
    moved = api.post(f"/api/v1/stories/{third.pk}/move/", body, content_type="application/json")
    assert moved.status_code == 200, moved.content
    listed = api.get(f"/api/v1/stories/?product={first.product_id}&backlog=1")
    assert [s["id"] for s in listed.json()["results"]] == [first.pk, third.pk, second.pk]
