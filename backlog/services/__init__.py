"""Every change to the backlog's data goes through a function of this package, by concept:
stories (and their ranks), epics (releases, labels), tasks, research (insights and
product updates). Import them from here: ``from backlog import services``."""

from __future__ import annotations

from backlog.services.common import EDITABLE_FIELDS, StaleEdit
from backlog.services.epics import (
    create_epic,
    create_label,
    create_release,
    update_epic,
)
from backlog.services.research import (
    INSIGHT_FIELDS,
    UPDATE_FIELDS,
    StaleVersion,
    create_insight,
    create_update,
    draft_release_notes,
    edit_update,
    link_insight,
    publish_update,
    unlink_insight,
    unpublish_update,
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

__all__ = [
    "BULK_ACTIONS", "EDITABLE_FIELDS", "INSIGHT_FIELDS", "REBALANCE_WINDOW", "UPDATE_FIELDS",
    "StaleEdit", "StaleVersion", "add_label", "add_task", "bulk_change", "create_epic",
    "create_insight", "create_label", "create_release", "create_story", "create_update",
    "delete_story", "delete_task", "draft_release_notes", "edit_update", "import_stories",
    "link_insight", "move_story", "move_task", "publish_update", "rebalance_around",
    "rebalance_if_long", "rebalance_ranks", "remove_label", "set_story_ready", "set_task_done",
    "unlink_insight", "unpublish_update", "update_epic", "update_insight", "update_story",
]  # fmt: skip
