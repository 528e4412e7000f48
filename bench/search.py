"""Benchmark of the public search: the 20 nearest service points not closed, at national scale.

What is measured: the wall-clock time of `nearest_service_points(lat, lon, limit=20)` (the
product's query, growing boxes on the latitude/longitude index, with each point's status in
force and today's hours) for 1,000 random postcodes, in PostgreSQL. The places are resolved
beforehand, so only the search itself is timed; 20 warm-up searches are not counted.

Data: the real national directory (France Services and town halls, 38,456 points) plus
synthetic counters of the other networks (CAF, CPAM, France Travail, DGFiP, préfectures,
La Poste) near random commune centroids, for 60,000 points in all, and a crisis in which
about 4% of the points are closed and 5% receive by phone only. Everything is loaded once
and reused by later runs.

Baseline: a naive full scan doing the same job (every point not closed, a haversine distance
to each, sort, keep 20, then load those 20 with today's hours), timed on the first 50
postcodes. On that subset the product's answer must equal the scan's: the mismatches are
printed and the script exits non-zero if there are any.

Run with `make bench-search`; the last line reads
`RESULT search_p95_ms=<p95 of the product> speedup_vs_scan=<scan p50 / product p50>`; the
speedup is taken on medians because a p95 over 50 scans rests on two or three of them.
"""

import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "continuite.settings")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import prefetch_related_objects  # noqa: E402
from django.utils import timezone  # noqa: E402

from continuite.core.geo import haversine_km  # noqa: E402
from continuite.core.models import Commune, Postcode  # noqa: E402
from continuite.service_points.models import (  # noqa: E402
    CrisisStatus,
    Network,
    OpeningHours,
    ServicePoint,
    StatusChange,
    hours_on,
    is_within,
)
from continuite.service_points.queries import (  # noqa: E402
    Result,
    nearest_service_points,
    place_lookup,
)

TARGET_SERVICE_POINTS = 60_000
SEARCHES = 1_000
WARM_UP = 20
SCAN_SEARCHES = 50
LIMIT = 20
SEED = 2020
SYNTHETIC_PREFIX = "bench-"
CRISIS_REASON = "Benchmark crisis"
CLOSED_SHARE = 0.04
PHONE_ONLY_SHARE = 0.05
ENDED_SHARE = 0.03  # past closures that have ended: history the status subquery must skip
# Share of the synthetic counters per network (La Poste has by far the most).
SYNTHETIC_NETWORKS = {
    "la-poste": 0.50,
    "dgfip": 0.12,
    "france-travail": 0.12,
    "cpam": 0.11,
    "caf": 0.10,
    "prefecture": 0.05,
}
WEEKDAY_HOURS = [("09:00", "12:00"), ("13:30", "17:00")]


def database_ensure() -> None:
    """Create the database named in DATABASE_URL if it does not exist yet."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see `make bench-search`).")
    params = {
        "dbname": "postgres",
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as admin:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        if not admin.execute(query, [db["NAME"]]).fetchone():
            print(f"Creating database {db['NAME']}")
            admin.execute(f'CREATE DATABASE "{db["NAME"]}"')


def directory_load() -> None:
    """The real national directory: territory, France Services and town halls."""
    from continuite.core.services import territory_load
    from continuite.service_points.services import (
        FRANCE_SERVICES_FILE,
        TOWN_HALLS_FILE,
        directory_import,
        directory_is_current,
    )

    if not Commune.objects.exists():
        print("Loading the territory")
        territory_load()
    for source, path in (("france-services", FRANCE_SERVICES_FILE), ("mairies", TOWN_HALLS_FILE)):
        if not directory_is_current(source=source, path=path):
            print(f"Importing {path.name}")
            run = directory_import(source=source, path=path, wet_run=True)
            print(f"  {run.created} created, {run.updated} updated, {len(run.errors)} rejected")


def synthetic_counters_load() -> None:
    """Counters of the other networks near random communes, up to the national scale."""
    if ServicePoint.objects.filter(external_id__startswith=SYNTHETIC_PREFIX).exists():
        return
    rng = random.Random(SEED)
    count = TARGET_SERVICE_POINTS - ServicePoint.objects.count()
    if count <= 0:
        return
    print(f"Adding {count} synthetic counters")
    networks = [Network.objects.get(slug=slug) for slug in SYNTHETIC_NETWORKS]
    weights = list(SYNTHETIC_NETWORKS.values())
    communes = list(
        Commune.objects.filter(latitude__isnull=False, kind=Commune.Kind.COMMUNE)
        .order_by("code")
        .values_list("code", "name", "departement_id", "latitude", "longitude")
    )
    points = []
    for number in range(1, count + 1):
        network = rng.choices(networks, weights)[0]
        code, name, departement_id, latitude, longitude = rng.choice(communes)
        points.append(
            ServicePoint(
                network=network,
                external_id=f"{SYNTHETIC_PREFIX}{number:05d}",
                name=f"{network.short_name} {name}",
                commune_id=code,
                commune_name=name,
                departement_id=departement_id,
                # Within about 1.5 km of the centroid.
                latitude=round(latitude + rng.uniform(-0.0135, 0.0135), 6),
                longitude=round(longitude + rng.uniform(-0.0135, 0.0135), 6),
                receives_by_appointment=True,
            )
        )
    with transaction.atomic():
        ServicePoint.objects.bulk_create(points, batch_size=2000)
        hours = [
            OpeningHours(service_point=point, weekday=weekday, opens_at=opens, closes_at=closes)
            for point in points
            for weekday in range(5)
            for opens, closes in WEEKDAY_HOURS
        ]
        OpeningHours.objects.bulk_create(hours, batch_size=5000)


def crisis_load() -> None:
    """Closures and phone-only reception in force, plus closures that have already ended."""
    if StatusChange.objects.filter(reason=CRISIS_REASON).exists():
        return
    rng = random.Random(SEED)
    ids = list(ServicePoint.objects.order_by("id").values_list("id", flat=True))
    closed_count, phone_count = round(len(ids) * CLOSED_SHARE), round(len(ids) * PHONE_ONLY_SHARE)
    ended_count = round(len(ids) * ENDED_SHARE)
    chosen = rng.sample(ids, closed_count + phone_count)
    now = timezone.now()
    changes = []
    for index, point_id in enumerate(chosen):
        status = CrisisStatus.CLOSED if index < closed_count else CrisisStatus.PHONE_ONLY
        starts_at = now - timedelta(days=rng.randint(1, 10), minutes=rng.randint(0, 1440))
        changes.append(
            StatusChange(
                service_point_id=point_id,
                status=status,
                reason=CRISIS_REASON,
                starts_at=starts_at,
                ends_at=None,
            )
        )
    for point_id in rng.sample(ids, ended_count):
        starts_at = now - timedelta(days=rng.randint(15, 30))
        changes.append(
            StatusChange(
                service_point_id=point_id,
                status=CrisisStatus.CLOSED,
                reason=CRISIS_REASON,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(days=rng.randint(1, 10)),
            )
        )
    print(f"Recording the crisis: {closed_count} closed, {phone_count} phone only")
    StatusChange.objects.bulk_create(changes, batch_size=5000)


def places_pick():
    """SEARCHES random postcodes of located communes, resolved to places (not timed)."""
    codes = sorted(
        set(Postcode.objects.filter(commune__latitude__isnull=False).values_list("code", flat=True))
    )
    picked = random.Random(SEED).sample(codes, min(SEARCHES, len(codes)))
    places = []
    for code in picked:
        place = place_lookup(code).place
        if place is not None:
            places.append((code, place))
    return places


def scan_nearest(latitude: float, longitude: float, at) -> list[Result]:
    """The baseline: every point not closed, a distance to each, then the nearest loaded."""
    rows = (
        ServicePoint.objects.not_closed_at(at)
        .filter(latitude__isnull=False)
        .order_by()
        .values_list("id", "latitude", "longitude")
    )
    ranked = sorted(
        (haversine_km(latitude, longitude, lat, lon), point_id) for point_id, lat, lon in rows
    )[:LIMIT]
    points = (
        ServicePoint.objects.with_status_at(at)
        .select_related("network")
        .in_bulk([point_id for _distance, point_id in ranked])
    )
    prefetch_related_objects(list(points.values()), "opening_hours", "opening_exceptions")
    results = []
    for distance, point_id in ranked:
        point = points[point_id]
        local = point.local_now(at)
        ranges, note = hours_on(point, local.date())
        open_now = point.status_in_force != CrisisStatus.CLOSED and is_within(ranges, local.time())
        results.append(Result(point, distance, point.status_in_force, ranges, note, open_now))
    return results


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return value, (time.perf_counter() - started) * 1000


def p50(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def describe(label: str, values: list[float]) -> None:
    print(f"{label}: p50 {p50(values):.1f} ms, p95 {p95(values):.1f} ms")


def same_answer(product: list[Result], scan: list[Result]) -> bool:
    """Same ids in the same order; a different point at an equal distance is no mismatch."""
    if [r.point.pk for r in product] == [r.point.pk for r in scan]:
        return True
    if len(product) != len(scan):
        return False
    pairs = zip(product, scan, strict=True)
    return all(abs(a.distance_km - b.distance_km) < 1e-9 for a, b in pairs)


def main() -> int:
    database_ensure()
    call_command("migrate", verbosity=0)
    directory_load()
    synthetic_counters_load()
    crisis_load()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    at = timezone.now()
    total = ServicePoint.objects.filter(latitude__isnull=False).count()
    closed = total - ServicePoint.objects.not_closed_at(at).filter(latitude__isnull=False).count()
    phone_only = (
        ServicePoint.objects.with_status_at(at)
        .filter(latitude__isnull=False, status_in_force=CrisisStatus.PHONE_ONLY)
        .count()
    )
    print(f"Service points located: {total} ({closed} closed, {phone_only} phone only)")

    places = places_pick()
    print(f"Places: {len(places)} postcodes resolved")

    for _code, place in places[:WARM_UP]:
        nearest_service_points(place.latitude, place.longitude, limit=LIMIT, at=at)
    product_ms, product_answers = [], []
    for _code, place in places:
        answer, ms = timed(
            nearest_service_points, place.latitude, place.longitude, limit=LIMIT, at=at
        )
        product_ms.append(ms)
        product_answers.append(answer)

    scan_ms, mismatches = [], []
    for index, (code, place) in enumerate(places[:SCAN_SEARCHES]):
        answer, ms = timed(scan_nearest, place.latitude, place.longitude, at)
        scan_ms.append(ms)
        if not same_answer(product_answers[index], answer):
            mismatches.append(code)
    product_subset_ms = product_ms[:SCAN_SEARCHES]

    print()
    describe(f"Product, {len(product_ms)} searches", product_ms)
    describe(f"Product, first {len(product_subset_ms)} searches", product_subset_ms)
    describe(f"Full scan, same {len(scan_ms)} searches", scan_ms)
    speedup_p50 = p50(scan_ms) / p50(product_subset_ms)
    speedup_p95 = p95(scan_ms) / p95(product_subset_ms)
    print(f"Speedup vs full scan (same searches): p50 x{speedup_p50:.1f}, p95 x{speedup_p95:.1f}")
    print(f"Mismatches with the full scan: {len(mismatches)} of {len(scan_ms)}", end="")
    print(f" ({', '.join(mismatches)})" if mismatches else "")
    print("speedup_vs_scan below is computed on p50 (scan p50 / product p50, same searches)")
    print(f"RESULT search_p95_ms={p95(product_ms):.1f} speedup_vs_scan={speedup_p50:.1f}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
