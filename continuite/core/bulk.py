"""Updating thousands of rows with different values in one statement per batch.

Django's `bulk_update` writes a CASE WHEN per row and field, which grows slow to build and to
plan beyond a few hundred rows. `UPDATE ... FROM (VALUES ...)` joins the new values instead;
PostgreSQL and SQLite (3.33 and later) both accept it, and both name the columns of a VALUES
list column1, column2...
"""

from collections.abc import Iterable, Sequence

from django.db import connection, models


def _values(rows: Sequence[tuple]) -> tuple[str, list]:
    width = len(rows[0])
    row = "(" + ", ".join(["%s"] * width) + ")"
    return ", ".join([row] * len(rows)), [value for values in rows for value in values]


def update_from_values(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[tuple],
    *,
    increment: bool = False,
    guard: str = "",
    batch_size: int = 1000,
) -> list[int]:
    """Set each row's fields: rows are (pk, value of fields[0], value of fields[1], ...).

    With increment, each value is added to the field instead of replacing it. `guard` is an
    extra SQL condition on the table's row (its columns written bare, "booked < capacity"):
    rows failing it are left alone. Returns the primary keys of the rows updated.
    """
    rows = list(rows)
    if not rows:
        return []
    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    pk = connection.ops.quote_name(meta.pk.column)
    columns = [connection.ops.quote_name(meta.get_field(name).column) for name in fields]
    assignments = ", ".join(
        f"{column} = {table}.{column} + v.column{index + 2}"
        if increment
        else f"{column} = v.column{index + 2}"
        for index, column in enumerate(columns)
    )
    condition = f" AND ({guard})" if guard else ""
    updated: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            placeholders, params = _values(rows[start : start + batch_size])
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES {placeholders}) AS v"
                f" WHERE {table}.{pk} = v.column1{condition} RETURNING {table}.{pk}",
                params,
            )
            updated.extend(row[0] for row in cursor.fetchall())
    return updated
