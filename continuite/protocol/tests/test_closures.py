"""Closures rehome every affected appointment: converted, moved or cancelled with a call-back."""

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from continuite.accounts.tests.factories import RoleFactory
from continuite.appointments import slots
from continuite.appointments.models import Appointment, CallbackRequest, ClosedWindow, Slot
from continuite.appointments.slots import slots_sync
from continuite.notifications.models import Message
from continuite.protocol.models import Closure, RehomingOutcome, RehomingRules, RehomingRun
from continuite.protocol.rehoming import rehoming_request, rehoming_run
from continuite.protocol.services import closure_declare, closure_reopen, incident_declare
from continuite.service_points.models import AgentPresence, StatusChange

from .conftest import book

pytestmark = pytest.mark.django_db


def close(scene, *, actor=None, **overrides):
    arguments = {
        "service_point": scene.point,
        "scope": Closure.Scope.FULL,
        "starts_at": timezone.now(),
        "ends_at": None,
        "label": "Agents malades",
        "actor": actor,
        **overrides,
    }
    closure, run = closure_declare(**arguments)
    # What a worker does after commit: the slot sync the closure queued (which starts the run).
    slots_sync(service_point=scene.point)
    return closure, run


def snapshot():
    """Everything a second run could change."""
    return (
        sorted(Appointment.objects.values_list("pk", "status", "mode", "takes_seat", "slot_id")),
        sorted(Slot.objects.values_list("pk", "booked", "over_capacity")),
        Message.objects.count(),
        CallbackRequest.objects.count(),
    )


def test_a_full_closure_converts_moves_or_cancels_every_appointment_once(scene):
    closure, run = close(scene)
    assert scene.point.status_at() == "closed"
    run = rehoming_run(run.pk)
    assert run.status == RehomingRun.Status.DONE
    assert (run.total, run.phone, run.moved, run.cancelled) == (9, 3, 3, 3)
    assert run.phone + run.moved + run.cancelled == run.total == len(scene.appointments)
    for original in scene.appointments:
        original.refresh_from_db()
        if original.reason == scene.phone_reason:
            assert (original.status, original.mode, original.takes_seat) == (
                "booked",
                "phone",
                False,
            )
            assert original.service_point == scene.point
        elif original.reason == scene.moved_reason:
            assert original.status == "moved"
            new = original.moved_to
            assert new.status == "booked" and new.service_point == scene.neighbour
            assert new.person == original.person and new.reason == original.reason
            assert abs(new.starts_at - original.starts_at) <= timedelta(days=14)
        else:
            assert original.status == "cancelled"
            callback = CallbackRequest.objects.get(person=original.person)
            assert callback.origin == "closure" and callback.status == "open"
            assert callback.service_point == scene.point
        events = set(original.events.values_list("kind", flat=True))
        assert events & {"converted_to_phone", "moved", "cancelled"}
        # Exactly one message per person in the outbox (bookings here sent none).
        assert Message.objects.filter(to=original.person.phone).count() == 1
    assert Message.objects.count() == len(scene.appointments)
    assert RehomingOutcome.objects.filter(run=run).count() == 9
    # The closed point's slots hold nobody any more; the neighbour is never overbooked.
    assert not Slot.objects.filter(service_point=scene.point, over_capacity=True).exists()
    for slot in Slot.objects.filter(service_point=scene.neighbour):
        assert slot.booked <= slot.capacity
        assert slot.booked == slot.appointments.filter(status="booked").count()
    # Nothing at the far service point (50 km, beyond the network's 30 km).
    assert not Appointment.objects.filter(service_point=scene.far).exists()

    before = snapshot()
    again = rehoming_request(service_point=scene.point, trigger=RehomingRun.Trigger.MANUAL)
    again = rehoming_run(again.pk)
    assert again.status == RehomingRun.Status.DONE and again.total == 0
    assert snapshot() == before
    # The same run started twice (a redelivered task) changes nothing either.
    assert rehoming_run(run.pk) is None or snapshot() == before
    assert snapshot() == before


@pytest.mark.parametrize("scope", [Closure.Scope.FULL, Closure.Scope.PARTIAL])
def test_a_closure_syncs_the_slots_once_then_its_run_rehomes(
    scene, scope, monkeypatch, django_capture_on_commit_callbacks
):
    plans = []
    plan_slots = slots.plan_slots

    def counted(**arguments):
        plans.append(arguments)
        return plan_slots(**arguments)

    monkeypatch.setattr(slots, "plan_slots", counted)
    with django_capture_on_commit_callbacks(execute=True):
        _closure, run = closure_declare(
            service_point=scene.point,
            scope=scope,
            starts_at=timezone.now(),
            ends_at=None,
            label="Agents malades",
            actor=None,
            reasons=[scene.moved_reason] if scope == Closure.Scope.PARTIAL else None,
        )
    run.refresh_from_db()
    assert len(plans) == 1
    assert run.status == RehomingRun.Status.DONE
    assert run.total == (9 if scope == Closure.Scope.FULL else 3)


def test_the_messages_say_what_happened_in_french(scene, settings):
    from continuite.notifications.delivery import message_compose

    _closure, run = close(scene)
    rehoming_run(run.pk)
    texts = {}
    for outcome in RehomingOutcome.objects.filter(run=run).select_related("message"):
        texts[outcome.outcome] = message_compose(outcome.message).body
    assert "par téléphone" in texts["phone"]
    assert "Villeurbanne" in texts["moved"]
    assert "rappel" in texts["cancelled"]


def test_network_rules_can_forbid_conversion_and_moves(scene):
    RehomingRules.objects.create(
        network=scene.point.network, convert_to_phone=False, move_to_other_points=False
    )
    _closure, run = close(scene)
    run = rehoming_run(run.pk)
    assert (run.phone, run.moved, run.cancelled) == (0, 0, 9)


def test_a_partial_closure_of_one_reason_only_touches_that_reason(scene):
    starts = timezone.now()
    _closure, run = close(
        scene, scope=Closure.Scope.PARTIAL, reasons=[scene.moved_reason], starts_at=starts
    )
    assert scene.point.status_at() == "open"
    run = rehoming_run(run.pk)
    assert (run.total, run.moved) == (3, 3)
    statuses = {
        a.reason_id: a.status
        for a in Appointment.objects.filter(pk__in=[a.pk for a in scene.appointments])
    }
    assert statuses[scene.moved_reason.pk] == "moved"
    assert statuses[scene.phone_reason.pk] == statuses[scene.lonely_reason.pk] == "booked"
    # The slots stay for the other reasons.
    assert Slot.objects.filter(service_point=scene.point, capacity__gt=0).exists()


def test_a_closure_of_some_hours_closes_only_those_slots(scene):
    _closure, run = close(
        scene,
        scope=Closure.Scope.PARTIAL,
        daily_from=time(9),
        daily_until=time(10),
    )
    rehoming_run(run.pk)
    tz = scene.point.time_zone
    for slot in Slot.objects.filter(service_point=scene.point, starts_at__gt=timezone.now()):
        local = slot.starts_at.astimezone(tz).time()
        assert (slot.capacity == 0) == (local < time(10))


def test_reopening_brings_the_status_and_the_slots_back(scene):
    closure, run = close(scene)
    rehoming_run(run.pk)
    assert not Slot.objects.filter(service_point=scene.point, capacity__gt=0).exists()
    closure_reopen(closure=closure, actor=None)
    slots_sync(service_point=scene.point)
    assert scene.point.status_at() == "open"
    assert Slot.objects.filter(service_point=scene.point, capacity=2).count() > 100
    closure.refresh_from_db()
    assert closure.state_at(timezone.now()) == "ended"
    with pytest.raises(ValidationError):
        closure_reopen(closure=closure, actor=None)


def test_fewer_agents_rehome_only_the_appointments_in_excess(scene):
    first = scene.appointments[1]  # a reason served by the neighbour
    second = book(scene.point, scene.moved_reason, 50, nth_slot=3)
    assert second.slot == first.slot
    role = RoleFactory(service_point=scene.point, agent=True)
    day = first.starts_at.astimezone(scene.point.time_zone).date()
    AgentPresence.objects.create(
        service_point=scene.point, presence_on=day, agent=role.user, status="on_site"
    )
    report = slots_sync(service_point=scene.point)
    assert first.slot_id in report.over_capacity
    run = rehoming_request(service_point=scene.point, trigger=RehomingRun.Trigger.CAPACITY)
    run = rehoming_run(run.pk)
    assert run.total == 1
    first.refresh_from_db(), second.refresh_from_db()
    # First come, first kept.
    assert first.status == "booked" and second.status == "moved"


def test_bad_closures_are_refused_and_change_nothing(scene):
    now = timezone.now()
    with pytest.raises(ValidationError) as refused:
        close(scene, starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=1))
    assert "après son début" in str(refused.value)
    with pytest.raises(ValidationError):
        close(scene, scope=Closure.Scope.PARTIAL)  # neither reasons nor hours
    with pytest.raises(ValidationError):
        close(scene, label="  ")
    assert not Closure.objects.exists() and not StatusChange.objects.exists()
    assert not RehomingRun.objects.exists()
    close(scene, ends_at=now + timedelta(days=10))
    with pytest.raises(ValidationError) as overlapping:
        close(scene, starts_at=now + timedelta(days=5), ends_at=now + timedelta(days=20))
    assert "déjà fermée" in str(overlapping.value)
    with pytest.raises(ValidationError):
        close(
            scene,
            scope=Closure.Scope.PARTIAL,
            reasons=[scene.moved_reason],
            starts_at=now + timedelta(days=1),
        )
    assert Closure.objects.count() == StatusChange.objects.count() == 1
    assert not ClosedWindow.objects.exists()


def test_an_incident_in_the_future_is_refused(scene):
    with pytest.raises(ValidationError):
        incident_declare(
            service_point=scene.point,
            kind="illness",
            occurred_on=timezone.localdate() + timedelta(days=2),
            description="Deux agents malades",
            actor=None,
        )
    with pytest.raises(ValidationError):
        incident_declare(
            service_point=scene.point,
            kind="nonsense",
            occurred_on=timezone.localdate(),
            description="x",
            actor=None,
        )


def test_the_public_search_offers_no_slot_of_a_closed_reason(scene):
    from continuite.appointments.queries import earliest_slots

    def offered_points(reason):
        offers = earliest_slots(
            reason=reason,
            latitude=scene.point.latitude,
            longitude=scene.point.longitude,
            limit=50,
        )
        return {offer.point for offer in offers}

    assert scene.point in offered_points(scene.moved_reason)
    _closure, run = close(scene, scope=Closure.Scope.PARTIAL, reasons=[scene.moved_reason])
    rehoming_run(run.pk)
    assert scene.point not in offered_points(scene.moved_reason)
    assert scene.neighbour in offered_points(scene.moved_reason)
    # The other reasons are still offered there.
    assert scene.point in offered_points(scene.lonely_reason)


def test_booking_a_closed_reason_is_refused_even_for_some_hours_only(scene):
    from continuite.appointments.services import appointment_book

    _closure, run = close(
        scene,
        scope=Closure.Scope.PARTIAL,
        reasons=[scene.moved_reason],
        daily_from=time(9),
        daily_until=time(10),
    )
    rehoming_run(run.pk)
    tz = scene.point.time_zone
    slots = Slot.objects.filter(service_point=scene.point, starts_at__gt=timezone.now())
    early = next(s for s in slots if s.starts_at.astimezone(tz).time() < time(10))
    late = next(s for s in slots if s.starts_at.astimezone(tz).time() >= time(10))

    def book_at(slot, reason, phone):
        return appointment_book(
            slot_id=slot.pk, reason=reason, mode="on_site", name="Jeanne Test", phone=phone
        )

    before = Appointment.objects.count()
    with pytest.raises(ValidationError) as refused:
        book_at(early, scene.moved_reason, "06 99 00 00 01")
    assert "ce motif" in str(refused.value)
    assert Appointment.objects.count() == before
    assert book_at(late, scene.moved_reason, "06 99 00 00 02").status == "booked"
    assert book_at(early, scene.lonely_reason, "06 99 00 00 03").status == "booked"
