"""The open rate: counters not closed over all counters, at an instant, by scope."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q
from django.utils import timezone

from continuite.service_points.models import CrisisStatus, ServicePoint

from .models import OpenRateFigures


@dataclass
class Rate(OpenRateFigures):
    key: str
    label: str
    total: int
    not_closed: int

    @property
    def closed(self) -> int:
        return self.total - self.not_closed


@dataclass
class OpenRates:
    at: datetime
    national: Rate
    by_network: list[Rate]
    by_departement: list[Rate]


def open_rates(*, points=None, at: datetime | None = None) -> OpenRates:
    """Open rates nationally, by network and by département, over `points` (default: all)."""
    at = at or timezone.now()
    points = (points if points is not None else ServicePoint.objects.all()).with_status_at(at)
    not_closed = Count("id", filter=~Q(status_in_force=CrisisStatus.CLOSED))

    def grouped(field, label_field):
        rows = (
            points.order_by()
            .values(field, label_field)
            .annotate(total=Count("id"), not_closed=not_closed)
        )
        return [Rate(str(r[field]), r[label_field], r["total"], r["not_closed"]) for r in rows]

    by_network = sorted(grouped("network__slug", "network__short_name"), key=lambda r: r.label)
    by_departement = sorted(grouped("departement_id", "departement__name"), key=lambda r: r.key)
    national = Rate("", "", sum(r.total for r in by_network), sum(r.not_closed for r in by_network))
    return OpenRates(at, national, by_network, by_departement)
