"""Forms of the settings pages: they parse and validate; the services in
products/services.py, products/workflow.py and products/invitations.py write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import timezone_names
from core.access import PRODUCT_ROLES, Role
from core.forms import model_choice_field
from products.models import (
    DEFAULT_TSHIRT_POINTS,
    ChecklistRule,
    EstimationScale,
    Product,
    ReadinessRule,
    Status,
    StatusCategory,
    Team,
)

WEEKDAYS = [
    (1, _("Monday")),
    (2, _("Tuesday")),
    (3, _("Wednesday")),
    (4, _("Thursday")),
    (5, _("Friday")),
    (6, _("Saturday")),
    (7, _("Sunday")),
]


def timezone_choices() -> list[tuple[str, str]]:
    return [(z, z) for z in timezone_names()]


class ProductSettingsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.SlugField(
        label=_("Address"), max_length=60, help_text=_("Used in the product's links: /p/<slug>/.")
    )
    estimation_scale = forms.ChoiceField(
        label=_("Estimation scale"), choices=EstimationScale.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, product: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        points = product.tshirt_points or DEFAULT_TSHIRT_POINTS
        for size, default in DEFAULT_TSHIRT_POINTS.items():
            self.fields[f"tshirt_{size}"] = forms.IntegerField(
                label=size, min_value=1, max_value=100, initial=points.get(size, default)
            )

    def tshirt_fields(self) -> list[forms.BoundField]:
        return [self[f"tshirt_{size}"] for size in DEFAULT_TSHIRT_POINTS]

    def tshirt_points(self) -> dict[str, int]:
        return {size: self.cleaned_data[f"tshirt_{size}"] for size in DEFAULT_TSHIRT_POINTS}


class NewProductForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.SlugField(label=_("Address"), max_length=60)
    pm_email = forms.EmailField(
        label=_("Its Product Manager's e-mail"),
        help_text=_("An existing account becomes the PM at once; anyone else is invited."),
    )
    language = forms.ChoiceField(
        label=_("Language of the invitation"), choices=settings.LANGUAGES, required=False
    )


class StatusForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    category = forms.ChoiceField(label=_("Category"), choices=StatusCategory.choices)
    wip_limit = forms.IntegerField(label=_("WIP limit"), min_value=1, max_value=999, required=False)


class DeleteStatusForm(forms.Form):
    move_to = forms.ModelChoiceField(
        label=_("Move its stories to"), queryset=Status.objects.none(), required=False
    )

    def __init__(self, *args: Any, status: Status, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = model_choice_field(self, "move_to")
        field.queryset = Status.objects.filter(product_id=status.product_id).exclude(pk=status.pk)


class ChecklistItemForm(forms.Form):
    text = forms.CharField(label=_("Item"), max_length=200)
    rule = forms.ChoiceField(label=_("Checked"), choices=ChecklistRule.choices, required=False)


class ReadinessRuleForm(forms.Form):
    readiness_rule = forms.ChoiceField(
        label=_("When a story misses items"),
        choices=ReadinessRule.choices,
        widget=forms.RadioSelect,
    )


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.SlugField(label=_("Address"), max_length=60)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)
    daily_time = forms.TimeField(
        label=_("Daily meeting time"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    working_days = forms.TypedMultipleChoiceField(
        label=_("Working days"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    sprint_weeks = forms.TypedChoiceField(
        label=_("Usual sprint length"),
        choices=[(2, _("2 weeks")), (3, _("3 weeks")), (4, _("4 weeks"))],
        coerce=int,
    )

    @classmethod
    def for_team(cls, team: Team, data: Any = None) -> TeamForm:
        initial = {
            f: getattr(team, f)
            for f in ("name", "slug", "timezone", "daily_time", "working_days", "sprint_weeks")
        }
        return cls(data, initial=initial)


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.DEVELOPER)
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("None: a product-level role"),
        help_text=_("For a Product Owner, Scrum Master or Developer."),
    )
    language = forms.ChoiceField(
        label=_("Language of the e-mail"),
        choices=[("", _("Theirs if they have an account, else the site's")), *settings.LANGUAGES],
        required=False,
    )

    def __init__(self, *args: Any, product: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "team").queryset = product.teams.filter(archived_at__isnull=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role, team = data.get("role"), data.get("team")
        if role and (Role(role) in PRODUCT_ROLES) != (team is None):
            self.add_error(
                "team",
                _("Choose a team for a Product Owner, Scrum Master or Developer, none otherwise."),
            )
        return data


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


# A passphrase fits; a megabyte sent to be hashed does not.
PASSWORD_MAX_LENGTH = 1024


class AcceptForm(forms.Form):
    """A new account from an invitation: the e-mail is the invitation's."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        help_text=_("Letters, digits and @ . + - _ only; you sign in with it."),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data
