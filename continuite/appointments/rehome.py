"""Rehoming in bulk: which appointments a service point can no longer hold, and the writes that
convert, move or cancel them by the thousand, each with its history and one message.

The protocol app decides what happens to each appointment (its network's rules, the nearest
free slots); this module only writes, set-based, in the caller's transaction.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from continuite.core.bulk import update_from_values
from continuite.core.calendar import add_business_days
from continuite.notifications.bulk import messages_enqueue_bulk
from continuite.notifications.models import Message

from .messages import COMPOSER
from .models import Appointment, AppointmentEvent, CallbackRequest, ClosedWindow, Mode, Slot
from .services import new_reference

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


# Like a booking's conditional UPDATE (services.take_seat), for n seats of each slot at once.
_SEATS_FREE = "NOT over_capacity AND booked + v.column2 <= capacity - held_for_emergencies"


def _take_seats(wanted: Counter) -> dict[int, int]:
    """Take the seats wanted in each slot, each slot guarded like a booking; how many were taken.

    One statement for the slots with room for all their seats; the few that filled up meanwhile
    are then taken seat by seat.
    """
    granted = dict.fromkeys(wanted, 0)
    for pk in update_from_values(
        Slot, ["booked"], wanted.items(), increment=True, guard=_SEATS_FREE
    ):
        granted[pk] = wanted[pk]
    for pk in [pk for pk, n in granted.items() if n == 0]:
        while granted[pk] < wanted[pk] and update_from_values(
            Slot, ["booked"], [(pk, 1)], increment=True, guard=_SEATS_FREE
        ):
            granted[pk] += 1
    return granted


def appointments_rehome(
    decisions: list[Decision], *, note: str, dedup_prefix: str, now: datetime
) -> tuple[list[Done], list[int]]:
    """Carry out the decisions in the caller's transaction; returns what was done and the
    appointments whose target slot filled up meanwhile (left untouched, to decide again).

    Appointments no longer active are skipped: running the same decisions twice changes
    nothing more. Each person handled gets exactly one message (email when they gave one, with
    the calendar file; otherwise SMS), keyed `<dedup_prefix>:<appointment id>`.
    """
    by_id = {d.appointment_id: d for d in decisions}
    appointments = {
        a.pk: a
        for a in Appointment.objects.select_for_update(of=("self",))
        .select_related("service_point")
        .filter(pk__in=list(by_id), status__in=Appointment.ACTIVE)
    }
    decisions = [d for d in decisions if d.appointment_id in appointments]
    retry: list[int] = []
    moves = [d for d in decisions if d.outcome == Outcome.MOVED]
    wanted = Counter(d.slot_id for d in moves)
    targets = {s.pk: s for s in Slot.objects.filter(pk__in=list(wanted))}
    granted = _take_seats(wanted)
    kept_moves = []
    for decision in moves:
        if granted.get(decision.slot_id, 0) > 0 and decision.slot_id in targets:
            granted[decision.slot_id] -= 1
            kept_moves.append(decision)
        else:
            retry.append(decision.appointment_id)
    released = Counter()
    events: list[AppointmentEvent] = []
    messages: list[Message] = []
    done: list[Done] = []
    pending: list[tuple[Appointment, str, dict, int | None, int | None]] = []

    # Moves: a new appointment in the target slot, the old one marked moved and linked to it.
    new_appointments = []
    for decision in kept_moves:
        old, slot = appointments[decision.appointment_id], targets[decision.slot_id]
        new_appointments.append(
            Appointment(
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
        )
    for attempt in range(3):  # a reference drawn twice among millions: draw again
        try:
            with transaction.atomic():
                Appointment.objects.bulk_create(new_appointments)
            break
        except IntegrityError:
            if attempt == 2:
                raise
            for new in new_appointments:
                new.pk, new.reference = None, new_reference()
    moved_old = []
    for decision, new in zip(kept_moves, new_appointments, strict=True):
        old = appointments[decision.appointment_id]
        if old.takes_seat:
            released[old.slot_id] += 1
        old.status, old.moved_to = Appointment.Status.MOVED, new
        moved_old.append(old)
        events.append(AppointmentEvent(appointment=old, kind="moved", note=note))
        events.append(AppointmentEvent(appointment=new, kind="moved_here", note=old.reference))
        pending.append((old, "rehomed_moved", {"appointment": new.pk}, new.pk, None))
    update_from_values(
        Appointment, ["status", "moved_to"], [(a.pk, a.status, a.moved_to_id) for a in moved_old]
    )

    # Conversions: same time, same service point, by phone; the seat on site goes back.
    phones = [appointments[d.appointment_id] for d in decisions if d.outcome == Outcome.PHONE]
    for appointment in phones:
        if appointment.takes_seat:
            released[appointment.slot_id] += 1
        events.append(
            AppointmentEvent(appointment=appointment, kind="converted_to_phone", note=note)
        )
        pending.append((appointment, "rehomed_phone", {"appointment": appointment.pk}, None, None))
    Appointment.objects.filter(pk__in=[a.pk for a in phones]).update(
        mode=Mode.PHONE, takes_seat=False
    )

    # Cancellations: the appointment is cancelled and a call-back request opened for the person.
    cancels = [appointments[d.appointment_id] for d in decisions if d.outcome == Outcome.CANCELLED]
    callbacks = []
    for appointment in cancels:
        if appointment.takes_seat:
            released[appointment.slot_id] += 1
        point = appointment.service_point
        callbacks.append(
            CallbackRequest(
                reference=new_reference(),
                service_point=point,
                reason_id=appointment.reason_id,
                person_id=appointment.person_id,
                contact_name=appointment.contact_name,
                contact_phone=appointment.contact_phone,
                contact_email=appointment.contact_email,
                preferred_window=CallbackRequest.Window.ANY,
                note=f"{note} — {appointment.reference}"[:500],
                due_at=add_business_days(
                    now, CALLBACK_DUE_BUSINESS_DAYS, departement_code=point.departement_id
                ),
                origin="closure",
            )
        )
        events.append(AppointmentEvent(appointment=appointment, kind="cancelled", note=note))
    Appointment.objects.filter(pk__in=[a.pk for a in cancels]).update(
        status=Appointment.Status.CANCELLED
    )
    CallbackRequest.objects.bulk_create(callbacks)
    for appointment, callback in zip(cancels, callbacks, strict=True):
        args = {"appointment": appointment.pk, "callback": callback.pk}
        pending.append((appointment, "rehomed_cancelled", args, None, callback.pk))

    _seats_give_back(released)
    AppointmentEvent.objects.bulk_create(events, batch_size=2000)
    for appointment, kind, args, _new, _callback in pending:
        # To the appointment's own contact: what was given with it (or on its manage page).
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
    outcomes = {
        "rehomed_moved": Outcome.MOVED,
        "rehomed_phone": Outcome.PHONE,
        "rehomed_cancelled": Outcome.CANCELLED,
    }
    for (appointment, kind, _args, new_id, callback_id), message in zip(
        pending, messages, strict=True
    ):
        done.append(Done(appointment.pk, outcomes[kind], new_id, callback_id, message.pk))
    return done, retry
