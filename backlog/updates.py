"""Product updates: their forms, the release notes drafted from done stories, and what
the public changelog may read."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backlog.models import ProductUpdate, Release, Story, StoryKind
from products.models import Product

# Headings of the release notes, one per kind of story, in this order.
KIND_HEADINGS = {
    StoryKind.STORY: gettext_lazy("Stories"),
    StoryKind.BUG: gettext_lazy("Bugs"),
    StoryKind.SPIKE: gettext_lazy("Spikes"),
    StoryKind.CHORE: gettext_lazy("Chores"),
}

# A story title is text, not Markdown: escape what would format it or start a block.
_INLINE = re.compile(r"([\\`*_\[\]])")
_LINE_START = re.compile(r"^(\s*)([#>+!-]|\d+\.)")


def escape_markdown(text: str) -> str:
    text = _INLINE.sub(r"\\\1", text).replace("<", "&lt;")
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def release_notes_body(stories: Iterable[tuple[str, str]]) -> str:
    """Markdown bullets of (kind, title) pairs under one heading per kind."""
    by_kind: dict[str, list[str]] = {kind: [] for kind in KIND_HEADINGS}
    for kind, title in stories:
        by_kind.setdefault(kind, []).append(title)
    sections = []
    for kind, titles in by_kind.items():
        if titles:
            heading = KIND_HEADINGS.get(kind, kind)
            bullets = "\n".join(f"- {escape_markdown(title)}" for title in titles)
            sections.append(f"### {heading}\n\n{bullets}")
    return "\n\n".join(sections) + "\n"


def sprint_model() -> type[Model]:
    """The Sprint model, named through Story's foreign key: backlog must not import sprints."""
    return Story._meta.get_field("sprint").related_model  # type: ignore[return-value]


def sprints_of(product: Product) -> QuerySet[Any]:
    return (
        sprint_model()
        .objects.filter(team__product=product)
        .select_related("team")
        .order_by("-start_date", "team__name")
    )


class UpdateForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ProductUpdate
        fields = ["title", "visibility", "body"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 10}),
            "visibility": forms.RadioSelect,
        }


class SprintChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.team.name}"


class ReleaseNotesForm(forms.Form):
    """Where the release notes come from: one sprint, or one release."""

    sprint = SprintChoiceField(queryset=None, required=False, label=gettext_lazy("Sprint"))
    release = forms.ModelChoiceField(
        queryset=Release.objects.none(), required=False, label=gettext_lazy("Release")
    )

    def __init__(self, *args: Any, product: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sprint"].queryset = sprints_of(product)
        self.fields["sprint"].empty_label = _("Choose a sprint")
        self.fields["release"].queryset = product.releases.all()
        self.fields["release"].empty_label = _("Choose a release")
        self.fields["sprint"].error_messages["invalid_choice"] = _(
            "Choose a sprint of this product."
        )
        self.fields["release"].error_messages["invalid_choice"] = _(
            "Choose a release of this product."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("sprint")) == bool(data.get("release")):
            raise forms.ValidationError(_("Choose a sprint or a release."))
        return data
