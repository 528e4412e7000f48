"""Booking through the service: seats, per-person caps, double submissions, cancel and move."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from continuite.appointments.models import Appointment, Slot
from continuite.appointments.services import appointment_cancel, appointment_move
from continuite.appointments.slots import slots_sync
from continuite.notifications.delivery import message_compose
from continuite.notifications.models import Message

from .factories import OpeningRangeFactory
from .helpers import book

pytestmark = pytest.mark.django_db


@pytest.fixture
def monday_slots():
    opening_range = OpeningRangeFactory(agents_on_duty=1)
    now = timezone.now()
    slots_sync(service_point=opening_range.service_point, now=now, horizon_days=14)
    reason = opening_range.reasons.get()
    return reason, list(
        Slot.objects.filter(service_point=opening_range.service_point).order_by("starts_at")
    )


def test_a_booking_takes_a_seat_and_writes_its_messages(monday_slots):
    reason, slots = monday_slots
    appointment = book(slots[0], reason, email="jeanne@example.org")
    slots[0].refresh_from_db()
    assert slots[0].booked == 1 and appointment.person.phone == "+33612345678"
    assert set(Message.objects.values_list("channel", flat=True)) == {"sms", "email"}
    email = Message.objects.get(channel="email")
    assert email.body == ""  # composed by the worker, just before sending
    email = message_compose(email)
    assert "BEGIN:VCALENDAR" in email.attachment_content and appointment.reference in email.body
    assert "Rendez-vous" in email.body or "rendez-vous" in email.body


def test_a_full_slot_refuses_with_a_clear_message(monday_slots):
    reason, slots = monday_slots
    book(slots[0], reason)
    with pytest.raises(ValidationError, match="pris|taken"):
        book(slots[0], reason, phone="06 98 76 54 32")
    slots[0].refresh_from_db()
    assert slots[0].booked == 1


def test_one_active_appointment_per_person_and_reason(monday_slots):
    reason, slots = monday_slots
    book(slots[0], reason)
    with pytest.raises(ValidationError):
        book(slots[1], reason, phone="+33 6 12 34 56 78")
    assert Appointment.objects.count() == 1


def test_a_double_submission_books_once(monday_slots):
    reason, slots = monday_slots
    key = uuid.uuid4()
    first = book(slots[0], reason, submission_key=key)
    second = book(slots[0], reason, submission_key=key)
    assert first == second and Appointment.objects.count() == 1


def test_a_bad_phone_number_books_nothing(monday_slots):
    reason, slots = monday_slots
    with pytest.raises(ValidationError):
        book(slots[0], reason, phone="12")
    assert not Appointment.objects.exists() and Slot.objects.filter(booked__gt=0).count() == 0


def test_an_overseas_mobile_is_accepted(monday_slots):
    reason, slots = monday_slots
    assert book(slots[0], reason, phone="0690 12 34 56").person.phone == "+590690123456"


def test_cancel_gives_the_seat_back_and_keeps_the_history(monday_slots):
    reason, slots = monday_slots
    appointment = appointment_cancel(appointment=book(slots[0], reason), note="Empêchement")
    slots[0].refresh_from_db()
    assert slots[0].booked == 0 and appointment.status == "cancelled"
    assert list(appointment.events.values_list("kind", flat=True)) == ["booked", "cancelled"]


def test_move_books_the_new_slot_and_links_the_old_one(monday_slots):
    reason, slots = monday_slots
    old = book(slots[0], reason)
    new = appointment_move(appointment=old, slot_id=slots[1].pk)
    old.refresh_from_db()
    assert old.status == "moved" and old.moved_to == new and new.starts_at == slots[1].starts_at
    assert [
        s.booked
        for s in Slot.objects.filter(pk__in=[slots[0].pk, slots[1].pk]).order_by("starts_at")
    ] == [0, 1]


def test_a_past_slot_or_one_beyond_the_horizon_is_refused(monday_slots):
    reason, slots = monday_slots
    with pytest.raises(ValidationError):
        book(slots[0], reason, now=slots[0].starts_at + timedelta(minutes=1))
    with pytest.raises(ValidationError):
        book(
            slots[-1], reason, now=slots[-1].starts_at - timedelta(days=reason.max_horizon_days + 1)
        )
    assert not Appointment.objects.exists()


def test_a_moved_appointment_updates_the_same_calendar_entry(monday_slots):
    from continuite.appointments.messages import ics_for

    reason, slots = monday_slots
    first = book(slots[0], reason)
    moved = appointment_move(appointment=first, slot_id=slots[1].pk)
    original, updated = ics_for(first), ics_for(moved)
    assert (
        f"UID:{first.reference}@continuite" in original
        and f"UID:{first.reference}@continuite" in updated
    )
    assert "SEQUENCE:0" in original and "SEQUENCE:1" in updated
