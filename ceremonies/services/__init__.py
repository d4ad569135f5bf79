"""Every change to ceremonies, by concept: scheduling here (``scheduling.py``), minutes and
attendance (``minutes.py``), the calendar feed's address (``calendar.py``), the daily
meeting (``daily.py``), the retrospective (``retro.py``), the sprint review (``review.py``)
and planning poker (``estimation.py``). All are reached as ``ceremonies.services.<verb>``.
"""

from __future__ import annotations

from ceremonies.services.calendar import regenerate_calendar_token
from ceremonies.services.daily import (
    StaleEntry,
    daily_date,
    is_editable_today,
    set_daily_finished,
    write_daily_entry,
)
from ceremonies.services.estimation import (
    agree_round,
    cancel_round,
    cast_vote,
    open_round,
    reveal_round,
    revote,
)
from ceremonies.services.minutes import (
    end_ceremony,
    set_attendance,
    start_ceremony,
    update_ceremony_notes,
)
from ceremonies.services.retro import (
    add_retro_action,
    add_retro_card,
    convert_action_to_story,
    delete_retro_action,
    delete_retro_card,
    edit_retro_action,
    edit_retro_card,
    group_retro_card,
    reveal_retro_votes,
    set_retro_action_done,
    set_retro_votes,
    unvote_retro_card,
    vote_retro_card,
)
from ceremonies.services.review import (
    accept_story_in_review,
    add_review_feedback,
    convert_feedback_to_story,
    reject_story_in_review,
)
from ceremonies.services.scheduling import (
    StaleCeremony,
    cancel_ceremony,
    plan_for,
    reschedule_sprint_ceremonies,
    restore_ceremony,
    schedule_sprint_ceremonies,
    timebox_limit,
    update_ceremony,
    update_team_timeboxes,
)

# Scheduling, minutes and the calendar feed.
__all__ = [
    "StaleCeremony", "cancel_ceremony", "end_ceremony", "plan_for",
    "regenerate_calendar_token", "reschedule_sprint_ceremonies", "restore_ceremony",
    "schedule_sprint_ceremonies", "set_attendance", "start_ceremony", "timebox_limit",
    "update_ceremony", "update_ceremony_notes", "update_team_timeboxes",
]  # fmt: skip
# The daily meeting.
__all__ += [
    "StaleEntry", "daily_date", "is_editable_today", "set_daily_finished", "write_daily_entry",
]  # fmt: skip
# The retrospective and the sprint review.
__all__ += [
    "accept_story_in_review", "add_retro_action", "add_retro_card",
    "add_review_feedback", "convert_action_to_story", "convert_feedback_to_story",
    "delete_retro_action", "delete_retro_card", "edit_retro_action", "edit_retro_card",
    "group_retro_card", "reject_story_in_review", "reveal_retro_votes", "set_retro_action_done",
    "set_retro_votes", "unvote_retro_card", "vote_retro_card",
]  # fmt: skip
# Planning poker.
__all__ += [
    "agree_round", "cancel_round", "cast_vote", "open_round", "reveal_round", "revote",
]  # fmt: skip
