from __future__ import annotations

from django.urls import path

from sprints.views import (
    board,
    calendar,
    card,
    ceremony,
    closing,
    daily,
    impediments,
    planning,
    refinement,
    retro,
    review,
    sprint,
)

app_name = "sprints"
urlpatterns = [
    path("p/<slug:slug>/", sprint.product_overview, name="product_overview"),
    path("p/<slug:slug>/teams/<slug:team_slug>/", sprint.team_detail, name="team"),
    path(
        "p/<slug:slug>/teams/<slug:team_slug>/sprints/new/",
        sprint.sprint_create,
        name="sprint_create",
    ),
    path("p/<slug:slug>/teams/<slug:team_slug>/board/", board.board, name="board"),
    path(
        "p/<slug:slug>/teams/<slug:team_slug>/impediments/",
        impediments.impediments,
        name="impediments",
    ),
    path(
        "p/<slug:slug>/teams/<slug:team_slug>/impediments/<int:pk>/resolve/",
        impediments.impediment_resolve,
        name="team_impediment_resolve",
    ),
    path("p/<slug:slug>/sprints/<int:pk>/", sprint.sprint_detail, name="sprint"),
    path("p/<slug:slug>/sprints/<int:pk>/edit/", sprint.sprint_edit, name="sprint_edit"),
    path("p/<slug:slug>/sprints/<int:pk>/start/", sprint.sprint_start, name="sprint_start"),
    path("p/<slug:slug>/sprints/<int:pk>/close/", closing.sprint_close, name="sprint_close"),
    path("p/<slug:slug>/sprints/<int:pk>/plan/", planning.sprint_plan, name="sprint_plan"),
    path("p/<slug:slug>/sprints/<int:pk>/plan/goal/", planning.sprint_goal, name="sprint_goal"),
    path(
        "p/<slug:slug>/sprints/<int:pk>/plan/availability/",
        planning.sprint_availability,
        name="sprint_availability",
    ),
    path(
        "p/<slug:slug>/sprints/<int:pk>/stories/",
        planning.sprint_add_story,
        name="sprint_add_story",
    ),
    path(
        "p/<slug:slug>/sprints/<int:pk>/stories/<int:story_pk>/remove/",
        sprint.sprint_remove_story,
        name="sprint_remove_story",
    ),
    path(
        "p/<slug:slug>/stories/<int:pk>/impediments/",
        board.impediment_flag,
        name="impediment_flag",
    ),
    path("p/<slug:slug>/stories/<int:pk>/card/", card.card_panel, name="card"),
    path(
        "p/<slug:slug>/stories/<int:pk>/done-items/<int:item_pk>/",
        card.done_item_toggle,
        name="done_item",
    ),
    path("p/<slug:slug>/stories/<int:pk>/card/move/", card.card_move, name="card_move"),
    path("p/<slug:slug>/stories/<int:pk>/accept/", card.story_accept, name="story_accept"),
    path("p/<slug:slug>/stories/<int:pk>/reject/", card.story_reject, name="story_reject"),
    path(
        "p/<slug:slug>/impediments/<int:pk>/resolve/",
        board.impediment_resolve,
        name="impediment_resolve",
    ),
    # The Scrum events: calendar and ceremony, daily, retrospective, review, refinement.
    # The daily meeting.
    path("p/<slug:slug>/ceremonies/<int:pk>/daily/", daily.daily, name="daily"),
    path("p/<slug:slug>/ceremonies/<int:pk>/daily/entry/", daily.daily_entry, name="daily_entry"),
    path(
        "p/<slug:slug>/ceremonies/<int:pk>/daily/finished/",
        daily.daily_finished,
        name="daily_finished",
    ),
    path("p/<slug:slug>/teams/<slug:team_slug>/daily/", daily.daily_today, name="daily_today"),
]

# The retrospective.
RETRO = "p/<slug:slug>/ceremonies/<int:pk>/retro/"
urlpatterns += [
    path(RETRO, retro.retro, name="retro"),
    path(f"{RETRO}cards/", retro.retro_card_add, name="retro_card_add"),
    path(f"{RETRO}cards/<int:card_pk>/edit/", retro.retro_card_edit, name="retro_card_edit"),
    path(f"{RETRO}cards/<int:card_pk>/delete/", retro.retro_card_delete, name="retro_card_delete"),
    path(f"{RETRO}cards/<int:card_pk>/vote/", retro.retro_vote, name="retro_vote"),
    path(f"{RETRO}cards/<int:card_pk>/group/", retro.retro_group, name="retro_group"),
    path(f"{RETRO}votes/", retro.retro_votes, name="retro_votes"),
    path(f"{RETRO}actions/", retro.retro_action_add, name="retro_action_add"),
    path(
        f"{RETRO}actions/<int:action_pk>/edit/",
        retro.retro_action_edit,
        name="retro_action_edit",
    ),
    path(
        f"{RETRO}actions/<int:action_pk>/done/",
        retro.retro_action_done,
        name="retro_action_done",
    ),
    path(
        f"{RETRO}actions/<int:action_pk>/delete/",
        retro.retro_action_delete,
        name="retro_action_delete",
    ),
    path(
        f"{RETRO}actions/<int:action_pk>/story/",
        retro.retro_action_convert,
        name="retro_action_convert",
    ),
]

# The sprint review.
REVIEW = "p/<slug:slug>/ceremonies/<int:pk>/review/"
urlpatterns += [
    path(REVIEW, review.review, name="review"),
    path(f"{REVIEW}feedback/", review.review_feedback_add, name="review_feedback_add"),
    path(
        f"{REVIEW}feedback/<int:feedback_pk>/story/",
        review.review_feedback_convert,
        name="review_feedback_convert",
    ),
    path(
        f"{REVIEW}stories/<int:story_pk>/accept/",
        review.review_story_accept,
        name="review_story_accept",
    ),
    path(
        f"{REVIEW}stories/<int:story_pk>/reject/",
        review.review_story_reject,
        name="review_story_reject",
    ),
    path(f"{REVIEW}notes/", review.review_notes, name="review_notes"),
]

# The team calendar, its settings and feed; one ceremony's page, minutes and .ics.
urlpatterns += [
    path("p/<slug:slug>/teams/<slug:team_slug>/calendar/", calendar.calendar, name="calendar"),
    path(
        "p/<slug:slug>/teams/<slug:team_slug>/calendar/settings/",
        calendar.calendar_settings,
        name="calendar_settings",
    ),
    path(
        "p/<slug:slug>/teams/<slug:team_slug>/calendar/token/",
        calendar.calendar_token,
        name="calendar_token",
    ),
    path("calendar/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
    path("p/<slug:slug>/ceremonies/<int:pk>/", ceremony.ceremony_detail, name="ceremony"),
    path("p/<slug:slug>/ceremonies/<int:pk>/edit/", ceremony.ceremony_edit, name="ceremony_edit"),
    path(
        "p/<slug:slug>/ceremonies/<int:pk>/cancel/",
        ceremony.ceremony_cancel,
        name="ceremony_cancel",
    ),
    path(
        "p/<slug:slug>/ceremonies/<int:pk>/restore/",
        ceremony.ceremony_restore,
        name="ceremony_restore",
    ),
    path(
        "p/<slug:slug>/ceremonies/<int:pk>/start/", ceremony.ceremony_start, name="ceremony_start"
    ),
    path("p/<slug:slug>/ceremonies/<int:pk>/end/", ceremony.ceremony_end, name="ceremony_end"),
    path(
        "p/<slug:slug>/ceremonies/<int:pk>/attendance/",
        ceremony.ceremony_attendance,
        name="ceremony_attendance",
    ),
    path(
        "p/<slug:slug>/ceremonies/<int:pk>/notes/", ceremony.ceremony_notes, name="ceremony_notes"
    ),
    path("p/<slug:slug>/ceremonies/<int:pk>/ics/", ceremony.ceremony_ics, name="ceremony_ics"),
]

# Refinement and planning poker.
urlpatterns += [
    path(
        "p/<slug:slug>/teams/<slug:team_slug>/refinement/",
        refinement.refinement,
        name="refinement",
    ),
    path(
        "p/<slug:slug>/teams/<slug:team_slug>/refinement/estimate/",
        refinement.open_round,
        name="estimation_open",
    ),
    path(
        "p/<slug:slug>/teams/<slug:team_slug>/refinement/stories/<int:pk>/ready/",
        refinement.mark_ready,
        name="refinement_ready",
    ),
    path("p/<slug:slug>/estimation/<int:pk>/", refinement.round_detail, name="estimation_round"),
    path("p/<slug:slug>/estimation/<int:pk>/vote/", refinement.vote, name="estimation_vote"),
    path("p/<slug:slug>/estimation/<int:pk>/reveal/", refinement.reveal, name="estimation_reveal"),
    path("p/<slug:slug>/estimation/<int:pk>/revote/", refinement.revote, name="estimation_revote"),
    path("p/<slug:slug>/estimation/<int:pk>/agree/", refinement.agree, name="estimation_agree"),
    path("p/<slug:slug>/estimation/<int:pk>/cancel/", refinement.cancel, name="estimation_cancel"),
]
