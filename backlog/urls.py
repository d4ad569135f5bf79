from __future__ import annotations

from django.urls import path

from backlog.views import backlog, research, roadmap, story, tasks, workflow

app_name = "backlog"
urlpatterns = [
    path("p/<slug:slug>/backlog/", backlog.backlog, name="backlog"),
    path("p/<slug:slug>/backlog/add/", backlog.quick_add, name="quick_add"),
    path("p/<slug:slug>/backlog/export.csv", backlog.export_csv, name="export_csv"),
    path("p/<slug:slug>/backlog/bulk/", backlog.bulk, name="bulk"),
    path("p/<slug:slug>/backlog/import/", backlog.import_csv, name="import_csv"),
    path("p/<slug:slug>/epics/", roadmap.epics, name="epics"),
    path("p/<slug:slug>/epics/<int:pk>/", roadmap.epic_detail, name="epic"),
    path("p/<slug:slug>/epics/<int:pk>/edit/", roadmap.epic_update, name="epic_update"),
    path("p/<slug:slug>/roadmap/", roadmap.roadmap_page, name="roadmap"),
    path("p/<slug:slug>/roadmap/forecast/", roadmap.forecast_help, name="forecast_help"),
    path("p/<slug:slug>/stories/new/", story.story_create, name="story_create"),
    path("p/<slug:slug>/stories/<int:pk>/", story.story_detail, name="story"),
    path("p/<slug:slug>/stories/<int:pk>/move/", story.story_move, name="story_move"),
    path("p/<slug:slug>/stories/<int:pk>/ready/", story.mark_ready, name="mark_ready"),
    path("p/<slug:slug>/stories/<int:pk>/labels/", story.label_add, name="story_label_add"),
    path(
        "p/<slug:slug>/stories/<int:pk>/labels/<int:label_pk>/remove/",
        story.label_remove,
        name="story_label_remove",
    ),
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
    path("p/<slug:slug>/research/", research.research, name="research"),
    path("p/<slug:slug>/research/<int:pk>/", research.insight_detail, name="insight"),
    path("p/<slug:slug>/research/<int:pk>/link/", research.insight_link, name="insight_link"),
    path("p/<slug:slug>/research/<int:pk>/unlink/", research.insight_unlink, name="insight_unlink"),
    # The workflow's statuses, under the product's settings.
    path("p/<slug:slug>/settings/statuses/", workflow.statuses, name="settings_statuses"),
    path("p/<slug:slug>/settings/statuses/<int:pk>/", workflow.status_edit, name="status_edit"),
    path(
        "p/<slug:slug>/settings/statuses/<int:pk>/move/", workflow.status_move, name="status_move"
    ),
    path(
        "p/<slug:slug>/settings/statuses/<int:pk>/delete/",
        workflow.status_delete,
        name="status_delete",
    ),
]
