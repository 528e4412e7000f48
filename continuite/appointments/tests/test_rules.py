"""The checks of a booking are one list in one order (`rules.slot_refusal`): the public page and
the booking service give the same answer for each, the service on both ways a booking is
written (one statement on PostgreSQL, steps through the ORM elsewhere).

Each case breaks exactly one check, every check before it passing: the answer names that one.
Times are relative to the instant the test runs (the page reads the clock; the service is given
the same instant), never to a date of the calendar.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from continuite.appointments import rules, services
from continuite.appointments.models import Appointment, ClosedWindow, Mode, Slot
from continuite.service_points.models import CrisisStatus
from continuite.service_points.tests.factories import StatusChangeFactory

from .factories import ReasonFactory
from .test_booking_fast import slot_for

pytestmark = pytest.mark.django_db


@pytest.fixture(
    params=[
        pytest.param("one statement in a transaction", marks=pytest.mark.postgresql),
        "in steps",
    ]
)
def path(request, monkeypatch):
    if request.param == "in steps":
        monkeypatch.setattr(services, "writes_in_one_statement", lambda: False)
    return request.param


def _in(**delta):
    return timezone.now() + timedelta(**delta)


def _not_online():
    reason = ReasonFactory(agents_only=True)
    return slot_for(reason, starts_at=_in(days=2)), reason, Mode.ON_SITE


def _by_draw():
    reason = ReasonFactory(lottery=True)
    return slot_for(reason, starts_at=_in(days=2)), reason, Mode.ON_SITE


def _point_closed_then():
    reason = ReasonFactory()
    slot = slot_for(reason, starts_at=_in(days=2))
    StatusChangeFactory(service_point=slot.service_point, starts_at=_in(days=1))
    return slot, reason, Mode.ON_SITE


def _reason_not_in_mode():
    reason = ReasonFactory(phone=True)
    return slot_for(reason, starts_at=_in(days=2)), reason, Mode.ON_SITE


def _too_short():
    reason = ReasonFactory(duration_minutes=45)
    return slot_for(reason, starts_at=_in(days=2)), reason, Mode.ON_SITE


def _not_for_reason():
    reason, other = ReasonFactory(), ReasonFactory()
    return slot_for(other, starts_at=_in(days=2)), reason, Mode.ON_SITE


def _passed():
    reason = ReasonFactory()
    return slot_for(reason, starts_at=_in(hours=-1)), reason, Mode.ON_SITE


def _too_close():
    reason = ReasonFactory(min_notice_hours=48)
    return slot_for(reason, starts_at=_in(hours=3)), reason, Mode.ON_SITE


def _too_far():
    reason = ReasonFactory(max_horizon_days=30)
    return slot_for(reason, starts_at=_in(days=40)), reason, Mode.ON_SITE


def _point_closed_now():
    reason = ReasonFactory()
    slot = slot_for(reason, starts_at=_in(days=2))
    StatusChangeFactory(service_point=slot.service_point, ends_at=_in(days=1))
    return slot, reason, Mode.ON_SITE


def _reason_closed_then():
    reason = ReasonFactory()
    slot = slot_for(reason, starts_at=_in(days=2))
    window = ClosedWindow.objects.create(
        service_point=slot.service_point, starts_at=_in(days=1), ends_at=_in(days=3)
    )
    window.reasons.set([reason])
    return slot, reason, Mode.ON_SITE


def _taken():
    reason = ReasonFactory()
    slot = slot_for(reason, starts_at=_in(days=2))
    Slot.objects.filter(pk=slot.pk).update(booked=1)
    return slot, reason, Mode.ON_SITE


# In the order of `rules.slot_refusal`, each with the answer expected.
CASES = [
    (_not_online, rules.REASON_NOT_ONLINE),
    (_by_draw, rules.REASON_BY_DRAW),
    (_point_closed_then, rules.POINT_CLOSED_THEN),
    (_reason_not_in_mode, rules.REASON_NOT_IN_MODE),
    (_too_short, rules.SLOT_TOO_SHORT),
    (_not_for_reason, rules.SLOT_NOT_FOR_REASON),
    (_passed, rules.SLOT_PASSED),
    (_too_close, rules.SLOT_TOO_CLOSE % {"hours": 48}),
    (_too_far, rules.SLOT_TOO_FAR % {"days": 30}),
    (_point_closed_now, rules.POINT_CLOSED_NOW),
    (_reason_closed_then, rules.REASON_CLOSED_THEN),
    (_taken, rules.SLOT_TAKEN),
]
IDS = [case.__name__.strip("_") for case, _message in CASES]


def _service_answer(slot, reason, mode) -> str:
    with pytest.raises(ValidationError) as refused:
        services.appointment_book(
            slot_id=slot.pk,
            reason=reason,
            mode=mode,
            name="Jeanne Martin",
            phone="06 12 34 56 78",
            now=timezone.now(),
        )
    return refused.value.messages[0]


def _page_answer(client, slot, reason) -> str:
    response = client.get(
        reverse("appointments:book", args=[slot.pk]) + f"?reason={reason.pk}&q=69001"
    )
    assert response.status_code == 409
    return response.context["problem"]


@pytest.mark.parametrize(("case", "message"), CASES, ids=IDS)
def test_the_service_answers_each_check_in_the_one_order(path, case, message):
    slot, reason, mode = case()
    with translation.override("fr"):
        assert _service_answer(slot, reason, mode) == str(message)
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(("case", "message"), CASES, ids=IDS)
def test_the_page_gives_the_service_s_answer(client, case, message):
    slot, reason, mode = case()
    assert mode == slot.mode  # the page offers the slot's own form of reception
    page = _page_answer(client, slot, reason)
    with translation.override("fr"):
        assert page == str(message) == _service_answer(slot, reason, mode)


def test_a_form_of_reception_the_slot_does_not_offer_is_refused_by_the_service(path):
    # The page always books the slot's own form; only a caller naming another reaches this.
    reason = ReasonFactory(on_site=True, by_phone=True)
    slot = slot_for(reason, starts_at=_in(days=2))
    assert _service_answer(slot, reason, Mode.PHONE) == str(rules.SLOT_NOT_IN_MODE)


def test_an_agent_books_past_the_notice_and_for_a_reason_only_agents_book():
    reason = ReasonFactory(agents_only=True, min_notice_hours=48)
    slot = slot_for(reason, starts_at=_in(hours=3))
    slot = services.booking.slot_read(slot_id=slot.pk, reason_id=reason.pk, now=timezone.now())
    answer = rules.slot_refusal(slot.slot, slot.reason, Mode.ON_SITE, timezone.now(), by_agent=True)
    assert answer == ""


def test_a_draw_or_a_move_is_not_refused_at_a_counter_closed_now():
    reason = ReasonFactory(lottery=True)
    slot = slot_for(reason, starts_at=_in(days=2))
    StatusChangeFactory(service_point=slot.service_point, ends_at=_in(days=1))
    read = services.booking.slot_read(slot_id=slot.pk, reason_id=reason.pk, now=timezone.now())
    assert read.slot.point_status_now == CrisisStatus.CLOSED
    assert (
        rules.slot_refusal(read.slot, read.reason, Mode.ON_SITE, timezone.now(), assigned=True)
        == ""
    )


def test_the_seat_predicate_in_sql_is_the_orm_s():
    reason = ReasonFactory()
    seats = [(2, 0, 1, False), (2, 1, 1, False), (2, 0, 2, False), (3, 0, 0, True)]
    for capacity, held, booked, over in seats:
        slot = slot_for(reason, capacity=capacity, starts_at=_in(days=2))
        Slot.objects.filter(pk=slot.pk).update(
            held_for_emergencies=held, booked=booked, over_capacity=over
        )
    by_orm = set(Slot.objects.filter(rules.SEAT_FREE).values_list("pk", flat=True))
    by_sql = set(Slot.objects.extra(where=[rules.seats_free_sql()]).values_list("pk", flat=True))
    in_python = {s.pk for s in Slot.objects.all() if rules.seats_free(s) > 0}
    assert by_orm == by_sql == in_python and len(by_orm) == 1


def test_the_table_of_transitions_is_used_one_at_a_time_and_in_bulk():
    booked, done = Appointment(status=Appointment.Status.BOOKED), Appointment(status="done")
    assert booked.can_become(Appointment.Status.CANCELLED)
    assert not done.can_become(Appointment.Status.CANCELLED)
    assert set(Appointment.statuses_leading_to(Appointment.Status.CANCELLED)) == set(
        Appointment.ACTIVE
    )
    assert Appointment.statuses_leading_to(Appointment.Status.NO_SHOW) == [
        Appointment.Status.BOOKED
    ]
