"""A team runs one sprint at a time: on PostgreSQL, an exclusion constraint refuses two
sprints of a team that share a day, whatever their state (closed sprints happened, their
days stay taken). Dates are inclusive, hence the '[]' range. SQLite has no exclusion
constraints: there the service's check (sprints.services.sprint.check_no_overlap) and its
row lock on the team are the guard.

The constraint isn't in Sprint.Meta because an ExclusionConstraint there would be created
on SQLite too."""

from __future__ import annotations

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

NAME = "backlog_sprint_no_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.team_id, a.name, b.name FROM backlog_sprint a JOIN backlog_sprint b"
            " ON a.team_id = b.team_id AND a.id < b.id"
            " AND a.start_date <= b.end_date AND b.start_date <= a.end_date"
            " ORDER BY a.team_id, a.start_date LIMIT 20"
        )
        clashes = cursor.fetchall()
    if clashes:
        listed = "; ".join(f"team {team}: {a} and {b}" for team, a, b in clashes)
        raise RuntimeError(
            f"Sprints of a team overlap, change their dates before migrating: {listed}"
        )
    schema_editor.execute(
        f'ALTER TABLE "backlog_sprint" ADD CONSTRAINT "{NAME}" EXCLUDE USING gist'
        ' ("team_id" WITH =, daterange("start_date", "end_date", \'[]\') WITH &&)'
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'ALTER TABLE "backlog_sprint" DROP CONSTRAINT IF EXISTS "{NAME}"')


class Migration(migrations.Migration):
    dependencies = [("backlog", "0003_dates_in_range")]

    operations = [
        # btree_gist lets a gist index compare team_id with "=" beside the date range.
        BtreeGistExtension(),
        migrations.RunPython(add_constraint, drop_constraint),
    ]
