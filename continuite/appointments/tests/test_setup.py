"""Site managers set ranges and protocol; slots follow, bookings beyond the seats are kept."""

import pytest
from django.urls import reverse

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import RoleFactory
from continuite.appointments.models import HealthProtocol, Mode, OpeningRange, Slot
from continuite.appointments.services import appointment_book

from .factories import OpeningRangeFactory, ReasonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    role = RoleFactory()
    client.force_login(role.user)
    return role


def settings_url(point):
    return reverse("appointments:settings", args=[point.pk])


def test_a_manager_adds_ranges_on_several_days_and_slots_appear(
    client, manager, django_capture_on_commit_callbacks
):
    reason = ReasonFactory()
    form = {
        "add_range": "1",
        "weekdays": ["0", "2"],
        "opens_at": "09:00",
        "closes_at": "11:00",
        "slot_minutes": "30",
        "mode": Mode.ON_SITE,
        "agents_on_duty": "2",
        "reasons": [str(reason.pk)],
        "starts_on": "2026-01-01",
        "ends_on": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(settings_url(manager.service_point), form)
    assert response.status_code == 302
    assert OpeningRange.objects.filter(service_point=manager.service_point).count() == 2
    assert Slot.objects.filter(service_point=manager.service_point).exists()
    assert AuditLog.objects.filter(action="appointments.ranges_added").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_people_present", "0"), ("emergency_share_percent", "150"), ("buffer_minutes", "-5")],
)
def test_bad_protocol_numbers_are_refused_and_change_nothing(client, manager, field, value):
    form = {
        "set_protocol": "1",
        "max_people_present": "3",
        "buffer_minutes": "5",
        "emergency_share_percent": "10",
    }
    response = client.post(settings_url(manager.service_point), {**form, field: value})
    assert response.status_code == 400 and response.context["protocol_form"].errors[field]
    assert not HealthProtocol.objects.exists()


def test_an_overlapping_range_is_refused(client, manager):
    existing = OpeningRangeFactory(service_point=manager.service_point)
    form = {
        "add_range": "1",
        "weekdays": ["0"],
        "opens_at": "10:00",
        "closes_at": "13:00",
        "slot_minutes": "30",
        "mode": Mode.ON_SITE,
        "agents_on_duty": "1",
        "reasons": [str(existing.reasons.get().pk)],
        "starts_on": "2026-01-01",
    }
    response = client.post(settings_url(manager.service_point), form)
    assert response.status_code == 400
    assert OpeningRange.objects.count() == 1


def test_ending_a_range_keeps_its_booked_slots_and_rehomes_their_appointments(
    client, manager, django_capture_on_commit_callbacks
):
    from continuite.appointments.models import Appointment, CallbackRequest
    from continuite.appointments.slots import slots_sync

    opening_range = OpeningRangeFactory(service_point=manager.service_point)
    slots_sync(service_point=manager.service_point)
    slot = Slot.objects.filter(opening_range=opening_range).order_by("starts_at").first()
    appointment = appointment_book(
        slot_id=slot.pk,
        reason=opening_range.reasons.get(),
        mode=Mode.ON_SITE,
        name="A B",
        phone="0612345678",
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("appointments:range_end", args=[manager.service_point.pk, opening_range.pk])
        )
    # The slot and its history stay; the appointment it can no longer hold is rehomed (here,
    # with no other service point: cancelled, and a call-back request opened), never deleted.
    slot.refresh_from_db()
    assert (slot.capacity, slot.booked, slot.over_capacity) == (0, 0, False)
    assert list(Slot.objects.filter(opening_range=opening_range).values_list("pk", flat=True)) == [
        slot.pk
    ]
    appointment = Appointment.objects.get(pk=appointment.pk)
    assert appointment.status == "cancelled"
    assert CallbackRequest.objects.filter(person=appointment.person, origin="closure").exists()


def test_agents_and_other_sites_cannot_change_the_settings(client):
    agent = RoleFactory(agent=True)
    client.force_login(agent.user)
    assert client.get(settings_url(agent.service_point)).status_code == 403
    other = RoleFactory()
    assert client.get(settings_url(other.service_point)).status_code == 404


def test_slots_shorter_than_a_reason_are_refused(client, manager):
    reason = ReasonFactory(duration_minutes=45)
    form = {
        "add_range": "1",
        "weekdays": ["0"],
        "opens_at": "09:00",
        "closes_at": "12:00",
        "slot_minutes": "30",
        "mode": Mode.ON_SITE,
        "agents_on_duty": "1",
        "reasons": [str(reason.pk)],
        "starts_on": "2026-01-01",
    }
    response = client.post(settings_url(manager.service_point), form)
    assert response.status_code == 400 and response.context["range_form"].errors["slot_minutes"]
    assert not OpeningRange.objects.exists()
