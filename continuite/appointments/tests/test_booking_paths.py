"""The two ways a booking is written give the same results: one statement (PostgreSQL) or one
step at a time through the ORM (the SQLite demo). Both run here on the test database, the
statement both on its own (a request: each statement its own transaction) and inside a
caller's transaction (a move, a draw: in a savepoint); the read before them
(`booking.slot_read`) follows the same rule as the ORM's `status_in_force`."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from continuite.appointments import booking, services
from continuite.appointments.models import Appointment, AppointmentEvent, Person, Slot
from continuite.appointments.services import appointment_book
from continuite.notifications.models import Message
from continuite.service_points.models import CrisisStatus, StatusChange, status_in_force

from .factories import ReasonFactory
from .helpers import book, soon
from .test_booking_fast import slot_for

pytestmark = pytest.mark.django_db


@pytest.fixture(
    params=[
        # Outside a test's transaction, as a request books, or inside it, as a move does.
        # One statement is PostgreSQL's; SQLite books in steps.
        pytest.param(
            "one statement",
            marks=[pytest.mark.django_db(transaction=True), pytest.mark.postgresql],
        ),
        pytest.param("one statement in a transaction", marks=pytest.mark.postgresql),
        "in steps",
    ]
)
def path(request, monkeypatch):
    if request.param == "in steps":
        monkeypatch.setattr(services, "writes_in_one_statement", lambda: False)
    if request.param == "one statement":
        request.getfixturevalue("reference_data")
    assert connection.in_atomic_block == (request.param != "one statement")
    return request.param


def test_a_booking_writes_the_person_the_seat_the_history_and_the_messages(path):
    reason = ReasonFactory()
    slot = slot_for(reason, capacity=2)
    appointment = book(slot, reason, email=" Jeanne@Example.fr ", submission_key=uuid.uuid4())
    stored = Appointment.objects.select_related("person").get()
    assert stored.pk == appointment.pk and stored.reference == appointment.reference
    assert (stored.contact_phone, stored.contact_email) == ("+33612345678", "jeanne@example.fr")
    assert (stored.contact_name, stored.person.phone) == ("Jeanne Martin", "+33612345678")
    assert appointment.person.pk == stored.person.pk
    assert (stored.starts_at, stored.ends_at) == (slot.starts_at, slot.ends_at)
    assert stored.service_point_id == slot.service_point_id and stored.takes_seat
    assert AppointmentEvent.objects.get().kind == "booked"
    assert sorted(Message.objects.values_list("channel", "dedup_key")) == [
        ("email", f"appointment:{stored.pk}:confirmation:email"),
        ("sms", f"appointment:{stored.pk}:confirmation:sms"),
    ]
    slot.refresh_from_db()
    assert slot.booked == 1


def test_bookings_with_one_phone_share_its_person_and_keep_their_own_contacts(path):
    reason = ReasonFactory(max_active_per_person=2)
    first = book(slot_for(reason), reason, email="jeanne@example.fr")
    second = book(slot_for(reason), reason, name="Jeanne  Martin-Durand")
    person = Person.objects.get()
    assert first.person.pk == second.person.pk == person.pk
    assert list(
        Appointment.objects.order_by("pk").values_list("contact_name", "contact_email")
    ) == [("Jeanne Martin", "jeanne@example.fr"), ("Jeanne Martin-Durand", "")]


def test_the_cap_and_a_full_slot_refuse_and_write_nothing(path):
    reason = ReasonFactory()
    slot = slot_for(reason, capacity=1)
    book(slot, reason)
    with pytest.raises(ValidationError, match="already|déjà"):
        book(slot_for(reason), reason, name="Jeanne Autre", email="autre@example.fr")
    with pytest.raises(ValidationError, match="taken|pris"):
        book(slot, reason, phone="06 98 76 54 32")
    assert Appointment.objects.count() == AppointmentEvent.objects.count() == 1
    # The confirmation of the first, and the SMS telling the phone's owner of the refusal.
    assert sorted(Message.objects.values_list("dedup_key", flat=True))[0].startswith("appointment:")
    assert Message.objects.filter(dedup_key__startswith="cap:").count() == 1
    # Nobody new was recorded.
    assert list(Person.objects.values_list("phone", flat=True)) == ["+33612345678"]
    assert list(Slot.objects.values_list("booked", flat=True).order_by("pk")) == [1, 0]


def test_the_cap_counts_the_same_email_under_another_phone(path):
    reason = ReasonFactory()
    book(slot_for(reason), reason, email="jeanne@example.fr")
    with pytest.raises(ValidationError, match="already|déjà"):
        book(slot_for(reason), reason, phone="06 98 76 54 32", email="JEANNE@example.fr")


def test_a_form_sent_twice_gets_its_first_booking(path):
    reason = ReasonFactory(max_active_per_person=3)
    key = uuid.uuid4()
    first = book(slot_for(reason), reason, submission_key=key)
    assert book(slot_for(reason), reason, submission_key=key) == first
    assert Appointment.objects.count() == 1
    assert sorted(Slot.objects.values_list("booked", flat=True)) == [0, 1]


def test_a_move_books_the_new_slot_for_the_same_person(path):
    reason = ReasonFactory()
    appointment = book(slot_for(reason), reason)
    new = services.appointment_move(appointment=appointment, slot_id=slot_for(reason).pk)
    assert new.person.pk == appointment.person.pk
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.MOVED


def test_the_read_before_a_booking_gives_the_status_by_the_rule_of_status_in_force():
    reason = ReasonFactory()
    slot = slot_for(reason, starts_at=soon(days=3))
    point, now = slot.service_point, timezone.now()
    # Closed now for two days, phone only over the slot; a later change recorded first.
    StatusChange.objects.create(
        service_point=point,
        status=CrisisStatus.PHONE_ONLY,
        reason="Agents absents",
        starts_at=slot.starts_at - timedelta(hours=1),
        ends_at=slot.starts_at + timedelta(hours=1),
    )
    StatusChange.objects.create(
        service_point=point,
        status=CrisisStatus.CLOSED,
        reason="Désinfection",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=2),
    )
    read = booking.slot_read(slot_id=slot.pk, reason_id=reason.pk, now=now)
    expected = Slot.objects.annotate(
        at_start=status_in_force(point.pk, slot.starts_at), at_now=status_in_force(point.pk, now)
    ).get(pk=slot.pk)
    assert (read.slot.point_status, read.slot.point_status_now) == (
        expected.at_start,
        expected.at_now,
    )
    assert (read.slot.point_status, read.slot.point_status_now) == ("phone_only", "closed")
    assert read.slot.serves_reason and not read.slot.reason_closure
    assert read.reason == reason and read.reason.max_active_per_person == 1
    assert booking.slot_read(slot_id=10**12, reason_id=reason.pk, now=now) is None


def test_a_public_booking_at_a_counter_closed_now_is_refused(path):
    reason = ReasonFactory()
    slot = slot_for(reason, starts_at=soon(days=5))
    StatusChange.objects.create(
        service_point=slot.service_point,
        status=CrisisStatus.CLOSED,
        reason="Désinfection",
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(days=1),
    )
    with pytest.raises(ValidationError, match="closed for now|fermé pour le moment"):
        appointment_book(
            slot_id=slot.pk, reason=reason.pk, mode=slot.mode, name="Jeanne", phone="0612345678"
        )
    assert not Appointment.objects.exists()


def test_a_later_booking_never_changes_an_earlier_ones_contact(path):
    reason, other = ReasonFactory(), ReasonFactory()
    first = book(slot_for(reason), reason, email="jeanne@example.fr")
    book(slot_for(other), other, name="Mallory Intrus", email="mallory@example.net")
    stored = Appointment.objects.get(pk=first.pk)
    assert (stored.contact_name, stored.contact_phone, stored.contact_email) == (
        "Jeanne Martin",
        "+33612345678",
        "jeanne@example.fr",
    )
    messages = services.appointment_messages(appointment=stored, kind="reminder")
    assert {m.to for m in messages} == {"+33612345678", "jeanne@example.fr"}


def test_the_cap_counts_an_email_given_earlier_even_after_another_form_changed_it(path):
    reason, other = ReasonFactory(), ReasonFactory()
    book(slot_for(reason), reason, email="jeanne@example.fr")
    # The same phone gives another email for another reason: the first booking keeps its own.
    book(slot_for(other), other, email="jeanne.martin@example.org")
    with pytest.raises(ValidationError, match="already|déjà"):
        book(slot_for(reason), reason, phone="06 98 76 54 32", email="Jeanne@Example.fr")
    assert Appointment.objects.count() == 2
