"""Rehoming: every appointment a service point can no longer hold is converted, moved or
cancelled with a call-back, by its network's rules, in a background job that resumes where it
stopped and never handles an appointment twice.

Per appointment, in this order: a phone appointment at the same time, when the reason can be
served by phone and the network allows it; else the nearest open service point of the same
network with a free slot for the reason, the slot closest in time; else a cancellation with a
call-back request. The writes are set-based (`appointments.rehome`), a batch per transaction:
a worker killed in the middle loses at most one uncommitted batch, which the next one redoes.
"""

import bisect
import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from continuite.appointments.models import Appointment, ClosedWindow, Mode, OpeningRange, Slot
from continuite.appointments.rehome import (
    Decision,
    Outcome,
    affected_appointment_ids,
    appointments_rehome,
)
from continuite.appointments.slots import slots_sync
from continuite.core.geo import bounding_box, haversine_km
from continuite.service_points.models import CrisisStatus, ServicePoint

from .models import RehomingOutcome, RehomingRules, RehomingRun

logger = logging.getLogger(__name__)

# Times a move may find its slot taken by a booking meanwhile before the appointment is cancelled.
MAX_MOVE_TRIES = 3
# Times a batch is tried again after a deadlock rolled it back.
DEADLOCK_TRIES = 3
UNFINISHED = (RehomingRun.Status.QUEUED, RehomingRun.Status.RUNNING)


def rehoming_request(
    *, service_point: ServicePoint, trigger: str, closure=None, actor=None
) -> RehomingRun | None:
    """A rehoming run for the service point, started by a worker after commit.

    A drop of capacity while a run of the service point is waiting or in progress joins it
    (that run looks for affected appointments again after each batch), and one that leaves no
    appointment to rehome (another run already did) starts nothing: None.
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
    from .tasks import run_rehoming

    transaction.on_commit(lambda: run_rehoming.delay(run.pk), robust=True)
    return run


@dataclass
class _Free:
    """A free slot as the planner sees it: seats are counted down as it hands them out."""

    starts_at: datetime
    slot_id: int
    ends_at: datetime
    range_id: int
    free: int


@dataclass
class _Candidate:
    point_id: int
    distance_km: float
    # Per (mode, reason), free slots sorted by start, with their starts alone for bisect.
    slots: dict[tuple[str, int], list[_Free]] = field(default_factory=dict)
    starts: dict[tuple[str, int], list[datetime]] = field(default_factory=dict)
    reason_closures: list[tuple[ClosedWindow, frozenset[int]]] = field(default_factory=list)


class Planner:
    """Decides, appointment by appointment, what becomes of it; reads the network once."""

    def __init__(self, point: ServicePoint, rules: RehomingRules, now: datetime):
        self.point, self.rules, self.now = point, rules, now
        self.tz = point.time_zone
        self.candidates: list[_Candidate] = []
        self.range_reasons: dict[int, set[int]] = defaultdict(set)
        self.own_closures = _reason_closures([point.pk]).get(point.pk, [])
        self.tries: Counter = Counter()
        if rules.move_to_other_points and point.latitude is not None:
            self._load_candidates()

    def _load_candidates(self) -> None:
        point, radius = self.point, self.rules.max_distance_km
        nearby = []
        for pk, lat, lon in (
            ServicePoint.objects.filter(network_id=point.network_id)
            .exclude(pk=point.pk)
            .in_box(*bounding_box(point.latitude, point.longitude, radius))
            .values_list("pk", "latitude", "longitude")
        ):
            distance = haversine_km(point.latitude, point.longitude, lat, lon)
            if distance <= radius:
                nearby.append(_Candidate(pk, distance))
        if not nearby:
            return
        by_id = {c.point_id: c for c in nearby}
        horizon = self.now + timedelta(days=90 + self.rules.max_shift_days)
        rows = (
            Slot.objects.bookable()
            .filter(service_point_id__in=list(by_id), starts_at__gt=self.now, starts_at__lt=horizon)
            .order_by("starts_at", "pk")
            .values_list(
                "pk",
                "service_point_id",
                "opening_range_id",
                "mode",
                "starts_at",
                "ends_at",
                "capacity",
                "held_for_emergencies",
                "booked",
            )
        )
        rows = list(rows)
        for range_id, reason_id in OpeningRange.reasons.through.objects.filter(
            openingrange_id__in={row[2] for row in rows}
        ).values_list("openingrange_id", "reason_id"):
            self.range_reasons[range_id].add(reason_id)
        # Each free slot is listed under every reason its range serves (the same object, so
        # that a seat handed out for one reason is gone for the others).
        for pk, point_id, range_id, mode, starts, ends, capacity, held, booked in rows:
            free = _Free(starts, pk, ends, range_id, capacity - held - booked)
            for reason_id in self.range_reasons.get(range_id, ()):
                by_id[point_id].slots.setdefault((mode, reason_id), []).append(free)
        closures = _reason_closures(list(by_id))
        closed_now = set(
            ServicePoint.objects.filter(pk__in=list(by_id))
            .with_status_at(self.now)
            .filter(status_in_force=CrisisStatus.CLOSED)
            .values_list("pk", flat=True)
        )
        for candidate in nearby:
            candidate.reason_closures = closures.get(candidate.point_id, [])
            candidate.starts = {
                key: [s.starts_at for s in slots] for key, slots in candidate.slots.items()
            }
        self.candidates = sorted(
            (c for c in nearby if c.slots and c.point_id not in closed_now),
            key=lambda c: (c.distance_km, c.point_id),
        )

    def decide(self, appointment: Appointment) -> Decision:
        reason = appointment.reason
        if (
            self.rules.convert_to_phone
            and appointment.mode == Mode.ON_SITE
            and reason.by_phone
            and not _reason_closed(self.own_closures, reason.pk, appointment, self.tz)
        ):
            return Decision(appointment.pk, Outcome.PHONE)
        if self.tries[appointment.pk] < MAX_MOVE_TRIES:
            for candidate in self.candidates:
                free = self._closest(candidate, appointment)
                if free is not None:
                    free.free -= 1
                    return Decision(appointment.pk, Outcome.MOVED, free.slot_id)
        return Decision(appointment.pk, Outcome.CANCELLED)

    def retry(self, appointment_ids: list[int], decisions: dict[int, Decision]) -> None:
        """A move found its slot taken by a booking meanwhile: that slot is full, try again."""
        for appointment_id in appointment_ids:
            self.tries[appointment_id] += 1
            slot_id = decisions[appointment_id].slot_id
            for candidate in self.candidates:
                for slots in candidate.slots.values():
                    for free in slots:
                        if free.slot_id == slot_id:
                            free.free = 0

    def _closest(self, candidate: _Candidate, appointment: Appointment) -> _Free | None:
        """The free slot of a candidate closest in time to the appointment, within the rules."""
        reason = appointment.reason
        key = (appointment.mode, reason.pk)
        slots = candidate.slots.get(key)
        if not slots:
            return None
        wanted = appointment.starts_at
        duration = timedelta(minutes=reason.duration_minutes)
        shift = timedelta(days=self.rules.max_shift_days)
        earliest = max(wanted - shift, self.now + timedelta(hours=reason.min_notice_hours))
        latest = wanted + shift
        starts = candidate.starts[key]
        right = bisect.bisect_left(starts, wanted)
        left = right - 1
        count = len(slots)
        while True:
            before = slots[left] if left >= 0 and starts[left] >= earliest else None
            after = slots[right] if right < count and starts[right] <= latest else None
            if before is None and after is None:
                return None
            if after is None or (
                before is not None and wanted - before.starts_at <= after.starts_at - wanted
            ):
                chosen, left = before, left - 1
            else:
                chosen, right = after, right + 1
            if (
                chosen.free > 0
                and chosen.ends_at - chosen.starts_at >= duration
                and not (
                    candidate.reason_closures
                    and _reason_closed_at(
                        candidate.reason_closures,
                        reason.pk,
                        chosen.starts_at,
                        chosen.ends_at,
                        self.tz,
                    )
                )
            ):
                return chosen


def _reason_closures(point_ids: list[int]) -> dict[int, list[tuple[ClosedWindow, frozenset[int]]]]:
    """Partial closures of some reasons, per service point."""
    found = defaultdict(list)
    for window in (
        ClosedWindow.objects.filter(service_point_id__in=point_ids, reasons__isnull=False)
        .distinct()
        .prefetch_related("reasons")
    ):
        found[window.service_point_id].append(
            (window, frozenset(r.pk for r in window.reasons.all()))
        )
    return found


def _reason_closed_at(closures, reason_id, starts_at, ends_at, tz) -> bool:
    return any(
        reason_id in reasons and window.covers(starts_at, ends_at, tz)
        for window, reasons in closures
    )


def _reason_closed(closures, reason_id, appointment, tz) -> bool:
    return _reason_closed_at(closures, reason_id, appointment.starts_at, appointment.ends_at, tz)


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
    # The closure (or the change of capacity) is turned into slots first: what the service
    # point can no longer hold is what its slots no longer hold.
    slots_sync(service_point=point)
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
