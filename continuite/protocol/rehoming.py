"""Rehoming: every appointment a service point can no longer hold is converted, moved or
cancelled with a call-back, by its network's rules, in a background job that resumes where it
stopped and never handles an appointment twice.

Per appointment, in this order: a phone appointment at the same time, when the reason can be
served by phone and the network allows it; else the nearest open service point of the same
network with a free slot for the reason, the slot closest in time; else a cancellation with a
call-back request. The writes are set-based (`appointments.rehome`), a batch per transaction:
a worker killed in the middle loses at most one uncommitted batch, which the next one redoes.
"""

import logging
import time
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from continuite.appointments.models import Appointment, Mode
from continuite.appointments.rehome import (
    Decision,
    Outcome,
    ReasonClosures,
    affected_appointment_ids,
    appointments_rehome,
    free_places,
)
from continuite.appointments.slots import HORIZON_DAYS
from continuite.core.geo import bounding_box, haversine_km
from continuite.service_points.models import CrisisStatus, ServicePoint

from .models import RehomingOutcome, RehomingRules, RehomingRun

logger = logging.getLogger(__name__)

# Times a move may find its slot taken by a booking meanwhile before the appointment is cancelled.
MAX_MOVE_TRIES = 3
# Times a batch is tried again after a deadlock rolled it back.
DEADLOCK_TRIES = 3
UNFINISHED = (RehomingRun.Status.QUEUED, RehomingRun.Status.RUNNING)

# Sent after commit when a run is to be started now (run_id=...): the tasks module starts it on
# a worker. A closure's run is not: it starts once the closure is in the slots (`runs_waiting`).
run_requested = Signal()


def rehoming_request(
    *, service_point: ServicePoint, trigger: str, closure=None, actor=None
) -> RehomingRun | None:
    """A rehoming run for the service point, started by a worker after commit.

    A drop of capacity while a run of the service point is waiting or in progress joins it
    (that run looks for affected appointments again after each batch), and one that leaves no
    appointment to rehome (another run already did) starts nothing: None. A closure's run
    waits for the slot sync its closure queued (what the service point can no longer hold is
    what its slots no longer hold): the sync's end starts it.
    """
    if trigger == RehomingRun.Trigger.CAPACITY:
        current = RehomingRun.objects.filter(service_point=service_point, status__in=UNFINISHED)
        if (run := current.first()) is not None:
            return run
        if not affected_appointment_ids(service_point.pk, timezone.now()):
            return None
    run = RehomingRun.objects.create(
        service_point=service_point,
        trigger=trigger,
        closure=closure,
        requested_by=actor if actor is not None and actor.is_authenticated else None,
    )
    if trigger != RehomingRun.Trigger.CLOSURE:
        transaction.on_commit(
            lambda: run_requested.send(sender=RehomingRun, run_id=run.pk), robust=True
        )
    return run


def runs_waiting(service_point_id: int) -> list[int]:
    """The runs of a service point not started yet: its slots are now in line, start them."""
    return list(
        RehomingRun.objects.filter(
            service_point_id=service_point_id, status=RehomingRun.Status.QUEUED
        ).values_list("pk", flat=True)
    )


def _open_neighbours(point: ServicePoint, radius_km: int, now: datetime) -> list[int]:
    """The other service points of the network within the radius and not closed now, nearest
    first."""
    nearby = []
    for pk, lat, lon in (
        ServicePoint.objects.filter(network_id=point.network_id)
        .exclude(pk=point.pk)
        .in_box(*bounding_box(point.latitude, point.longitude, radius_km))
        .values_list("pk", "latitude", "longitude")
    ):
        distance = haversine_km(point.latitude, point.longitude, lat, lon)
        if distance <= radius_km:
            nearby.append((distance, pk))
    closed_now = set(
        ServicePoint.objects.filter(pk__in=[pk for _distance, pk in nearby])
        .with_status_at(now)
        .filter(status_in_force=CrisisStatus.CLOSED)
        .values_list("pk", flat=True)
    )
    return [pk for _distance, pk in sorted(nearby) if pk not in closed_now]


class Planner:
    """Decides, appointment by appointment, what becomes of it, by the network's rules.

    The free places are the appointments app's answer, read once for the whole run; the
    planner only chooses among them: the nearest open neighbour first, within the network's
    distance and shift of days.
    """

    def __init__(self, point: ServicePoint, rules: RehomingRules, now: datetime):
        self.point, self.rules, self.now = point, rules, now
        self.own_closures = ReasonClosures([point.pk])
        self.tries: Counter = Counter()
        self.neighbours: list[int] = []
        self.places = None
        if rules.move_to_other_points and point.latitude is not None:
            neighbours = _open_neighbours(point, rules.max_distance_km, now)
            if neighbours:
                self.places = free_places(
                    neighbours, now=now, horizon_days=HORIZON_DAYS + rules.max_shift_days
                )
                offered = self.places.offered_by()
                self.neighbours = [pk for pk in neighbours if pk in offered]

    def decide(self, appointment: Appointment) -> Decision:
        if self._by_phone(appointment):
            return Decision(appointment.pk, Outcome.PHONE)
        if self.tries[appointment.pk] < MAX_MOVE_TRIES:
            within = timedelta(days=self.rules.max_shift_days)
            for point_id in self.neighbours:
                place = self.places.nearest(point_id, appointment, within=within)
                if place is not None:
                    self.places.take(place)
                    return Decision(appointment.pk, Outcome.MOVED, place.slot_id)
        return Decision(appointment.pk, Outcome.CANCELLED)

    def _by_phone(self, appointment: Appointment) -> bool:
        """Converted to a phone appointment at the same time, when the reason is served by
        phone, open then, and the network allows it."""
        return (
            self.rules.convert_to_phone
            and appointment.mode == Mode.ON_SITE
            and appointment.reason.by_phone
            and not self.own_closures.closed(
                self.point.pk,
                appointment.reason_id,
                appointment.starts_at,
                appointment.ends_at,
                self.point.time_zone,
            )
        )

    def retry(self, appointment_ids: list[int], decisions: dict[int, Decision]) -> None:
        """A move found its slot taken by a booking meanwhile: that slot is full, try again."""
        for appointment_id in appointment_ids:
            self.tries[appointment_id] += 1
            self.places.full(decisions[appointment_id].slot_id)


def _claim(run_id: int, now: datetime) -> bool:
    """Take the run for this worker, unless another holds a lease that has not passed."""
    lease = now + timedelta(seconds=settings.REHOMING_LEASE_SECONDS)
    claimed = (
        RehomingRun.objects.filter(pk=run_id, status__in=UNFINISHED)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
        .update(status=RehomingRun.Status.RUNNING, lease_expires_at=lease)
    )
    return bool(claimed)


def rehoming_run(run_id: int) -> RehomingRun | None:
    """Carry out a run to the end, batch by batch; safe to start again at any point.

    Returns None when another worker holds the run.
    """
    if not _claim(run_id, timezone.now()):
        return None
    run = RehomingRun.objects.select_related("service_point__network", "closure").get(pk=run_id)
    if run.started_at is None:
        run.started_at = timezone.now()
    run.starts += 1
    run.save(update_fields=["started_at", "starts"])
    try:
        _run(run)
    except Exception as error:
        logger.exception("rehoming run %s stopped", run.pk)
        RehomingRun.objects.filter(pk=run.pk).update(
            status=RehomingRun.Status.FAILED, error=str(error)[:2000], lease_expires_at=None
        )
        raise
    run.refresh_from_db()
    return run


def _note(run: RehomingRun) -> str:
    if run.closure is not None:
        return run.closure.label[:300]
    return str(run.get_trigger_display())


def _run(run: RehomingRun) -> None:
    point = run.service_point
    now = timezone.now()
    planner = Planner(point, RehomingRules.for_network(point.network), now)
    note = _note(run) or _("Service point closed")
    while True:
        for attempt in range(1, DEADLOCK_TRIES + 1):
            try:
                more = _batch(run, planner, note, now)
                break
            except OperationalError:
                # A deadlock with a booking or a slot sync rolled the batch back: do it again.
                if attempt == DEADLOCK_TRIES:
                    raise
                logger.warning("rehoming run %s: batch rolled back, trying again", run.pk)
                time.sleep(0.2 * attempt)
        if not more:
            return
        if settings.REHOMING_BATCH_PAUSE_MS:
            time.sleep(settings.REHOMING_BATCH_PAUSE_MS / 1000)


@transaction.atomic
def _batch(run: RehomingRun, planner: Planner, note: str, now: datetime) -> bool:
    """Rehome the next batch in one transaction; False when nothing is left to do."""
    # Holding the run's row: a second worker taking over a lapsed lease waits here.
    locked = RehomingRun.objects.select_for_update().get(pk=run.pk)
    if locked.finished:
        return False
    ids = affected_appointment_ids(run.service_point_id, now)
    if not ids:
        _finish(locked)
        return False
    batch = list(
        Appointment.objects.filter(pk__in=ids[: settings.REHOMING_BATCH_SIZE])
        .select_related("reason")
        .order_by("starts_at", "pk")
    )
    decisions = {a.pk: planner.decide(a) for a in batch}
    done, retry = appointments_rehome(
        list(decisions.values()), note=note, dedup_prefix=f"rehoming:{run.pk}", now=now
    )
    planner.retry(retry, decisions)
    RehomingOutcome.objects.bulk_create(
        [
            RehomingOutcome(
                run_id=run.pk,
                appointment_id=d.appointment_id,
                outcome=d.outcome,
                new_appointment_id=d.new_appointment_id,
                callback_id=d.callback_id,
                message_id=d.message_id,
            )
            for d in done
        ]
    )
    counts = Counter(d.outcome for d in done)
    locked.processed += len(done)
    locked.total = max(locked.total, locked.processed + len(ids) - len(done))
    locked.moved += counts[Outcome.MOVED]
    locked.phone += counts[Outcome.PHONE]
    locked.cancelled += counts[Outcome.CANCELLED]
    locked.lease_expires_at = timezone.now() + timedelta(seconds=settings.REHOMING_LEASE_SECONDS)
    locked.save(
        update_fields=["processed", "total", "moved", "phone", "cancelled", "lease_expires_at"]
    )
    return True


def _finish(run: RehomingRun) -> None:
    run.status, run.finished_at, run.lease_expires_at = (
        RehomingRun.Status.DONE,
        timezone.now(),
        None,
    )
    run.total = max(run.total, run.processed)
    run.save(update_fields=["status", "finished_at", "lease_expires_at", "total"])


def runs_to_resume(now: datetime) -> list[int]:
    """Runs left unfinished by a stopped worker: lease passed, or never started after a minute."""
    stale = Q(status=RehomingRun.Status.RUNNING, lease_expires_at__lt=now) | Q(
        status=RehomingRun.Status.QUEUED, created_at__lt=now - timedelta(minutes=1)
    )
    return list(RehomingRun.objects.filter(stale).values_list("pk", flat=True))
