"""The daily meeting: each member's entry, their "I'm done", and the blockers it raises."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backlog.models import Story
from core import access, clock, events
from core.access import Capability
from core.concurrency import check_version, versioned_update
from sprints import services as sprints
from sprints.models import Ceremony, CeremonyKind, DailyEntry, Impediment

if TYPE_CHECKING:
    from accounts.models import User


def daily_date(ceremony: Ceremony) -> dt.date:
    """The day of the meeting in its team's time zone."""
    return timezone.localdate(ceremony.starts_at, ceremony.team.tzinfo)


def is_editable_today(ceremony: Ceremony) -> bool:
    """Entries are written on the meeting's day only: past dailies are read-only."""
    return (
        ceremony.kind == CeremonyKind.DAILY
        and not ceremony.cancelled
        and daily_date(ceremony) == sprints.team_today(ceremony.team)
    )


def _check_writable(actor: User, ceremony: Ceremony) -> None:
    access.require(actor, Capability.WRITE_DAILY, ceremony)
    if ceremony.kind != CeremonyKind.DAILY:
        raise ValidationError(_("Only a daily meeting takes daily entries."))
    if ceremony.cancelled:
        raise ValidationError(_("This daily meeting was cancelled."))
    if daily_date(ceremony) != sprints.team_today(ceremony.team):
        raise ValidationError(
            _("Entries are written on the day of the meeting; this daily is read-only.")
        )


def _entry_snapshot(entry: DailyEntry) -> dict[str, object]:
    return {
        "done": entry.done,
        "doing": entry.doing,
        "blockers": entry.blockers,
        "finished": entry.finished,
    }


@transaction.atomic
def write_daily_entry(
    *,
    actor: User,
    ceremony: Ceremony,
    done: str,
    doing: str,
    blockers: str,
    blocker_story: Story | None = None,
    version: int | None = None,
) -> DailyEntry:
    """Refuses anyone outside the team, a ceremony that isn't a daily, any day but the
    meeting's, a story outside the meeting's sprint and a stale ``version`` (``Stale``).

    A blocker raises an impediment owned by the author, raised in this daily; editing the
    blocker rewords that impediment while it is open (a resolved one stays as it was, and
    a new blocker raises a new one)."""
    _check_writable(actor, ceremony)
    if blocker_story is not None and (
        ceremony.sprint_id is None or blocker_story.sprint_id != ceremony.sprint_id
    ):
        raise ValidationError({"blocker_story": _("Choose a story of this sprint.")})
    if blocker_story is not None and not blockers.strip():
        raise ValidationError({"blockers": _("Say what blocks the story.")})
    entry = DailyEntry.objects.select_for_update().filter(ceremony=ceremony, author=actor).first()
    now = clock.now()
    new = entry is None
    if entry is None:
        entry = DailyEntry(ceremony=ceremony, author=actor, created_at=now)
        before: dict[str, object] = {}
    else:
        before = _entry_snapshot(entry)
    texts = {"done": done.strip(), "doing": doing.strip(), "blockers": blockers.strip()}
    changed = new or any(getattr(entry, k) != v for k, v in texts.items())
    if new:
        entry.done, entry.doing, entry.blockers = texts["done"], texts["doing"], texts["blockers"]
        entry.updated_at = now
        entry.save()
    elif changed:
        versioned_update(
            entry,
            version,
            done=texts["done"],
            doing=texts["doing"],
            blockers=texts["blockers"],
            updated_at=now,
        )
    else:
        check_version(entry, version)
    after = _entry_snapshot(entry)
    # Even an unchanged text may now name another story: the impediment follows.
    impediment = _raise_blocker(actor, ceremony, entry, blocker_story)
    if changed:
        if impediment is not None:
            after["impediment"] = impediment.pk
        events.record(
            entry,
            "daily.entry_written",
            actor=actor,
            before=before,
            after=after,
        )
    return entry


def _raise_blocker(
    actor: User, ceremony: Ceremony, entry: DailyEntry, story: Story | None
) -> Impediment | None:
    """The author's open impediment from this daily, created or reworded to the blocker."""
    if not entry.blockers:
        return None
    raised = (
        Impediment.objects.open()
        .filter(raised_in=ceremony, owner=actor)
        .select_related("team")
        .order_by("-opened_at", "-id")
        .first()
    )
    if raised is not None:
        return sprints.reword_impediment(
            actor=actor, impediment=raised, reason=entry.blockers, story=story
        )
    return sprints.flag_impediment(
        actor=actor,
        story=story,
        team=ceremony.team,
        sprint=ceremony.sprint,
        reason=entry.blockers,
        owner=actor,
        raised_in=ceremony,
    )


@transaction.atomic
def set_daily_finished(*, actor: User, ceremony: Ceremony, finished: bool) -> DailyEntry:
    """Refuses as write_daily_entry does. A member who has not written yet gets an empty
    entry marked done (they had nothing to say)."""
    _check_writable(actor, ceremony)
    now = clock.now()
    entry, created = DailyEntry.objects.select_for_update().get_or_create(
        ceremony=ceremony, author=actor, defaults={"created_at": now, "updated_at": now}
    )
    if entry.finished == finished and not created:
        return entry
    entry.finished = finished
    entry.updated_at = now
    if not created:
        entry.version += 1
    entry.save(update_fields=["finished", "updated_at", "version"])
    events.record(
        entry,
        "daily.finished" if finished else "daily.unfinished",
        actor=actor,
        before={"finished": not finished},
        after={"finished": finished},
    )
    return entry
