from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from backlog.models import POINTS, Epic, Label, Story, StoryKind
from products.models import Product


def member_choices(product: Product) -> Any:
    return (
        get_user_model()
        .objects.filter(memberships__product=product)
        .distinct()
        .order_by("first_name", "username")
    )


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
        self.fields["team"].queryset = product.teams.all()
        self.fields["team"].empty_label = _("No team yet")
        self.fields["epic"].queryset = product.epics.all()
        self.fields["epic"].empty_label = _("No epic")
        self.fields["release"].queryset = product.releases.all()
        self.fields["release"].empty_label = _("No release")
        self.fields["assignee"].queryset = member_choices(product)
        self.fields["assignee"].empty_label = _("Unassigned")
        self.fields["title"].widget.attrs["autofocus"] = True


class MoveForm(forms.Form):
    """Where a story goes: a status and/or a neighbour. The server computes the rank."""

    status = forms.ModelChoiceField(queryset=None, required=False, label=_("Status"))
    after = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput)
    before = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput)
    position = forms.ChoiceField(
        choices=[("", "—"), ("top", _("Top")), ("bottom", _("Bottom"))],
        required=False,
        label=_("Position"),
    )
    to_position = forms.IntegerField(min_value=1, required=False, label=_("Move to position"))

    def __init__(self, *args: Any, product: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].queryset = product.statuses.all()
        stories = Story.objects.filter(product=product)
        self.fields["after"].queryset = stories
        self.fields["before"].queryset = stories
        self.fields["status"].error_messages["invalid_choice"] = _(
            "Choose a status of this product."
        )
        for name in ("after", "before"):
            self.fields[name].error_messages["invalid_choice"] = _(
                "Choose a story of this product."
            )


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
        self.fields["release"].queryset = product.releases.all()
        self.fields["release"].empty_label = _("No release")

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
        self.fields["label"].queryset = product.labels.all()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["name"] = (data.get("name") or "").strip()
        if not data.get("label") and not data["name"]:
            raise forms.ValidationError(_("Choose a label or type a new one."))
        return data
