"""Every change to sprints and their events, by concept: a sprint's life, its stories and
impediments (``sprint.py``), the members' days off (``planning.py``), the Definition of
Done and acceptance (``acceptance.py``), scheduling ceremonies (``scheduling.py``), their
minutes and attendance (``minutes.py``), the calendar feed's address (``calendar.py``),
the daily meeting (``daily.py``), the retrospective (``retro.py``), the sprint review
(``review.py``) and planning poker (``estimation.py``). All are reached as
``sprints.services.<verb>``.
"""

from __future__ import annotations

from sprints.services.acceptance import (
    accept_story,
    move_card,
    reject_story,
    tick_done_item,
    untick_done_item,
)
from sprints.services.calendar import regenerate_calendar_token
from sprints.services.daily import (
    daily_date,
    is_editable_today,
    set_daily_finished,
    write_daily_entry,
)
from sprints.services.estimation import (
    agree_round,
    cancel_round,
    cast_vote,
    open_round,
    reveal_round,
    revote,
)
from sprints.services.minutes import (
    end_ceremony,
    set_attendance,
    start_ceremony,
    update_ceremony_notes,
)
from sprints.services.planning import (
    NOT_ESTIMATED,
    NOT_READY,
    plan_story,
    planning_warnings,
    set_days_off,
)
from sprints.services.retro import (
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
from sprints.services.review import (
    accept_story_in_review,
    add_review_feedback,
    convert_feedback_to_story,
    reject_story_in_review,
)
from sprints.services.scheduling import (
    cancel_ceremony,
    plan_for,
    reschedule_sprint_ceremonies,
    restore_ceremony,
    schedule_sprint_ceremonies,
    timebox_limit,
    update_ceremony,
    update_team_timeboxes,
)
from sprints.services.sprint import (
    add_story_to_sprint,
    check_dates,
    close_sprint,
    create_sprint,
    flag_impediment,
    remove_story_from_sprint,
    resolve_impediment,
    reword_impediment,
    start_sprint,
    suggest_next,
    team_today,
    update_sprint,
)

# A sprint's life, its stories, impediments, days off, Definition of Done and acceptance.
__all__ = [
    "accept_story", "add_story_to_sprint", "check_dates", "close_sprint", "create_sprint",
    "flag_impediment", "reject_story", "remove_story_from_sprint", "resolve_impediment",
    "reword_impediment", "set_days_off", "start_sprint", "suggest_next", "team_today",
    "tick_done_item", "untick_done_item", "update_sprint", "move_card",
]  # fmt: skip
# Scheduling, minutes and the calendar feed.
__all__ += [
    "cancel_ceremony", "end_ceremony", "plan_for",
    "regenerate_calendar_token", "reschedule_sprint_ceremonies", "restore_ceremony",
    "schedule_sprint_ceremonies", "set_attendance", "start_ceremony", "timebox_limit",
    "update_ceremony", "update_ceremony_notes", "update_team_timeboxes",
]  # fmt: skip
# The daily meeting.
__all__ += [
    "daily_date", "is_editable_today", "set_daily_finished", "write_daily_entry",
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
# Planning a story into a sprint, held to the Definition of Ready.
__all__ += ["NOT_ESTIMATED", "NOT_READY", "plan_story", "planning_warnings"]
