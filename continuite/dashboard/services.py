"""Taking snapshots of the open rate (hourly by Celery beat, or by command)."""

from datetime import datetime

from django.db import transaction

from .models import OpenRateSnapshot
from .queries import open_rates


@transaction.atomic
def open_rate_snapshot_take(*, at: datetime) -> int:
    """Record the open rates at that instant for every scope; taking the same instant twice changes nothing."""
    at = at.replace(second=0, microsecond=0)
    rates = open_rates(at=at)
    rows = [(OpenRateSnapshot.Scope.NATIONAL, rates.national)]
    rows += [(OpenRateSnapshot.Scope.NETWORK, r) for r in rates.by_network]
    rows += [(OpenRateSnapshot.Scope.DEPARTEMENT, r) for r in rates.by_departement]
    snapshots = [
        OpenRateSnapshot(
            taken_at=at, scope=scope, key=rate.key, total=rate.total, not_closed=rate.not_closed
        )
        for scope, rate in rows
    ]
    OpenRateSnapshot.objects.bulk_create(
        snapshots,
        update_conflicts=True,
        unique_fields=["taken_at", "scope", "key"],
        update_fields=["total", "not_closed"],
    )
    return len(snapshots)
