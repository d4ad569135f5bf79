from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from backlog.models import Story
from core.models import Event
from products.models import Product, Team
from tests.backlog.factories import EpicFactory, LabelFactory


def _bulk(client: Client, product: Product, stories: list[Story], do: str, **extra: str) -> Any:
    url = reverse("backlog:bulk", args=[product.slug])
    return client.post(url, {"stories": [s.pk for s in stories], "do": do, **extra})


def test_setting_an_epic_changes_each_selected_story_with_an_event_each(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    a, b, c = make_story(), make_story(), make_story()
    epic = EpicFactory(product=product)
    client.force_login(po)
    assert _bulk(client, product, [a, c], f"epic:{epic.pk}").status_code == 302
    assert {s.pk for s in Story.objects.filter(epic=epic)} == {a.pk, c.pk}
    assert Event.objects.filter(verb="story.updated").count() == 2
    b.refresh_from_db()
    assert b.epic is None


def test_moving_selected_stories_to_the_top_keeps_their_order(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    stories = [make_story(title=t) for t in "ABCDE"]
    client.force_login(po)
    _bulk(client, product, [stories[2], stories[4]], "top")
    assert list(Story.objects.values_list("title", flat=True)) == list("CEABD")
    _bulk(client, product, [stories[2], stories[0]], "bottom")
    assert list(Story.objects.values_list("title", flat=True)) == list("EBDCA")


def test_a_label_is_added_to_each_story(
    client: Client, developer: Any, product: Product, make_story: Any
) -> None:
    a, b = make_story(), make_story()
    label = LabelFactory(product=product, name="customer")
    client.force_login(developer)
    _bulk(client, product, [a, b], f"label:{label.pk}")
    assert list(label.stories.order_by("pk")) == [a, b]


def test_delete_asks_for_a_confirmation_then_deletes_with_an_event_per_story(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    a, b, keep = make_story(title="Old A"), make_story(title="Old B"), make_story()
    client.force_login(po)
    response = _bulk(client, product, [a, b], "delete")
    assert response.status_code == 200 and "Old A" in response.content.decode()
    assert Story.objects.count() == 3
    assert _bulk(client, product, [a, b], "delete", confirm="1").status_code == 302
    assert list(Story.objects.all()) == [keep]
    deleted = Event.objects.filter(verb="story.deleted")
    assert deleted.count() == 2 and {e.before["title"] for e in deleted} == {"Old A", "Old B"}


@pytest.mark.parametrize(
    ("role", "do", "status"),
    [("developer", "top", 403), ("developer", "delete", 403), ("pm", "delete", 403),
     ("stakeholder", "epic:", 403), ("other_team_po", "top", 403), ("outsider", "top", 404),
     ("po", "top", 302)],
)  # fmt: skip
def test_each_bulk_action_keeps_the_rights_of_its_single_action(
    client: Client, request: pytest.FixtureRequest, product: Product, make_story: Any,
    role: str, do: str, status: int,
) -> None:  # fmt: skip
    stories = [make_story(), make_story()]
    before = list(Story.objects.values_list("pk", "rank", "epic_id"))
    client.force_login(request.getfixturevalue(role))
    extra = {"confirm": "1"} if do == "delete" else {}
    assert _bulk(client, product, stories[::-1], do, **extra).status_code == status
    if status != 302:
        assert list(Story.objects.values_list("pk", "rank", "epic_id")) == before


def test_one_refusal_undoes_the_whole_change(
    client: Client, developer: Any, product: Product, team: Team, other_team: Team,
    make_story: Any,
) -> None:  # fmt: skip
    ours, theirs = make_story(), make_story(team=other_team)
    client.force_login(developer)
    assert _bulk(client, product, [ours, theirs], f"team:{team.pk}").status_code == 403
    ours.refresh_from_db()
    assert ours.version == 1 and not Event.objects.filter(verb="story.updated").exists()


def test_a_foreign_epic_is_refused(
    client: Client, po: Any, product: Product, make_story: Any
) -> None:
    from tests.products.factories import ProductFactory

    story = make_story()
    foreign = EpicFactory(product=ProductFactory())
    client.force_login(po)
    response = _bulk(client, product, [story], f"epic:{foreign.pk}")
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.epic is None
