from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from backlog.filters import seen_list
from backlog.models import POINTS, Epic, Label, Story, StoryKind
from core.forms import model_choice_field
from products.models import Product, Status


class StoryForm(forms.ModelForm):
    points = forms.TypedChoiceField(
        label=_("Points"),
        choices=[("", _("Unestimated"))] + [(p, str(p)) for p in POINTS],
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={
            "invalid_choice": _(
                "%(value)s is not an allowed estimate: use 0, 1, 2, 3, 5, 8, 13, 20, 40 or 100."
            )
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Story
        fields = [
            "title",
            "kind",
            "team",
            "epic",
            "release",
            "points",
            "assignee",
            "description",
            "acceptance_criteria",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "acceptance_criteria": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, product: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "team").queryset = product.teams.all()
        model_choice_field(self, "team").empty_label = _("No team yet")
        model_choice_field(self, "epic").queryset = product.epics.all()
        model_choice_field(self, "epic").empty_label = _("No epic")
        model_choice_field(self, "release").queryset = product.releases.all()
        model_choice_field(self, "release").empty_label = _("No release")
        model_choice_field(self, "assignee").queryset = product.members()
        model_choice_field(self, "assignee").empty_label = _("Unassigned")
        self.fields["title"].widget.attrs["autofocus"] = True


class MoveForm(forms.Form):
    """Where a story goes: a status and/or a place. The top, the bottom and a position
    become neighbours here, counted in the list the mover sees (``list``: the backlog
    page's filters, e.g. a PO's team slice; the sprint for a sprint's story). The server
    computes the rank."""

    status: forms.ModelChoiceField[Status] = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Status")
    )
    after: forms.ModelChoiceField[Story] = forms.ModelChoiceField(
        queryset=None, required=False, widget=forms.HiddenInput
    )
    before: forms.ModelChoiceField[Story] = forms.ModelChoiceField(
        queryset=None, required=False, widget=forms.HiddenInput
    )
    position = forms.ChoiceField(
        choices=[("", "—"), ("top", _("Top")), ("bottom", _("Bottom"))],
        required=False,
        label=_("Position"),
    )
    to_position = forms.IntegerField(
        min_value=1, max_value=10**9, required=False, label=_("Move to position")
    )
    list = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args: Any, product: Product, story: Story, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.story = story
        model_choice_field(self, "status").queryset = product.statuses.all()
        stories = Story.objects.filter(product=product)
        model_choice_field(self, "after").queryset = stories
        model_choice_field(self, "before").queryset = stories
        self.fields["status"].error_messages["invalid_choice"] = _(
            "Choose a status of this product."
        )
        for name in ("after", "before"):
            self.fields[name].error_messages["invalid_choice"] = _(
                "Choose a story of this product."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        position, number = data.get("position"), data.get("to_position")
        if position or number:
            seen = seen_list(self.story, data.get("list", ""))
            data["after"], data["before"] = seen.place(
                self.story, position=position or "", to_position=number
            )
        return data


class QuickAddForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=StoryKind.choices, initial=StoryKind.STORY)
    where = forms.ChoiceField(
        choices=[("top", _("Top")), ("bottom", _("Bottom"))], widget=forms.HiddenInput
    )


class EpicForm(forms.ModelForm):
    class Meta:
        model = Epic
        fields = ["title", "colour", "release", "start_date", "target_date", "description"]
        widgets = {
            "colour": forms.TextInput(attrs={"type": "color"}),
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "target_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, product: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "release").queryset = product.releases.all()
        model_choice_field(self, "release").empty_label = _("No release")

    def validate_unique(self) -> None:
        return None  # the rank is the server's; the service checks the rest

    def validate_constraints(self, exclude: Any = None) -> None:
        start, target = self.cleaned_data.get("start_date"), self.cleaned_data.get("target_date")
        if start and target and target < start:
            self.add_error("target_date", _("The target date can't be before the start date."))


class EpicDatesForm(EpicForm):
    """What the roadmap changes in place: the dates and the release."""

    class Meta(EpicForm.Meta):
        fields = ["release", "start_date", "target_date"]


class StoryLabelForm(forms.Form):
    """Add a label to a story: one of the product's, or a new one by name."""

    label = forms.ModelChoiceField(
        queryset=Label.objects.none(), required=False, label=_("Label"), empty_label=_("Choose…")
    )
    name = forms.CharField(label=_("Or a new label"), max_length=60, required=False)

    def __init__(self, *args: Any, product: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "label").queryset = product.labels.all()

    def clean(self) -> dict[str, Any]:
        super().clean()  # returns self.cleaned_data, which the stubs call Optional
        data = self.cleaned_data
        data["name"] = (data.get("name") or "").strip()
        if not data.get("label") and not data["name"]:
            raise forms.ValidationError(_("Choose a label or type a new one."))
        return data
