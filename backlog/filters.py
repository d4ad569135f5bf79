"""The backlog's filters: read from the URL, applied to a QuerySet, written back to links."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from backlog.models import Epic, Label, Release, Story, StoryKind, StoryQuerySet
from core import access
from core.access import Capability
from core.forms import choice_field, model_choice_field
from products.models import Product

NO_TEAM = "none"
ALL_TEAMS = "all"  # said out loud, so that a PO's default slice doesn't apply
SLICE = "+"  # "<team id>+": the team's stories and those with no team yet


def default_team(user: Any, product: Product) -> str | None:
    """A PO of exactly one team of the product opens the backlog on that team's slice."""
    teams = access.teams_where(user, product.pk, Capability.ORDER_BACKLOG)
    return f"{teams.pop()}{SLICE}" if len(teams) == 1 else None


class TeamChoiceField(forms.ChoiceField):
    def valid_value(self, value: Any) -> bool:
        return value == ALL_TEAMS or super().valid_value(value)


class BacklogFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    team = TeamChoiceField(label=_("Team"), required=False)
    epic: forms.ModelChoiceField[Epic] = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Epic")
    )
    release: forms.ModelChoiceField[Release] = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Release")
    )
    label: forms.ModelChoiceField[Label] = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Label")
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *StoryKind.choices]
    )
    ready = forms.ChoiceField(
        label=_("Ready"),
        required=False,
        choices=[("", _("Ready or not")), ("yes", _("Ready")), ("no", _("Not ready"))],
    )
    unestimated = forms.BooleanField(label=_("Unestimated only"), required=False)
    assignee: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Assignee")
    )

    def __init__(self, *args: Any, product: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = list(product.teams.all())
        choice_field(self, "team").choices = [
            ("", _("All teams")),
            (NO_TEAM, _("No team yet")),
            *((str(t.pk), t.name) for t in teams),
            *((f"{t.pk}{SLICE}", _("%(team)s + no team") % {"team": t.name}) for t in teams),
        ]
        for name, queryset, empty in (
            ("epic", product.epics.all(), _("All epics")),
            ("release", product.releases.all(), _("All releases")),
            ("label", product.labels.all(), _("All labels")),
            ("assignee", product.members(), _("Anyone")),
        ):
            model_choice_field(self, name).queryset = queryset
            model_choice_field(self, name).empty_label = empty

    def apply(self, stories: StoryQuerySet) -> StoryQuerySet:
        """The stories that pass every filter; invalid values are ignored, not an error."""
        data = self.cleaned_data if self.is_valid() else {}
        if text := data.get("q", "").strip():
            stories = stories.search(text)
        team = data.get("team")
        if team == NO_TEAM:
            stories = stories.filter(team__isnull=True)
        elif team and team.endswith(SLICE):
            stories = stories.filter(Q(team_id=int(team[:-1])) | Q(team__isnull=True))
        elif team and team != ALL_TEAMS:
            stories = stories.filter(team_id=int(team))
        for name in ("epic", "release", "assignee"):
            if data.get(name):
                stories = stories.filter(**{name: data[name]})
        if data.get("label"):
            stories = stories.filter(labels=data["label"])
        if data.get("kind"):
            stories = stories.filter(kind=data["kind"])
        if data.get("ready"):
            stories = stories.filter(ready=data["ready"] == "yes")
        if data.get("unestimated"):
            stories = stories.filter(points__isnull=True)
        return stories

    @property
    def active(self) -> bool:
        return self.is_valid() and any(
            self.cleaned_data.get(f) and self.cleaned_data.get(f) != ALL_TEAMS for f in self.fields
        )

    def team_id(self) -> int | None:
        team = self.cleaned_data.get("team") if self.is_valid() else None
        if not team or team in (NO_TEAM, ALL_TEAMS):
            return None
        return int(team.removesuffix(SLICE))


def seen_list(story: Story, query: str = "") -> StoryQuerySet:
    """The list a mover sees ``story`` in, where "position 3" is counted: its sprint's; or
    the product backlog as filtered by ``query`` (the backlog page's filters as applied,
    a PO's default slice included); without a query, the whole backlog."""
    within = Story.objects.list_of(story)
    if story.sprint_id is None and query:
        within = BacklogFilterForm(QueryDict(query), product=story.product).apply(within)
    return within
