from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse

from backlog.models import Story
from core.models import Event
from products.models import Product, Team
from tests.backlog.factories import EpicFactory, LabelFactory


def _body(response: HttpResponseBase) -> bytes:
    """The whole CSV of a streamed export."""
    assert isinstance(response, StreamingHttpResponse)
    return response.getvalue()


def _export(client: Client, product: Product, query: str = "") -> list[dict[str, str]]:
    response = client.get(reverse("backlog:export_csv", args=[product.slug]) + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = _body(response).decode()
    return list(csv.DictReader(io.StringIO(text)))


def _import(client: Client, product: Product, text: str) -> Any:
    upload = SimpleUploadedFile("stories.csv", text.encode(), content_type="text/csv")
    return client.post(reverse("backlog:import_csv", args=[product.slug]), {"file": upload})


def test_the_export_follows_the_filters_and_the_backlog_order(
    client: Client, developer: Any, product: Product, make_story: Any
) -> None:
    make_story(title="Export CSV", points=3)
    make_story(title="Login")
    make_story(title="Export PDF")
    client.force_login(developer)
    rows = _export(client, product, "?q=export")
    assert [r["title"] for r in rows] == ["Export CSV", "Export PDF"]
    assert rows[0]["points"] == "3" and rows[0]["position"] == "1"


def test_an_import_adds_every_row_at_the_bottom_in_order(
    client: Client, po: Any, product: Product, team: Team, make_story: Any
) -> None:
    existing = make_story()
    EpicFactory(product=product, title="Billing")
    client.force_login(po)
    response = _import(
        client,
        product,
        "title,kind,points,team,epic\nInvoices,story,5,Falcons,billing\nRefunds,Bug,,falcons,\n",
    )
    assert response.status_code == 302
    titles = list(Story.objects.values_list("title", flat=True))
    assert titles == [existing.title, "Invoices", "Refunds"]
    invoices = Story.objects.get(title="Invoices")
    assert (
        invoices.points == 5
        and invoices.team == team
        and invoices.epic is not None
        and invoices.epic.title == "Billing"
    )
    assert Story.objects.get(title="Refunds").kind == "bug"
    assert Event.objects.filter(verb="story.created").count() == 2  # one per imported row


def test_a_file_with_a_bad_row_imports_nothing_and_names_each_bad_row(
    client: Client, po: Any, product: Product
) -> None:
    client.force_login(po)
    response = _import(
        client,
        product,
        "title,kind,points,epic\nGood,story,3,\n,story,3,\nBad points,story,4,\n"
        "Bad epic,story,,Nowhere\nBad kind,feature,,\n",
    )
    assert response.status_code == 422
    html = response.content.decode()
    for line, reason in ((3, "title is missing"), (4, "points"), (5, "unknown epic"),
                         (6, "unknown kind")):  # fmt: skip
        assert f"Line {line}" in html and reason in html
    assert not Story.objects.exists()


def test_an_exported_file_imports_back_as_new_stories(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    make_story(title="Round trip", points=8, description="Line one\nline two, with a comma")
    client.force_login(po)
    text = _body(client.get(reverse("backlog:export_csv", args=[product.slug]))).decode()
    assert _import(client, product, text).status_code == 302
    copies = Story.objects.filter(title="Round trip")
    assert copies.count() == 2
    assert {s.description for s in copies} == {"Line one\nline two, with a comma"}


@pytest.mark.parametrize(
    ("role", "status"),
    [("po", 302), ("developer", 302), ("stakeholder", 403), ("outsider", 404)],
)
def test_who_may_import(
    client: Client, request: pytest.FixtureRequest, product: Product, role: str, status: int
) -> None:
    client.force_login(request.getfixturevalue(role))
    assert _import(client, product, "title\nOne\n").status_code == status


def test_a_team_the_importer_cannot_edit_is_refused(
    client: Client, developer: Any, product: Product, other_team: Team
) -> None:
    client.force_login(developer)
    response = _import(client, product, "title,team\nNot mine,Owls\n")
    assert response.status_code == 403
    assert not Story.objects.exists()


def test_the_export_lists_each_storys_labels(
    client: Client, developer: Any, product: Product, make_story: Any
) -> None:
    urgent, ui = (
        LabelFactory(product=product, name="urgent"),
        LabelFactory(product=product, name="ui"),
    )
    tagged, plain = make_story(title="Tagged"), make_story(title="Plain")
    tagged.labels.add(urgent, ui)
    client.force_login(developer)
    rows = {r["title"]: r for r in _export(client, product)}
    assert rows["Tagged"]["labels"] == "ui; urgent"
    assert rows["Plain"]["labels"] == ""
    assert plain.pk


@pytest.mark.parametrize("stories", [3, 30])
def test_the_labels_cost_one_query_per_chunk_not_one_per_row(
    client: Client,
    developer: Any,
    product: Product,
    make_story: Any,
    django_assert_num_queries: Any,
    stories: int,
) -> None:
    label = LabelFactory(product=product, name="urgent")
    for _ in range(stories):
        make_story().labels.add(label)
    client.force_login(developer)
    url = reverse("backlog:export_csv", args=[product.slug])
    response = client.get(url)
    _body(response)
    with django_assert_num_queries(6):  # the labels: one prefetch per chunk of 2,000
        response = client.get(url)
        text = _body(response).decode()
    assert text.count("urgent") == stories


def test_an_import_sets_known_labels_and_refuses_unknown_ones(
    client: Client, po: Any, product: Product
) -> None:
    LabelFactory(product=product, name="Urgent")
    LabelFactory(product=product, name="ui, mobile")
    client.force_login(po)
    response = _import(client, product, 'title,labels\nOne,"urgent; UI, mobile"\nTwo,\n')
    assert response.status_code == 302
    one = Story.objects.get(title="One")
    assert sorted(label.name for label in one.labels.all()) == ["Urgent", "ui, mobile"]
    assert not Story.objects.get(title="Two").labels.exists()
    assert Event.objects.filter(verb="story.labelled", object_id=one.pk).count() == 2

    response = _import(client, product, "title,labels\nThree,urgent;nowhere\n")
    assert response.status_code == 422
    assert "Line 2" in response.content.decode() and "unknown label" in response.content.decode()
    assert not Story.objects.filter(title="Three").exists()


def test_labels_survive_an_export_and_import_round_trip(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    urgent = LabelFactory(product=product, name="urgent")
    make_story(title="Round trip").labels.add(urgent)
    client.force_login(po)
    text = _body(client.get(reverse("backlog:export_csv", args=[product.slug]))).decode()
    assert _import(client, product, text).status_code == 302
    copies = Story.objects.filter(title="Round trip")
    assert [list(s.labels.all()) for s in copies] == [[urgent], [urgent]]


FORMULAS = [
    "=cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(1+1)",
    "-2+3",
    '=HYPERLINK("http://evil.example")',
    "'=already quoted by its author",
]


@pytest.mark.parametrize("title", FORMULAS)
def test_the_export_makes_a_formula_text(
    client: Client, developer: Any, product: Product, make_story: Any, title: str
) -> None:
    make_story(title=title, description="\tindented", acceptance_criteria="- a list")
    client.force_login(developer)
    [row] = _export(client, product)
    assert row["title"] == "'" + title
    assert row["description"] == "'\tindented"
    assert row["acceptance_criteria"] == "'- a list"


def test_the_export_leaves_other_cells_alone(
    client: Client, developer: Any, product: Product, make_story: Any
) -> None:
    make_story(title="It's fine", points=3, description="a - b = c")
    client.force_login(developer)
    [row] = _export(client, product)
    assert (row["title"], row["points"], row["description"]) == ("It's fine", "3", "a - b = c")


def test_export_then_import_gives_back_the_same_text(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    LabelFactory(product=product, name="=label")
    for title in FORMULAS:
        story = make_story(title=title, description="- first\n- second", points=None)
        story.labels.set(product.labels.all())
    client.force_login(po)
    response = client.get(reverse("backlog:export_csv", args=[product.slug]))
    exported = response.getvalue().decode()
    Story.objects.all().delete()
    assert _import(client, product, exported).status_code == 302
    imported = list(Story.objects.order_by("rank"))
    assert [s.title for s in imported] == FORMULAS
    assert {s.description for s in imported} == {"- first\n- second"}
    assert {label.name for s in imported for label in s.labels.all()} == {"=label"}


def test_the_import_removes_only_the_exports_apostrophe(
    client: Client, po: Any, product: Product
) -> None:
    client.force_login(po)
    text = "title\n'=SUM(1)\n'plain apostrophe\n''+kept one\n"
    assert _import(client, product, text).status_code == 302
    titles = list(Story.objects.order_by("rank").values_list("title", flat=True))
    assert titles == ["=SUM(1)", "'plain apostrophe", "'+kept one"]
