"""The forms of the Scrum events' pages: the calendar's timeboxes, a ceremony and its
notes, the daily entry, the retrospective's cards, actions and votes, review feedback."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from backlog.models import Story
from core.fields import MARKDOWN_MAX_LENGTH, validate_day
from core.forms import model_choice_field
from products.models import Team
from sprints.models import Ceremony, RetroColumn
from sprints.services.retro import MAX_VOTES


class TimeboxForm(forms.Form):
    planning_minutes_per_week = forms.IntegerField(
        label=_("Sprint planning, minutes per sprint week"), help_text=_("At most 120.")
    )
    review_minutes_per_week = forms.IntegerField(
        label=_("Sprint review, minutes per sprint week"), help_text=_("At most 60.")
    )
    retro_minutes_per_week = forms.IntegerField(
        label=_("Retrospective, minutes per sprint week"), help_text=_("At most 45.")
    )
    refinement_minutes = forms.IntegerField(
        label=_("Backlog refinement, minutes per week"), help_text=_("At most 240.")
    )


class CeremonyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_day],
    )
    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1)
    location = forms.CharField(label=_("Location"), max_length=300, required=False)
    video_url = forms.URLField(
        label=_("Video link"), max_length=500, required=False, assume_scheme="https"
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def of(cls, ceremony: Ceremony) -> CeremonyForm:
        local = ceremony.starts_at.astimezone(ceremony.team.tzinfo)
        return cls(
            initial={
                "title": ceremony.title,
                "date": local.date(),
                "time": local.time().replace(second=0, microsecond=0),
                "duration_minutes": ceremony.duration_minutes,
                "location": ceremony.location,
                "video_url": ceremony.video_url,
                "version": ceremony.version,
            }
        )


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=MARKDOWN_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class DailyEntryForm(forms.Form):
    done = forms.CharField(
        label=_("Done since last time"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    doing = forms.CharField(
        label=_("Will do today"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    blockers = forms.CharField(
        label=_("Blockers"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("A blocker becomes an impediment of the team until someone resolves it."),
    )
    blocker_story = forms.ModelChoiceField(
        label=_("Story it blocks"),
        queryset=Story.objects.none(),
        required=False,
        empty_label=_("The whole team"),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, stories: list[Story], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = model_choice_field(self, "blocker_story")
        field.queryset = Story.objects.filter(pk__in=[s.pk for s in stories])
        # The choices from the list already loaded: no query when the page renders.
        field.choices = [("", field.empty_label), *((s.pk, s.title) for s in stories)]


class CardForm(forms.Form):
    column = forms.ChoiceField(choices=RetroColumn.choices, widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Card"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ActionForm(forms.Form):
    text = forms.CharField(
        label=_("Action"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("Nobody yet")
    )
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_day],
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "owner").queryset = team.members()


class VotesForm(forms.Form):
    votes_per_member = forms.IntegerField(
        label=_("Dots per member"), min_value=1, max_value=MAX_VOTES
    )


class FeedbackForm(forms.Form):
    text = forms.CharField(
        label=_("Your feedback"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    about = forms.ModelChoiceField(
        label=_("About a story"),
        queryset=Story.objects.none(),
        required=False,
        empty_label=_("The sprint as a whole"),
    )

    def __init__(self, *args: Any, ceremony: Ceremony, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Without a sprint, none: filter(sprint_id=None) would be every backlog story of
        # every product (IS NULL).
        model_choice_field(self, "about").queryset = (
            Story.objects.filter(sprint_id=ceremony.sprint_id)
            if ceremony.sprint_id is not None
            else Story.objects.none()
        )
