"""Date fields named by their kind: datetimes end in _at, dates in _on.

Each column is renamed in place (no data moves). Its indexes and constraints keep their
names and follow the column in the database (PostgreSQL and SQLite rename the column inside
them), so they are redeclared in the migration state only, not dropped and rebuilt.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_case_history_indexes")]

    operations = [
        migrations.RenameField(
            model_name="caseevent",
            old_name="deadline_after",
            new_name="new_deadline_at",
        ),
        migrations.RenameField(
            model_name="caseevent",
            old_name="at",
            new_name="occurred_at",
        ),
        migrations.RenameField(
            model_name="caseevent",
            old_name="deadline_before",
            new_name="previous_deadline_at",
        ),
        migrations.AlterModelOptions(
            name="caseevent",
            options={
                "ordering": ["occurred_at", "id"],
                "verbose_name": "case event",
                "verbose_name_plural": "case events",
            },
        ),
    ]
