"""Keeping slots in sync: idempotent, recomputed on change, and never losing a booking."""

from datetime import timedelta

import pytest
from django.utils import timezone

from continuite.appointments.models import Appointment, Mode, Slot
from continuite.appointments.services import appointment_book
from continuite.appointments.slots import slots_sync
from continuite.appointments.tasks import release_emergency_seats
from continuite.service_points.services import opening_exception_add

from .factories import HealthProtocolFactory, OpeningRangeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def point_with_range():
    opening_range = OpeningRangeFactory(agents_on_duty=3)
    return opening_range.service_point, opening_range


def book_first(point, reason, phone="06 12 34 56 78"):
    slot = Slot.objects.filter(service_point=point).order_by("starts_at").first()
    return appointment_book(
        slot_id=slot.pk, reason=reason, mode=Mode.ON_SITE, name="Jean Dupont", phone=phone
    )


def close_day(point, day, label=""):
    """The service point is closed the whole day (a dated exception, recorded by nobody)."""
    opening_exception_add(
        service_point=point,
        start_on=day,
        end_on=day,
        closed=True,
        opens_at=None,
        closes_at=None,
        label=label,
        actor=None,
    )


def test_a_second_sync_changes_nothing(point_with_range):
    point, _range = point_with_range
    first = slots_sync(service_point=point)
    assert first.created > 0
    again = slots_sync(service_point=point)
    assert (again.created, again.updated, again.removed) == (0, 0, 0)


def test_slots_cover_the_rolling_90_day_horizon(point_with_range):
    point, _range = point_with_range
    now = timezone.now()
    slots_sync(service_point=point, now=now)
    last = Slot.objects.filter(service_point=point).order_by("-starts_at").first()
    assert now + timedelta(days=83) < last.starts_at <= now + timedelta(days=91)


def test_a_lower_protocol_marks_booked_slots_over_capacity_and_keeps_the_bookings(point_with_range):
    point, opening_range = point_with_range
    slots_sync(service_point=point)
    reason = opening_range.reasons.get()
    book_first(point, reason)
    book_first(point, reason, phone="06 98 76 54 32")
    HealthProtocolFactory(service_point=point, max_people_present=1)
    report = slots_sync(service_point=point)
    slot = Slot.objects.filter(service_point=point).order_by("starts_at").first()
    assert (slot.capacity, slot.booked, slot.over_capacity) == (1, 2, True)
    assert slot.pk in report.over_capacity
    assert Appointment.objects.filter(slot=slot, status="booked").count() == 2


def test_a_closed_day_removes_free_slots_and_flags_booked_ones(point_with_range):
    point, opening_range = point_with_range
    slots_sync(service_point=point)
    reason = opening_range.reasons.get()
    appointment = book_first(point, reason)
    day = appointment.starts_at.astimezone(point.time_zone).date()
    close_day(point, day, label="Travaux")
    slots_sync(service_point=point)
    same_day = Slot.objects.filter(
        service_point=point, starts_at__date=appointment.starts_at.date()
    )
    assert list(same_day.values_list("pk", "capacity", "over_capacity")) == [
        (appointment.slot_id, 0, True)
    ]
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_an_exception_recomputes_the_slots_by_itself(
    point_with_range, django_capture_on_commit_callbacks
):
    point, _range = point_with_range
    slots_sync(service_point=point)
    first = Slot.objects.filter(service_point=point).order_by("starts_at").first()
    day = first.starts_at.astimezone(point.time_zone).date()
    with django_capture_on_commit_callbacks(execute=True):
        close_day(point, day)
    assert not Slot.objects.filter(pk=first.pk).exists()


def test_emergency_seats_are_held_then_released_the_day_before(point_with_range):
    point, _range = point_with_range
    HealthProtocolFactory(service_point=point, max_people_present=10, emergency_share_percent=33)
    slots_sync(service_point=point)
    later = Slot.objects.filter(
        service_point=point, starts_at__gt=timezone.now() + timedelta(days=2)
    )
    assert later.exists() and all(s.held_for_emergencies == 1 and s.free == 2 for s in later)
    Slot.objects.filter(pk=later[0].pk).update(starts_at=timezone.now() + timedelta(hours=5))
    assert release_emergency_seats() == 1
