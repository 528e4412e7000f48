"""The counter's queue: numbers per local day, emergencies first, served or gone, and the bookings."""

from datetime import date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import RoleFactory
from continuite.appointments.models import Appointment, Mode, QueueTicket, Slot
from continuite.appointments.queue import queue_ticket_add, queue_ticket_close, queue_today
from continuite.appointments.services import appointment_book, appointment_set_status
from continuite.appointments.slots import slots_sync
from continuite.service_points.models import Network
from continuite.service_points.tests.factories import ServicePointFactory

from .factories import OpeningRangeFactory, ReasonFactory
from .helpers import all_at_once

PARIS = ZoneInfo("Europe/Paris")
# A Tuesday morning, before the counter opens at 9:00.
MORNING = datetime(2030, 3, 5, 8, 0, tzinfo=PARIS)
EMERGENCY, VULNERABLE, WALK_IN = (
    QueueTicket.Priority.EMERGENCY,
    QueueTicket.Priority.VULNERABLE,
    QueueTicket.Priority.WALK_IN,
)


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def advance(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def clock():
    """A frozen clock that tests move forward: arrivals and waits are then exact."""
    frozen = Clock(MORNING)
    with mock.patch("django.utils.timezone.now", side_effect=lambda: frozen.now):
        yield frozen


def add(point, priority, agent, label=""):
    return queue_ticket_add(service_point=point, priority=priority, label=label, agent=agent)


# --- The service -----------------------------------------------------------------------


def test_tickets_are_numbered_per_service_point_and_local_day(clock, role, point):
    other = ServicePointFactory()
    QueueTicket.objects.create(
        service_point=point, issued_on=date(2030, 3, 4), number=41, priority=WALK_IN
    )
    numbers = [add(point, WALK_IN, role.user).number for _ in range(3)]
    assert numbers == [1, 2, 3] and add(other, WALK_IN, role.user).number == 1
    assert QueueTicket.objects.filter(number=3).get().issued_on == date(2030, 3, 5)
    # Just after midnight in Paris (still the 5th in UTC): a new day starts at 1.
    clock.now = datetime(2030, 3, 6, 0, 30, tzinfo=PARIS)
    ticket = add(point, WALK_IN, role.user)
    assert (ticket.issued_on, ticket.number) == (date(2030, 3, 6), 1)


def test_the_day_is_the_local_day_overseas(clock, role):
    # 21:30 in Paris on 5 March is already 00:30 on 6 March in Réunion.
    reunion = ServicePointFactory(departement_id="974")
    clock.now = datetime(2030, 3, 5, 21, 30, tzinfo=PARIS)
    assert reunion.time_zone == ZoneInfo("Indian/Reunion")
    assert add(reunion, WALK_IN, role.user).issued_on == date(2030, 3, 6)
    assert add(role.service_point, WALK_IN, role.user).issued_on == date(2030, 3, 5)


def test_the_waiting_list_puts_emergencies_then_vulnerable_people_first(clock, role, point):
    arrivals = [
        (WALK_IN, "walk-in 1"),
        (EMERGENCY, "emergency 1"),
        (VULNERABLE, "vulnerable 1"),
        (WALK_IN, "walk-in 2"),
        (EMERGENCY, "emergency 2"),
    ]
    for priority, label in arrivals:
        add(point, priority, role.user, label)
        clock.advance(5)
    waiting = queue_today(point).waiting
    assert [t.label for t in waiting] == [
        "emergency 1",
        "emergency 2",
        "vulnerable 1",
        "walk-in 1",
        "walk-in 2",
    ]
    assert [t.number for t in waiting] == [2, 5, 3, 1, 4]


def test_closing_records_the_time_and_a_closed_ticket_stays_closed(clock, role, point):
    ticket = add(point, WALK_IN, role.user)
    clock.advance(12)
    closed = queue_ticket_close(ticket=ticket, status="served", agent=role.user)
    assert closed.status == "served" and closed.served_at == clock.now
    assert AuditLog.objects.filter(action="queue_ticket.closed", actor=role.user).exists()
    for status in ("served", "gone"):
        with pytest.raises(ValidationError):
            queue_ticket_close(ticket=ticket, status=status, agent=role.user)
    ticket.refresh_from_db()
    assert ticket.status == "served" and ticket.served_at == clock.now


def test_a_ticket_is_closed_only_as_served_or_gone(clock, role, point):
    ticket = add(point, WALK_IN, role.user)
    with pytest.raises(ValidationError):
        queue_ticket_close(ticket=ticket, status="waiting", agent=role.user)
    ticket.refresh_from_db()
    assert ticket.status == "waiting" and ticket.served_at is None


def test_unknown_priority_or_foreign_reason_is_refused(clock, role, point):
    with pytest.raises(ValidationError):
        add(point, 7, role.user)
    with pytest.raises(ValidationError):
        queue_ticket_add(
            service_point=point,
            priority=WALK_IN,
            reason=ReasonFactory(network=Network.objects.get(slug="caf")),
            agent=role.user,
        )
    assert not QueueTicket.objects.exists()


def test_the_day_figures_count_served_and_gone_and_average_the_wait(clock, role, point):
    first, second, third = (add(point, WALK_IN, role.user) for _ in range(3))
    clock.advance(10)
    queue_ticket_close(ticket=first, status="served", agent=role.user)
    clock.advance(20)
    queue_ticket_close(ticket=second, status="served", agent=role.user)
    queue_ticket_close(ticket=third, status="gone", agent=role.user)
    today = queue_today(point)
    assert (today.served, today.gone, today.waiting) == (2, 1, [])
    assert today.average_wait == timedelta(minutes=20)


# --- The page --------------------------------------------------------------------------


@pytest.fixture
def bookings(clock, role, point):
    """Today's appointments: one booked at 9:00, one at 9:30 already checked in."""
    opening_range = OpeningRangeFactory(service_point=point, weekday=1, agents_on_duty=2)
    slots_sync(service_point=point, now=clock.now, horizon_days=1)
    reason = opening_range.reasons.get()
    slots = list(Slot.objects.filter(service_point=point).order_by("starts_at"))
    booked, arrived = (
        appointment_book(
            slot_id=slot.pk,
            reason=reason,
            mode=Mode.ON_SITE,
            name=name,
            phone=phone,
            actor=role.user,
        )
        for slot, name, phone in (
            (slots[0], "Jeanne Martin", "06 12 34 56 78"),
            (slots[1], "Paul Durand", "06 98 76 54 32"),
        )
    )
    appointment_set_status(appointment=arrived, status="checked_in", actor=role.user)
    return booked, arrived


def test_the_page_shows_the_waiting_list_and_the_appointments_to_come(
    client, clock, role, point, bookings
):
    booked, arrived = bookings
    add(point, WALK_IN, role.user, "Monsieur au chapeau")
    clock.advance(7)
    add(point, EMERGENCY, role.user, "Dame âgée")
    clock.advance(3)
    served = add(point, VULNERABLE, role.user)
    clock.advance(4)
    queue_ticket_close(ticket=served, status="served", agent=role.user)
    client.force_login(role.user)
    response = client.get(reverse("appointments:queue", args=[point.pk]))
    assert response.status_code == 200
    waiting = response.context["today"].waiting
    assert [(t.label, t.waiting_minutes) for t in waiting] == [
        ("Dame âgée", 7),
        ("Monsieur au chapeau", 14),
    ]
    assert response.context["average_minutes"] == 4
    assert response.context["upcoming"] == [booked]
    html = response.content.decode()
    assert "Monsieur au chapeau" in html and booked.reference in html
    assert arrived.reference not in html


def test_an_agent_gives_a_ticket(client, clock, role, point):
    client.force_login(role.user)
    url = reverse("appointments:queue", args=[point.pk])
    response = client.post(url, {"priority": "1", "label": "Mme Leroy", "reason": ""})
    assert response.status_code == 302 and response["Location"] == url
    ticket = QueueTicket.objects.get()
    assert (ticket.number, ticket.priority, ticket.label, ticket.registered_by) == (
        1,
        VULNERABLE,
        "Mme Leroy",
        role.user,
    )


@pytest.mark.parametrize("priority", ["9", "urgent", ""])
def test_a_bad_priority_gives_no_ticket(client, clock, role, point, priority):
    client.force_login(role.user)
    response = client.post(reverse("appointments:queue", args=[point.pk]), {"priority": priority})
    assert response.status_code == 400 and response.context["form"].errors["priority"]
    assert not QueueTicket.objects.exists()


def test_an_agent_marks_tickets_served_or_gone(client, clock, role, point):
    first, second = add(point, WALK_IN, role.user), add(point, WALK_IN, role.user)
    client.force_login(role.user)
    clock.advance(9)
    for ticket, status in ((first, "served"), (second, "gone")):
        url = reverse("appointments:queue_ticket_close", args=[point.pk, ticket.pk])
        assert client.post(url, {"status": status}).status_code == 302
        ticket.refresh_from_db()
        assert ticket.status == status and ticket.served_at == clock.now


def test_closing_a_closed_ticket_is_refused(client, clock, role, point):
    ticket = add(point, WALK_IN, role.user)
    queue_ticket_close(ticket=ticket, status="gone", agent=role.user)
    client.force_login(role.user)
    url = reverse("appointments:queue_ticket_close", args=[point.pk, ticket.pk])
    response = client.post(url, {"status": "served"})
    assert response.status_code == 400
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    ticket.refresh_from_db()
    assert ticket.status == "gone"


def test_an_unknown_closing_status_is_refused(client, clock, role, point):
    ticket = add(point, WALK_IN, role.user)
    client.force_login(role.user)
    url = reverse("appointments:queue_ticket_close", args=[point.pk, ticket.pk])
    assert client.post(url, {"status": "waiting"}).status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == "waiting"


def test_checking_in_from_the_queue_page_comes_back_to_it(client, clock, role, point, bookings):
    booked, _arrived = bookings
    client.force_login(role.user)
    response = client.post(
        reverse("appointments:appointment_status", args=[point.pk, booked.pk]),
        {"status": "checked_in", "back": "queue"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("appointments:queue", args=[point.pk])
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CHECKED_IN


def test_the_page_costs_the_same_queries_however_long_the_queue(
    client, clock, role, point, bookings, django_assert_max_num_queries
):
    client.force_login(role.user)
    url = reverse("appointments:queue", args=[point.pk])
    for _ in range(25):
        add(point, WALK_IN, role.user)
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200


def test_agents_of_another_point_get_not_found(client, clock, role, point):
    ticket = add(point, WALK_IN, role.user)
    stranger = RoleFactory(agent=True)
    client.force_login(stranger.user)
    assert client.get(reverse("appointments:queue", args=[point.pk])).status_code == 404
    assert (
        client.post(reverse("appointments:queue", args=[point.pk]), {"priority": "2"}).status_code
        == 404
    )
    for point_id in (point.pk, stranger.service_point.pk):
        url = reverse("appointments:queue_ticket_close", args=[point_id, ticket.pk])
        assert client.post(url, {"status": "served"}).status_code == 404
    assert QueueTicket.objects.get().status == "waiting"


def test_anonymous_people_are_sent_to_the_login_page(client, clock, role, point):
    ticket = add(point, WALK_IN, role.user)
    for response in (
        client.get(reverse("appointments:queue", args=[point.pk])),
        client.post(reverse("appointments:queue", args=[point.pk]), {"priority": "2"}),
        client.post(
            reverse("appointments:queue_ticket_close", args=[point.pk, ticket.pk]),
            {"status": "served"},
        ),
    ):
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert QueueTicket.objects.count() == 1 and QueueTicket.objects.get().status == "waiting"


def test_a_post_without_csrf_token_is_refused(clock, role, point):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(role.user)
    response = client.post(reverse("appointments:queue", args=[point.pk]), {"priority": "2"})
    assert response.status_code == 403 and not QueueTicket.objects.exists()


# --- Under real concurrency ------------------------------------------------------------


@pytest.mark.postgresql
def test_agents_adding_tickets_at_the_same_instant_get_numbers_that_follow(reference_data):
    point = ServicePointFactory()
    count = 12
    outcomes = all_at_once(
        count, lambda: queue_ticket_add(service_point=point, priority=WALK_IN, agent=None)
    )
    assert all(isinstance(o, QueueTicket) for o in outcomes), outcomes
    assert sorted(o.number for o in outcomes) == list(range(1, count + 1))
