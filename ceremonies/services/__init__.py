"""Every change to ceremonies, by concept: scheduling here (``scheduling.py``), the daily
meeting (``daily.py``), the retrospective (``retro.py``), the sprint review (``review.py``)
and planning poker (``estimation.py``). All are reached as ``ceremonies.services.<verb>``.
"""

from __future__ import annotations

from ceremonies.services.daily import (
    StaleEntry,
    daily_date,
    is_editable_today,
    set_daily_finished,
    write_daily_entry,
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
    StaleNotes,
    accept_story_in_review,
    add_review_feedback,
    convert_feedback_to_story,
    reject_story_in_review,
    update_ceremony_notes,
)
from ceremonies.services.scheduling import plan_for, schedule_sprint_ceremonies

# Scheduling.
__all__ = ["plan_for", "schedule_sprint_ceremonies"]
# The daily meeting.
__all__ += [
    "StaleEntry", "daily_date", "is_editable_today", "set_daily_finished", "write_daily_entry",
]  # fmt: skip
# The retrospective and the sprint review.
__all__ += [
    "StaleNotes", "accept_story_in_review", "add_retro_action", "add_retro_card",
    "add_review_feedback", "convert_action_to_story", "convert_feedback_to_story",
    "delete_retro_action", "delete_retro_card", "edit_retro_action", "edit_retro_card",
    "group_retro_card", "reject_story_in_review", "reveal_retro_votes", "set_retro_action_done",
    "set_retro_votes", "unvote_retro_card", "update_ceremony_notes", "vote_retro_card",
]  # fmt: skip
