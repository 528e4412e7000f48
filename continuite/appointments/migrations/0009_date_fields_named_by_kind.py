"""Date fields named by their kind: datetimes end in _at, dates in _on.

Each column is renamed in place (no data moves). Its indexes and constraints keep their
names and follow the column in the database (PostgreSQL and SQLite rename the column inside
them), so they are redeclared in the migration state only, not dropped and rebuilt.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("appointments", "0008_merge_contacts_and_phone_codes")]

    operations = [
        migrations.RenameField(
            model_name="appointmentevent",
            old_name="at",
            new_name="occurred_at",
        ),
        migrations.RenameField(
            model_name="callbackattempt",
            old_name="at",
            new_name="called_at",
        ),
        migrations.RenameField(
            model_name="openingrange",
            old_name="valid_until",
            new_name="ends_on",
        ),
        migrations.RenameField(
            model_name="openingrange",
            old_name="valid_from",
            new_name="starts_on",
        ),
        migrations.RenameField(
            model_name="queueticket",
            old_name="service_day",
            new_name="issued_on",
        ),
        migrations.AlterModelOptions(
            name="appointmentevent",
            options={
                "ordering": ["occurred_at", "id"],
                "verbose_name": "appointment event",
                "verbose_name_plural": "appointment events",
            },
        ),
        migrations.AlterModelOptions(
            name="callbackattempt",
            options={
                "ordering": ["called_at", "id"],
                "verbose_name": "call-back attempt",
                "verbose_name_plural": "call-back attempts",
            },
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(
                    model_name="openingrange",
                    name="opening_range_validity",
                ),
                migrations.RemoveConstraint(
                    model_name="queueticket",
                    name="queue_ticket_number",
                ),
                migrations.AddConstraint(
                    model_name="openingrange",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("ends_on__isnull", True),
                            ("ends_on__gte", models.F("starts_on")),
                            _connector="OR",
                        ),
                        name="opening_range_validity",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="queueticket",
                    constraint=models.UniqueConstraint(
                        fields=("service_point", "issued_on", "number"), name="queue_ticket_number"
                    ),
                ),
            ]
        ),
    ]
