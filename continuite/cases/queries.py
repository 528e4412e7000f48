"""Reads on cases: who sees which cases, the queue ordered by risk, at-risk and overdue lists.

The lists filter on ranges of the stored `deadline_at` first, so that PostgreSQL answers from
the partial indexes on open cases by (network, deadline_at), (service_point, deadline_at),
(assigned_to, deadline_at) without reading the other millions of cases.
"""

from datetime import datetime, timedelta

from django.db.models import (
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    Max,
    QuerySet,
    Value,
)

from continuite.accounts.models import Role
from continuite.service_points.models import ScopeFields, role_scope_q

from .models import Case, ProcedureType

DAY = timedelta(days=1)


class Seconds(Func):
    """An integer column times a number of seconds, as a duration (interval on PostgreSQL)."""

    output_field = DurationField()

    def __init__(self, expression, *, per: int):
        super().__init__(expression)
        self.per = per

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} * INTERVAL '{self.per} seconds')", params

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite stores durations as microseconds.
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} * {self.per * 1_000_000})", params


def open_cases(cases_qs: QuerySet) -> QuerySet:
    """Received, in progress or waiting: the condition of the partial indexes, word for word."""
    return cases_qs.filter(status__in=["received", "in_progress", "waiting"])


def risk_ordered(cases_qs: QuerySet, now: datetime) -> QuerySet:
    """Open cases, the most at risk first: the least time left once the expected work is done.

    Annotates `expected_work` (the procedure type's expected minutes, as a duration),
    `latest_start_at` (deadline_at − expected work: the last moment work can start and still
    finish in time) and `slack` (latest_start_at − now; negative once it is too late).
    Ordered by slack, smallest first (the same as latest_start_at, now being one instant),
    then deadline and id so that pages never overlap.
    """
    expected = Seconds(F("procedure_type__expected_minutes"), per=60)
    return (
        open_cases(cases_qs)
        .annotate(expected_work=expected)
        .annotate(latest_start_at=F("deadline_at") - F("expected_work"))
        .annotate(
            slack=ExpressionWrapper(F("latest_start_at") - Value(now), output_field=DurationField())
        )
        .order_by("latest_start_at", "deadline_at", "id")
    )


def _max_warn_days() -> int:
    return ProcedureType.objects.aggregate(days=Max("warn_days"))["days"] or 0


def at_risk(cases_qs: QuerySet, now: datetime) -> QuerySet:
    """Open cases not yet overdue whose deadline is within their procedure type's warn_days.

    The range now < deadline_at ≤ now + the largest warn_days is read from the index; the
    procedure type's own threshold then narrows it. Ordered by deadline.
    """
    window = ExpressionWrapper(
        Value(now) + Seconds(F("procedure_type__warn_days"), per=86400),
        output_field=DateTimeField(),
    )
    return (
        open_cases(cases_qs)
        .filter(deadline_at__gt=now, deadline_at__lte=now + _max_warn_days() * DAY)
        .alias(warn_until=window)
        .filter(deadline_at__lte=F("warn_until"))
        .order_by("deadline_at", "id")
    )


def overdue(cases_qs: QuerySet, now: datetime) -> QuerySet:
    """Open cases whose deadline has passed, the oldest deadline first."""
    return open_cases(cases_qs).filter(deadline_at__lte=now).order_by("deadline_at", "id")


# A case names its own network, and its service point's département.
_CASE_SCOPE = ScopeFields(
    point="service_point_id", network="network_id", departement="service_point__departement_id"
)


def cases_visible_to(user) -> QuerySet:
    """Cases of the agent's service points; a network manager's network (and département); none
    for steering teams (their statistics and forecast count cases, they open none)."""
    return Case.objects.filter(role_scope_q(user, kinds=Role.SITE_KINDS, fields=_CASE_SCOPE))
