"""Background work: what every app's tasks.py stands on.

A task is a module-level function in the app that owns the work (``backlog/tasks.py``,
``products/tasks.py``), decorated with ``@task`` from ``django.tasks``. It takes plain,
JSON-serialisable arguments (ids and strings, never model instances: the database
backend stores them as JSON and the worker reads the rows again in its own time). A
service enqueues it with ``enqueue_on_commit``, so a rolled-back transaction sends and
runs nothing, and the worker never looks for rows that aren't committed yet.

Which backend runs tasks is ``settings.TASKS``: the database (``django_tasks_db``, run by
``manage.py db_worker``) in development and production, the ImmediateBackend in tests.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.tasks import Task, TaskContext, TaskResult
from django_tasks_db.backend import DatabaseBackend


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Enqueue ``task(*args, **kwargs)`` once the current transaction commits (at once
    outside one); nothing is enqueued if it rolls back."""
    transaction.on_commit(partial(task.enqueue, *args, **kwargs))


def forget_arguments(context: TaskContext) -> None:
    """Blank the stored arguments of the running task once they have served.

    For a task whose arguments hold a secret (an invitation link): the database keeps only
    hashes of such secrets, and the task table must not become a copy of them. A task that
    fails keeps its arguments, so it can be looked at and run again."""
    # Imported here: this module is imported while the apps load, before models may be.
    from django_tasks_db.models import DBTaskResult

    result: TaskResult = context.task_result
    if isinstance(result.task.get_backend(), DatabaseBackend):
        DBTaskResult.objects.filter(pk=result.id).update(args_kwargs={"args": [], "kwargs": {}})
