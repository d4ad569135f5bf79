"""Releases, epics, labels, stories and tasks, as plain rows ranked at the end."""

from __future__ import annotations

from typing import Any

import factory
from django.db.models import Model
from factory.django import DjangoModelFactory

from backlog import ranks
from backlog.models import Epic, Label, Release, Story, Task
from products.models import StatusCategory
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


class ReleaseFactory(DjangoModelFactory[Release]):
    class Meta:
        model = Release

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"v{n}.0")


class EpicFactory(DjangoModelFactory[Epic]):
    class Meta:
        model = Epic

    product = factory.SubFactory(ProductFactory)
    title = factory.Sequence(lambda n: f"Epic {n}")
    rank = factory.LazyAttribute(lambda o: next_rank(Epic, product=o.product))


class LabelFactory(DjangoModelFactory[Label]):
    class Meta:
        model = Label

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"label-{n}")


class StoryFactory(DjangoModelFactory[Story]):
    class Meta:
        model = Story
        skip_postgeneration_save = True

    product = factory.SubFactory(ProductFactory)
    team = None
    title = factory.Sequence(lambda n: f"Story {n}")
    status = factory.LazyAttribute(lambda o: status_of(o.product, StatusCategory.TODO))
    rank = factory.LazyAttribute(lambda o: next_rank(Story, product=o.product))


class TaskFactory(DjangoModelFactory[Task]):
    class Meta:
        model = Task

    story = factory.SubFactory(StoryFactory)
    title = factory.Sequence(lambda n: f"Task {n}")
    rank = factory.LazyAttribute(lambda o: next_rank(Task, story=o.story))
