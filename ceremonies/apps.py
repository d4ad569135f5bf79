from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CeremoniesConfig(AppConfig):
    name = "ceremonies"
    verbose_name = _("Ceremonies")

    def ready(self) -> None:
        # Sprints are created and moved by the sprints app, which can't import this one.
        from ceremonies import hooks

        hooks.register()
