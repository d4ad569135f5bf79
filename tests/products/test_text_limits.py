"""Every text a user can write has a length limit, enforced at every edge with nothing
written: the model (``full_clean``), each form, each serializer, the CSV import.

The walks below hold the class (no unbounded text field, form field or API string); the
tests after them send one character too many through each way in.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import MaxLengthValidator
from django.db import models
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import User
from backlog.models import Sprint, Story
from core.fields import MARKDOWN_MAX_LENGTH, TEXT_MAX_LENGTH
from core.models import Event
from products.models import Product
from sprints.models import Ceremony, CeremonyKind

APPS = ["accounts", "core", "products", "backlog", "sprints", "changelog", "demo"]
TOO_LONG = "x" * (MARKDOWN_MAX_LENGTH + 1)
# API strings that name an existing object rather than store text: the lookup finds
# nothing for a long value and answers 400.
LOOKUPS = {("MembershipCreateRequest", "user")}


def _project_text_fields() -> Iterator[tuple[str, models.TextField[Any, Any]]]:
    for model in apps.get_models():
        if model._meta.app_label in APPS:
            for field in model._meta.get_fields():
                if isinstance(field, models.TextField):
                    yield f"{model.__name__}.{field.name}", field


@pytest.mark.parametrize(("name", "field"), list(_project_text_fields()))
def test_every_text_field_of_a_model_has_a_limit_that_full_clean_enforces(
    name: str, field: models.TextField[Any, Any]
) -> None:
    assert field.max_length in (MARKDOWN_MAX_LENGTH, TEXT_MAX_LENGTH), name
    assert any(
        isinstance(v, MaxLengthValidator) and v.limit_value == field.max_length
        for v in field.validators
    ), name


def _project_forms() -> list[type[forms.Form] | type[forms.ModelForm[Any]]]:
    # Form and ModelForm, the classes whose metaclass gives them their base_fields.
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in module.name and ".management" not in module.name:
                importlib.import_module(module.name)

    def subclasses(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return sorted(
        {f for f in subclasses(forms.BaseForm) if f.__module__.split(".")[0] in APPS},
        key=lambda f: f"{f.__module__}.{f.__name__}",
    )


def test_every_text_field_of_a_form_has_a_limit() -> None:
    unbounded = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in _project_forms()
        for name, field in form.base_fields.items()
        if isinstance(field, forms.CharField) and field.max_length is None
    ]
    assert unbounded == []


def test_every_string_the_api_accepts_has_a_max_length() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    unbounded = []

    def walk(component: str, node: dict[str, Any], path: str) -> None:
        if (
            node.get("type") == "string"
            and not node.get("readOnly")
            and "enum" not in node
            and "format" not in node  # dates, times, URIs are parsed, not stored as text
            and "maxLength" not in node
            and (component, path) not in LOOKUPS
        ):
            unbounded.append(f"{component}.{path}")
        for key, child in node.get("properties", {}).items():
            walk(component, child, key)
        if "items" in node:
            walk(component, node["items"], f"{path}[]")

    for name, component in schema["components"]["schemas"].items():
        if name.endswith("Request"):
            walk(name, component, "")
    assert unbounded == []


# One character too many through each way in.


def test_the_story_page_refuses_a_description_over_the_limit(
    client: Client, po: User, product: Product, make_story: Any
) -> None:
    story = make_story(description="Before")
    client.force_login(po)
    response = client.post(
        reverse("backlog:story", args=[product.slug, story.pk]),
        {"title": "T", "kind": "story", "team": story.team_id, "version": 1,
         "description": TOO_LONG},
    )  # fmt: skip
    assert response.status_code == 422
    assert "at most 20000 characters" in response.content.decode()
    story.refresh_from_db()
    assert story.description == "Before" and story.version == 1
    assert not Event.objects.filter(verb="story.updated").exists()


def test_the_story_form_tells_the_browser_the_limit(
    client: Client, po: User, product: Product, make_story: Any
) -> None:
    story = make_story()
    client.force_login(po)
    html = client.get(reverse("backlog:story", args=[product.slug, story.pk])).content.decode()
    assert f'maxlength="{MARKDOWN_MAX_LENGTH}"' in html


@pytest.mark.parametrize("field", ["description", "acceptance_criteria"])
def test_the_api_refuses_a_story_text_over_the_limit_on_create_and_edit(
    po: User, product: Product, make_story: Any, field: str
) -> None:
    api = APIClient()
    api.force_authenticate(po)
    story = make_story()
    created = api.post(
        "/api/v1/stories/", {"product": product.pk, "title": "T", field: TOO_LONG}, format="json"
    )
    assert created.status_code == 400 and field in created.json()
    edited = api.patch(
        f"/api/v1/stories/{story.pk}/", {"version": 1, field: TOO_LONG}, format="json"
    )
    assert edited.status_code == 400 and field in edited.json()
    assert Story.objects.count() == 1
    story.refresh_from_db()
    assert getattr(story, field) == "" and story.version == 1
    at_limit = api.patch(
        f"/api/v1/stories/{story.pk}/",
        {"version": 1, field: "x" * MARKDOWN_MAX_LENGTH},
        format="json",
    )
    assert at_limit.status_code == 200


def test_the_vision_page_refuses_a_vision_over_the_limit(
    client: Client, pm: User, product: Product
) -> None:
    client.force_login(pm)
    response = client.post(
        reverse("products:vision", args=[product.slug]),
        {"vision": TOO_LONG, "business_case": "", "research_notes": ""},
    )
    assert response.status_code == 422
    product.refresh_from_db()
    assert product.vision == ""


def test_the_ceremony_api_refuses_notes_over_the_limit(po: User, team: Any, sprint: Sprint) -> None:
    from tests.sprints.factories import CeremonyFactory

    review = CeremonyFactory(team=team, sprint=sprint, kind=CeremonyKind.REVIEW)
    api = APIClient()
    api.force_authenticate(po)
    response = api.patch(
        f"/api/v1/ceremonies/{review.pk}/", {"version": 1, "notes": TOO_LONG}, format="json"
    )
    assert response.status_code == 400 and "notes" in response.json()
    assert Ceremony.objects.get(pk=review.pk).notes == ""


def test_full_clean_refuses_a_text_over_the_limit(product: Product) -> None:
    product.vision = TOO_LONG
    with pytest.raises(ValidationError) as error:
        product.full_clean()
    assert "vision" in error.value.message_dict


def _import(client: Client, product: Product, content: bytes) -> Any:
    upload = SimpleUploadedFile("stories.csv", content, content_type="text/csv")
    return client.post(reverse("backlog:import_csv", args=[product.slug]), {"file": upload})


def test_the_import_refuses_a_description_over_the_limit_and_imports_nothing(
    client: Client, po: User, product: Product
) -> None:
    client.force_login(po)
    response = _import(client, product, f"title,description\nFine,ok\nLong,{TOO_LONG}\n".encode())
    assert response.status_code == 422
    assert "Line 3" in response.content.decode() or "3" in response.content.decode()
    assert "the description is longer than 20000 characters" in response.content.decode()
    assert not Story.objects.exists()


def test_the_import_refuses_a_cell_past_the_csv_reader_limit_with_a_message(
    client: Client, po: User, product: Product
) -> None:
    client.force_login(po)
    cell = "y" * 200_000
    response = _import(client, product, f'title,description\nLong,"{cell}"\n'.encode())
    assert response.status_code == 422
    assert "a cell is too long or a quote is left open" in response.content.decode()
    assert not Story.objects.exists()


def test_the_import_refuses_a_file_with_a_nul_character(
    client: Client, po: User, product: Product
) -> None:
    client.force_login(po)
    response = _import(client, product, b"title\nab\x00c\n")
    assert response.status_code == 422
    assert "NUL character" in response.content.decode()
    assert not Story.objects.exists()
