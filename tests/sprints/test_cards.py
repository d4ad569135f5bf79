"""The board's Card: a proxy of Story, read in one query, recorded and grouped as a story."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from backlog.models import Sprint
from core import events
from core.live import group_name
from core.models import Event
from sprints.models import Card
from tests.backlog.factories import TaskFactory


def test_cards_carry_their_counts_in_one_query(
    make_story: Any, sprint: Sprint, developer: Any
) -> None:
    story = make_story(sprint=sprint)
    TaskFactory(story=story, done=True)
    TaskFactory(story=story)
    make_story(sprint=sprint)
    make_story()  # in the backlog: not a card of the sprint
    with CaptureQueriesContext(connection) as queries:
        cards = list(Card.objects.filter(sprint=sprint).as_cards())
    assert len(queries) == 1
    assert [c.pk for c in cards][0] == story.pk and len(cards) == 2
    # Any: as_cards() annotates the rows with what the card shows; the model does not say.
    card: Any = cards[0]
    assert (card.tasks_total, card.tasks_done) == (2, 1)
    assert card.in_column_since is not None and card.accepted_at is None


def test_a_card_is_a_story_to_the_event_log_and_the_live_groups(
    make_story: Any, sprint: Sprint, developer: Any
) -> None:
    story = make_story(sprint=sprint)
    card = Card.objects.get(pk=story.pk)
    events.record(card, "story.updated", actor=developer, after={"title": card.title})
    assert Event.objects.get(verb="story.updated").object_type == "story"
    assert group_name(card) == group_name(story) == f"story-{story.product_id}-{story.pk}"
