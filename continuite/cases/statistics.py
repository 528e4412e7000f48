"""Processing times and deadlines kept: p50, p90 and share decided in time, by scope, over a period.

A case counts in a period when it was decided in it (`decided_at`); its processing time runs
from receipt to decision, in days. Percentiles are continuous (linear interpolation between
the two nearest values, as PostgreSQL's `percentile_cont`): PostgreSQL computes them in SQL;
other databases (SQLite, the demo) return each group's durations counted by value
(GROUP BY duration) and the same interpolation runs in Python over that histogram.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
)
from django.utils.translation import gettext_lazy as _

from continuite.core.db import on_postgresql

SECONDS_PER_DAY = 86400

# What a statistics row groups by: the field read, and the field naming the group.
DIMENSIONS = {
    "network": ("network_id", "network__short_name", _("Network")),
    "procedure_type": ("procedure_type_id", "procedure_type__label", _("Procedure type")),
    "departement": (
        "service_point__departement_id",
        "service_point__departement__name",
        _("Département"),
    ),
}


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate `percentile_cont(f) WITHIN GROUP (ORDER BY x)`."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def _epoch_seconds() -> Func:
    # PostgreSQL only: the interval between receipt and decision, in seconds.
    return Func(
        F("decided_at"),
        F("received_at"),
        arg_joiner=" - ",
        template="EXTRACT(EPOCH FROM (%(expressions)s))",
        output_field=FloatField(),
    )


@dataclass(frozen=True)
class Row:
    """One group's figures: processing time in days (p50, p90) and the share decided in time."""

    key: str
    label: str
    decided: int
    in_time: int
    p50_days: float | None
    p90_days: float | None

    @property
    def in_time_share(self) -> float | None:
        return self.in_time / self.decided if self.decided else None

    @property
    def in_time_percent(self) -> float | None:
        share = self.in_time_share
        return None if share is None else round(100 * share, 1)


def percentile_from_counts(values: list[tuple[float, int]], fraction: float) -> float | None:
    """`percentile_cont` over a histogram: (value, how many times), sorted by value."""
    total = sum(count for _value, count in values)
    if not total:
        return None
    position = fraction * (total - 1)  # 0-based rank, between two neighbouring values
    low_rank = int(position)
    low, high = _value_at(values, low_rank), _value_at(values, min(low_rank + 1, total - 1))
    return low + (high - low) * (position - low_rank)


def _value_at(values: list[tuple[float, int]], rank: int) -> float:
    seen = 0
    for value, count in values:
        seen += count
        if rank < seen:
            return value
    raise IndexError(rank)


def decided_in(cases: QuerySet, start: datetime, end: datetime) -> QuerySet:
    """Cases decided in [start, end): the population of every statistic."""
    return cases.filter(decided_at__gte=start, decided_at__lt=end, decided_at__isnull=False)


def processing_statistics(cases: QuerySet, *, by: str, start: datetime, end: datetime) -> list[Row]:
    """p50, p90 and share decided within the deadline of the cases decided in [start, end)."""
    key_field, label_field, _title = DIMENSIONS[by]
    decided = decided_in(cases, start, end).order_by()
    counts = decided.values(key_field, label_field).annotate(
        decided=Count("id"), in_time=Count("id", filter=Q(decided_at__lte=F("deadline_at")))
    )
    if on_postgresql():
        rows = counts.annotate(
            p50=PercentileCont(_epoch_seconds(), 0.5), p90=PercentileCont(_epoch_seconds(), 0.9)
        )
        found = [
            Row(
                key=str(r[key_field]),
                label=r[label_field],
                decided=r["decided"],
                in_time=r["in_time"],
                p50_days=_days(r["p50"]),
                p90_days=_days(r["p90"]),
            )
            for r in rows
        ]
    else:
        found = _from_histogram(decided, counts, key_field, label_field)
    return sorted(found, key=lambda row: (-row.decided, row.label))


def _days(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / SECONDS_PER_DAY


def _from_histogram(decided: QuerySet, counts: Iterable[dict], key_field, label_field):
    """The portable path: durations counted by value in SQL, percentiles in Python."""
    duration = ExpressionWrapper(F("decided_at") - F("received_at"), output_field=DurationField())
    histogram: dict[object, list[tuple[float, int]]] = {}
    for row in (
        decided.annotate(duration=duration)
        .values(key_field, "duration")
        .annotate(n=Count("id"))
        .order_by(key_field, "duration")
    ):
        value = row["duration"]
        seconds = value.total_seconds() if isinstance(value, timedelta) else value / 1e6
        histogram.setdefault(row[key_field], []).append((seconds, row["n"]))
    rows = []
    for r in counts:
        values = sorted(histogram.get(r[key_field], []))
        rows.append(
            Row(
                key=str(r[key_field]),
                label=r[label_field],
                decided=r["decided"],
                in_time=r["in_time"],
                p50_days=_days(percentile_from_counts(values, 0.5)),
                p90_days=_days(percentile_from_counts(values, 0.9)),
            )
        )
    return rows


def overall(cases: QuerySet, *, start: datetime, end: datetime) -> Row:
    """The same figures over the whole scope."""
    decided = decided_in(cases, start, end).order_by()
    totals = decided.aggregate(
        decided=Count("id"), in_time=Count("id", filter=Q(decided_at__lte=F("deadline_at")))
    )
    if on_postgresql():
        p = decided.aggregate(
            p50=PercentileCont(_epoch_seconds(), 0.5), p90=PercentileCont(_epoch_seconds(), 0.9)
        )
        p50, p90 = _days(p["p50"]), _days(p["p90"])
    else:
        duration = ExpressionWrapper(
            F("decided_at") - F("received_at"), output_field=DurationField()
        )
        values = sorted(
            (
                (
                    d.total_seconds() if isinstance(d, timedelta) else d / 1e6,
                    n,
                )
                for d, n in decided.annotate(duration=duration)
                .values("duration")
                .annotate(n=Count("id"))
                .values_list("duration", "n")
            )
        )
        p50 = _days(percentile_from_counts(values, 0.5))
        p90 = _days(percentile_from_counts(values, 0.9))
    return Row(
        key="all",
        label=str(_("All")),
        decided=totals["decided"],
        in_time=totals["in_time"],
        p50_days=p50,
        p90_days=p90,
    )
