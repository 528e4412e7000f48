"""The 8-week forecast of a network: backlog per service point, cases likely to breach, transfers.

Inputs, each one aggregate query over the network (never a loop over cases):
- arrivals: cases received over the last 8 weeks, per service point and procedure type, taken
  as the weekly rate to come;
- processing rate: cases decided per agent-day at the service point over the last 8 weeks; a
  point with no decision in that time works at `AGENT_DAY_MINUTES` over the procedure types'
  `expected_minutes` (weighted by its open cases and arrivals);
- agents present: AgentPresence on site or teleworking. The usual count is the point's agents
  (agent roles); on a day with presences recorded, the agents are those present or the usual
  count less those recorded absent, whichever is more. Weekends and the département's public
  holidays have none.

Then arithmetic over service points: each week, backlog = previous backlog + arrivals −
capacity (never below zero). A case is likely to breach when the open cases ahead of it at its
point, in deadline order (itself included), exceed the capacity before its deadline: in
PostgreSQL one window query over the open cases whose deadline falls within the horizon finds
them, given each point's cumulative capacity per day. Transfers move such cases to points of
the same network whose capacity before the case's deadline exceeds all their open work plus
what was already suggested for them (a conservative test); a transfer keeps the deadline.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from continuite.accounts.models import Role
from continuite.core.calendar import business_days_between
from continuite.core.db import on_postgresql
from continuite.service_points.models import AgentPresence, Network, ServicePoint

from .models import Case, ProcedureType
from .queries import open_cases

HORIZON_WEEKS = 8
HISTORY_WEEKS = 8
HORIZON_DAYS = 7 * HORIZON_WEEKS
# Minutes of case work in an agent's day, when a point has no recent decision to learn from.
AGENT_DAY_MINUTES = 6 * 60
# Breaching cases kept per service point (for the list and the transfers), and shown in all.
BREACHES_PER_POINT = 50
BREACHES_SHOWN = 200
TRANSFERS_SHOWN = 30
PRESENT = (AgentPresence.Status.ON_SITE, AgentPresence.Status.TELEWORK)


@dataclass
class Week:
    starts_on: date
    arrivals: float
    capacity: float
    backlog: float  # at the end of the week


@dataclass
class PointForecast:
    """One service point's inputs and weekly backlog."""

    pk: int
    name: str
    departement_id: str
    open_now: int = 0
    arrivals_per_week: float = 0.0
    decided_recently: int = 0
    rate_per_agent_day: float = 0.0
    rate_from_history: bool = False
    usual_agents: int = 0
    capacity_by_day: list[float] = field(default_factory=list)
    weeks: list[Week] = field(default_factory=list)
    breaches: int = 0

    @property
    def cumulative(self) -> list[float]:
        """cumulative[i]: the capacity of the days before day i (day 0 is today); a case due
        on day i may use cumulative[i + 1], its deadline's day included."""
        total, out = 0.0, [0.0]
        for capacity in self.capacity_by_day:
            total += capacity
            out.append(total)
        return out

    @property
    def final_backlog(self) -> float:
        return self.weeks[-1].backlog if self.weeks else float(self.open_now)


@dataclass
class Breach:
    case_id: int
    point_id: int
    deadline_at: datetime
    position: int  # open cases ahead of it at its point, itself included
    capacity: float  # cases the point can decide before its deadline
    reference: str = ""  # read for the breaches shown only


@dataclass
class Transfer:
    """Suggested: move these cases from one point to another of the network."""

    source_id: int
    target_id: int
    case_ids: list[int] = field(default_factory=list)
    source_name: str = ""
    target_name: str = ""


@dataclass
class Forecast:
    network: Network
    today: date
    points: list[PointForecast]
    breaches: list[Breach]
    breach_count: int
    transfers: list[Transfer]

    @property
    def weeks(self) -> list[Week]:
        """The network's totals, week by week."""
        out = []
        for index in range(HORIZON_WEEKS):
            rows = [p.weeks[index] for p in self.points]
            out.append(
                Week(
                    starts_on=self.today + timedelta(weeks=index),
                    arrivals=sum(w.arrivals for w in rows),
                    capacity=sum(w.capacity for w in rows),
                    backlog=sum(w.backlog for w in rows),
                )
            )
        return out

    @property
    def open_now(self) -> int:
        return sum(p.open_now for p in self.points)


def network_forecast(
    network: Network, *, now: datetime | None = None, point_ids: list[int] | None = None
) -> Forecast:
    """The forecast of a network's service points (all of them, or those given)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    points_qs = ServicePoint.objects.filter(network=network)
    cases = Case.objects.filter(network=network)
    if point_ids is not None:
        points_qs = points_qs.filter(pk__in=point_ids)
        cases = cases.filter(service_point_id__in=point_ids)
    points = {
        pk: PointForecast(pk=pk, name=name, departement_id=dep)
        for pk, name, dep in points_qs.values_list("pk", "name", "departement_id")
    }
    _inputs(points, cases, network, now, today)
    for point in points.values():
        _plan(point, today)
    ranked = [p for p in points.values() if p.open_now or p.arrivals_per_week or p.usual_agents]
    breaches, totals = likely_breaches(cases, ranked, now=now, today=today)
    for pk, total in totals.items():
        points[pk].breaches = total
    transfers = suggest_transfers(list(points.values()), breaches, today=today)
    shown = breaches[:BREACHES_SHOWN]
    references = dict(
        Case.objects.filter(pk__in=[b.case_id for b in shown]).values_list("pk", "reference")
    )
    for breach in shown:
        breach.reference = references.get(breach.case_id, "")
    return Forecast(
        network=network,
        today=today,
        points=sorted(ranked, key=lambda p: (-p.breaches, -p.final_backlog, p.name)),
        breaches=shown,
        breach_count=sum(totals.values()),
        transfers=transfers[:TRANSFERS_SHOWN],
    )


def _inputs(points, cases, network, now, today) -> None:
    """Fill each point's open count, arrivals, recent decisions, agents and rate (SQL aggregates)."""
    history_start = now - timedelta(weeks=HISTORY_WEEKS)
    open_mix = _mix(open_cases(cases))
    for pk, by_type in open_mix.items():
        points[pk].open_now = sum(by_type.values())
    arrivals_mix = _mix(cases.filter(received_at__gte=history_start, received_at__lte=now))
    for pk, by_type in arrivals_mix.items():
        points[pk].arrivals_per_week = sum(by_type.values()) / HISTORY_WEEKS
    for pk, n in (
        cases.filter(decided_at__gte=history_start, decided_at__lte=now)
        .order_by()
        .values("service_point_id")
        .annotate(n=Count("*"))
        .values_list("service_point_id", "n")
    ):
        points[pk].decided_recently = n
    agents = dict(
        Role.objects.filter(kind=Role.Kind.AGENT, service_point_id__in=list(points))
        .order_by()
        .values("service_point_id")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("service_point_id", "n")
    )
    presences = _presences(list(points), today - timedelta(weeks=HISTORY_WEEKS), today)
    minutes = dict(
        ProcedureType.objects.filter(network=network).values_list("pk", "expected_minutes")
    )
    default_minutes = (sum(minutes.values()) / len(minutes)) if minutes else 60
    history_days = [today - timedelta(days=d) for d in range(1, 7 * HISTORY_WEEKS + 1)]
    horizon_days = [today + timedelta(days=d) for d in range(HORIZON_DAYS)]
    for pk, point in points.items():
        point.usual_agents = agents.get(pk, 0) or (1 if point.open_now else 0)
        point_presences = presences.get(pk, {})
        agent_days = sum(
            _agents_on(point, day, point_presences)
            for day in business_days_between(
                history_days[-1], history_days[0], point.departement_id
            )
        )
        if point.decided_recently and agent_days:
            point.rate_per_agent_day = point.decided_recently / agent_days
            point.rate_from_history = True
        else:
            mixes = (open_mix.get(pk, {}), arrivals_mix.get(pk, {}))
            point.rate_per_agent_day = _rate_from_minutes(mixes, minutes, default_minutes)
    future = _presences(list(points), today, today + timedelta(days=HORIZON_DAYS - 1))
    for pk, point in points.items():
        working = business_days_between(horizon_days[0], horizon_days[-1], point.departement_id)
        point.capacity_by_day = [
            _agents_on(point, day, future.get(pk, {})) * point.rate_per_agent_day
            if day in working
            else 0.0
            for day in horizon_days
        ]


def _rate_from_minutes(mixes, minutes: dict[int, int], default_minutes: float) -> float:
    """Without history: cases an agent decides in a day, from the expected minutes of the
    procedure types of its open and arriving cases."""
    mix = defaultdict(int)
    for source in mixes:
        for type_id, n in source.items():
            mix[type_id] += n
    weighted = sum(minutes.get(t, default_minutes) * n for t, n in mix.items())
    average = weighted / sum(mix.values()) if mix else default_minutes
    return AGENT_DAY_MINUTES / max(average, 1)


def _mix(cases) -> dict[int, dict[int, int]]:
    """Cases per service point and procedure type."""
    out: dict[int, dict[int, int]] = defaultdict(dict)
    rows = (
        cases.order_by()
        .values("service_point_id", "procedure_type_id")
        .annotate(n=Count("*"))
        .values_list("service_point_id", "procedure_type_id", "n")
    )
    for point_id, type_id, n in rows:
        out[point_id][type_id] = n
    return out


def _presences(point_ids, start_on, end_on) -> dict[int, dict[date, tuple[int, int]]]:
    """(present, absent) agents per point and day with presences recorded."""
    rows = (
        AgentPresence.objects.filter(
            service_point_id__in=point_ids, presence_on__gte=start_on, presence_on__lte=end_on
        )
        .order_by()
        .values("service_point_id", "presence_on")
        .annotate(
            present=Count("pk", filter=Q(status__in=PRESENT)),
            absent=Count("pk", filter=~Q(status__in=PRESENT)),
        )
        .values_list("service_point_id", "presence_on", "present", "absent")
    )
    out: dict[int, dict[date, tuple[int, int]]] = defaultdict(dict)
    for point_id, day, present, absent in rows:
        out[point_id][day] = (present, absent)
    return out


def _agents_on(point: PointForecast, day: date, presences: dict) -> int:
    recorded = presences.get(day)
    if recorded is None:
        return point.usual_agents
    present, absent = recorded
    return max(present, point.usual_agents - absent)


def _plan(point: PointForecast, today: date) -> None:
    backlog = float(point.open_now)
    point.weeks = []
    for index in range(HORIZON_WEEKS):
        capacity = sum(point.capacity_by_day[7 * index : 7 * index + 7])
        backlog = max(0.0, backlog + point.arrivals_per_week - capacity)
        point.weeks.append(
            Week(
                starts_on=today + timedelta(weeks=index),
                arrivals=point.arrivals_per_week,
                capacity=capacity,
                backlog=backlog,
            )
        )


def _day_zero(today: date) -> datetime:
    return timezone.make_aware(datetime.combine(today, time()))


def _day_index(deadline_at: datetime, day_zero: datetime) -> int:
    return math.floor((deadline_at - day_zero).total_seconds() / 86400)


def likely_breaches(
    cases, points: list[PointForecast], *, now: datetime, today: date
) -> tuple[list[Breach], dict[int, int]]:
    """Open cases due within the horizon that their point cannot reach in time, earliest first
    (at most BREACHES_PER_POINT per point), and how many there are per point."""
    horizon_end = _day_zero(today) + timedelta(days=HORIZON_DAYS)
    window = (
        open_cases(cases)
        .filter(deadline_at__lt=horizon_end)
        .order_by()
        .values_list("pk", "service_point_id", "deadline_at")
    )
    if on_postgresql():
        found = _breaches_sql(window, points, now=now, today=today)
    else:
        found = _breaches_python(window, points, now=now, today=today)
    totals: dict[int, int] = {}
    breaches = []
    for *fields, total in found:
        breach = Breach(*fields)
        totals[breach.point_id] = total
        breaches.append(breach)
    breaches.sort(key=lambda b: (b.deadline_at, b.case_id))
    return breaches, totals


def _breaches_sql(window, points, *, now, today) -> list[tuple]:
    """One window query: each case's position at its point against the capacity before its
    deadline, read from the points' cumulative capacities passed as one array."""
    width = HORIZON_DAYS + 1
    ids, cumulative = [], []
    for point in points:
        ids.append(point.pk)
        cumulative += point.cumulative
    sql, params = window.query.sql_with_params()
    query = f"""
        WITH capacity AS (
            SELECT point_id, ord FROM unnest(%s::integer[]) WITH ORDINALITY AS k (point_id, ord)
        ), ranked AS (
            SELECT c.*, row_number() OVER (
                PARTITION BY c.service_point_id ORDER BY c.deadline_at, c.id
            ) AS position
            FROM ({sql}) AS c (id, service_point_id, deadline_at)
        ), reached AS (
            SELECT r.*, (%s::float8[])[
                (k.ord - 1) * {width} + 2
                + floor(extract(epoch FROM (r.deadline_at - %s)) / 86400)::integer
            ] AS capacity
            FROM ranked r JOIN capacity k ON k.point_id = r.service_point_id
            WHERE r.deadline_at > %s
        ), breaching AS (
            SELECT *, row_number() OVER (
                PARTITION BY service_point_id ORDER BY deadline_at, id
            ) AS nth, count(*) OVER (PARTITION BY service_point_id) AS total
            FROM reached WHERE position > capacity
        )
        SELECT id, service_point_id, deadline_at, position, capacity, total
        FROM breaching WHERE nth <= %s
    """
    with connection.cursor() as cursor:
        cursor.execute(
            query,
            [ids, *params, cumulative, _day_zero(today), now, BREACHES_PER_POINT],
        )
        return cursor.fetchall()


def _breaches_python(window, points, *, now, today) -> list[tuple]:
    """The same rule read case by case: for SQLite (the demo), whose networks are small."""
    cumulative = {p.pk: p.cumulative for p in points}
    day_zero = _day_zero(today)
    by_point: dict[int, list[tuple]] = defaultdict(list)
    for row in window.order_by("service_point_id", "deadline_at", "pk"):
        by_point[row[1]].append(row)
    found = []
    for point_id, rows in by_point.items():
        if point_id not in cumulative:
            continue
        late = []
        for position, (pk, _p, deadline_at) in enumerate(rows, start=1):
            if deadline_at <= now:
                continue
            capacity = cumulative[point_id][_day_index(deadline_at, day_zero) + 1]
            if position > capacity:
                late.append((pk, point_id, deadline_at, position, capacity))
        found += [(*row, len(late)) for row in late[:BREACHES_PER_POINT]]
    return found


def suggest_transfers(
    points: list[PointForecast], breaches: list[Breach], *, today: date
) -> list[Transfer]:
    """Move breaching cases to points of the network able to decide them before their deadline.

    A target takes a case when its capacity before the deadline covers all its open cases,
    those already suggested to it and this one, and its spare capacity over the horizon (after
    its own arrivals) is not used up; points of the same département come first.
    """
    by_pk = {p.pk: p for p in points}
    cumulative = {p.pk: p.cumulative for p in points}
    spare = {
        p.pk: cumulative[p.pk][-1] - p.open_now - p.arrivals_per_week * HORIZON_WEEKS
        for p in points
        if not p.breaches
    }
    targets = sorted((pk for pk, s in spare.items() if s >= 1), key=lambda pk: -spare[pk])
    by_departement: dict[str, list[int]] = defaultdict(list)
    for pk in targets:
        by_departement[by_pk[pk].departement_id].append(pk)
    day_zero = _day_zero(today)
    taken: dict[int, int] = defaultdict(int)
    moved: dict[int, int] = defaultdict(int)
    transfers: dict[tuple[int, int], Transfer] = {}
    for breach in breaches:  # earliest deadline first
        source = by_pk[breach.point_id]
        if breach.position - moved[source.pk] <= breach.capacity:
            continue  # the cases moved away before it make room for it
        day = _day_index(breach.deadline_at, day_zero)
        for pk in by_departement[source.departement_id] + targets[:50]:
            target = by_pk[pk]
            fits = target.open_now + taken[pk] + 1 <= cumulative[pk][day + 1]
            if fits and taken[pk] + 1 <= spare[pk]:
                taken[pk] += 1
                moved[source.pk] += 1
                key = (source.pk, pk)
                if key not in transfers:
                    transfers[key] = Transfer(
                        source_id=source.pk,
                        target_id=pk,
                        source_name=source.name,
                        target_name=target.name,
                    )
                transfers[key].case_ids.append(breach.case_id)
                break
    return sorted(transfers.values(), key=lambda t: (-len(t.case_ids), t.source_name))
