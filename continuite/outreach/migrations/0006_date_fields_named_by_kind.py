"""Date fields named by their kind: datetimes end in _at, dates in _on.

Each column is renamed in place (no data moves). Its indexes and constraints keep their
names and follow the column in the database (PostgreSQL and SQLite rename the column inside
them), so they are redeclared in the migration state only, not dropped and rebuilt.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("outreach", "0005_match_requests_between_registers")]

    operations = [
        migrations.RenameField(
            model_name="call",
            old_name="reserved_until",
            new_name="reservation_ends_at",
        ),
        migrations.RenameField(
            model_name="callattempt",
            old_name="at",
            new_name="called_at",
        ),
        migrations.RenameField(
            model_name="reach",
            old_name="since",
            new_name="due_at",
        ),
        migrations.RenameField(
            model_name="registeredperson",
            old_name="date_of_birth",
            new_name="born_on",
        ),
        migrations.RenameField(
            model_name="registeredperson",
            old_name="purge_after",
            new_name="purge_due_on",
        ),
        migrations.AlterModelOptions(
            name="callattempt",
            options={
                "ordering": ["called_at", "pk"],
                "verbose_name": "call attempt",
                "verbose_name_plural": "call attempts",
            },
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(
                    model_name="call",
                    name="call_reservation",
                ),
                migrations.RemoveConstraint(
                    model_name="registeredperson",
                    name="registered_person_identified_until_purged",
                ),
                migrations.RemoveConstraint(
                    model_name="registeredperson",
                    name="registered_person_purge_when_ended",
                ),
                migrations.RemoveIndex(
                    model_name="call",
                    name="call_reservation_ends",
                ),
                migrations.RemoveIndex(
                    model_name="reach",
                    name="reach_campaign_commune",
                ),
                migrations.RemoveIndex(
                    model_name="registeredperson",
                    name="registered_person_phone",
                ),
                migrations.AddIndex(
                    model_name="call",
                    index=models.Index(
                        condition=models.Q(("reservation_ends_at__isnull", False)),
                        fields=["reservation_ends_at"],
                        name="call_reservation_ends",
                    ),
                ),
                migrations.AddIndex(
                    model_name="reach",
                    index=models.Index(
                        fields=["campaign", "commune"],
                        include=("due_at", "reached_at"),
                        name="reach_campaign_commune",
                    ),
                ),
                migrations.AddIndex(
                    model_name="registeredperson",
                    index=models.Index(fields=["born_on", "phone"], name="registered_person_phone"),
                ),
                migrations.AddConstraint(
                    model_name="call",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("reservation_ends_at__isnull", True), ("reserved_by__isnull", True)
                            ),
                            models.Q(
                                ("reservation_ends_at__isnull", False),
                                ("reserved_by__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="call_reservation",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="registeredperson",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("purged_on__isnull", False),
                            models.Q(
                                ("born_on__isnull", False),
                                ("consent_on__isnull", False),
                                models.Q(("last_name", ""), _negated=True),
                                models.Q(("consent_form", ""), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="registered_person_identified_until_purged",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="registeredperson",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("purge_due_on__isnull", True),
                                ("purged_on__isnull", True),
                                ("status", "active"),
                            ),
                            models.Q(
                                models.Q(("status", "active"), _negated=True),
                                ("purge_due_on__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="registered_person_purge_when_ended",
                    ),
                ),
            ]
        ),
    ]
