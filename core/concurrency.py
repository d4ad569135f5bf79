"""No lost update: an edit names the version it was based on, and one conditional UPDATE
either writes it and bumps the version or refuses with the row as it is now.

Every editable model has a ``version`` column. Services call ``versioned_update`` (or
``check_version`` when nothing changed); pages and the API answer ``Stale`` with 409 and
``current`` (``config.api.exception_handler`` for the API; each page shows its form again
with the current values beside the user's own).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _


class Stale(Exception):
    """An edit based on an old version: nothing was written. ``current`` is the row now.

    The message comes from the model's ``stale_message`` when it has one."""

    def __init__(self, current: models.Model) -> None:
        message = getattr(current, "stale_message", None) or _(
            "Someone else changed this meanwhile."
        )
        super().__init__(str(message))
        self.current = current

    def current_as[M: models.Model](self, model: type[M]) -> M:
        """``current`` as the model the caller edited: ``except Stale`` cannot name it, so
        this checks it, for the type checker (a Card's row is a Story)."""
        if not isinstance(self.current, model):
            raise TypeError(f"Stale holds a {type(self.current).__name__}, not a {model.__name__}")
        return self.current


def _current[M: models.Model](obj: M, rows: QuerySet[M] | None) -> M:
    source = rows if rows is not None else type(obj)._default_manager.all()
    return source.get(pk=obj.pk)


def check_version[M: models.Model](
    obj: M, version: int | None, *, current: QuerySet[M] | None = None
) -> None:
    """Refuse when ``obj``'s row is no longer at ``version`` (None: the caller doesn't say)."""
    if version is None:
        return
    if not type(obj)._default_manager.filter(pk=obj.pk, version=version).exists():
        raise Stale(_current(obj, current))


def versioned_update[M: models.Model](
    obj: M,
    version: int | None,
    *,
    where: Mapping[str, Any] | None = None,
    current: QuerySet[M] | None = None,
    **values: Any,
) -> M:
    """``UPDATE … SET values, version = version + 1 WHERE pk AND version [AND where]``.

    Of two edits of the same version (or two writes that each need ``where`` to hold) the
    second is refused with ``Stale`` and the row as it is now (read from ``current`` when
    given, to load related rows). ``version`` None writes whatever the version is. The
    values and the new version are set on ``obj``."""
    model = type(obj)
    rows = model._default_manager.filter(pk=obj.pk, **(where or {}))
    if version is not None:
        rows = rows.filter(version=version)
    if not rows.update(**values, version=F("version") + 1):
        raise Stale(_current(obj, current))
    for name, value in values.items():
        setattr(obj, name, value)
    if version is not None:
        obj.version = version + 1  # type: ignore[attr-defined]  # a versioned model's field
    else:
        obj.version = (  # type: ignore[attr-defined]  # a versioned model's field
            model._default_manager.values_list("version", flat=True).get(pk=obj.pk)
        )
    return obj
