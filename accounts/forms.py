"""The profile's forms, and the password reset e-mail in the user's own language."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import AvatarColour, timezone_names


def timezone_choices() -> list[tuple[str, str]]:
    return [("", _("The site's time zone")), *((z, z) for z in timezone_names())]


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    avatar_colour = forms.ChoiceField(
        label=_("Initials colour"),
        choices=[("", _("Default")), *AvatarColour.choices],
        required=False,
        widget=forms.RadioSelect,
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("The browser's")), *settings.LANGUAGES],
        required=False,
        help_text=_("Pages and e-mails."),
    )
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices, required=False)


class LocalizedPasswordResetForm(PasswordResetForm):
    """Writes each reset e-mail in its recipient's language, not the visitor's."""

    def send_mail(self, *args: Any, **kwargs: Any) -> None:
        context = kwargs.get("context") or args[2]
        language = getattr(context.get("user"), "language", "") or translation.get_language()
        with translation.override(language):
            super().send_mail(*args, **kwargs)
