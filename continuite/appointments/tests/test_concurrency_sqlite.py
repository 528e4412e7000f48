"""Booking under real concurrency on the embedded SQLite demo: the booking waits for the write
lock (busy timeout, immediate transactions: settings.py) instead of answering « database is
locked ».

On SQLite the test database is a file, as the demo's (settings.py): the threads' connections
open it with the project's own SQLite settings, and what the test prepares is committed (a
transactional test). The PostgreSQL race is in test_concurrency.py.
"""

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from continuite.appointments.models import Appointment, Mode, Slot
from continuite.appointments.services import appointment_book
from continuite.appointments.slots import slots_sync

from .factories import OpeningRangeFactory, ReasonFactory
from .helpers import run_threads, slot_at

pytestmark = pytest.mark.sqlite  # the demo's locking; the PostgreSQL race is test_concurrency.py

ATTEMPTS = 20
TAKEN = "This slot has just been taken. Choose another one."
PHONES = [f"06{i:08d}" for i in range(ATTEMPTS)]


def race(attempts: list[Callable[[], object]]) -> list[object]:
    """Each attempt in its own thread and connection to the database file, released together:
    what it returned, or the exception it raised."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[object] = [None] * len(attempts)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            with override("fr"):
                outcomes[index] = attempts[index]()
        except Exception as exc:  # the outcome under test, whatever it is
            outcomes[index] = exc
        finally:
            connection.close()

    run_threads(run, [(index,) for index in range(len(attempts))], timeout=120)
    return outcomes


def one_free_seat(reason) -> Slot:
    """A slot of one seat, two days ahead, that the reason may book."""
    opening_range = OpeningRangeFactory(agents_on_duty=1, reasons=[reason])
    starts_at = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    return slot_at(opening_range, starts_at, mode=Mode.ON_SITE)


def assert_one_booking_on(slot: Slot) -> None:
    """The slot's seat taken once, by the only appointment written."""
    slot.refresh_from_db()
    assert slot.booked == 1
    assert Appointment.objects.filter(slot=slot).count() == Appointment.objects.count() == 1


def test_twenty_simultaneous_bookings_on_sqlite_give_one_booking_and_no_500(reference_data):
    reason = ReasonFactory()
    opening_range = OpeningRangeFactory(agents_on_duty=1, reasons=[reason])
    slots_sync(service_point=opening_range.service_point, horizon_days=14)
    slot = (
        Slot.objects.filter(service_point=opening_range.service_point, starts_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )
    assert (slot.capacity, slot.booked) == (1, 0)
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(p, "FR")) for p in PHONES)

    def attempt(index: int) -> Callable[[], object]:
        return lambda: appointment_book(
            slot_id=slot.pk,
            reason=reason.pk,
            mode=Mode.ON_SITE,
            name=f"Personne {index}",
            phone=PHONES[index],
        )

    outcomes = race([attempt(index) for index in range(ATTEMPTS)])

    booked = [o for o in outcomes if isinstance(o, Appointment)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    others = [o for o in outcomes if not isinstance(o, Appointment | ValidationError)]
    assert others == []  # no « database is locked »
    assert len(booked) == 1 and len(refused) == ATTEMPTS - 1
    with override("fr"):
        taken = gettext(TAKEN)
    assert taken != TAKEN  # read in French
    assert Counter(m for error in refused for m in error.messages) == {taken: ATTEMPTS - 1}
    assert_one_booking_on(slot)


def test_twenty_people_sending_the_booking_form_at_once_on_sqlite_get_one_booking_no_500(
    reference_data,
):
    """The public page, each person from their own address (the per-address limit is not
    what refuses them): one is sent on to the confirmation, the others are told why."""
    reason = ReasonFactory()
    slot = one_free_seat(reason)
    url = reverse("appointments:book", args=[slot.pk])

    def attempt(index: int) -> Callable[[], object]:
        data = {
            "reason": reason.pk,
            "mode": Mode.ON_SITE,
            "submission_key": f"00000000-0000-4000-8000-{index:012d}",
            "name": f"Personne {index}",
            "phone": PHONES[index],
        }
        return lambda: Client(REMOTE_ADDR=f"192.0.2.{index + 1}").post(url, data)

    outcomes = race([attempt(index) for index in range(ATTEMPTS)])

    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert errors == []  # no « database is locked »
    statuses = Counter(response.status_code for response in outcomes)
    assert statuses == {302: 1, 400: ATTEMPTS - 1}  # no 500
    [booked] = [response for response in outcomes if response.status_code == 302]
    assert booked["Location"].startswith("/rendez-vous/demande/")
    assert_one_booking_on(slot)
