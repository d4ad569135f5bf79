"""Minutes of a ceremony: its start and end stamps, who was there, and its notes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from core import access, clock
from core.access import Capability
from core.concurrency import Stale, check_version
from products.models import Membership
from sprints.models import Ceremony
from sprints.services.scheduling import CURRENT, _ceremony_event, _write

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def start_ceremony(*, actor: User, ceremony: Ceremony) -> Ceremony:
    """Refuses those who may not schedule the team's ceremonies, cancelled ceremonies and
    one already started."""
    access.require(actor, Capability.SCHEDULE_CEREMONIES, ceremony)
    if ceremony.cancelled:
        raise ValidationError(_("A cancelled ceremony can't start."))
    if ceremony.started_at is not None:
        raise ValidationError(_("This ceremony has already started."))
    now = clock.now()
    try:
        # Conditional: of two facilitators pressing start at once, the second is told.
        _write(ceremony, None, where={"started_at__isnull": True}, started_at=now)
    except Stale as error:
        raise ValidationError(_("This ceremony has already started.")) from error
    _ceremony_event(actor, "ceremony.started", ceremony, {}, {"started_at": now.isoformat()})
    return ceremony


@transaction.atomic
def end_ceremony(*, actor: User, ceremony: Ceremony) -> Ceremony:
    """Refuses those who may not schedule the team's ceremonies, a ceremony not started and
    one already ended."""
    access.require(actor, Capability.SCHEDULE_CEREMONIES, ceremony)
    if ceremony.started_at is None:
        raise ValidationError(_("Start the ceremony before ending it."))
    if ceremony.ended_at is not None:
        raise ValidationError(_("This ceremony has already ended."))
    now = max(clock.now(), ceremony.started_at)
    try:
        _write(ceremony, None, where={"ended_at__isnull": True}, ended_at=now)
    except Stale as error:
        raise ValidationError(_("This ceremony has already ended.")) from error
    overrun = ceremony.overrun_minutes
    _ceremony_event(
        actor,
        "ceremony.ended",
        ceremony,
        {},
        {"ended_at": now.isoformat(), "overrun_minutes": overrun},
    )
    return ceremony


def attendable(ceremony: Ceremony) -> Q:
    """Who may be listed as there: the team's members and the product's PMs and
    stakeholders (who come to reviews)."""
    return Q(team_id=ceremony.team_id) | Q(product_id=ceremony.team.product_id, team__isnull=True)


@transaction.atomic
def set_attendance(*, actor: User, ceremony: Ceremony, user_ids: Iterable[int]) -> Ceremony:
    """Who was there, replacing the list. Refuses those who may not schedule the team's
    ceremonies and people who are not of the team or the product."""
    access.require(actor, Capability.SCHEDULE_CEREMONIES, ceremony)
    wanted = set(user_ids)
    allowed = set(
        Membership.objects.filter(attendable(ceremony), user_id__in=wanted).values_list(
            "user_id", flat=True
        )
    )
    if wanted - allowed:
        raise ValidationError({"attendees": _("Only the team and the product's people attend.")})
    before = set(ceremony.attendees.values_list("pk", flat=True))
    if before == wanted:
        return ceremony
    ceremony.attendees.set(wanted)
    _write(ceremony, None)
    _ceremony_event(
        actor,
        "ceremony.attendance_set",
        ceremony,
        {"attendees": sorted(before)},
        {"attendees": sorted(wanted)},
    )
    return ceremony


@transaction.atomic
def update_ceremony_notes(*, actor: User, ceremony: Ceremony, notes: str, version: int) -> Ceremony:
    """The minutes, in Markdown. Refuses those outside the team and a stale version."""
    access.require(actor, Capability.WRITE_DAILY, ceremony)
    notes = notes.strip()
    if notes == ceremony.notes:
        check_version(ceremony, version, current=CURRENT)
        return ceremony
    before = ceremony.notes
    _write(ceremony, version, notes=notes)
    _ceremony_event(actor, "ceremony.notes_updated", ceremony, {"notes": before}, {"notes": notes})
    return ceremony
