"""Writes on appointments: book, cancel, move, check in, no-show. Never overbook, never lose one."""

import secrets
import uuid
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from continuite.service_points.models import CrisisStatus, status_in_force

from .messages import appointment_notify
from .models import (
    Appointment,
    AppointmentEvent,
    ClosedWindow,
    OpeningRange,
    Person,
    Reason,
    Slot,
)
from .phones import normalize_phone
from .queries import reason_closed_at

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def new_reference() -> str:
    return "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def _notify(appointment: Appointment, kind: str) -> None:
    appointment_notify(appointment=appointment, kind=kind)


def _check_slot_for_reason(
    slot: Slot, reason: Reason, mode: str, now: datetime, *, by_agent: bool, via_lottery: bool
) -> None:
    if not reason.is_active or (not reason.public_booking and not by_agent):
        raise ValidationError(_("This reason cannot be booked online."))
    if reason.lottery and not (by_agent or via_lottery):
        raise ValidationError(
            _("Slots for this reason are allocated by draw: enter the draw instead.")
        )
    if slot.point_status == CrisisStatus.CLOSED:
        raise ValidationError(_("This service point is closed at that time. Choose another slot."))
    if mode not in reason.modes():
        raise ValidationError(_("This reason is not offered in that form of reception."))
    if slot.mode != mode:
        raise ValidationError(_("This slot is not offered in that form of reception."))
    if slot.ends_at - slot.starts_at < timedelta(minutes=reason.duration_minutes):
        raise ValidationError(_("This slot is too short for this reason. Choose another one."))
    if not slot.serves_reason:
        raise ValidationError(_("This slot is not open for this reason."))
    if slot.starts_at <= now:
        raise ValidationError(_("This slot has already passed. Choose another one."))
    if not by_agent and slot.starts_at < now + timedelta(hours=reason.min_notice_hours):
        raise ValidationError(
            _("This slot is too close: book at least %(hours)s hours ahead, or call the counter.")
            % {"hours": reason.min_notice_hours}
        )
    if slot.starts_at > now + timedelta(days=reason.max_horizon_days):
        raise ValidationError(
            _("Appointments for this reason open %(days)s days ahead at most.")
            % {"days": reason.max_horizon_days}
        )


def person_for(*, name: str, phone: str, email: str, departement_code: str) -> Person:
    """The person with this phone number (created on first booking); locked for this transaction."""
    e164 = normalize_phone(phone, departement_code=departement_code)
    if e164 is None:
        raise ValidationError(
            {"phone": _("This phone number is not valid. Example: 06 12 34 56 78.")}
        )
    if not name:
        raise ValidationError({"name": _("Give the name of the person who will come.")})
    person = Person(phone=e164, name=name, email=email)
    # One statement inserts the person or updates them, and holds the row's lock until the
    # transaction ends: one person's bookings are taken one at a time, so the per-person cap
    # cannot be raced.
    Person.objects.bulk_create(
        [person],
        update_conflicts=True,
        unique_fields=["phone"],
        update_fields=["name", "email"] if email else ["name"],
    )
    if person.pk is None:  # a database that does not return it
        person = Person.objects.select_for_update().get(phone=e164)
    return person


def _active_for_reason(person: Person, reason: Reason, *, email: str):
    same_person = Q(person=person)
    if email:
        same_person |= Q(person__email__iexact=email)
    return Appointment.objects.filter(
        same_person, reason=reason, status__in=Appointment.ACTIVE, starts_at__gt=timezone.now()
    )


def _slot_to_book(slot_id: int, reason: Reason) -> Slot | None:
    """The slot with what the checks of a booking read, in one query; None if it is gone.

    `point_status`: its service point's status at its start; `serves_reason`: whether its
    opening range serves the reason; `departement_code`: to read the phone number.
    """
    slots = Slot.objects.filter(pk=slot_id).annotate(
        point_status=status_in_force(OuterRef("service_point_id"), OuterRef("starts_at")),
        serves_reason=Exists(
            OpeningRange.reasons.through.objects.filter(
                openingrange_id=OuterRef("opening_range_id"), reason_id=reason.pk
            )
        ),
        departement_code=F("service_point__departement_id"),
        # A partial closure of the reason around that time (its hours of the day are checked
        # in Python, only then).
        reason_closure=Exists(
            ClosedWindow.objects.filter(
                service_point_id=OuterRef("service_point_id"),
                reasons=reason,
                starts_at__lt=OuterRef("ends_at"),
            ).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=OuterRef("starts_at")))
        ),
    )
    try:
        return slots.get()
    except Slot.DoesNotExist:
        return None


def _earlier(submission_key: uuid.UUID | None) -> Appointment | None:
    """The appointment booked with this form's one-time key (a second click, a reload)."""
    if not submission_key:
        return None
    return Appointment.objects.filter(submission_key=submission_key).first()


def take_seat(slot_id: int) -> bool:
    """Take one seat with a single conditional UPDATE: the database decides, whatever the concurrency."""
    return bool(
        Slot.objects.filter(
            pk=slot_id, over_capacity=False, booked__lt=F("capacity") - F("held_for_emergencies")
        ).update(booked=F("booked") + 1)
    )


def release_seat(slot_id: int) -> None:
    Slot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


def appointment_book(
    *,
    slot_id: int,
    reason: Reason,
    mode: str,
    name: str,
    phone: str,
    email: str = "",
    submission_key: uuid.UUID | None = None,
    actor=None,
    now: datetime | None = None,
    notify: bool = True,
    replacing: Appointment | None = None,
    via_lottery: bool = False,
) -> Appointment:
    """Book one seat of a slot for a person, or explain in French why not; nothing booked twice.

    Bookings come in bursts, so this is one transaction of few statements: the slot with all
    the checks need (whether it serves the reason, its service point's status at its start) in
    one query; the person inserted or updated, and locked; their active appointments counted;
    the seat taken by one conditional UPDATE; then the appointment, its history line and its
    messages inserted.

    A form sent again (a second click, a reload) gets the appointment it booked the first
    time: its key is unique, so the second booking cannot be recorded; it is refused (the seat
    or the person's cap already taken by the first one) or its insert fails, its transaction
    is rolled back whole, and the first booking is looked up only then.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            slot = _slot_to_book(slot_id, reason)
            if slot is None:
                raise ValidationError(_("This slot no longer exists. Choose another one."))
            by_agent = actor is not None and actor.is_authenticated
            _check_slot_for_reason(
                slot,
                reason,
                mode,
                now,
                by_agent=by_agent,
                via_lottery=via_lottery or replacing is not None,
            )
            if slot.reason_closure and reason_closed_at(slot, reason):
                raise ValidationError(
                    _(
                        "This service point does not receive this reason at that time. Choose another slot."
                    )
                )
            name, email = " ".join(name.split()), email.strip().lower()
            if not name:
                raise ValidationError({"name": _("Give the name of the person who will come.")})
            person = person_for(
                name=name, phone=phone, email=email, departement_code=slot.departement_code
            )
            active = _active_for_reason(person, reason, email=email)
            if replacing is not None:
                active = active.exclude(pk=replacing.pk)
            if active.count() >= reason.max_active_per_person:
                raise ValidationError(
                    _(
                        "You already have an appointment for this reason. Cancel or move it before booking another."
                    )
                )
            if not take_seat(slot.pk):
                raise ValidationError(_("This slot has just been taken. Choose another one."))
            appointment = Appointment.objects.create(
                reference=new_reference(),
                slot=slot,
                service_point_id=slot.service_point_id,
                reason=reason,
                person=person,
                mode=mode,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                submission_key=submission_key,
                booked_by=actor if by_agent else None,
            )
            AppointmentEvent.objects.create(
                appointment=appointment, kind="booked", actor=actor if by_agent else None
            )
            if notify:
                _notify(appointment, "confirmation")
            return appointment
    except (ValidationError, IntegrityError):
        earlier = _earlier(submission_key)
        if earlier is None:
            raise
        return earlier


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update()
        .select_related("slot", "service_point", "reason", "person")
        .get(pk=appointment.pk)
    )


@transaction.atomic
def appointment_cancel(
    *, appointment: Appointment, note: str = "", actor=None, notify: bool = True
) -> Appointment:
    """Cancel: the seat goes back to the slot, the appointment and its history stay."""
    appointment = _locked(appointment)
    if not appointment.is_active:
        raise ValidationError(_("This appointment is no longer active."))
    appointment.status = Appointment.Status.CANCELLED
    appointment.save(update_fields=["status"])
    if appointment.takes_seat:
        release_seat(appointment.slot_id)
    AppointmentEvent.objects.create(
        appointment=appointment, kind="cancelled", note=note[:300], actor=_agent(actor)
    )
    if notify:
        _notify(appointment, "cancellation")
    return appointment


@transaction.atomic
def appointment_move(
    *,
    appointment: Appointment,
    slot_id: int,
    actor=None,
    note: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Move to another slot: a new appointment is booked, the old one marked moved and linked to it."""
    appointment = _locked(appointment)
    if not appointment.is_active:
        raise ValidationError(_("This appointment is no longer active."))
    new = appointment_book(
        slot_id=slot_id,
        reason=appointment.reason,
        mode=appointment.mode,
        name=appointment.person.name,
        phone=appointment.person.phone,
        email=appointment.person.email,
        actor=actor,
        now=now,
        notify=False,
        replacing=appointment,
    )
    appointment.status, appointment.moved_to = Appointment.Status.MOVED, new
    appointment.save(update_fields=["status", "moved_to"])
    if appointment.takes_seat:
        release_seat(appointment.slot_id)
    AppointmentEvent.objects.create(
        appointment=appointment, kind="moved", note=note[:300], actor=_agent(actor)
    )
    AppointmentEvent.objects.create(
        appointment=new, kind="moved_here", note=appointment.reference, actor=_agent(actor)
    )
    _notify(new, "moved")
    return new


@transaction.atomic
def appointment_set_status(
    *, appointment: Appointment, status: str, actor, note: str = ""
) -> Appointment:
    """Counter agents: arrived, done, or did not come."""
    allowed = {
        Appointment.Status.CHECKED_IN: (Appointment.Status.BOOKED,),
        Appointment.Status.DONE: (Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN),
        Appointment.Status.NO_SHOW: (Appointment.Status.BOOKED,),
    }
    appointment = _locked(appointment)
    if appointment.status not in allowed.get(status, ()):
        raise ValidationError(_("This change is not possible for this appointment."))
    appointment.status = status
    appointment.save(update_fields=["status"])
    AppointmentEvent.objects.create(
        appointment=appointment, kind=status, note=note[:300], actor=_agent(actor)
    )
    return appointment


def _agent(actor):
    return actor if actor is not None and actor.is_authenticated else None
