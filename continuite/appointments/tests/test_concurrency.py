"""Booking under real concurrency, in PostgreSQL: never a seat too many, never two for one person.

Every attempt runs in its own thread with its own database connection, committed for real
(a transactional test), and the threads are released together by a barrier. PostgreSQL
serves a limited number of connections (100 by default, shared with whatever else runs):
at most CONNECTIONS attempts hold one at the same time, the others wait for a free one, so
the race is between CONNECTIONS connections at once.
"""

import threading
from collections import Counter
from datetime import date, time, timedelta

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from continuite.appointments.models import Appointment, Mode, Person, Slot
from continuite.appointments.services import appointment_book
from continuite.appointments.slots import slots_sync
from continuite.service_points.tests.factories import ServicePointFactory

from .factories import OpeningRangeFactory, ReasonFactory
from .helpers import run_threads

pytestmark = pytest.mark.postgresql

CONNECTIONS = 50
TAKEN = "This slot has just been taken. Choose another one."
ALREADY = (
    "You already have an appointment for this reason. Cancel or move it before booking another."
)


def race(attempts: list[dict]) -> list[object]:
    """Run appointment_book once per keyword set, all threads released at once; the outcomes.

    An outcome is the appointment booked, the ValidationError raised, or any other exception.
    """
    barrier = threading.Barrier(len(attempts))
    seats = threading.BoundedSemaphore(min(CONNECTIONS, len(attempts)))
    outcomes: list[object] = [None] * len(attempts)

    def attempt(index: int, kwargs: dict) -> None:
        try:
            barrier.wait(timeout=60)
            with seats:
                try:
                    outcomes[index] = appointment_book(**kwargs)
                except Exception as exc:  # the outcome under test, whatever it is
                    outcomes[index] = exc
        finally:
            connection.close()

    run_threads(attempt, list(enumerate(attempts)), timeout=120)
    return outcomes


def messages_of(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def future_slots(point, **filters) -> list[Slot]:
    return list(
        Slot.objects.filter(service_point=point, starts_at__gt=timezone.now(), **filters).order_by(
            "starts_at"
        )
    )


def test_two_hundred_people_race_for_ten_seats(reference_data):
    reason = ReasonFactory()
    opening_range = OpeningRangeFactory(agents_on_duty=10, reasons=[reason])
    point = opening_range.service_point
    slots_sync(service_point=point, horizon_days=14)
    slot = future_slots(point)[0]
    assert (slot.capacity, slot.held_for_emergencies, slot.booked) == (10, 0, 0)
    phones = [f"06{i:08d}" for i in range(200)]
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(p, "FR")) for p in phones)
    assert len(set(phones)) == 200

    outcomes = race(
        [
            {
                "slot_id": slot.pk,
                "reason": reason,
                "mode": Mode.ON_SITE,
                "name": f"Personne {i}",
                "phone": phone,
            }
            for i, phone in enumerate(phones)
        ]
    )

    booked = [o for o in outcomes if isinstance(o, Appointment)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    others = [o for o in outcomes if not isinstance(o, Appointment | ValidationError)]
    assert others == []  # no IntegrityError from the check constraint, no deadlock, no lost thread
    assert len(booked) == 10 and len(refused) == 190
    assert Counter(m for error in refused for m in messages_of(error)) == {gettext(TAKEN): 190}
    slot.refresh_from_db()
    assert slot.booked == 10
    assert Appointment.objects.filter(slot=slot, status__in=Appointment.ACTIVE).count() == 10
    assert len({a.person.phone for a in booked}) == 10
    assert not Slot.objects.filter(booked__gt=F("capacity"), over_capacity=False).exists()
    # And the database itself refuses an eleventh seat, whatever the code above it does.
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(booked=F("booked") + 1)


def test_one_person_sending_twenty_bookings_at_once_gets_one(reference_data):
    """A person already known (booked before): each booking waits for the lock on their row,
    then finds it changed by the booking committed meanwhile and counts again (`booking`).

    A first-time person is serialised the same way, by the unique phone number they are
    created with.
    """
    reason = ReasonFactory(max_active_per_person=1)
    Person.objects.create(phone="+33612345678")
    point = ServicePointFactory()
    for weekday in range(5):
        OpeningRangeFactory(
            service_point=point,
            weekday=weekday,
            opens_at=time(9),
            closes_at=time(12),
            starts_on=date(2020, 1, 1),
            agents_on_duty=1,
            reasons=[reason],
        )
    slots_sync(service_point=point, horizon_days=21)
    slots = future_slots(point, starts_at__lt=timezone.now() + timedelta(days=22))[:20]
    assert len(slots) == 20

    outcomes = race(
        [
            {
                "slot_id": slot.pk,
                "reason": reason,
                "mode": Mode.ON_SITE,
                "name": "Jeanne Martin",
                "phone": "06 12 34 56 78",
            }
            for slot in slots
        ]
    )

    booked = [o for o in outcomes if isinstance(o, Appointment)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(booked) == 1 and len(refused) == 19, outcomes
    assert Counter(m for error in refused for m in messages_of(error)) == {gettext(ALREADY): 19}
    assert Appointment.objects.count() == 1 and Person.objects.count() == 1
    assert (
        sum(Slot.objects.filter(pk__in=[s.pk for s in slots]).values_list("booked", flat=True)) == 1
    )
