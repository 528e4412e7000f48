"""Slot planning: which slots a service point offers, with how many seats, and keeping them in sync.

Capacity of a slot = the smaller of the agents on duty in its range and the room the health
protocol leaves: on-site slots that overlap in time share the protocol's people-present limit.
Phone and video ranges receive nobody on site and only count their agents.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from continuite.core import territory
from continuite.core.bulk import update_from_values
from continuite.service_points.models import (
    CrisisStatus,
    OpeningException,
    ServicePoint,
    StatusChange,
    staffing,
    status_among,
)

from .models import ClosedWindow, HealthProtocol, Mode, OpeningRange, Slot
from .signals import capacity_dropped

HORIZON_DAYS = 90


@dataclass(frozen=True)
class PlannedSlot:
    range_id: int
    mode: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    held: int


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    removed: int = 0
    over_capacity: list[int] = field(default_factory=list)


def _day_window(day: date, exceptions: list[OpeningException]) -> tuple[time, time] | None | bool:
    """False when the day is closed by an exception, a window when it has exceptional hours, else None."""
    for exception in exceptions:
        if exception.start_on <= day <= exception.end_on:
            return False if exception.closed else (exception.opens_at, exception.closes_at)
    return None


def plan_slots(
    *,
    ranges: list[OpeningRange],
    protocol: HealthProtocol | None,
    exceptions: list[OpeningException],
    departement_code: str,
    start_on: date,
    end_on: date,
    presences: dict[date, tuple[int, int]] | None = None,
    statuses: list[StatusChange] | None = None,
    closed_windows: list[tuple[ClosedWindow, frozenset[int]]] | None = None,
    range_reasons: dict[int, frozenset[int]] | None = None,
) -> list[PlannedSlot]:
    """Every slot from start_on to end_on (inclusive), in the service point's own time zone.

    No slot on a public holiday of the territory or a day closed by an exception; on a day of
    exceptional hours, only the slots that fit in them. Within a range, slots are separated by
    the protocol's buffer. On a day whose presences are recorded ((on site, teleworking)
    agents), on-site slots have no more seats than agents on site, and phone or video slots no
    more than agents on site or teleworking.

    No slot while the crisis status is closed, and no on-site slot while it is phone only or
    emergency counter only. No slot in a closed window (a partial closure) that closes every
    reason its range serves ((window, reason ids) pairs; no id: every reason).
    """
    presences = presences or {}
    statuses, range_reasons = statuses or [], range_reasons or {}
    windows = closed_windows or []

    def closed(opening_range: OpeningRange, starts_at: datetime, ends_at: datetime) -> bool:
        status = status_among(statuses, starts_at) if statuses else CrisisStatus.OPEN
        if status == CrisisStatus.CLOSED or (
            opening_range.mode == Mode.ON_SITE
            and status in (CrisisStatus.PHONE_ONLY, CrisisStatus.EMERGENCY_ONLY)
        ):
            return True
        served = range_reasons.get(opening_range.pk, frozenset())
        return any(
            window.covers(starts_at, ends_at, tz) and (not reasons or served <= reasons)
            for window, reasons in windows
        )

    tz = territory.time_zone(departement_code)
    buffer = timedelta(minutes=protocol.buffer_minutes if protocol else 0)
    planned: list[PlannedSlot] = []
    day = start_on
    while day <= end_on:
        window = _day_window(day, exceptions)
        if window is not False and not territory.public_holiday(departement_code, day):
            planned.extend(
                _plan_day(day, ranges, protocol, window, tz, buffer, presences.get(day), closed)
            )
        day += timedelta(days=1)
    return planned


def _plan_day(day, ranges, protocol, window, tz, buffer, staff, closed) -> list[PlannedSlot]:
    day_slots: list[PlannedSlot] = []
    on_site_taken: list[PlannedSlot] = []
    todays = [
        r
        for r in ranges
        if r.weekday == day.weekday()
        and r.starts_on <= day
        and (r.ends_on is None or day <= r.ends_on)
    ]
    for opening_range in sorted(todays, key=lambda r: (r.opens_at, r.pk)):
        length = timedelta(minutes=opening_range.slot_minutes)
        start = datetime.combine(day, opening_range.opens_at, tzinfo=tz)
        end_of_range = datetime.combine(day, opening_range.closes_at, tzinfo=tz)
        while start + length <= end_of_range:
            ends = start + length
            if (
                window is None
                or (window[0] <= start.time() and ends.time() <= window[1] and ends.date() == day)
            ) and not closed(opening_range, start, ends):
                capacity = opening_range.agents_on_duty
                if staff is not None:
                    on_site, remote = staff
                    capacity = min(
                        capacity,
                        on_site if opening_range.mode == Mode.ON_SITE else on_site + remote,
                    )
                if opening_range.mode == Mode.ON_SITE and protocol:
                    present = sum(
                        s.capacity
                        for s in on_site_taken
                        if s.starts_at < ends and start < s.ends_at
                    )
                    capacity = min(capacity, protocol.max_people_present - present)
                if capacity > 0:
                    share = protocol.emergency_share_percent if protocol else 0
                    held = (
                        min(capacity, math.ceil(capacity * share / 100))
                        if opening_range.mode == Mode.ON_SITE
                        else 0
                    )
                    slot = PlannedSlot(
                        opening_range.pk, opening_range.mode, start, ends, capacity, held
                    )
                    day_slots.append(slot)
                    if opening_range.mode == Mode.ON_SITE:
                        on_site_taken.append(slot)
            start = ends + buffer
    return day_slots


def release_threshold(now: datetime) -> datetime:
    """Seats held for emergencies are released the day before: from now on, slots before this instant."""
    return now + timedelta(days=1)


@transaction.atomic
def slots_sync(
    *, service_point: ServicePoint, now: datetime | None = None, horizon_days: int = HORIZON_DAYS
) -> SyncReport:
    """Bring a service point's future slots in line with its ranges, protocol and exceptions.

    Never deletes a booking: a booked slot that disappears, or whose seats drop below its
    bookings, is kept and marked over capacity, for the closure flow to rehome its appointments.
    Safe to run again: it changes only what differs.
    """
    now = now or timezone.now()
    ServicePoint.objects.select_for_update().filter(pk=service_point.pk).first()
    local_today = now.astimezone(service_point.time_zone).date()
    planned = plan_slots(
        **_planning_inputs(service_point, now, horizon_days),
        departement_code=service_point.departement_id,
        start_on=local_today,
        end_on=local_today + timedelta(days=horizon_days),
        presences=staffing(service_point, local_today, local_today + timedelta(days=horizon_days)),
    )
    planned = {(p.range_id, p.starts_at): p for p in planned if p.starts_at > now}
    existing = {
        (s.opening_range_id, s.starts_at): s
        for s in Slot.objects.select_for_update().filter(
            service_point=service_point, starts_at__gt=now
        )
    }
    to_create, to_update = _planned_changes(
        service_point, planned, existing, release_threshold(now)
    )
    # What is left of `existing` is no longer planned.
    removable, emptied = _unplanned_changes(list(existing.values()))
    report = _changes_write(removable, to_create, to_update + emptied)
    if report.over_capacity:
        point_id = service_point.pk
        transaction.on_commit(
            lambda: capacity_dropped.send(sender=Slot, service_point_id=point_id), robust=True
        )
    return report


def _planning_inputs(service_point: ServicePoint, now: datetime, horizon_days: int) -> dict:
    """What the planning of a service point's slots reads: its ranges, protocol, exceptions,
    status changes and closed windows within the horizon (and the reasons of its ranges when
    a window closes some)."""
    ranges = list(service_point.opening_ranges.filter(ended_at__isnull=True))
    horizon_end = now + timedelta(days=horizon_days + 2)
    still_on = Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    statuses = list(
        StatusChange.objects.filter(
            still_on, service_point=service_point, starts_at__lt=horizon_end
        )
    )
    closed_windows = [
        (window, frozenset(r.pk for r in window.reasons.all()))
        for window in ClosedWindow.objects.filter(
            still_on, service_point=service_point, starts_at__lt=horizon_end
        ).prefetch_related("reasons")
    ]
    range_reasons: dict[int, frozenset[int]] = {}
    if closed_windows:
        through = OpeningRange.reasons.through.objects.filter(openingrange__in=ranges)
        pairs: dict[int, set[int]] = {}
        for range_id, reason_id in through.values_list("openingrange_id", "reason_id"):
            pairs.setdefault(range_id, set()).add(reason_id)
        range_reasons = {key: frozenset(value) for key, value in pairs.items()}
    return {
        "ranges": ranges,
        "protocol": HealthProtocol.objects.filter(service_point=service_point).first(),
        "exceptions": list(service_point.opening_exceptions.all()),
        "statuses": statuses,
        "closed_windows": closed_windows,
        "range_reasons": range_reasons,
    }


def _planned_changes(
    service_point: ServicePoint, planned: dict, existing: dict, release_before: datetime
) -> tuple[list[Slot], list[Slot]]:
    """The slots to create and those to update for the planned ones; the existing slots matched
    are taken out of `existing`. A slot whose seats drop below its bookings is over capacity."""
    to_create, to_update = [], []
    for key, plan in planned.items():
        held = 0 if plan.starts_at < release_before else plan.held
        slot = existing.pop(key, None)
        if slot is None:
            to_create.append(
                Slot(
                    opening_range_id=plan.range_id,
                    service_point=service_point,
                    mode=plan.mode,
                    starts_at=plan.starts_at,
                    ends_at=plan.ends_at,
                    capacity=plan.capacity,
                    held_for_emergencies=held,
                )
            )
            continue
        wanted = (plan.capacity, min(held, plan.capacity), plan.ends_at, plan.mode)
        over = slot.booked > plan.capacity
        if (*_synced_fields(slot), slot.over_capacity) != (*wanted, over):
            slot.capacity, slot.held_for_emergencies, slot.ends_at, slot.mode = wanted
            slot.over_capacity = over
            to_update.append(slot)
    return to_create, to_update


def _synced_fields(slot: Slot) -> tuple:
    return (slot.capacity, slot.held_for_emergencies, slot.ends_at, slot.mode)


def _unplanned_changes(unplanned: list[Slot]) -> tuple[list[int], list[Slot]]:
    """Slots no longer planned: gone if nobody ever booked them (their ids), else kept with no
    seat (their history stays), and flagged over capacity while they still hold bookings."""
    with_history = set(
        Slot.objects.filter(
            pk__in=[s.pk for s in unplanned], appointments__isnull=False
        ).values_list("pk", flat=True)
    )
    removable = [s.pk for s in unplanned if s.pk not in with_history]
    emptied = []
    for slot in unplanned:
        if slot.pk in with_history and (slot.capacity, slot.over_capacity) != (0, slot.booked > 0):
            slot.capacity, slot.held_for_emergencies, slot.over_capacity = 0, 0, slot.booked > 0
            emptied.append(slot)
    return removable, emptied


def _changes_write(
    removable: list[int], to_create: list[Slot], to_update: list[Slot]
) -> SyncReport:
    """Delete, create and update the slots (a statement each), and report what changed."""
    report = SyncReport()
    report.removed = Slot.objects.filter(pk__in=removable).delete()[0]
    Slot.objects.bulk_create(to_create, batch_size=2000)
    update_from_values(
        Slot,
        ["capacity", "held_for_emergencies", "ends_at", "mode", "over_capacity"],
        [
            (s.pk, s.capacity, s.held_for_emergencies, s.ends_at, s.mode, s.over_capacity)
            for s in to_update
        ],
    )
    report.created, report.updated = len(to_create), len(to_update)
    report.over_capacity = [s.pk for s in to_update if s.over_capacity]
    return report
