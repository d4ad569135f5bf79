from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from backlog.models import Sprint, SprintState, Story, StoryQuerySet
from core.forms import choice_field, model_choice_field
from products.models import Product, Team
from sprints.completion import Unaccepted
from sprints.services import check_dates


class SprintForm(forms.ModelForm):
    class Meta:
        model = Sprint
        fields = ["name", "start_date", "end_date", "goal"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "goal": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self) -> dict[str, Any]:
        super().clean()  # returns self.cleaned_data, which the stubs call Optional
        data = self.cleaned_data
        if data.get("start_date") and data.get("end_date"):
            try:
                check_dates(data["start_date"], data["end_date"])
            except ValidationError as error:
                self.add_error(None, error)
        return data

    def validate_constraints(self, exclude: Any = None) -> None:
        # The service checks the same rules with clearer messages, per field.
        return None

    def validate_unique(self) -> None:
        return None


class NewSprintForm(SprintForm):
    """A sprint to plan, or one that happened (``record_past``: no ceremonies)."""

    record_past = forms.BooleanField(
        label=_("Record a past sprint"),
        required=False,
        help_text=_("For a sprint that ended before today: no ceremonies are scheduled."),
    )


class CloseSprintForm(forms.Form):
    goal_met = forms.TypedChoiceField(
        label=_("Was the sprint goal met?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    carry_over_to = forms.ModelChoiceField(
        queryset=Sprint.objects.none(),
        required=False,
        label=_("Unfinished stories go to"),
        empty_label=_("The top of the product backlog"),
    )

    def __init__(
        self,
        *args: Any,
        team: Team,
        pending: Sequence[tuple[Story, bool]] = (),
        **kwargs: Any,
    ) -> None:
        """``pending``: the done stories not accepted, each with whether the user may
        accept it now (the PO, its Definition of Done all ticked): one choice each."""
        super().__init__(*args, **kwargs)
        planned = team.sprints.filter(state=SprintState.PLANNED)
        model_choice_field(self, "carry_over_to").queryset = planned
        self.pending = [story for story, _can in pending]
        for story, can_accept in pending:
            choices = [
                (value, label)
                for value, label in Unaccepted.choices
                if value != Unaccepted.ACCEPT or can_accept
            ]
            self.fields[self.choice_name(story)] = forms.ChoiceField(
                label=story.title,
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose what happens to this story.")},
            )

    @staticmethod
    def choice_name(story: Story) -> str:
        return f"unaccepted_{story.pk}"

    def choice_fields(self) -> list[tuple[Story, forms.BoundField]]:
        return [(story, self[self.choice_name(story)]) for story in self.pending]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        unaccepted = {}
        for story in self.pending:
            choice = data.pop(self.choice_name(story), None)
            if choice is None:
                continue
            if choice == Unaccepted.CARRY_OVER and data.get("carry_over_to") is None:
                self.add_error(
                    self.choice_name(story),
                    _("Choose the planned sprint it goes to, under “Unfinished stories go to”."),
                )
            unaccepted[story.pk] = choice
        data["unaccepted"] = unaccepted
        return data


class AddStoryForm(forms.Form):
    story = forms.ModelChoiceField(
        queryset=Story.objects.none(),
        label=_("Story"),
        error_messages={"invalid_choice": _("Choose a backlog story of this team or product.")},
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "story").queryset = (
            Story.objects.filter(product_id=team.product_id, sprint__isnull=True)
            .exclude(team__isnull=False, team__in=team.product.teams.exclude(pk=team.pk))
            .order_by("-ready", "rank")
        )


UNASSIGNED = "none"
# The board filters stories or cards (a proxy), and answers the same kind.
AnyStories = TypeVar("AnyStories", bound=StoryQuerySet)


class BoardFilterForm(forms.Form):
    """The board's filters, read from the URL. Choices are built once: one query each."""

    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    epic = forms.ChoiceField(label=_("Epic"), required=False)
    mine = forms.BooleanField(label=_("Only mine"), required=False)
    # How the board is drawn, not which cards it shows.
    lanes = forms.ChoiceField(
        label=_("Swimlanes"),
        required=False,
        choices=[("", _("None")), ("assignee", _("By assignee")), ("epic", _("By epic"))],
    )

    def __init__(self, *args: Any, product: Product, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        choice_field(self, "assignee").choices = [
            ("", _("Anyone")),
            (UNASSIGNED, _("Unassigned")),
            *((str(u.pk), u.display_name) for u in product.members()),
        ]
        choice_field(self, "epic").choices = [
            ("", _("All epics")),
            *((str(e.pk), e.title) for e in product.epics.only("pk", "title")),
        ]

    def apply(self, stories: AnyStories) -> AnyStories:
        """The stories that pass every filter; invalid values are ignored, not an error."""
        data = self.cleaned_data if self.is_valid() else {}
        assignee = data.get("assignee")
        if assignee == UNASSIGNED:
            stories = stories.filter(assignee__isnull=True)
        elif assignee:
            stories = stories.filter(assignee_id=int(assignee))
        if data.get("epic"):
            stories = stories.filter(epic_id=int(data["epic"]))
        if data.get("mine") and self.user.is_authenticated:
            stories = stories.filter(assignee=self.user)
        return stories

    @property
    def active(self) -> bool:
        return self.is_valid() and any(
            self.cleaned_data.get(f) for f in self.fields if f != "lanes"
        )

    @property
    def lanes_by(self) -> str:
        return (self.cleaned_data.get("lanes") or "") if self.is_valid() else ""


class FlagForm(forms.Form):
    reason = forms.CharField(
        label=_("What blocks it?"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolveForm(forms.Form):
    note = forms.CharField(label=_("How was it solved?"), max_length=500, required=False)


class GoalForm(forms.Form):
    goal = forms.CharField(
        label=_("Sprint goal"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why this sprint is worth doing, in a sentence or two."),
    )


class DaysOffForm(forms.Form):
    """Days off per member of the team, one number field each (``member_<user id>``)."""

    def __init__(self, *args: Any, members: list[Any], working_days: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        for member in members:
            self.fields[f"member_{member.user.pk}"] = forms.IntegerField(
                label=member.user.display_name,
                required=False,
                min_value=0,
                max_value=working_days,
                initial=member.days_off,
                widget=forms.NumberInput(attrs={"class": "days-input", "inputmode": "numeric"}),
            )

    def rows(self) -> list[tuple[Any, forms.BoundField]]:
        return [(m, self[f"member_{m.user.pk}"]) for m in self.members]

    def days_off(self) -> dict[int, int]:
        # A field sent empty means no day off; a field not sent at all changes nothing.
        return {
            int(name.removeprefix("member_")): days or 0
            for name, days in self.cleaned_data.items()
            if self.add_prefix(name) in self.data
        }


class RejectForm(forms.Form):
    comment = forms.CharField(
        label=_("What is missing?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the story goes back.")},
    )
