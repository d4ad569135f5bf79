# Each member gets their own feed address. The team-wide addresses were readable by every
# member and outlived those who left: they are revoked here (issue 15, item 7).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def revoke_team_addresses(apps, schema_editor):
    apps.get_model("sprints", "TeamCalendar").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sprints", "0002_card"),
        ("products", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(revoke_team_addresses, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="teamcalendar",
            name="team",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="calendar_feeds",
                to="products.team",
            ),
        ),
        migrations.AddField(
            model_name="teamcalendar",
            name="user",
            field=models.ForeignKey(
                default=None,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="calendar_feeds",
                to=settings.AUTH_USER_MODEL,
            ),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="teamcalendar",
            constraint=models.UniqueConstraint(
                fields=("team", "user"), name="sprints_calendar_one_per_member"
            ),
        ),
    ]
