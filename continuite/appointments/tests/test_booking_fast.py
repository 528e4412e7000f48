"""The booking hot path: few statements, and a form sent twice still books once.

Bookings come in bursts (tens of thousands a minute when slots are released): these tests hold
the number of statements a booking takes, and the answers that the fewer statements must keep
(a form sent again, a refusal, a counter closed for now).
"""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from continuite.appointments import services
from continuite.appointments.models import Appointment, AppointmentEvent, Mode, Slot
from continuite.notifications import services as notification_services
from continuite.notifications.models import Message
from continuite.service_points.tests.factories import ServicePointFactory

from .factories import OpeningRangeFactory, ReasonFactory
from .helpers import all_at_once, book, booking_form, slot_at, soon

# On PostgreSQL, outside a transaction (as a request books): the slot and the reason with what
# the checks read, then the person, their active appointments, the seat, the appointment, its
# history line and its SMS in one statement, each its own transaction. SQLite, one
# transaction of ORM statements: BEGIN, the same read of the slot and the reason, the person,
# the count of their active appointments, the seat, the appointment, its history line, its SMS
# in a savepoint (three statements), COMMIT.
BOOKING_STATEMENTS = 2 if connection.vendor == "postgresql" else 11
# The page reads nothing more on the way to the confirmation.
POST_STATEMENTS = BOOKING_STATEMENTS


def slot_for(reason, *, capacity=1, starts_at=None, **point) -> Slot:
    opening_range = OpeningRangeFactory(
        service_point=ServicePointFactory(**point), reasons=[reason], agents_on_duty=capacity
    )
    starts_at = starts_at or soon()
    return slot_at(opening_range, starts_at, mode=Mode.ON_SITE, capacity=capacity)


@pytest.fixture
def queued(monkeypatch):
    """The messages handed to the worker: their delivery is the worker's statements, not the
    booking's (tasks run eagerly in tests, as soon as a booking outside a transaction is made).
    The booking in one statement queues them itself; in steps (SQLite), through the outbox."""
    ids = []
    monkeypatch.setattr(services, "deliveries_queue", ids.extend)
    monkeypatch.setattr(notification_services, "deliveries_queue", ids.extend)
    return ids


def test_a_booking_takes_a_fixed_number_of_statements(
    reference_data, queued, django_assert_num_queries
):
    reason = ReasonFactory()
    slot = slot_for(reason)
    with django_assert_num_queries(BOOKING_STATEMENTS):
        appointment = book(slot, reason, submission_key=uuid.uuid4())
    assert queued == [Message.objects.get().pk]
    slot.refresh_from_db()
    assert slot.booked == 1
    assert AppointmentEvent.objects.get().appointment == appointment
    assert Message.objects.get().dedup_key == f"appointment:{appointment.pk}:confirmation:sms"


def test_the_booking_form_takes_a_fixed_number_of_statements(
    reference_data, queued, client, django_assert_num_queries
):
    reason = ReasonFactory()
    slot = slot_for(reason)
    with django_assert_num_queries(POST_STATEMENTS):
        response = client.post(
            reverse("appointments:book", args=[slot.pk]), booking_form(reason, slot.mode)
        )
    assert Appointment.objects.count() == 1
    assert response.status_code == 302
    assert response["Location"].startswith("/rendez-vous/demande/")


@pytest.mark.django_db
def test_a_form_sent_again_gets_its_first_booking_even_once_the_slot_is_full():
    reason = ReasonFactory()
    slot = slot_for(reason, capacity=1)
    key = uuid.uuid4()
    first = book(slot, reason, submission_key=key)
    again = book(slot, reason, submission_key=key)
    assert again == first and Appointment.objects.count() == 1
    slot.refresh_from_db()
    assert slot.booked == 1


@pytest.mark.django_db
def test_a_form_sent_again_for_another_slot_gets_its_first_booking_and_takes_no_seat():
    reason = ReasonFactory(max_active_per_person=2)
    slot, other = slot_for(reason, capacity=2), slot_for(reason, capacity=2)
    key = uuid.uuid4()
    first = book(slot, reason, submission_key=key)
    assert book(other, reason, submission_key=key) == first
    other.refresh_from_db()
    assert other.booked == 0 and Appointment.objects.count() == 1
    assert Message.objects.count() == 1 and AppointmentEvent.objects.count() == 1


@pytest.mark.django_db
def test_a_refusal_with_a_new_key_is_still_a_refusal():
    reason = ReasonFactory()
    slot = slot_for(reason, capacity=1)
    book(slot, reason, submission_key=uuid.uuid4())
    with pytest.raises(ValidationError, match="taken|pris"):
        book(slot, reason, phone="06 98 76 54 32", submission_key=uuid.uuid4())
    with pytest.raises(ValidationError):
        book(slot, reason, submission_key=uuid.uuid4(), slot_id=10**12)


@pytest.mark.django_db
def test_a_reason_for_agents_only_cannot_be_booked_by_a_forged_post(client):
    reason = ReasonFactory(agents_only=True)
    slot = slot_for(reason)
    response = client.post(
        reverse("appointments:book", args=[slot.pk]), booking_form(reason, slot.mode)
    )
    assert response.status_code == 400 and not Appointment.objects.exists()
    slot.refresh_from_db()
    assert slot.booked == 0


@pytest.mark.django_db
def test_a_reason_the_slot_does_not_serve_cannot_be_booked_by_a_forged_post(client):
    reason, other = ReasonFactory(), ReasonFactory()
    slot = slot_for(reason)
    slot_for(other)
    response = client.post(
        reverse("appointments:book", args=[slot.pk]), booking_form(other, slot.mode)
    )
    assert response.status_code == 400 and not Appointment.objects.exists()


@pytest.mark.django_db
def test_a_post_for_an_unknown_slot_is_a_404(client):
    reason = ReasonFactory()
    slot = slot_for(reason)
    response = client.post(
        reverse("appointments:book", args=[10**12]), booking_form(reason, slot.mode)
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_form_sent_again_after_a_refusal_page_still_finds_its_booking(client):
    """The page refuses before the service is called (the slot is full now): it looks it up."""
    reason = ReasonFactory()
    slot = slot_for(reason, capacity=1)
    data = booking_form(reason, slot.mode)
    first = client.post(reverse("appointments:book", args=[slot.pk]), data)
    again = client.post(reverse("appointments:book", args=[slot.pk]), data)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]


@pytest.mark.postgresql
def test_the_same_form_sent_twice_at_once_books_once(reference_data):
    """Both pass the checks; the second insert of the key waits for the first and fails."""
    reason = ReasonFactory(max_active_per_person=5)
    slot = slot_for(reason, capacity=5)
    key = uuid.uuid4()
    outcomes = all_at_once(4, lambda: book(slot, reason, submission_key=key), timeout=30)
    assert all(isinstance(o, Appointment) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    assert Appointment.objects.count() == 1
    slot.refresh_from_db()
    assert slot.booked == 1
