"""Benchmark of processing deadlines at national scale: at-risk lists, daily sweep, forecast.

Data (loaded once in its own PostgreSQL database, `continuite_bench_cases`, and reused while
its marker matches the scale): 10 million cases received over the last 365 days (the yearly
volume of DESIGN.md) at about 20,000 service points of eight networks, with their procedure
types (deadlines of 15 business days to 4 months, each silence rule), 50,000 case workers
(an agent role each) and a site manager per service point. Each case's processing time is
drawn from a log-normal law around half its deadline, slower at some service points, so
that about 10-15% are still open, some of them overdue. A tenth of the service points record
their agents' presence (with sick and confined agents) for two weeks back and two ahead.
Cases are written with psycopg's COPY, the table's indexes and constraints rebuilt after.
`BENCH_CASES=100000` builds a smaller set (the marker holds the scale).

What is measured, in the same run:
(a) the at-risk list of one network or service point, first page as the page shows it
    (`queries.at_risk`: 50 rows with their procedure type, service point and agent, their
    risk band, and the count), for 100 random networks and points: p95 in ms (goal ≤ 50). Baseline: the same list by
    a naive query that cannot use the partial indexes (a sequential scan), on a few samples.
(b) the daily sweep over all open cases (`sweep.daily_sweep`): silence outcomes recorded and
    every digest written to the outbox, in seconds (goal ≤ 60). What a previous run recorded
    is cleared first, so this run records the outcome of every overdue case at once (a
    catch-up far larger than a day's); a second run, which must change nothing, is timed too.
    Baseline: the outcomes recorded one case at a time on a sample (rolled back), extrapolated.
(c) the 8-week forecast of one network (`forecast.network_forecast`), the largest one, in
    seconds (goal ≤ 2): the median of 3 runs, after a first forecast of the smallest network
    (which loads the holiday calendars of every département, as a web process's first one).

Run with `make bench-cases`; the last line reads
`RESULT atrisk_p95_ms=<n> sweep_s=<s> forecast_s=<f>`.
"""

import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "continuite.settings")
# Delivery tasks go to a Redis database of this benchmark, never to a running worker.
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/12")
os.environ.setdefault("CELERY_RESULT_BACKEND", "")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import common  # noqa: E402
from bench.common import execute  # noqa: E402
from continuite.accounts.models import Role, User  # noqa: E402
from continuite.cases.forecast import network_forecast  # noqa: E402
from continuite.cases.list_views import _lists  # noqa: E402
from continuite.cases.models import Case, CaseEvent, ProcedureType  # noqa: E402
from continuite.cases.queries import at_risk  # noqa: E402
from continuite.cases.sweep import SILENCE_EVENT, daily_sweep, silence_due  # noqa: E402
from continuite.cases.views import with_risk  # noqa: E402
from continuite.core.models import Departement  # noqa: E402
from continuite.service_points.models import AgentPresence, Network, ServicePoint  # noqa: E402

CASES = int(os.environ.get("BENCH_CASES", "10000000"))
SERVICE_POINTS = int(os.environ.get("BENCH_SERVICE_POINTS", "20000"))
AGENTS = int(os.environ.get("BENCH_AGENTS", "50000"))
SAMPLES = 100
WARM_UP = 10
NAIVE_SAMPLES = 5
SEED = 2020
DATA_VERSION = 1
PREFIX = "bench-cases-"
PAGE = 50
NULL = "\\N"  # COPY's text format

# Share of the service points and of the cases per network (CAF and CPAM take most cases,
# town halls are many but take few).
NETWORKS = {
    "caf": (0.06, 0.25),
    "cpam": (0.08, 0.24),
    "france-travail": (0.05, 0.14),
    "dgfip": (0.10, 0.12),
    "prefecture": (0.02, 0.10),
    "france-services": (0.14, 0.07),
    "mairie": (0.40, 0.06),
    "la-poste": (0.15, 0.02),
}
# code, label, amount, unit, silence rule, calendar days the deadline roughly spans, weight
PROCEDURES = [
    ("aide-logement", "Aide au logement", 2, "months", "rejection", 61, 3),
    ("prime-activite", "Prime d'activité", 1, "months", "nothing", 30, 3),
    ("rsa", "Revenu de solidarité active", 2, "months", "rejection", 61, 2),
    ("carte-vitale", "Carte Vitale", 15, "business_days", "nothing", 21, 2),
    ("titre-sejour", "Titre de séjour", 4, "months", "rejection", 122, 1),
    ("permis-construire", "Permis de construire", 2, "months", "acceptance", 61, 1),
    ("remise-gracieuse", "Remise gracieuse", 8, "weeks", "acceptance", 56, 1),
]
OPEN_STATUSES = ["received", "in_progress", "in_progress", "in_progress", "waiting"]
DECIDED_STATUSES = ["accepted"] * 14 + ["rejected"] * 5 + ["closed"]


def marker() -> tuple[int, int] | None:
    execute(
        "CREATE TABLE IF NOT EXISTS bench_cases_marker"
        " (cases bigint, version int, loaded_at timestamptz DEFAULT now())"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT cases, version FROM bench_cases_marker")
        return cursor.fetchone()


def data_reset() -> None:
    """Empty what a previous load left (this database holds nothing else)."""
    execute(
        "TRUNCATE bench_cases_marker, cases_caseevent, cases_clockstop, cases_case,"
        " cases_caseimport, cases_suspensionwindow_procedure_types,"
        " cases_suspensionwindow_departements, cases_suspensionwindow, notifications_message"
        " RESTART IDENTITY CASCADE"
    )
    AgentPresence.objects.all().delete()
    Role.objects.all().delete()
    ProcedureType.objects.all().delete()
    User.objects.filter(username__startswith=PREFIX).delete()
    ServicePoint.objects.filter(external_id__startswith=PREFIX).delete()


def split(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights`, summing exactly to `total`."""
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for index in range(total - sum(counts)):
        counts[index % len(counts)] += 1
    return counts


def points_load(rng: random.Random) -> dict[str, list[int]]:
    departements = list(Departement.objects.values_list("code", flat=True))
    # Populous départements hold more counters.
    dep_weights = [rng.lognormvariate(0, 0.7) for _ in departements]
    networks = {n.slug: n for n in Network.objects.filter(slug__in=NETWORKS)}
    counts = split(SERVICE_POINTS, [share for share, _ in NETWORKS.values()])
    points = []
    for (slug, _shares), count in zip(NETWORKS.items(), counts, strict=True):
        chosen = rng.choices(departements, weights=dep_weights, k=count)
        points += [
            ServicePoint(
                network=networks[slug],
                external_id=f"{PREFIX}{slug}-{index}",
                name=f"{networks[slug].short_name} {code} n°{index}",
                departement_id=code,
            )
            for index, code in enumerate(chosen)
        ]
    ServicePoint.objects.bulk_create(points, batch_size=5000)
    by_network: dict[str, list[int]] = {}
    for pk, slug in ServicePoint.objects.filter(external_id__startswith=PREFIX).values_list(
        "pk", "network__slug"
    ):
        by_network.setdefault(slug, []).append(pk)
    return by_network


def procedures_load() -> dict[str, list[tuple[int, int, int]]]:
    """Procedure types of every network: (id, days the deadline spans, weight)."""
    out = {}
    for slug in NETWORKS:
        network = Network.objects.get(slug=slug)
        out[slug] = []
        for code, label, amount, unit, silence, days, weight in PROCEDURES:
            procedure = ProcedureType.objects.create(
                network=network,
                code=code,
                label=label,
                deadline_amount=amount,
                deadline_unit=unit,
                silence_rule=silence,
                warn_days=7 if days < 100 else 14,
                expected_minutes=45 if days < 40 else 90,
            )
            out[slug].append((procedure.pk, days, weight))
    return out


def agents_load(rng, points: list[int], point_weight: dict[int, float]) -> dict[int, list[int]]:
    """Case workers spread like the cases (at least one per point), and a site manager each."""
    counts = split(AGENTS, [point_weight[p] for p in points])
    users, roles_for = [], []
    for point, count in zip(points, counts, strict=True):
        for index in range(max(count, 1)):
            name = f"{PREFIX}agent-{point}-{index}"
            users.append(User(username=name, email=f"{name}@example.org", password="!"))
            roles_for.append((point, Role.Kind.AGENT))
        name = f"{PREFIX}manager-{point}"
        users.append(User(username=name, email=f"{name}@example.org", password="!"))
        roles_for.append((point, Role.Kind.SITE_MANAGER))
    created = User.objects.bulk_create(users, batch_size=5000)
    Role.objects.bulk_create(
        [
            Role(user=user, kind=kind, service_point_id=point)
            for user, (point, kind) in zip(created, roles_for, strict=True)
        ],
        batch_size=5000,
    )
    for slug in NETWORKS:
        name = f"{PREFIX}network-{slug}"
        user = User.objects.create(username=name, email=f"{name}@example.org", password="!")
        Role.objects.create(
            user=user, kind=Role.Kind.NETWORK_MANAGER, network=Network.objects.get(slug=slug)
        )
    agents: dict[int, list[int]] = {}
    for user, (point, kind) in zip(created, roles_for, strict=True):
        if kind == Role.Kind.AGENT:
            agents.setdefault(point, []).append(user.pk)
    return agents


def presences_load(rng, agents: dict[int, list[int]], today) -> int:
    """A tenth of the points record presences two weeks back and two ahead, in a lockdown."""
    rows = []
    statuses = ["on_site"] * 5 + ["telework"] * 3 + ["sick", "confined"]
    for point in rng.sample(sorted(agents), len(agents) // 10):
        for offset in range(-14, 15):
            day = today + timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            rows += [
                AgentPresence(
                    service_point_id=point, presence_on=day, agent_id=agent, status=status
                )
                for agent, status in zip(
                    agents[point], rng.choices(statuses, k=len(agents[point])), strict=True
                )
            ]
    AgentPresence.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


class MinuteFormatter:
    """Timestamps at minute resolution as COPY text, each formatted once (10M rows, few minutes)."""

    def __init__(self, origin: datetime):
        self.origin = origin
        self.cache: dict[int, str] = {}

    def __call__(self, minute: int) -> str:
        text = self.cache.get(minute)
        if text is None:
            at = self.origin + timedelta(minutes=minute)
            text = self.cache[minute] = at.strftime("%Y-%m-%d %H:%M:00+00")
        return text


def constraints_drop(cursor) -> list[str]:
    """Drop the indexes and constraints of cases_case but its primary key; return how to rebuild."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = 'cases_case'::regclass AND contype <> 'p'"
    )
    rebuild = []
    for name, definition in cursor.fetchall():
        cursor.execute(f'ALTER TABLE cases_case DROP CONSTRAINT "{name}"')
        rebuild.append(f'ALTER TABLE cases_case ADD CONSTRAINT "{name}" {definition}')
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases_case'"
        " AND indexname <> 'cases_case_pkey'"
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    # Indexes first (the unique constraint builds its own), then constraints.
    return [definition for _name, definition in indexes] + rebuild


def cases_load(rng, by_network, procedures, agents, point_weight, now) -> None:
    """Write the cases with COPY, indexes and constraints dropped during the load."""
    network_ids = dict(Network.objects.filter(slug__in=NETWORKS).values_list("slug", "pk"))
    per_network = split(CASES, [share for _, share in NETWORKS.values()])
    origin = (now - timedelta(days=366)).replace(second=0, microsecond=0)
    fmt = MinuteFormatter(origin)
    year = 365 * 24 * 60
    now_minute = int((now - origin).total_seconds() // 60)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S+00")
    case_id, next_report = 0, 500_000
    started = time.perf_counter()
    params = settings.DATABASES["default"]
    with (
        psycopg.connect(
            dbname=params["NAME"],
            user=params.get("USER") or None,
            host=params.get("HOST") or None,
            port=params.get("PORT") or None,
            password=params.get("PASSWORD") or None,
        ) as conn,
        conn.cursor() as cursor,
    ):
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        rebuild = constraints_drop(cursor)
        columns = (
            "id, reference, network_id, procedure_type_id, service_point_id, received_at,"
            " assigned_to_id, status, decided_at, deadline_at, deadline_explanation,"
            " silence_outcome, created_at, updated_at"
        )
        with cursor.copy(f"COPY cases_case ({columns}) FROM STDIN") as copy:
            for (slug, _shares), network_cases in zip(NETWORKS.items(), per_network, strict=True):
                points = by_network[slug]
                kinds = procedures[slug]
                kind_weights = [w for _, _, w in kinds]
                counts = split(network_cases, [point_weight[p] for p in points])
                network_id = network_ids[slug]
                for point, count in zip(points, counts, strict=True):
                    workers = agents.get(point) or [None]
                    # Some points are slower than others (fewer agents, a lockdown).
                    slowness = rng.lognormvariate(0, 0.3)
                    lines = []
                    for kind_id, days, _w in rng.choices(kinds, weights=kind_weights, k=count):
                        case_id += 1
                        received = now_minute - int(rng.random() * year)
                        deadline = received + days * 1440
                        age = now_minute - received
                        spent = int(days * 1440 * slowness * rng.lognormvariate(-0.5, 0.6))
                        if spent > age:
                            status = rng.choice(OPEN_STATUSES)
                            decided = NULL
                            worker = rng.choice(workers) if rng.random() < 0.85 else None
                        else:
                            status = rng.choice(DECIDED_STATUSES)
                            decided = fmt(received + spent)
                            worker = rng.choice(workers)
                        lines.append(
                            f"{case_id}\tB{case_id:09d}\t{network_id}\t{kind_id}\t{point}\t"
                            f"{fmt(received)}\t{worker or NULL}\t{status}\t"
                            f"{decided}\t{fmt(deadline)}\tReçu le {fmt(received)[:10]}, "
                            f"délai de {days} jours\t\t{stamp}\t{stamp}\n"
                        )
                    copy.write("".join(lines))
                    if case_id >= next_report:
                        next_report += 500_000
                        rate = case_id / (time.perf_counter() - started)
                        print(f"  {case_id:,} cases written ({rate:,.0f}/s)", flush=True)
        conn.commit()
        print(f"COPY done in {time.perf_counter() - started:.0f} s; rebuilding indexes", flush=True)
        for statement in rebuild:
            step = time.perf_counter()
            cursor.execute(statement)
            conn.commit()
            print(f"  {statement[:90]}... {time.perf_counter() - step:.0f} s", flush=True)
        cursor.execute("SELECT setval('cases_case_id_seq', %s)", [case_id])
        conn.commit()
    execute("VACUUM ANALYZE cases_case")


def data_load() -> None:
    rng = random.Random(SEED)
    now = timezone.now().astimezone(UTC)
    started = time.perf_counter()
    print(f"Loading {CASES:,} cases at {SERVICE_POINTS:,} service points (once)...", flush=True)
    data_reset()
    by_network = points_load(rng)
    point_weight = {p: rng.lognormvariate(0, 0.8) for ps in by_network.values() for p in ps}
    procedures = procedures_load()
    all_points = [p for ps in by_network.values() for p in ps]
    agents = agents_load(rng, all_points, point_weight)
    presences = presences_load(rng, agents, timezone.localdate())
    print(
        f"{len(all_points):,} service points, {sum(map(len, agents.values())):,} agents,"
        f" {presences:,} presences ({time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    cases_load(rng, by_network, procedures, agents, point_weight, now)
    execute("VACUUM ANALYZE")
    execute(
        "INSERT INTO bench_cases_marker (cases, version) VALUES (%s, %s)", [CASES, DATA_VERSION]
    )
    print(f"Loaded in {time.perf_counter() - started:.0f} s", flush=True)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def atrisk_page(cases, now) -> int:
    """The at-risk list as the network and point pages show it: first page, its count."""
    risky = at_risk(cases, now)
    rows = list(risky.select_related("procedure_type", "service_point", "assigned_to")[:PAGE])
    with_risk(rows, now)
    return len(rows) + risky.count()


def scopes(rng) -> list:
    networks = list(Network.objects.filter(slug__in=NETWORKS).values_list("pk", flat=True))
    points = list(
        ServicePoint.objects.filter(external_id__startswith=PREFIX).values_list("pk", flat=True)
    )
    out = []
    for index in range(SAMPLES + WARM_UP):
        if index % 2:
            out.append(("network", Case.objects.filter(network_id=rng.choice(networks))))
        else:
            out.append(("point", Case.objects.filter(service_point_id=rng.choice(points))))
    return out


def measure_atrisk(rng, now) -> float:
    chosen = scopes(rng)
    timings = {"network": [], "point": []}
    for index, (kind, cases) in enumerate(chosen):
        started = time.perf_counter()
        atrisk_page(cases, now)
        if index >= WARM_UP:
            timings[kind].append(1000 * (time.perf_counter() - started))
    every = timings["network"] + timings["point"]
    for kind, values in timings.items():
        print(
            f"at-risk list, {kind}: p50 {statistics.median(values):.1f} ms, p95 {p95(values):.1f} ms"
        )
    # The whole lists of the page (overdue and at risk, with their counts), for information.
    page = []
    for _kind, cases in chosen[WARM_UP : WARM_UP + 20]:
        started = time.perf_counter()
        _lists(cases, now)
        page.append(1000 * (time.perf_counter() - started))
    print(f"whole page lists (list_views._lists), 20 scopes: p50 {statistics.median(page):.1f} ms")
    # Baseline: the same list with the indexes switched off (a scan of the table), a few times.
    naive = []
    for _kind, cases in chosen[WARM_UP : WARM_UP + NAIVE_SAMPLES]:
        with transaction.atomic():
            execute("SET LOCAL enable_indexscan = off")
            execute("SET LOCAL enable_bitmapscan = off")
            execute("SET LOCAL enable_indexonlyscan = off")
            started = time.perf_counter()
            atrisk_page(cases, now)
            naive.append(1000 * (time.perf_counter() - started))
    product = statistics.median(every[:NAIVE_SAMPLES])
    print(
        f"baseline without indexes, {NAIVE_SAMPLES} scopes: p50 {statistics.median(naive):.0f} ms"
        f" (x{statistics.median(naive) / product:.0f} slower than with them on the same scopes)"
    )
    return p95(every)


def sweep_reset() -> None:
    """Undo what an earlier run recorded, so that this one does the whole day's work."""
    with transaction.atomic():
        execute(
            "UPDATE cases_case SET silence_outcome = '', silence_recorded_at = NULL"
            " WHERE silence_recorded_at IS NOT NULL"
        )
        execute("DELETE FROM cases_caseevent WHERE kind = %s", [SILENCE_EVENT])
        execute("DELETE FROM notifications_message WHERE dedup_key LIKE 'cases-digest:%%'")
    execute("VACUUM ANALYZE cases_case")
    execute("VACUUM ANALYZE notifications_message")


def one_by_one_seconds(now, sample: int = 2000) -> tuple[float, int]:
    """Baseline: the silence outcomes recorded case by case, as a loop would (rolled back)."""
    due = list(silence_due(now).select_related("procedure_type")[:sample])
    started = time.perf_counter()
    with transaction.atomic():
        for case in due:
            case.silence_outcome = case.procedure_type.silence_rule
            case.silence_recorded_at = now
            case.save(update_fields=["silence_outcome", "silence_recorded_at", "updated_at"])
            CaseEvent.objects.create(case=case, kind=SILENCE_EVENT, note=case.silence_outcome)
        transaction.set_rollback(True)
    return time.perf_counter() - started, len(due)


def measure_sweep(now) -> float:
    due = silence_due(now).count()
    print(f"silence outcomes due: {due:,}", flush=True)
    seconds, count = one_by_one_seconds(now)
    started = time.perf_counter()
    report = daily_sweep(now=now)
    sweep_s = time.perf_counter() - started
    print(f"daily sweep: {sweep_s:.1f} s, {report.as_dict()}", flush=True)
    started = time.perf_counter()
    again = daily_sweep(now=now)
    print(
        f"second run the same day: {time.perf_counter() - started:.1f} s, {again.as_dict()}"
        f" (changes nothing: {again.silence_recorded + again.agent_digests + again.manager_digests == 0})",
        flush=True,
    )
    if count:
        print(
            f"baseline, outcomes recorded one case at a time: {1000 * seconds / count:.2f} ms each,"
            f" {seconds / count * due:.0f} s for the {due:,} due (the sweep: all of them and every"
            f" digest in {sweep_s:.1f} s)"
        )
    with redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]) as client:
        client.flushdb()
    return sweep_s


def measure_forecast(now) -> float:
    sizes = dict(
        Case.objects.filter(status__in=Case.OPEN)
        .order_by()
        .values("network__slug")
        .annotate(n=Count("*"))
        .values_list("network__slug", "n")
    )
    largest = max(sizes, key=sizes.get)
    smallest = min(sizes, key=sizes.get)
    started = time.perf_counter()
    network_forecast(Network.objects.get(slug=smallest), now=now)
    print(
        f"forecast of {smallest} (first call, warms the calendars): {time.perf_counter() - started:.2f} s"
    )
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        result = network_forecast(Network.objects.get(slug=largest), now=now)
        runs.append(time.perf_counter() - started)
    print(
        f"forecast of {largest} ({sizes[largest]:,} open cases, {len(result.points):,} points):"
        f" {', '.join(f'{r:.2f}' for r in runs)} s; {result.breach_count:,} likely to breach,"
        f" {len(result.transfers)} transfers suggested",
        flush=True,
    )
    return statistics.median(runs)


def main() -> int:
    common.database_ready("bench_cases", "bench-cases")
    if marker() != (CASES, DATA_VERSION):
        data_load()
    else:
        print(f"Reusing the {CASES:,} cases loaded earlier", flush=True)
    open_count = Case.objects.filter(status__in=Case.OPEN).count()
    print(f"open cases: {open_count:,} ({100 * open_count / CASES:.1f}%)", flush=True)
    if os.environ.get("BENCH_LOAD_ONLY"):
        return 0
    # What an earlier run's sweep recorded is undone first, and the table vacuumed (as
    # autovacuum would have done since), so that every run measures the same state.
    print("Resetting what an earlier sweep recorded...", flush=True)
    sweep_reset()
    now = timezone.now()
    rng = random.Random(SEED)
    atrisk_ms = measure_atrisk(rng, now)
    forecast_s = measure_forecast(now)
    sweep_s = measure_sweep(now)
    print(f"RESULT atrisk_p95_ms={atrisk_ms:.1f} sweep_s={sweep_s:.1f} forecast_s={forecast_s:.2f}")
    return 0 if atrisk_ms <= 50 and sweep_s <= 60 and forecast_s <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
