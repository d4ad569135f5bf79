from __future__ import annotations

from django.urls import path

from backlog.views import backlog, roadmap, story, tasks

app_name = "backlog"
urlpatterns = [
    path("p/<slug:slug>/backlog/", backlog.backlog, name="backlog"),
    path("p/<slug:slug>/backlog/add/", backlog.quick_add, name="quick_add"),
    path("p/<slug:slug>/epics/", roadmap.epics, name="epics"),
    path("p/<slug:slug>/epics/<int:pk>/", roadmap.epic_detail, name="epic"),
    path("p/<slug:slug>/epics/<int:pk>/edit/", roadmap.epic_update, name="epic_update"),
    path("p/<slug:slug>/roadmap/", roadmap.roadmap_page, name="roadmap"),
    path("p/<slug:slug>/stories/new/", story.story_create, name="story_create"),
    path("p/<slug:slug>/stories/<int:pk>/", story.story_detail, name="story"),
    path("p/<slug:slug>/stories/<int:pk>/move/", story.story_move, name="story_move"),
    path("p/<slug:slug>/stories/<int:pk>/ready/", story.mark_ready, name="mark_ready"),
    path(
        "p/<slug:slug>/stories/<int:pk>/criteria/<int:index>/",
        story.toggle_criterion,
        name="toggle_criterion",
    ),
    path("p/<slug:slug>/stories/<int:pk>/tasks/", tasks.add, name="task_add"),
    path("p/<slug:slug>/stories/<int:pk>/tasks/<int:task_pk>/done/", tasks.tick, name="task_tick"),
    path("p/<slug:slug>/stories/<int:pk>/tasks/<int:task_pk>/move/", tasks.move, name="task_move"),
    path(
        "p/<slug:slug>/stories/<int:pk>/tasks/<int:task_pk>/delete/",
        tasks.delete,
        name="task_delete",
    ),
]
