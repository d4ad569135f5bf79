from __future__ import annotations

from django.urls import path

from sprints.views import board, card, closing, impediments, planning, sprint

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
        "p/<slug:slug>/sprints/<int:pk>/stories/", sprint.sprint_add_story, name="sprint_add_story"
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
    path("p/<slug:slug>/stories/<int:pk>/accept/", card.story_accept, name="story_accept"),
    path("p/<slug:slug>/stories/<int:pk>/reject/", card.story_reject, name="story_reject"),
    path(
        "p/<slug:slug>/impediments/<int:pk>/resolve/",
        board.impediment_resolve,
        name="impediment_resolve",
    ),
]
