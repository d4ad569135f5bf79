"""Rank keys sort byte by byte (backlog/ranks.py). PostgreSQL's default collation may sort
by locale rules, so its rank columns get the "C" collation; SQLite already compares
bytes."""

from __future__ import annotations

from django.db import migrations

TABLES = ("backlog_story", "backlog_epic", "backlog_task")


def to_c(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f'ALTER TABLE "{table}" ALTER COLUMN "rank" TYPE varchar(255) COLLATE "C"'
        )


def to_default(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f'ALTER TABLE "{table}" ALTER COLUMN "rank" TYPE varchar(255) COLLATE "default"'
        )


class Migration(migrations.Migration):
    dependencies = [("backlog", "0001_initial")]

    operations = [migrations.RunPython(to_c, to_default)]
