"""The review's feedback form offers only the reviewed sprint's stories."""

from __future__ import annotations

from backlog.models import Sprint, Story
from core.forms import model_choice_field
from products.models import Product, Team
from sprints.forms import FeedbackForm
from sprints.models import CeremonyKind
from tests.conftest import MakeStory
from tests.products.factories import ProductFactory
from tests.sprints.factories import CeremonyFactory


def _offered(form: FeedbackForm) -> list[Story]:
    queryset = model_choice_field(form, "about").queryset
    assert queryset is not None
    return list(queryset)


def test_it_offers_the_sprint_s_stories(team: Team, sprint: Sprint, make_story: MakeStory) -> None:
    review = CeremonyFactory.create(team=team, sprint=sprint, kind=CeremonyKind.REVIEW)
    planned = make_story(title="Planned", sprint=sprint)
    make_story(title="Elsewhere")
    assert _offered(FeedbackForm(ceremony=review)) == [planned]


def test_a_review_without_a_sprint_offers_no_story(
    product: Product, team: Team, make_story: MakeStory
) -> None:
    # filter(sprint_id=None) is "sprint IS NULL": every backlog story of every product.
    review = CeremonyFactory.create(team=team, sprint=None, kind=CeremonyKind.REVIEW)
    make_story(title="In the backlog")
    make_story(product=ProductFactory.create(), title="Another product's")
    assert _offered(FeedbackForm(ceremony=review)) == []
