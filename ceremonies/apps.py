from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CeremoniesConfig(AppConfig):
    name = "ceremonies"
    verbose_name = _("Ceremonies")
