"""The function a booking's write statement calls to refuse, so that a refusal writes nothing.

PostgreSQL only (the statement it serves is PostgreSQL's); nothing on other databases.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION appointments_booking_refused(why text) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'booking refused: ' || why;
END
$$
"""
DROP = "DROP FUNCTION IF EXISTS appointments_booking_refused(text)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0005_person_email_upper"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
