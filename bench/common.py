"""What several benchmarks share; imported once Django is set up."""

import sys

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from continuite.core.models import Departement


def database_ready(name: str, target: str) -> None:
    """Stop unless running on the benchmark's own PostgreSQL database (`name` in its name,
    as `make target` sets it); migrate it and load the territory once."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql" or name not in db["NAME"]:
        sys.exit(f"Run through `make {target}` (its own PostgreSQL database).")
    call_command("migrate", verbosity=0)
    if not Departement.objects.exists():
        from continuite.core.services import territory_load

        print("Loading the territory (once)...", flush=True)
        territory_load()


def execute(sql: str, params=None) -> int:
    """Run one statement; the number of rows it touched."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
