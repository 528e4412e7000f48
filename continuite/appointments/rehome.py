"""Rehoming in bulk, what appointments know of it: which appointments a service point can no
longer hold, the free places other service points offer them, and the writes that convert, move
or cancel them by the thousand, each with its history and one message.

The protocol app decides what happens to each appointment (its network's rules, which
neighbour, in which order); it asks this module for the places and gives it its decisions.
What a free seat is, when a reason is closed and how long ahead a reason is booked stay here,
in the appointments app: the writes are set-based, in the caller's transaction.
"""

import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from continuite.core.bulk import update_from_values
from continuite.core.calendar import add_business_days
from continuite.notifications.bulk import messages_enqueue_bulk
from continuite.notifications.models import Message
from continuite.service_points.models import ServicePoint

from .messages import COMPOSER
from .models import (
    Appointment,
    AppointmentEvent,
    CallbackRequest,
    ClosedWindow,
    Mode,
    OpeningRange,
    Slot,
)
from .rules import (
    SEAT_FREE,
    booking_window,
    reason_closed_at,
    seats_free,
    seats_free_sql,
)
from .services import new_reference
from .slots import HORIZON_DAYS

CALLBACK_DUE_BUSINESS_DAYS = 2


class Outcome:
    PHONE = "phone"
    MOVED = "moved"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Decision:
    """What to do with one appointment: convert to phone, move to a slot, or cancel with a call-back."""

    appointment_id: int
    outcome: str
    slot_id: int | None = None


@dataclass(frozen=True)
class Done:
    appointment_id: int
    outcome: str
    new_appointment_id: int | None
    callback_id: int | None
    message_id: int


def affected_appointment_ids(service_point_id: int, now: datetime) -> list[int]:
    """Active future appointments of a service point that it can no longer hold, earliest first.

    On a slot left over capacity (a closure, fewer agents, a stricter protocol), the ones booked
    last beyond its seats: first come, first kept. And every appointment of a reason closed at
    its time by a partial closure.
    """
    over = dict(
        Slot.objects.filter(
            service_point_id=service_point_id, over_capacity=True, starts_at__gt=now
        ).values_list("pk", "capacity")
    )
    chosen: dict[int, datetime] = {}
    if over:
        holding = defaultdict(list)
        for pk, slot_id, starts_at in (
            Appointment.objects.filter(
                slot_id__in=over, status__in=Appointment.ACTIVE, takes_seat=True
            )
            .order_by("slot_id", "created_at", "pk")
            .values_list("pk", "slot_id", "starts_at")
        ):
            holding[slot_id].append((pk, starts_at))
        for slot_id, booked in holding.items():
            for pk, starts_at in booked[over[slot_id] :]:
                chosen[pk] = starts_at
    windows = ClosedWindow.objects.filter(
        service_point_id=service_point_id, reasons__isnull=False
    ).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
    for window in windows.distinct().prefetch_related("reasons").select_related("service_point"):
        in_window = Appointment.objects.filter(
            service_point_id=service_point_id,
            status__in=Appointment.ACTIVE,
            reason__in=window.reasons.all(),
            starts_at__gt=now,
            ends_at__gt=window.starts_at,
        )
        if window.ends_at is not None:
            in_window = in_window.filter(starts_at__lt=window.ends_at)
        tz = window.service_point.time_zone
        for pk, starts_at, ends_at in in_window.values_list("pk", "starts_at", "ends_at"):
            if window.covers(starts_at, ends_at, tz):
                chosen[pk] = starts_at
    return sorted(chosen, key=lambda pk: (chosen[pk], pk))


# The free places other service points offer the appointments to rehome.


class ReasonClosures:
    """The partial closures of some reasons at some service points, read once."""

    def __init__(self, service_point_ids: list[int]):
        self._windows = ClosedWindow.objects.partial_by_point(service_point_ids)

    def closed(self, service_point_id, reason_id, starts_at, ends_at, time_zone) -> bool:
        """Whether the reason is closed at the service point at some instant of the period."""
        windows = self._windows.get(service_point_id)
        return bool(windows) and reason_closed_at(windows, reason_id, starts_at, ends_at, time_zone)


@dataclass
class FreePlace:
    """A free slot as rehoming sees it: its seats are counted down as they are handed out."""

    slot_id: int
    starts_at: datetime
    ends_at: datetime
    free: int


@dataclass
class _Places:
    """One service point's free places for one mode and reason, in time order."""

    places: list[FreePlace] = field(default_factory=list)
    starts: list[datetime] = field(default_factory=list)


class FreePlaces:
    """The free places of some service points for the appointments to rehome, read once.

    A place is a slot with a seat the public may take, of a range serving the reason, long
    enough for it, far enough ahead for its notice and with the reason open at its time. A
    slot serving several reasons is one place for all: a seat handed out for one is gone for
    the others.
    """

    def __init__(self, service_point_ids: list[int], *, now: datetime, horizon_days: int):
        self.now = now
        self._by_key: dict[tuple[int, str, int], _Places] = defaultdict(_Places)
        self._by_slot: dict[int, FreePlace] = {}
        self._time_zones: dict[int, ZoneInfo] = {}
        self.closures = ReasonClosures(service_point_ids)
        self._load(service_point_ids, now + timedelta(days=horizon_days))

    def _load(self, service_point_ids: list[int], until: datetime) -> None:
        rows = list(
            Slot.objects.filter(SEAT_FREE)
            .filter(
                service_point_id__in=service_point_ids, starts_at__gt=self.now, starts_at__lt=until
            )
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
                "over_capacity",
                named=True,
            )
        )
        served = defaultdict(set)
        for range_id, reason_id in OpeningRange.reasons.through.objects.filter(
            openingrange_id__in={slot.opening_range_id for slot in rows}
        ).values_list("openingrange_id", "reason_id"):
            served[range_id].add(reason_id)
        for slot in rows:
            place = FreePlace(slot.pk, slot.starts_at, slot.ends_at, seats_free(slot))
            self._by_slot[slot.pk] = place
            for reason_id in served.get(slot.opening_range_id, ()):
                places = self._by_key[(slot.service_point_id, slot.mode, reason_id)]
                places.places.append(place)
                places.starts.append(slot.starts_at)
        for point in ServicePoint.objects.filter(pk__in=service_point_ids).only("departement_id"):
            self._time_zones[point.pk] = point.time_zone

    def offered_by(self) -> set[int]:
        """The service points with at least one free place."""
        return {point_id for point_id, _mode, _reason in self._by_key}

    def nearest(
        self, service_point_id: int, appointment: Appointment, *, within: timedelta
    ) -> FreePlace | None:
        """The service point's free place for the appointment nearest its time, at most
        `within` before or after it; the earlier of two at the same distance."""
        found = self._by_key.get((service_point_id, appointment.mode, appointment.reason_id))
        if found is None:
            return None
        reason, wanted = appointment.reason, appointment.starts_at
        earliest = max(wanted - within, booking_window(reason, self.now)[0])
        duration = timedelta(minutes=reason.duration_minutes)
        for place in _outwards(found, wanted, earliest, wanted + within):
            if (
                place.free > 0
                and place.ends_at - place.starts_at >= duration
                and not self.closures.closed(
                    service_point_id,
                    reason.pk,
                    place.starts_at,
                    place.ends_at,
                    self._time_zones[service_point_id],
                )
            ):
                return place
        return None

    def take(self, place: FreePlace) -> None:
        place.free -= 1

    def full(self, slot_id: int) -> None:
        """The slot filled up meanwhile (a booking took its last seat)."""
        if (place := self._by_slot.get(slot_id)) is not None:
            place.free = 0


def _outwards(found: _Places, wanted: datetime, earliest: datetime, latest: datetime):
    """The places between earliest and latest, from the nearest to `wanted` outwards."""
    places, starts = found.places, found.starts
    right = bisect.bisect_left(starts, wanted)
    left, count = right - 1, len(places)
    while True:
        before = places[left] if left >= 0 and starts[left] >= earliest else None
        after = places[right] if right < count and starts[right] <= latest else None
        if before is None and after is None:
            return
        if after is None or (
            before is not None and wanted - before.starts_at <= after.starts_at - wanted
        ):
            yield before
            left -= 1
        else:
            yield after
            right += 1


def free_places(
    service_point_ids: list[int], *, now: datetime, horizon_days: int = HORIZON_DAYS
) -> FreePlaces:
    """The free places of these service points from now to the horizon of the slots, for the
    appointments to rehome: ask `nearest` for each, `take` what is handed out."""
    return FreePlaces(service_point_ids, now=now, horizon_days=horizon_days)


# The writes: decisions carried out by the thousand.


def _seats_give_back(slot_counts: Counter) -> None:
    """Give seats back; a slot back within its seats is no longer flagged over capacity."""
    if not slot_counts:
        return
    update_from_values(
        Slot, ["booked"], [(pk, -n) for pk, n in slot_counts.items()], increment=True
    )
    Slot.objects.filter(
        pk__in=list(slot_counts), over_capacity=True, booked__lte=F("capacity")
    ).update(over_capacity=False)


def _take_seats(wanted: Counter) -> dict[int, int]:
    """Take the seats wanted in each slot, each slot guarded like a booking; how many were taken.

    One statement for the slots with room for all their seats (the rules' seat predicate, for
    n seats); the few that filled up meanwhile are then taken seat by seat.
    """
    granted = dict.fromkeys(wanted, 0)
    all_free = seats_free_sql("v.column2")
    for pk in update_from_values(Slot, ["booked"], wanted.items(), increment=True, guard=all_free):
        granted[pk] = wanted[pk]
    for pk in [pk for pk, n in granted.items() if n == 0]:
        while granted[pk] < wanted[pk] and update_from_values(
            Slot, ["booked"], [(pk, 1)], increment=True, guard=all_free
        ):
            granted[pk] += 1
    return granted


@dataclass
class _Writes:
    """What a batch of decisions writes, gathered to be written set-based at the end."""

    note: str
    now: datetime
    released: Counter = field(default_factory=Counter)
    events: list[AppointmentEvent] = field(default_factory=list)
    # (appointment, message kind, message arguments, new appointment id, call-back id)
    told: list[tuple[Appointment, str, dict, int | None, int | None]] = field(default_factory=list)

    def leave(self, appointment: Appointment) -> None:
        """The appointment leaves its seat on site, if it held one."""
        if appointment.takes_seat:
            self.released[appointment.slot_id] += 1


_OUTCOME_OF_KIND = {
    "rehomed_moved": Outcome.MOVED,
    "rehomed_phone": Outcome.PHONE,
    "rehomed_cancelled": Outcome.CANCELLED,
}


# The status an outcome gives an appointment, by the table of transitions (a conversion to a
# phone appointment keeps its status).
_STATUS_OF_OUTCOME = {
    Outcome.MOVED: Appointment.Status.MOVED,
    Outcome.CANCELLED: Appointment.Status.CANCELLED,
}


def _may_take(appointment: Appointment, outcome: str) -> bool:
    status = _STATUS_OF_OUTCOME.get(outcome)
    if status is None:
        return appointment.status in Appointment.ACTIVE
    return appointment.can_become(status)


def _lock_rehomable(decisions: list[Decision]) -> dict[int, list[tuple[Decision, Appointment]]]:
    """Per outcome, the decisions whose appointment may still take it, with it, locked: an
    appointment handled already (moved, cancelled) is left alone."""
    locked = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("service_point")
        .in_bulk([d.appointment_id for d in decisions])
    )
    chosen = defaultdict(list)
    for decision in decisions:
        appointment = locked.get(decision.appointment_id)
        if appointment is not None and _may_take(appointment, decision.outcome):
            chosen[decision.outcome].append((decision, appointment))
    return chosen


def _moves_granted(
    moves: list[tuple[Decision, Appointment]],
) -> tuple[list[tuple[Appointment, Slot]], list[int]]:
    """The appointments to move whose target slot still had a seat, with their slot; and the
    ids of the others."""
    wanted = Counter(decision.slot_id for decision, _appointment in moves)
    targets = Slot.objects.in_bulk(list(wanted))
    granted = _take_seats(wanted)
    kept, retry = [], []
    for decision, appointment in moves:
        if granted.get(decision.slot_id, 0) > 0 and decision.slot_id in targets:
            granted[decision.slot_id] -= 1
            kept.append((appointment, targets[decision.slot_id]))
        else:
            retry.append(decision.appointment_id)
    return kept, retry


def _moved_copy(old: Appointment, slot: Slot) -> Appointment:
    """The same person, reason and mode in the target slot."""
    return Appointment(
        reference=new_reference(),
        slot=slot,
        service_point_id=slot.service_point_id,
        reason_id=old.reason_id,
        person_id=old.person_id,
        contact_name=old.contact_name,
        contact_phone=old.contact_phone,
        contact_email=old.contact_email,
        mode=old.mode,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
    )


def _create_with_references(appointments: list[Appointment]) -> None:
    for attempt in range(3):  # a reference drawn twice among millions: draw again
        try:
            with transaction.atomic():
                Appointment.objects.bulk_create(appointments)
            return
        except IntegrityError:
            if attempt == 2:
                raise
            for new in appointments:
                new.pk, new.reference = None, new_reference()


def _move(writes: _Writes, olds: list[Appointment], targets: list[Slot]) -> None:
    """A new appointment in each target slot, the old one marked moved and linked to it."""
    news = [_moved_copy(old, slot) for old, slot in zip(olds, targets, strict=True)]
    _create_with_references(news)
    for old, new in zip(olds, news, strict=True):
        writes.leave(old)
        old.status, old.moved_to = Appointment.Status.MOVED, new
        writes.events.append(AppointmentEvent(appointment=old, kind="moved", note=writes.note))
        writes.events.append(
            AppointmentEvent(appointment=new, kind="moved_here", note=old.reference)
        )
        writes.told.append((old, "rehomed_moved", {"appointment": new.pk}, new.pk, None))
    update_from_values(
        Appointment, ["status", "moved_to"], [(a.pk, a.status, a.moved_to_id) for a in olds]
    )


def _convert_to_phone(writes: _Writes, appointments: list[Appointment]) -> None:
    """Same time, same service point, by phone; the seat on site goes back."""
    for appointment in appointments:
        writes.leave(appointment)
        writes.events.append(
            AppointmentEvent(appointment=appointment, kind="converted_to_phone", note=writes.note)
        )
        writes.told.append(
            (appointment, "rehomed_phone", {"appointment": appointment.pk}, None, None)
        )
    Appointment.objects.filter(pk__in=[a.pk for a in appointments]).update(
        mode=Mode.PHONE, takes_seat=False
    )


def _callback_for(writes: _Writes, appointment: Appointment) -> CallbackRequest:
    point = appointment.service_point
    return CallbackRequest(
        reference=new_reference(),
        service_point=point,
        reason_id=appointment.reason_id,
        person_id=appointment.person_id,
        contact_name=appointment.contact_name,
        contact_phone=appointment.contact_phone,
        contact_email=appointment.contact_email,
        preferred_window=CallbackRequest.Window.ANY,
        note=f"{writes.note} — {appointment.reference}"[:500],
        due_at=add_business_days(
            writes.now, CALLBACK_DUE_BUSINESS_DAYS, departement_code=point.departement_id
        ),
        origin="closure",
    )


def _cancel(writes: _Writes, appointments: list[Appointment]) -> None:
    """The appointment is cancelled and a call-back request opened for the person."""
    callbacks = []
    for appointment in appointments:
        writes.leave(appointment)
        callbacks.append(_callback_for(writes, appointment))
        writes.events.append(
            AppointmentEvent(appointment=appointment, kind="cancelled", note=writes.note)
        )
    Appointment.objects.filter(
        pk__in=[a.pk for a in appointments],
        status__in=Appointment.statuses_leading_to(Appointment.Status.CANCELLED),
    ).update(status=Appointment.Status.CANCELLED)
    CallbackRequest.objects.bulk_create(callbacks)
    for appointment, callback in zip(appointments, callbacks, strict=True):
        args = {"appointment": appointment.pk, "callback": callback.pk}
        writes.told.append((appointment, "rehomed_cancelled", args, None, callback.pk))


def _tell(writes: _Writes, dedup_prefix: str) -> list[Done]:
    """One message to each person handled, to the contact given with the appointment."""
    messages = []
    for appointment, kind, args, _new, _callback in writes.told:
        channel = Message.Channel.EMAIL if appointment.contact_email else Message.Channel.SMS
        messages.append(
            Message(
                channel=channel,
                to=appointment.contact_email or appointment.contact_phone,
                composer=COMPOSER,
                composer_args={**args, "kind": kind},
                dedup_key=f"{dedup_prefix}:{appointment.pk}",
            )
        )
    messages_enqueue_bulk(messages)
    return [
        Done(appointment.pk, _OUTCOME_OF_KIND[kind], new_id, callback_id, message.pk)
        for (appointment, kind, _args, new_id, callback_id), message in zip(
            writes.told, messages, strict=True
        )
    ]


def appointments_rehome(
    decisions: list[Decision], *, note: str, dedup_prefix: str, now: datetime
) -> tuple[list[Done], list[int]]:
    """Carry out the decisions in the caller's transaction; returns what was done and the
    appointments whose target slot filled up meanwhile (left untouched, to decide again).

    Appointments no longer active are skipped: running the same decisions twice changes
    nothing more. Each person handled gets exactly one message (email when they gave one, with
    the calendar file; otherwise SMS), keyed `<dedup_prefix>:<appointment id>`.
    """
    chosen = _lock_rehomable(decisions)
    writes = _Writes(note=note, now=now)
    moves, retry = _moves_granted(chosen[Outcome.MOVED])
    _move(writes, [old for old, _slot in moves], [slot for _old, slot in moves])
    _convert_to_phone(writes, [appointment for _d, appointment in chosen[Outcome.PHONE]])
    _cancel(writes, [appointment for _d, appointment in chosen[Outcome.CANCELLED]])
    _seats_give_back(writes.released)
    AppointmentEvent.objects.bulk_create(writes.events, batch_size=2000)
    return _tell(writes, dedup_prefix), retry
