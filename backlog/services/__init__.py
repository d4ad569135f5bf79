"""Every change to the backlog's data goes through a function of this package, by concept:
stories (and their ranks), epics (releases, labels), tasks, research insights, and the
statuses that hold stories (``workflow.py``). Import them from here:
``from backlog import services``."""

from __future__ import annotations

from backlog.services.common import EDITABLE_FIELDS
from backlog.services.epics import (
    create_epic,
    create_label,
    create_release,
    update_epic,
)
from backlog.services.research import (
    INSIGHT_FIELDS,
    create_insight,
    link_insight,
    unlink_insight,
    update_insight,
)
from backlog.services.stories import (
    BULK_ACTIONS,
    REBALANCE_WINDOW,
    add_label,
    bulk_change,
    create_story,
    delete_story,
    import_stories,
    move_story,
    rebalance_around,
    rebalance_if_long,
    rebalance_ranks,
    remove_label,
    set_story_ready,
    update_story,
)
from backlog.services.tasks import add_task, delete_task, move_task, set_task_done
from backlog.services.workflow import delete_status

__all__ = [
    "BULK_ACTIONS", "EDITABLE_FIELDS", "INSIGHT_FIELDS", "REBALANCE_WINDOW",
    "add_label", "add_task", "bulk_change", "create_epic", "create_insight",
    "create_label", "create_release", "create_story", "delete_status", "delete_story",
    "delete_task", "import_stories", "link_insight", "move_story", "move_task",
    "rebalance_around", "rebalance_if_long", "rebalance_ranks", "remove_label",
    "set_story_ready", "set_task_done", "unlink_insight", "update_epic", "update_insight",
    "update_story",
]  # fmt: skip
