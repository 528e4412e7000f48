"""Helpers shared by the tests of the public flow: times a few days ahead, counters and slots."""

import threading
import uuid
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from continuite.appointments.models import Mode, Slot
from continuite.appointments.services import appointment_book
from continuite.service_points.tests.factories import ServicePointFactory

from .factories import OpeningRangeFactory


def fr(text: str) -> str:
    """A message as people read it (French once the catalog has it, English source until then)."""
    with translation.override("fr"):
        return gettext(text)


def soon(days: int = 2, hour: int = 9) -> datetime:
    """A fixed hour of a day ahead, in UTC (Lyon is UTC+1 or +2)."""
    day = (timezone.now() + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def counter(reason, name="Guichet Sathonay", latitude=45.7675, longitude=4.8345, **kwargs):
    """A service point with one opening range serving the reason (on site unless `mode`)."""
    mode = kwargs.pop("mode", Mode.ON_SITE)
    point = ServicePointFactory(name=name, latitude=latitude, longitude=longitude, **kwargs)
    return OpeningRangeFactory(service_point=point, reasons=[reason], mode=mode, agents_on_duty=1)


def slot_at(opening_range, starts_at, **fields) -> Slot:
    """A slot of 30 minutes of the range (one seat, the range's mode, unless given)."""
    values = {"capacity": 1, "mode": opening_range.mode, **fields}
    return Slot.objects.create(
        opening_range=opening_range,
        service_point=opening_range.service_point,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        **values,
    )


def book(slot, reason, **kwargs):
    """Jeanne Martin books the slot through the service (on site unless told)."""
    values = {
        "slot_id": slot.pk,
        "reason": reason,
        "mode": Mode.ON_SITE,
        "name": "Jeanne Martin",
        "phone": "06 12 34 56 78",
    }
    return appointment_book(**{**values, **kwargs})


def booking_form(reason, mode=Mode.ON_SITE, /, **fields) -> dict:
    """What the public booking form sends for Jeanne Martin, with a fresh submission key."""
    return {
        "reason": reason.pk,
        "mode": mode,
        "submission_key": str(uuid.uuid4()),
        "name": "Jeanne Martin",
        "phone": "06 12 34 56 78",
        **fields,
    }


def callback_form(reason, /, **fields) -> dict:
    """What the public call-back form sends for Jeanne Martin, with a fresh submission key."""
    return {
        "reason": reason.pk,
        "name": "Jeanne Martin",
        "phone": "06 12 34 56 78",
        "email": "",
        "preferred_window": "morning",
        "note": "",
        "submission_key": str(uuid.uuid4()),
        **fields,
    }


def all_at_once(count: int, act, *, timeout: float = 60) -> list[object]:
    """Run `act()` in `count` threads released together, each on its own connection; their
    outcomes in order: what `act` returned, or the exception it raised."""
    barrier = threading.Barrier(count)
    outcomes: list[object] = [None] * count

    def attempt(index: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            outcomes[index] = act()
        except Exception as exc:  # the outcome under test, whatever it is
            outcomes[index] = exc
        finally:
            connection.close()

    run_threads(attempt, [(i,) for i in range(count)], timeout=2 * timeout)
    return outcomes


def run_threads(target, args_list: list[tuple], *, timeout: float) -> None:
    """Run `target(*args)` in one thread per argument tuple, started together, and wait for all
    of them (each up to `timeout` seconds); every one must have finished."""
    threads = [threading.Thread(target=target, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "an attempt never finished"
