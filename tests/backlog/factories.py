"""Releases, epics, labels, stories and tasks, as plain rows ranked at the end."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from backlog import ranks
from backlog.models import Epic, Label, Release, Story, Task
from products.models import StatusCategory
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
