"""Benchmark of a closure: 5,000 future appointments rehomed, each person told, none lost.

Data (rebuilt at each run in its own PostgreSQL database, `continuite_bench_closure`): a
France Services counter in Lyon with 5,000 appointments over the next 90 days, spread over
three reasons (one that can be served by phone, one that the neighbours also serve, one that
no neighbour serves), and 20 open France Services of the same network within 12 km, each
with its own free slots over 90 days. 40 people of the 5,000 gave an email address.

What is measured: the wall-clock time from declaring the full closure (`closure_declare`,
as the site manager's form does), through the slot sync it queues (`sync_slots`, the Celery
task, whose end starts the run), to the end of its rehoming run (`rehoming_run`, what the
Celery task runs), when every appointment is converted, moved or cancelled with a call-back
and every message is in the outbox with its delivery queued on Redis (a queue of this
benchmark, emptied at the end: nothing is sent).

Baseline, same run: 300 appointments of a second closed counter rehomed one at a time, each
in its own transaction, by the same writes; the ratio is per appointment.

Checks after the run, each printed: `lost` counts the appointments that are neither
converted, nor moved to an active appointment, nor cancelled with an open call-back, plus
any still holding a seat of the closed counter; the outbox must hold exactly one message per
appointment; no slot may be overbooked.

Run with `make bench-closure`; the last line reads
`RESULT rehome_s=<n> moved=<a> phone=<b> cancelled_with_callback=<c> lost=<d> speedup_vs_one_by_one=<x>`.
"""

import os
import random
import sys
import time
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "continuite.settings")
# Delivery tasks go to a Redis database of this benchmark, never to a running worker.
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")
os.environ.setdefault("CELERY_RESULT_BACKEND", "")

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402

from continuite.appointments.models import (  # noqa: E402
    Appointment,
    CallbackRequest,
    Mode,
    OpeningRange,
    Person,
    Reason,
    Slot,
)
from continuite.appointments.rehome import (  # noqa: E402
    affected_appointment_ids,
    appointments_rehome,
)
from continuite.appointments.services import new_reference  # noqa: E402
from continuite.appointments.slots import slots_sync  # noqa: E402
from continuite.appointments.tasks import sync_slots  # noqa: E402
from continuite.core.models import Commune, Departement  # noqa: E402
from continuite.core.services import territory_load  # noqa: E402
from continuite.notifications.models import Message  # noqa: E402
from continuite.protocol.models import Closure, RehomingRules  # noqa: E402
from continuite.protocol.rehoming import Planner, rehoming_run  # noqa: E402
from continuite.protocol.services import closure_declare  # noqa: E402
from continuite.service_points.models import Network, ServicePoint  # noqa: E402

APPOINTMENTS = 5_000
BASELINE_APPOINTMENTS = 300
NEIGHBOURS = 20
SEED = 2020
LYON = (45.7640, 4.8357)


def database_ready() -> None:
    if "bench_closure" not in settings.DATABASES["default"]["NAME"]:
        sys.exit("Run through `make bench-closure` (its own database).")
    call_command("migrate", verbosity=0)
    if not Commune.objects.exists():
        print("Loading the territory (once)...", flush=True)
        territory_load()


def data_reset() -> None:
    """Empty what the previous run left (this database holds nothing else)."""
    tables = [
        "protocol_rehomingoutcome",
        "protocol_rehomingrun",
        "protocol_closure_reasons",
        "protocol_closure",
        "protocol_incident",
        "notifications_message",
        "appointments_appointmentevent",
        "appointments_callbackrequest",
        "appointments_appointment",
        "appointments_person",
        "appointments_slot",
        "appointments_openingrange_reasons",
        "appointments_openingrange",
        "appointments_closedwindow_reasons",
        "appointments_closedwindow",
        "service_points_statuschange",
        "accounts_auditlog",
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    ServicePoint.objects.filter(external_id__startswith="bench-closure-").delete()
    Reason.objects.filter(label__startswith="Bench ").delete()


def point(name: str, lat: float, lon: float) -> ServicePoint:
    return ServicePoint.objects.create(
        network=Network.objects.get(slug="france-services"),
        external_id=f"bench-closure-{name}",
        name=f"France services {name}",
        address="1 rue de la République, 69001 Lyon",
        postcode="69001",
        commune=Commune.objects.get(code="69381"),
        commune_name="Lyon",
        departement=Departement.objects.get(code="69"),
        latitude=lat,
        longitude=lon,
    )


def ranges(service_point: ServicePoint, reasons: list[Reason], agents: int) -> None:
    for weekday in range(5):
        opening_range = OpeningRange.objects.create(
            service_point=service_point,
            weekday=weekday,
            opens_at=clock(8),
            closes_at=clock(18),
            starts_on=timezone.localdate() - timedelta(days=1),
            slot_minutes=15,
            mode=Mode.ON_SITE,
            agents_on_duty=agents,
        )
        opening_range.reasons.set(reasons)


def appointments_load(service_point: ServicePoint, reasons: list[Reason], count: int, tag: str):
    """Bookings straight into the tables (setting up, not measured), seats counted like bookings."""
    rng = random.Random(f"{SEED}-{tag}")
    slots = list(
        Slot.objects.filter(service_point=service_point, starts_at__gt=timezone.now())
        .order_by("starts_at")
        .values_list("pk", "starts_at", "ends_at", "capacity")
    )
    seats = [(pk, s, e) for pk, s, e, capacity in slots for _ in range(capacity)]
    if len(seats) < count:
        sys.exit(f"only {len(seats)} seats at {service_point.name}")
    chosen = sorted(rng.sample(seats, count), key=lambda seat: seat[1])
    people = Person.objects.bulk_create(
        [Person(phone=f"+3361{tag}{index:06d}") for index in range(count)],
        batch_size=2000,
    )
    Appointment.objects.bulk_create(
        [
            Appointment(
                reference=new_reference(),
                slot_id=slot_id,
                service_point=service_point,
                reason=reasons[index % len(reasons)],
                person=people[index],
                contact_name=f"Personne {tag}-{index}",
                contact_phone=people[index].phone,
                contact_email=f"personne{index}@example.org" if index % 125 == 0 else "",
                mode=Mode.ON_SITE,
                starts_at=starts,
                ends_at=ends,
            )
            for index, (slot_id, starts, ends) in enumerate(chosen)
        ],
        batch_size=2000,
    )
    booked: dict[int, int] = {}
    for slot_id, _s, _e in chosen:
        booked[slot_id] = booked.get(slot_id, 0) + 1
    for slot_id, n in booked.items():
        Slot.objects.filter(pk=slot_id).update(booked=F("booked") + n)


def data_build():
    phone = Reason.objects.create(
        network=Network.objects.get(slug="france-services"),
        label="Bench accompagnement",
        duration_minutes=15,
        by_phone=True,
        min_notice_hours=2,
        max_horizon_days=90,
    )
    shared = Reason.objects.create(
        network=phone.network, label="Bench carte grise", duration_minutes=15, max_horizon_days=90
    )
    alone = Reason.objects.create(
        network=phone.network, label="Bench permis", duration_minutes=15, max_horizon_days=90
    )
    RehomingRules.objects.update_or_create(
        network=phone.network, defaults={"max_distance_km": 30, "max_shift_days": 14}
    )
    rng = random.Random(SEED)
    closed = point("Lyon centre", *LYON)
    baseline = point("Lyon gare", LYON[0] + 0.01, LYON[1] + 0.01)
    neighbours = [
        point(
            f"voisine {index}",
            LYON[0] + rng.uniform(-0.08, 0.08),
            LYON[1] + rng.uniform(-0.1, 0.1),
        )
        for index in range(NEIGHBOURS)
    ]
    ranges(closed, [phone, shared, alone], agents=3)
    ranges(baseline, [phone, shared], agents=1)
    for neighbour in neighbours:
        ranges(neighbour, [phone, shared], agents=3)
    for each in [closed, baseline, *neighbours]:
        slots_sync(service_point=each)
    appointments_load(closed, [phone, shared, alone], APPOINTMENTS, "1")
    appointments_load(baseline, [phone, shared], BASELINE_APPOINTMENTS, "2")
    return closed, baseline


def lost_count(service_point: ServicePoint, originals: list[int]) -> int:
    lost = 0
    for appointment in Appointment.objects.filter(pk__in=originals).select_related("moved_to"):
        if appointment.status == "booked":
            ok = appointment.mode == Mode.PHONE and not appointment.takes_seat
        elif appointment.status == "moved":
            ok = appointment.moved_to is not None and appointment.moved_to.status == "booked"
        elif appointment.status == "cancelled":
            ok = CallbackRequest.objects.filter(
                person_id=appointment.person_id, origin="closure", status="open"
            ).exists()
        else:
            ok = False
        lost += not ok
    lost += Appointment.objects.filter(pk__in=originals, status="booked", takes_seat=True).count()
    return lost


def one_by_one_seconds(service_point: ServicePoint) -> tuple[float, int]:
    """The baseline: the same decisions and writes, one appointment per transaction."""
    with transaction.atomic():
        Closure.objects.create(
            service_point=service_point,
            scope=Closure.Scope.FULL,
            starts_at=timezone.now(),
            label="Bench baseline",
        )
        from continuite.service_points.services import service_point_set_status

        service_point_set_status(
            service_point=service_point,
            status="closed",
            reason="Bench baseline",
            starts_at=timezone.now(),
            ends_at=None,
            actor=None,
        )
    started = time.perf_counter()
    slots_sync(service_point=service_point)
    now = timezone.now()
    planner = Planner(service_point, RehomingRules.for_network(service_point.network), now)
    handled = 0
    for appointment_id in affected_appointment_ids(service_point.pk, now):
        with transaction.atomic():
            appointment = Appointment.objects.select_related("reason").get(pk=appointment_id)
            done, _retry = appointments_rehome(
                [planner.decide(appointment)],
                note="Bench baseline",
                dedup_prefix="bench-baseline",
                now=now,
            )
            handled += len(done)
    return time.perf_counter() - started, handled


def main() -> int:
    database_ready()
    data_reset()
    print("Building the data...", flush=True)
    closed, baseline = data_build()
    originals = list(Appointment.objects.filter(service_point=closed).values_list("pk", flat=True))
    print(f"{len(originals)} appointments at {closed.name}; {NEIGHBOURS} neighbours", flush=True)

    started = time.perf_counter()
    with transaction.atomic():
        _closure, run = closure_declare(
            service_point=closed,
            scope=Closure.Scope.FULL,
            starts_at=timezone.now(),
            ends_at=None,
            label="Agents malades",
            actor=None,
        )
    declared = time.perf_counter() - started
    # What the workers do next: the one slot sync the closure queued, then the run it starts.
    sync_slots(closed.pk)
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
        run = profiler.runcall(rehoming_run, run.pk)
        profiler.dump_stats(os.environ["BENCH_PROFILE"])
    else:
        run = rehoming_run(run.pk)
    rehome_s = time.perf_counter() - started
    print(f"closure declared in {declared:.2f} s; rehoming run {run.status} after {rehome_s:.2f} s")
    print(
        f"total={run.total} moved={run.moved} phone={run.phone} cancelled={run.cancelled}"
        f" batches_started={run.starts}"
    )
    messages = Message.objects.filter(dedup_key__startswith=f"rehoming:{run.pk}:").count()
    lost = lost_count(closed, originals)
    overbooked = Slot.objects.filter(booked__gt=F("capacity"), over_capacity=False).count()
    print(f"messages in the outbox: {messages} (one per appointment: {messages == len(originals)})")
    print(f"lost: {lost}; overbooked slots: {overbooked}")

    baseline_s, baseline_n = one_by_one_seconds(baseline)
    per_bulk = rehome_s / max(run.total, 1)
    per_one = baseline_s / max(baseline_n, 1)
    print(
        f"one by one: {baseline_n} appointments in {baseline_s:.2f} s"
        f" ({1000 * per_one:.2f} ms each; in bulk {1000 * per_bulk:.2f} ms each)"
    )
    with redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]) as client:
        client.flushdb()
    ok = (
        lost == 0
        and overbooked == 0
        and messages == len(originals)
        and run.phone + run.moved + run.cancelled == len(originals)
    )
    print(
        f"RESULT rehome_s={rehome_s:.2f} moved={run.moved} phone={run.phone}"
        f" cancelled_with_callback={run.cancelled} lost={lost}"
        f" speedup_vs_one_by_one={per_one / per_bulk:.1f}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
