"""User research: the insights of a product, their forms, and which epics act on them."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from backlog.models import Epic, Insight, Story
from core.forms import model_choice_field
from products.models import Product


def insights_of(product: Product) -> list[Insight]:
    """The product's insights, newest first, with their epics and stories: three queries
    whatever their number."""
    return list(
        product.insights.prefetch_related(
            Prefetch("epics", queryset=Epic.objects.only("id", "title", "colour", "rank")),
            Prefetch(
                "stories",
                queryset=Story.objects.select_related("status")
                .only("id", "title", "rank", "status__name", "status__category")
                .order_by("rank"),
            ),
        ).order_by("-date", "-created_at", "-id")
    )


def unaddressed(insights: list[Insight]) -> list[Insight]:
    """Insights that no epic is linked to yet (from the prefetched links: no query)."""
    return [insight for insight in insights if not insight.epics.all()]


class InsightForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Insight
        fields = ["title", "date", "source", "evidence_url", "finding"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "evidence_url": forms.URLInput(attrs={"placeholder": "https://"}),
            "finding": forms.Textarea(attrs={"rows": 6}),
        }


# "42", "#42" or a pasted link to the story's page (…/stories/42/).
_STORY_REF = re.compile(r"^\s*(?:#?(\d+)|\S*/stories/(\d+)/?\S*)\s*$")


class LinkForm(forms.Form):
    """What to link an insight to: an epic of the product, or a story named by its number."""

    epic = forms.ModelChoiceField(queryset=Epic.objects.none(), required=False, label=_("Epic"))
    story = forms.CharField(
        required=False,
        label=_("Story"),
        max_length=300,
        help_text=_("Its number (#42) or a link to its page."),
    )

    def __init__(self, *args: Any, product: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.product = product
        model_choice_field(self, "epic").queryset = product.epics.order_by("rank")
        model_choice_field(self, "epic").empty_label = _("Choose an epic")
        self.fields["epic"].error_messages["invalid_choice"] = _("Choose an epic of this product.")

    def clean_story(self) -> Story | None:
        text = self.cleaned_data.get("story", "")
        if not text.strip():
            return None
        match = _STORY_REF.match(text)
        if not match:
            raise forms.ValidationError(_("Enter a story's number, such as #42, or its link."))
        pk = int(match.group(1) or match.group(2))
        # Looked up in this product only: a story of another product is "not found" alike.
        story = Story.objects.filter(product=self.product, pk=pk).only("id", "product_id").first()
        if story is None:
            raise forms.ValidationError(
                _("There is no story #%(number)s in this product."), params={"number": pk}
            )
        return story

    def clean(self) -> dict[str, Any]:
        super().clean()  # returns self.cleaned_data, which the stubs call Optional
        data = self.cleaned_data
        if not self.errors and not data.get("epic") and not data.get("story"):
            raise forms.ValidationError(_("Choose an epic or a story."))
        return data
