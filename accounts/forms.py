"""The profile's forms, and the password reset e-mail in the user's own language."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts import tasks
from accounts.models import AvatarColour, timezone_names

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def timezone_choices() -> list[tuple[str, StrOrPromise]]:
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
    """Writes each reset e-mail in its recipient's language, not the visitor's, and leaves
    it to the background worker (``accounts.tasks.send_password_reset``): the request
    doesn't wait for the mail server."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context["user"]
        standard = {"email", "domain", "site_name", "uid", "user", "token", "protocol"}
        task = partial(
            tasks.send_password_reset.enqueue,
            user.pk,
            language=getattr(user, "language", "") or translation.get_language(),
            domain=context["domain"],
            site_name=context["site_name"],
            protocol=context["protocol"],
            subject_template_name=subject_template_name,
            email_template_name=email_template_name,
            html_email_template_name=html_email_template_name,
            from_email=from_email,
            extra_context={k: v for k, v in context.items() if k not in standard} or None,
        )
        # After commit, as every task (core.tasks.enqueue_on_commit, which accounts, below
        # core, cannot import).
        transaction.on_commit(task)
