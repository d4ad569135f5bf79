"""Rank keys move to the integer-plus-fraction scheme of backlog/ranks.py, whose appends
stay short. Existing keys (base-36 fractions) are replaced in their order."""

from __future__ import annotations

from django.db import migrations

from backlog import ranks


def rekey(apps, schema_editor):
    for model, scope in (("Story", "product_id"), ("Epic", "product_id"), ("Task", "story_id")):
        Model = apps.get_model("backlog", model)
        # order_by(scope): the default ordering (rank) would otherwise enter the DISTINCT.
        for owner in Model.objects.values_list(scope, flat=True).order_by(scope).distinct():
            rows = list(Model.objects.filter(**{scope: owner}).order_by("rank").only("id", "rank"))
            for row in rows:
                row.rank = f"~{row.pk}"
            Model.objects.bulk_update(rows, ["rank"], batch_size=500)
            for row, key in zip(rows, ranks.spread(len(rows)), strict=True):
                row.rank = key
            Model.objects.bulk_update(rows, ["rank"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("backlog", "0004_story_release")]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
