"""Campaign criteria and callers' languages become JSON lists, which SQLite (the embedded demo
database) stores too; on PostgreSQL the arrays are converted in place."""

from django.db import migrations, models

import continuite.outreach.models.campaigns

COLUMNS = (("outreach_callcampaign", "criteria"), ("outreach_callerprofile", "languages"))


def to_json(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite keeps any value in any column; no array could be stored there.
    for table, column in COLUMNS:
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
