from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import ProtectedError

from backlog.models import Epic, Label, Release, Story, Task
from products.models import Product, StatusCategory
from tests.backlog.factories import EpicFactory, LabelFactory, ReleaseFactory, TaskFactory
from tests.conftest import MakeStory, violates
from tests.products.factories import ProductFactory, status_of

pytestmark = pytest.mark.django_db


def test_it_refuses_two_stories_with_one_rank_in_a_product(make_story: MakeStory) -> None:
    story = make_story()
    with violates("backlog_story_rank_unique"):
        make_story(rank=story.rank)


def test_it_accepts_one_rank_in_two_products(make_story: MakeStory) -> None:
    story = make_story()
    make_story(product=ProductFactory(), rank=story.rank)


def test_it_refuses_four_points(make_story: MakeStory) -> None:
    story = make_story()
    with violates("backlog_story_points_allowed"):
        Story.objects.filter(pk=story.pk).update(points=4)


@pytest.mark.parametrize("points", [None, 0, 1, 2, 3, 5, 8, 13, 20, 40, 100])
def test_it_accepts_the_allowed_points(make_story: MakeStory, points: int | None) -> None:
    make_story(points=points)


def test_it_refuses_two_epics_with_one_rank_in_a_product(product: Product) -> None:
    epic = EpicFactory(product=product)
    with violates("backlog_epic_rank_unique"):
        Epic.objects.create(product=product, title="Copy", rank=epic.rank)


def test_it_refuses_an_epic_that_ends_before_it_starts(product: Product) -> None:
    with violates("backlog_epic_dates_ordered"):
        EpicFactory(
            product=product, start_date=dt.date(2026, 5, 1), target_date=dt.date(2026, 4, 30)
        )


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (dt.date(2026, 5, 1), dt.date(2026, 5, 1)),
        (None, dt.date(2026, 5, 1)),
        (dt.date(2026, 5, 1), None),
    ],
)
def test_it_accepts_an_epic_with_ordered_or_open_dates(
    product: Product, start: dt.date | None, target: dt.date | None
) -> None:
    EpicFactory(product=product, start_date=start, target_date=target)


def test_it_refuses_two_tasks_with_one_rank_in_a_story(make_story: MakeStory) -> None:
    task = TaskFactory(story=make_story())
    with violates("backlog_task_rank_unique"):
        Task.objects.create(story=task.story, title="Copy", rank=task.rank)


def test_it_accepts_one_task_rank_in_two_stories(make_story: MakeStory) -> None:
    task = TaskFactory(story=make_story())
    TaskFactory(story=make_story(), rank=task.rank)


def test_it_refuses_two_releases_with_one_name_in_a_product(product: Product) -> None:
    ReleaseFactory(product=product, name="1.0")
    with violates("backlog_release_name_unique"):
        Release.objects.create(product=product, name="1.0")


def test_it_refuses_two_labels_with_one_name_in_a_product(product: Product) -> None:
    LabelFactory(product=product, name="ux")
    with violates("backlog_label_name_unique"):
        Label.objects.create(product=product, name="ux")


def test_a_story_cannot_lose_its_status_while_stories_use_it(
    product: Product, make_story: MakeStory
) -> None:
    make_story()
    with pytest.raises(ProtectedError):
        status_of(product, StatusCategory.TODO).delete()
