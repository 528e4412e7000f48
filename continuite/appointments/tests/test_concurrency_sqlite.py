"""Booking under real concurrency on the embedded SQLite demo: the booking waits for the write
lock (busy timeout, immediate transactions) instead of answering « database is locked ».

The test database of a SQLite run lives in memory, where SQLite locks differently from a file:
the committed data is copied to a temporary file, and the threads' connections open that file
with the project's own SQLite settings. The PostgreSQL race is in test_concurrency.py.
"""

import sqlite3
import threading
from collections import Counter

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone
from django.utils.translation import gettext, override

from continuite.appointments.models import Appointment, Mode, Slot
from continuite.appointments.services import appointment_book
from continuite.appointments.slots import slots_sync

from .factories import OpeningRangeFactory, ReasonFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite demo's locking (run without DATABASE_URL)"
)

ATTEMPTS = 20
TAKEN = "This slot has just been taken. Choose another one."


def race_on_file(path, attempts: list[dict]) -> list[object]:
    """Each attempt in its own thread and connection to the SQLite file, released together."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[object] = [None] * len(attempts)

    def attempt(index: int, kwargs: dict) -> None:
        try:
            barrier.wait(timeout=60)
            with override("fr"):
                outcomes[index] = appointment_book(**kwargs)
        except Exception as exc:  # the outcome under test, whatever it is
            outcomes[index] = exc
        finally:
            connection.close()

    settings = connections.settings["default"]
    in_memory = settings["NAME"]
    settings["NAME"] = str(path)  # the threads' new connections open the file
    try:
        threads = [
            threading.Thread(target=attempt, args=(index, kwargs))
            for index, kwargs in enumerate(attempts)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        settings["NAME"] = in_memory
    assert not any(thread.is_alive() for thread in threads), "an attempt never finished"
    return outcomes


def test_twenty_simultaneous_bookings_on_sqlite_give_one_booking_and_no_500(
    reference_data, tmp_path
):
    reason = ReasonFactory()
    opening_range = OpeningRangeFactory(agents_on_duty=1, reasons=[reason])
    slots_sync(service_point=opening_range.service_point, horizon_days=14)
    slot = (
        Slot.objects.filter(service_point=opening_range.service_point, starts_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )
    assert (slot.capacity, slot.booked) == (1, 0)
    path = tmp_path / "demo.sqlite3"
    with sqlite3.connect(path) as copy:
        connection.ensure_connection()
        connection.connection.backup(copy)
    copy.close()
    phones = [f"06{i:08d}" for i in range(ATTEMPTS)]
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(p, "FR")) for p in phones)

    outcomes = race_on_file(
        path,
        [
            {
                "slot_id": slot.pk,
                "reason": reason.pk,
                "mode": Mode.ON_SITE,
                "name": f"Personne {i}",
                "phone": phone,
            }
            for i, phone in enumerate(phones)
        ],
    )

    booked = [o for o in outcomes if isinstance(o, Appointment)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    others = [o for o in outcomes if not isinstance(o, Appointment | ValidationError)]
    assert others == []  # no « database is locked »
    assert len(booked) == 1 and len(refused) == ATTEMPTS - 1
    with override("fr"):
        taken = gettext(TAKEN)
    assert taken != TAKEN  # read in French
    assert Counter(m for error in refused for m in error.messages) == {taken: ATTEMPTS - 1}
    with sqlite3.connect(path) as written:
        seats = written.execute(
            "SELECT booked FROM appointments_slot WHERE id = ?", [slot.pk]
        ).fetchone()
        appointments = written.execute("SELECT count(*) FROM appointments_appointment").fetchone()
    written.close()
    assert seats == (1,) and appointments == (1,)
