"""Campaign criteria and callers' languages become JSON lists, which SQLite (the embedded demo
database) stores too: on PostgreSQL, arrays created by an earlier 0002 are converted in place."""

from django.db import migrations, models

import continuite.outreach.models.campaigns

COLUMNS = (("outreach_callcampaign", "criteria"), ("outreach_callerprofile", "languages"))


def to_json(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite never had arrays.
    for table, column in COLUMNS:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT data_type FROM information_schema.columns"
                " WHERE table_name = %s AND column_name = %s",
                [table, column],
            )
            if cursor.fetchone()[0] != "ARRAY":
                continue  # created as JSON by 0002 since it changed
        schema_editor.execute(
            f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE jsonb USING to_jsonb("{column}")'
        )


def to_array(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for (table, column), size in zip(COLUMNS, (10, 40), strict=True):
        schema_editor.execute(
            f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE varchar({size})[]'
            f' USING ARRAY(SELECT jsonb_array_elements_text("{column}"))'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0002_campaigns"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(to_json, to_array)],
            state_operations=[
                migrations.AlterField(
                    model_name="callcampaign",
                    name="criteria",
                    field=models.JSONField(blank=True, default=list, verbose_name="criteria"),
                ),
                migrations.AlterField(
                    model_name="callerprofile",
                    name="languages",
                    field=models.JSONField(
                        default=continuite.outreach.models.campaigns.default_languages,
                        verbose_name="languages",
                    ),
                ),
            ],
        ),
    ]
