"""Date fields named by their kind: datetimes end in _at, dates in _on.

Each column is renamed in place (no data moves). Its indexes and constraints keep their
names and follow the column in the database (PostgreSQL and SQLite rename the column inside
them), so they are redeclared in the migration state only, not dropped and rebuilt.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("service_points", "0003_agent_presence")]

    operations = [
        migrations.RenameField(
            model_name="agentpresence",
            old_name="day",
            new_name="presence_on",
        ),
        migrations.AlterModelOptions(
            name="agentpresence",
            options={
                "ordering": ["presence_on", "agent_id"],
                "verbose_name": "agent presence",
                "verbose_name_plural": "agent presences",
            },
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(
                    model_name="agentpresence",
                    name="presence_once_a_day",
                ),
                migrations.AddConstraint(
                    model_name="agentpresence",
                    constraint=models.UniqueConstraint(
                        fields=("service_point", "presence_on", "agent"), name="presence_once_a_day"
                    ),
                ),
            ]
        ),
    ]
