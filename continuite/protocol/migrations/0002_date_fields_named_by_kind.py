"""Date fields named by their kind: datetimes end in _at, dates in _on.

Each column is renamed in place (no data moves). Its indexes and constraints keep their
names and follow the column in the database (PostgreSQL and SQLite rename the column inside
them), so they are redeclared in the migration state only, not dropped and rebuilt.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("protocol", "0001_initial")]

    operations = [
        migrations.RenameField(
            model_name="rehomingrun",
            old_name="lease_until",
            new_name="lease_expires_at",
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name="rehomingrun",
                    name="rehoming_unfinished",
                ),
                migrations.AddIndex(
                    model_name="rehomingrun",
                    index=models.Index(
                        condition=models.Q(("status__in", ["queued", "running"])),
                        fields=["status", "lease_expires_at"],
                        name="rehoming_unfinished",
                    ),
                ),
            ]
        ),
    ]
