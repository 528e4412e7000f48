"""Writes on appointments: book, cancel, move, check in, no-show. Never overbook, never lose one."""

import secrets
import uuid
from contextlib import nullcontext
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from continuite.core.db import on_postgresql
from continuite.core.phones import normalize_phone
from continuite.notifications.budget import sms_budget_allows
from continuite.notifications.bulk import deliveries_queue, messages_check
from continuite.notifications.models import Message
from continuite.notifications.services import message_enqueue, outbox_add
from continuite.service_points.models import ServicePoint

from . import booking, rules
from .messages import appointment_messages, appointment_notify
from .models import Appointment, AppointmentEvent, Person, Reason, Slot
from .rules import SEAT_FREE

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def new_reference() -> str:
    """Eight characters of the alphabet, from one read of the system's randomness (32 letters:
    each byte modulo 32 is uniform)."""
    return "".join(_REFERENCE_ALPHABET[byte % 32] for byte in secrets.token_bytes(8))


def _notify(appointment: Appointment, kind: str) -> None:
    appointment_notify(appointment=appointment, kind=kind)


def contact_clean(
    *, name: str, phone: str, email: str, departement_code: str, name_missing: str = ""
) -> dict[str, str]:
    """The contact a form gave, as it is kept with what it was given for: the name's spaces
    collapsed, the phone in E.164, the email in lower case; refused in French when wrong."""
    name, email = " ".join(name.split()), email.strip().lower()
    if not name:
        raise ValidationError(
            {"name": name_missing or _("Give the name of the person who will come.")}
        )
    e164 = normalize_phone(phone, departement_code=departement_code)
    if e164 is None:
        raise ValidationError(
            {"phone": _("This phone number is not valid. Example: 06 12 34 56 78.")}
        )
    return {"contact_name": name, "contact_phone": e164, "contact_email": email}


def person_for(*, phone: str) -> Person:
    """The person of this E.164 phone (created on first use), locked for this transaction.

    One statement inserts the row or rewrites it as it is: the row's lock is held until the
    transaction ends, so one person's bookings are taken one at a time and the per-person cap
    cannot be raced; the new version of the row also tells the one-statement booking
    (`booking.seat_write`) that something of this person changed. It never takes a name or an
    email: those stay with each booking.
    """
    person = Person(phone=phone)
    Person.objects.bulk_create(
        [person], update_conflicts=True, unique_fields=["phone"], update_fields=["phone"]
    )
    if person.pk is None:  # a database that does not return it
        person = Person.objects.select_for_update().get(phone=phone)
    return person


def active_for_reason(*, reason: Reason | int, phone: str, email: str):
    """Active appointments of a reason still to come whose contact has this phone, or this email
    whatever its case: what the per-person cap counts (as `booking.seat_write` does in SQL)."""
    same_person = Q(contact_phone=phone)
    if email:
        same_person |= Q(contact_email__iexact=email)
    return Appointment.objects.filter(
        same_person, reason=reason, status__in=Appointment.ACTIVE, starts_at__gt=timezone.now()
    )


def earlier_booking(submission_key: uuid.UUID | None) -> Appointment | None:
    """The appointment booked with this form's one-time key (a second click, a reload)."""
    if not submission_key:
        return None
    return Appointment.objects.filter(submission_key=submission_key).first()


def take_seat(slot_id: int) -> bool:
    """Take one seat with a single conditional UPDATE: the database decides, whatever the concurrency."""
    return bool(Slot.objects.filter(SEAT_FREE, pk=slot_id).update(booked=F("booked") + 1))


def release_seat(slot_id: int) -> None:
    Slot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


def appointment_book(
    *,
    slot_id: int,
    reason: Reason | int,
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

    `reason` is a reason or its id: its rules are read again with the slot in any case.

    Bookings come in bursts, so this is two statements on PostgreSQL (`booking`), each its
    own transaction when the caller has none open: the slot with all the checks need, then,
    once the checks pass in Python, the person, their active appointments counted, the seat
    taken by one conditional UPDATE, the appointment, its history line and its messages, all
    in one statement that writes everything or nothing. Public bookings are refused at a
    counter closed now, as the booking page says.

    A public booking refused for the per-person cap raises `CapReached` after writing an SMS
    to the phone's owner (the page shows it as a booking: anyone may type a number).

    A form sent again (a second click, a reload) gets the appointment it booked the first
    time: its key is unique, so the second booking cannot be recorded; it is refused (the seat
    or the person's cap already taken by the first one) or its insert fails, and nothing of it
    is written; the first booking is looked up only then.
    """
    now = now or timezone.now()
    reason_id = reason.pk if isinstance(reason, Reason) else reason
    by_agent = actor is not None and actor.is_authenticated
    assigned = via_lottery or replacing is not None
    # On PostgreSQL the read writes nothing and the write is one statement: no transaction
    # of their own (`_seat_write` takes a savepoint inside a caller's).
    one_statement = writes_in_one_statement()
    try:
        with nullcontext() if one_statement else transaction.atomic():
            read = _checked_read(
                slot_id, reason_id, mode, now, by_agent=by_agent, assigned=assigned
            )
            appointment = _appointment_for(read, mode, name, phone, email, submission_key, actor)
            try:
                cap_refusal = _appointment_write(
                    appointment,
                    actor if by_agent else None,
                    replacing,
                    notify,
                    public=not (by_agent or assigned),
                    one_statement=one_statement,
                    now=now,
                )
            except SlotTaken as taken:
                raise BookingRefused(taken.message, read) from taken
            if cap_refusal is None:
                return appointment
    except (ValidationError, IntegrityError):
        earlier = earlier_booking(submission_key)
        if earlier is None:
            raise
        return earlier
    # Raised once the owner's SMS is kept (after the transaction, not undone with it).
    raise cap_refusal


class SlotTaken(ValidationError):
    """The seat went to another booking between the read and the write."""


class BookingRefused(ValidationError):
    """A booking refused by `rules.slot_refusal`: carries the slot and reason it read
    (`read`), so that a page explaining the refusal need not read them again."""

    def __init__(self, message: str, read: booking.SlotRead):
        super().__init__(message)
        self.read = read


def _checked_read(
    slot_id: int, reason_id: int, mode: str, now: datetime, *, by_agent: bool, assigned: bool
) -> booking.SlotRead:
    """The slot and the reason as the booking reads them, refused in French by the rules."""
    read = booking.slot_read(slot_id=slot_id, reason_id=reason_id, now=now)
    if read is None:
        raise ValidationError(_("This slot no longer exists. Choose another one."))
    refusal = rules.slot_refusal(
        read.slot, read.reason, mode, now, by_agent=by_agent, assigned=assigned
    )
    if refusal:
        raise BookingRefused(refusal, read)
    return read


def _appointment_for(
    read: booking.SlotRead, mode, name, phone, email, submission_key, actor
) -> Appointment:
    """The appointment to write: the slot's, for the contact given (cleaned or refused)."""
    slot = read.slot
    contact = contact_clean(
        name=name, phone=phone, email=email, departement_code=read.departement_code
    )
    by_agent = actor is not None and actor.is_authenticated
    return Appointment(
        pk=read.appointment_id,
        reference=new_reference(),
        slot=slot,
        service_point_id=slot.service_point_id,
        reason=read.reason,
        person=Person(phone=contact["contact_phone"]),
        **contact,
        mode=mode,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        submission_key=submission_key,
        booked_by=actor if by_agent else None,
    )


def _appointment_write(
    appointment: Appointment,
    agent,
    replacing: Appointment | None,
    notify: bool,
    *,
    public: bool,
    one_statement: bool,
    now: datetime,
) -> "CapReached | None":
    """Write the booking (None); a public one refused for the per-person cap gives the refusal
    to raise once the phone's owner is told, other refusals raise."""
    write = _seat_write if one_statement else _seat_write_in_steps
    try:
        write(appointment, agent, replacing, notify)
    except CapReached as refusal:
        # A stranger may type anyone's number: the public page answers as for a booking, and
        # the number's owner is told why by SMS (kept in this transaction).
        if not public or earlier_booking(appointment.submission_key) is not None:
            raise
        _cap_refusal_tell(appointment, now)
        return refusal
    return None


class CapReached(ValidationError):
    """The person holds as many active appointments of the reason as it allows. A public form
    shows it as a booking (`public_views.book`); the phone's owner gets the explanation."""


def _cap_refusal_tell(appointment: Appointment, now: datetime) -> None:
    """The SMS telling a phone's owner why a booking with their number was refused; one a day
    per number and reason, so that a form sent again and again does not flood them."""
    point = ServicePoint.objects.only("name", "departement_id").get(pk=appointment.service_point_id)
    with translation.override("fr"):  # people read French, whatever the page's language
        body = _("%(point)s, “%(reason)s”: a booking with your number was refused. %(why)s") % {
            "point": point.name,
            "reason": appointment.reason.label,
            "why": _CAP_REACHED,
        }
    day = point.local_now(now).date().isoformat()
    message_enqueue(
        channel=Message.Channel.SMS,
        to=appointment.contact_phone,
        body=body,
        dedup_key=f"cap:{appointment.reason_id}:{appointment.contact_phone}:{day}",
    )


def writes_in_one_statement() -> bool:
    """Whether the database takes a booking's writes as one statement (PostgreSQL's
    data-modifying CTEs); others, like the SQLite demo, take them one at a time."""
    return on_postgresql()


_CAP_REACHED = gettext_lazy(
    "You already have an appointment for this reason. Cancel or move it before booking another."
)
_SLOT_TAKEN = rules.SLOT_TAKEN
_TRY_AGAIN = gettext_lazy("Your booking could not be recorded just now. Send the form again.")


# How many times a booking's write is run again when the person's row changed under it (each
# time, another booking of theirs was committed meanwhile: their cap bounds how many).
PERSON_CHANGED_TRIES = 10


def _seat_write(appointment: Appointment, actor, replacing: Appointment | None, notify: bool):
    """The person, the seat, the appointment, its history and messages: one statement."""
    messages = appointment_messages(appointment=appointment, kind="confirmation") if notify else []
    # Written by the booking's own statement, not `outbox_add`: the SMS budget is kept here.
    messages = [message for message in messages if sms_budget_allows(message)]
    messages_check(messages)
    event = AppointmentEvent(appointment=appointment, kind="booked", actor=actor)
    for _try in range(PERSON_CHANGED_TRIES):
        try:
            # In a caller's transaction (a move, a draw), in a savepoint: a refusal is an error
            # of the statement, and undoes only this.
            with transaction.atomic() if connection.in_atomic_block else nullcontext():
                written = booking.seat_write(
                    appointment=appointment,
                    event=event,
                    messages=messages,
                    replacing_id=replacing.pk if replacing is not None else None,
                    now=timezone.now(),
                )
            break
        except booking.SeatRefused as refusal:
            if refusal.why == booking.CAP_REACHED:
                raise CapReached(str(_CAP_REACHED)) from refusal
            if refusal.why == booking.SLOT_TAKEN:
                raise SlotTaken(str(_SLOT_TAKEN)) from refusal
    else:
        raise ValidationError(str(_TRY_AGAIN))
    person = appointment.person
    person.pk, person._state.adding = written.person_id, False
    appointment.person, appointment._state.adding = person, False
    deliveries_queue(written.message_ids)


def _seat_write_in_steps(
    appointment: Appointment, actor, replacing: Appointment | None, notify: bool
):
    """The same as `_seat_write`, a statement at a time, through the ORM (the SQLite demo)."""
    person = person_for(phone=appointment.contact_phone)
    active = active_for_reason(
        reason=appointment.reason, phone=appointment.contact_phone, email=appointment.contact_email
    )
    if replacing is not None:
        active = active.exclude(pk=replacing.pk)
    if active.count() >= appointment.reason.max_active_per_person:
        raise CapReached(str(_CAP_REACHED))
    if not take_seat(appointment.slot_id):
        raise SlotTaken(str(_SLOT_TAKEN))
    appointment.person = person
    appointment.save(force_insert=True)
    AppointmentEvent.objects.create(appointment=appointment, kind="booked", actor=actor)
    if notify:
        _notify(appointment, "confirmation")


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update()
        .select_related("slot", "service_point", "reason")
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
        name=appointment.contact_name,
        phone=appointment.contact_phone,
        email=appointment.contact_email,
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
    appointment = _locked(appointment)
    if status not in Appointment.COUNTER_STATUSES or not appointment.can_become(status):
        raise ValidationError(_("This change is not possible for this appointment."))
    appointment.status = status
    appointment.save(update_fields=["status"])
    AppointmentEvent.objects.create(
        appointment=appointment, kind=status, note=note[:300], actor=_agent(actor)
    )
    return appointment


def _agent(actor):
    return actor if actor is not None and actor.is_authenticated else None


_CONTACT_REFUSED = gettext_lazy(
    "These contact details cannot be recorded for this appointment. Call the counter."
)


@transaction.atomic
def appointment_contact_change(
    *, appointment: Appointment, name: str, phone: str, email: str = ""
) -> Appointment:
    """Change who an active appointment is for and how to reach them (only its manage link
    calls this); checked as a booking is, told to the new contact and to the number it left.

    The new phone's person row is locked and rewritten, as a booking does, so the per-person
    cap (by phone or email) still holds; a refusal does not say whose appointment counted.
    """
    appointment = _locked(appointment)
    if not appointment.is_active:
        raise ValidationError(_("This appointment is no longer active."))
    contact = contact_clean(
        name=name,
        phone=phone,
        email=email,
        departement_code=appointment.service_point.departement_id,
    )
    before = (appointment.contact_name, appointment.contact_phone, appointment.contact_email)
    if tuple(contact.values()) == before:
        return appointment
    person = person_for(phone=contact["contact_phone"])
    others = active_for_reason(
        reason=appointment.reason_id,
        phone=contact["contact_phone"],
        email=contact["contact_email"],
    ).exclude(pk=appointment.pk)
    reaches = contact["contact_phone"] != before[1] or contact["contact_email"] != before[2]
    if reaches and others.count() >= appointment.reason.max_active_per_person:
        raise ValidationError(str(_CONTACT_REFUSED))
    for field, value in contact.items():
        setattr(appointment, field, value)
    appointment.person = person
    appointment.save(update_fields=[*contact, "person"])
    event = AppointmentEvent.objects.create(appointment=appointment, kind="contact_changed")
    for message in appointment_messages(
        appointment=appointment, kind="contact_changed", occurrence=str(event.pk)
    ):
        outbox_add(message)
    if before[1] != appointment.contact_phone:
        # The number it left is told, so that a change nobody asked for is noticed.
        with translation.override("fr"):
            body = _(
                "The contact details of appointment %(ref)s have been changed: its messages no "
                "longer come to this number. If you did not ask for it, call the counter."
            ) % {"ref": appointment.reference}
        message_enqueue(
            channel=Message.Channel.SMS,
            to=before[1],
            body=body,
            dedup_key=f"appointment:{appointment.pk}:contact_changed:{event.pk}:previous",
        )
    return appointment
