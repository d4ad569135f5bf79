from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from backlog import readiness
from backlog.models import Story, Task
from core.models import Event
from products.models import ChecklistKind, Product
from tests.backlog.factories import TaskFactory


def _url(name: str, story: Story, *args: Any) -> str:
    return reverse(f"backlog:{name}", args=[story.product.slug, story.pk, *args])


def test_a_new_product_gets_the_default_definitions_of_ready_and_done(product: Product) -> None:
    ready = product.checklist.filter(kind=ChecklistKind.READY)
    assert [i.rule for i in ready] == [
        "has_acceptance_criteria",
        "is_estimated",
        "small_enough",
        "no_open_blocker",
    ]
    assert product.checklist.filter(kind=ChecklistKind.DONE).count() == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "- [ ] Exports CSV\n- [x] Keeps filters",
            [("Exports CSV", False), ("Keeps filters", True)],
        ),
        ("* plain\n\n1. numbered", [("plain", False), ("numbered", False)]),
        ("", []),
    ],
)
def test_acceptance_criteria_read_as_a_checklist(text: str, expected: list[Any]) -> None:
    assert [(c.text, c.done) for c in readiness.criteria(text)] == expected


# The pattern the line parser replaced; on short lines it is quick, and the reference.
OLD_CRITERION = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])?\s*(?:\[(?P<mark>[ xX])\]\s*)?(?P<text>.*\S)\s*$"
)


def test_the_line_parser_reads_every_short_line_as_the_pattern_it_replaced() -> None:
    def reference(line: str) -> tuple[str, bool] | None:
        match = OLD_CRITERION.match(line)
        if not match:
            return None
        return match["text"], (match["mark"] or " ").lower() == "x"

    alphabet = " \t-*+1.)[]xXa\u00a0"
    for length in range(5):
        for letters in itertools.product(alphabet, repeat=length):
            line = "".join(letters)
            assert readiness.parse_line(line) == reference(line), repr(line)


@pytest.mark.parametrize(
    "line",
    [" " * 20_000, " " * 10_000 + "1" + " " * 10_000, "- [ ]" + " " * 20_000 + "\t", "1." * 10_000],
)
def test_a_long_line_of_spaces_or_markers_is_read_at_once(line: str) -> None:
    # The old pattern backtracked for 40 s on 2,000 spaces; these would take hours.
    parsed = readiness.parse_line(line)
    assert parsed is None or parsed[0].strip() == parsed[0]


def test_ticking_a_criterion_edits_only_its_line(
    client: Client, developer: Any, make_story: Any
) -> None:
    story = make_story(acceptance_criteria="Intro line\n- [ ] One\n- [ ] Two")
    client.force_login(developer)
    response = client.post(_url("toggle_criterion", story, 2), {"version": 1})
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.acceptance_criteria == "Intro line\n- [ ] One\n- [x] Two"
    assert story.version == 2
    assert Event.objects.filter(verb="story.updated").count() == 1


def test_ticking_a_criterion_on_a_stale_version_is_refused_with_409(
    client: Client, developer: Any, make_story: Any
) -> None:
    story = make_story(acceptance_criteria="- [ ] One", version=3)
    client.force_login(developer)
    response = client.post(_url("toggle_criterion", story, 0), {"version": 2})
    assert response.status_code == 409
    story.refresh_from_db()
    assert story.acceptance_criteria == "- [ ] One"


def test_a_stakeholder_cannot_tick_criteria(
    client: Client, stakeholder: Any, make_story: Any
) -> None:
    story = make_story(acceptance_criteria="- [ ] One")
    client.force_login(stakeholder)
    assert client.post(_url("toggle_criterion", story, 0), {"version": 1}).status_code == 403


def test_marking_ready_warns_about_what_is_missing_and_needs_a_confirmation(
    client: Client, po: Any, make_story: Any
) -> None:
    story = make_story(points=20)  # no criteria, too big
    client.force_login(po)
    response = client.post(_url("mark_ready", story), {"ready": "1"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "doesn&#x27;t meet the Definition of Ready" in html or "Definition of Ready yet" in html
    assert "Has acceptance criteria" in html and "Is small enough" in html
    story.refresh_from_db()
    assert not story.ready

    response = client.post(_url("mark_ready", story), {"ready": "1", "confirm": "1"})
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.ready


def test_a_story_that_meets_the_definition_is_marked_ready_at_once(
    client: Client, po: Any, make_story: Any
) -> None:
    story = make_story(points=5, acceptance_criteria="- [ ] Works")
    client.force_login(po)
    assert client.post(_url("mark_ready", story), {"ready": "1"}).status_code == 302
    story.refresh_from_db()
    assert story.ready


@pytest.mark.parametrize(("role", "status"), [("po", 302), ("developer", 403), ("pm", 403)])
def test_only_the_po_marks_stories_ready(
    client: Client, request: pytest.FixtureRequest, make_story: Any, role: str, status: int
) -> None:
    story = make_story(points=5, acceptance_criteria="- [ ] Works")
    client.force_login(request.getfixturevalue(role))
    assert client.post(_url("mark_ready", story), {"ready": "1"}).status_code == status


def test_tasks_are_added_ticked_reordered_and_deleted(
    client: Client, developer: Any, make_story: Any
) -> None:
    story = make_story()
    client.force_login(developer)
    for title in ("Write tests", "Build it", "Review"):
        client.post(_url("task_add", story), {"title": title}, headers={"HX-Request": "true"})
    tasks = list(story.tasks.all())
    assert [t.title for t in tasks] == ["Write tests", "Build it", "Review"]

    client.post(_url("task_move", story, tasks[2].pk), {"direction": "up"})
    assert [t.title for t in story.tasks.all()] == ["Write tests", "Review", "Build it"]

    response = client.post(
        _url("task_tick", story, tasks[0].pk), {"done": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and 'id="tasks"' in response.content.decode()
    assert Task.objects.get(pk=tasks[0].pk).done

    client.post(_url("task_delete", story, tasks[1].pk))
    assert [t.title for t in story.tasks.all()] == ["Write tests", "Review"]
    verbs = list(Event.objects.filter(object_type="task").values_list("verb", flat=True))
    assert verbs.count("task.added") == 3 and "task.moved" in verbs
    assert "task.done" in verbs and "task.deleted" in verbs


def test_a_blank_task_is_refused_with_422(client: Client, developer: Any, make_story: Any) -> None:
    story = make_story()
    client.force_login(developer)
    assert client.post(_url("task_add", story), {"title": "  "}).status_code == 422
    assert not story.tasks.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [("developer", 302), ("scrum_master", 302), ("stakeholder", 403), ("pm", 403),
     ("other_team_developer", 403), ("outsider", 404)],
)  # fmt: skip
def test_only_the_team_adds_tasks(
    client: Client, request: pytest.FixtureRequest, make_story: Any, role: str, status: int
) -> None:
    story = make_story()
    client.force_login(request.getfixturevalue(role))
    assert client.post(_url("task_add", story), {"title": "Do it"}).status_code == status


def test_a_task_of_another_story_is_a_404(client: Client, developer: Any, make_story: Any) -> None:
    story, other = make_story(), make_story()
    task = TaskFactory(story=other)
    client.force_login(developer)
    assert client.post(_url("task_tick", story, task.pk), {"done": "1"}).status_code == 404
