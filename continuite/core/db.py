"""Which database the project runs on: the one place the question is asked.

PostgreSQL runs the project's own SQL (data-modifying CTEs, arrays, percentiles, advisory
locks); any other database, like the embedded SQLite default, takes the portable path.
Migrations keep asking their own `schema_editor.connection.vendor`.
"""

from django.db import connection


def on_postgresql() -> bool:
    """Whether the default database is PostgreSQL (else the portable path, for SQLite)."""
    return connection.vendor == "postgresql"
