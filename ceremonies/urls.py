from __future__ import annotations

from django.urls import path

from ceremonies.views import refinement

app_name = "ceremonies"
# Each concept's pages (calendar and ceremony, daily, retrospective, review, refinement)
# add their paths below, under p/<slug>/teams/<team_slug>/… or p/<slug>/ceremonies/<pk>/….
urlpatterns: list = []

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
