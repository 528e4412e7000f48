"""Date fields named by their kind: datetimes end in _at, dates in _on.

Each column is renamed in place (no data moves). Its indexes and constraints keep their
names and follow the column in the database (PostgreSQL and SQLite rename the column inside
them), so they are redeclared in the migration state only, not dropped and rebuilt.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_invitation")]

    operations = [
        migrations.RenameField(
            model_name="auditlog",
            old_name="at",
            new_name="occurred_at",
        ),
        migrations.AlterModelOptions(
            name="auditlog",
            options={
                "ordering": ["-occurred_at", "-id"],
                "verbose_name": "audit log entry",
                "verbose_name_plural": "audit log",
            },
        ),
    ]
