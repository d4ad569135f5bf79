"""Releases, epics, labels, stories and tasks, as plain rows ranked at the end."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Model

from backlog import ranks
from backlog.models import Epic, Label, Release, Sprint, SprintState, Story, Task
from core.models import Event
from products.models import Product, StatusCategory, Team
from tests.factories_base import LazyAttribute, ModelFactory, Sequence, SubFactory
from tests.products.factories import ProductFactory, status_of


def next_rank(model: type[Model], **scope: Any) -> str:
    """A key after the last one of the scope, as the services append."""
    last = (
        model._default_manager.filter(**scope)
        .order_by("-rank")
        .values_list("rank", flat=True)
        .first()
    )
    return ranks.between(last, None)


class ReleaseFactory(ModelFactory[Release]):
    class Meta:
        model = Release

    product = SubFactory(ProductFactory)
    name = Sequence(lambda n: f"v{n}.0")


class EpicFactory(ModelFactory[Epic]):
    class Meta:
        model = Epic

    product = SubFactory(ProductFactory)
    title = Sequence(lambda n: f"Epic {n}")
    rank = LazyAttribute(lambda o: next_rank(Epic, product=o.product))


class LabelFactory(ModelFactory[Label]):
    class Meta:
        model = Label

    product = SubFactory(ProductFactory)
    name = Sequence(lambda n: f"label-{n}")


class StoryFactory(ModelFactory[Story]):
    class Meta:
        model = Story
        skip_postgeneration_save = True

    product = SubFactory(ProductFactory)
    team = None
    title = Sequence(lambda n: f"Story {n}")
    status = LazyAttribute(lambda o: status_of(o.product, StatusCategory.TODO))
    rank = LazyAttribute(lambda o: next_rank(Story, product=o.product))


class TaskFactory(ModelFactory[Task]):
    class Meta:
        model = Task

    story = SubFactory(StoryFactory)
    title = Sequence(lambda n: f"Task {n}")
    rank = LazyAttribute(lambda o: next_rank(Task, story=o.story))


def closed_sprints(
    product: Product, team: Team, *points: int, today: dt.date, ended_days_ago: int = 8
) -> list[Sprint]:
    """Closed sprints of two weeks, oldest first, each with the close event it records (what
    velocity and the forecast read); the last one ended ``ended_days_ago`` before ``today``."""
    sprints = []
    for k, p in enumerate(points):
        end = today - dt.timedelta(days=ended_days_ago + 14 * (len(points) - 1 - k))
        sprint = Sprint.objects.create(
            team=team,
            name=f"Closed {k}",
            start_date=end - dt.timedelta(days=13),
            end_date=end,
            state=SprintState.CLOSED,
            completed_points=p,
            closed_at=dt.datetime.combine(end, dt.time(17), tzinfo=dt.UTC),
        )
        Event.objects.create(
            verb="sprint.closed",
            product_id=product.pk,
            team_id=team.pk,
            sprint_id=sprint.pk,
            object_type="sprint",
            object_id=sprint.pk,
            after={"completed_points": p},
        )
        sprints.append(sprint)
    return sprints
