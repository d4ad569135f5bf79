"""The forms of product updates and of the release notes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backlog.models import Release, Sprint
from changelog.models import ProductUpdate
from core.forms import model_choice_field
from products.models import Product


def sprints_of(product: Product) -> QuerySet[Sprint]:
    return (
        Sprint.objects.filter(team__product=product)
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
        model_choice_field(self, "sprint").queryset = sprints_of(product)
        model_choice_field(self, "sprint").empty_label = _("Choose a sprint")
        model_choice_field(self, "release").queryset = product.releases.all()
        model_choice_field(self, "release").empty_label = _("Choose a release")
        self.fields["sprint"].error_messages["invalid_choice"] = _(
            "Choose a sprint of this product."
        )
        self.fields["release"].error_messages["invalid_choice"] = _(
            "Choose a release of this product."
        )

    def clean(self) -> dict[str, Any]:
        super().clean()  # returns self.cleaned_data, which the stubs call Optional
        data = self.cleaned_data
        if bool(data.get("sprint")) == bool(data.get("release")):
            raise forms.ValidationError(_("Choose a sprint or a release."))
        return data
