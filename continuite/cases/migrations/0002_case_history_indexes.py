"""Indexes for the forecast and the at-risk counts over millions of cases, per network.

The forecast counts, per service point, the cases a network received and decided over the last
8 weeks, and ranks its open cases point by point in deadline order; without these, each count
reads the whole table (2 s at 10 million cases). They cover the columns read, so PostgreSQL
answers from the index alone. Created concurrently on
PostgreSQL (no lock on writes to a large table); kept out of the models' state, as raw SQL.
"""

from django.db import migrations

INDEXES = {
    "case_received_by_network": (
        "cases_case (network_id, received_at, service_point_id, procedure_type_id)",
        "",
    ),
    "case_decided_by_network": (
        "cases_case (network_id, decided_at, service_point_id)",
        " WHERE decided_at IS NOT NULL",
    ),
    # Open cases of a network by deadline with their procedure type: the at-risk count of a
    # network (its threshold is the procedure type's warn_days) from the index alone.
    "case_open_by_network_risk": (
        "cases_case (network_id, deadline_at, procedure_type_id)",
        " WHERE status IN ('received', 'in_progress', 'waiting')",
    ),
    # Open cases of a network point by point in deadline order: the forecast's breach window.
    "case_open_by_network_point": (
        "cases_case (network_id, service_point_id, deadline_at, id, procedure_type_id)",
        " WHERE status IN ('received', 'in_progress', 'waiting')",
    ),
}


def create(apps, schema_editor):
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    for name, (columns, condition) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX{concurrently} IF NOT EXISTS {name} ON {columns}{condition}"
        )


def drop(apps, schema_editor):
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
