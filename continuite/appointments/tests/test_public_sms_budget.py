"""The daily SMS budget of public requests: per phone number and per client address.

Beyond it the request is answered as usual (nothing tells a stranger whose number it is), the
booking or call-back is recorded and its email still goes, but no SMS is queued for it.
"""

import pytest
from django.urls import reverse

from continuite.appointments.callbacks import callback_request_create
from continuite.appointments.models import Appointment, CallbackRequest
from continuite.notifications import budget
from continuite.notifications.models import Message
from continuite.service_points.tests.factories import ServicePointFactory

from .factories import OpeningRangeFactory, ReasonFactory
from .helpers import booking_form, callback_form, slot_at, soon

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def budgets(settings):
    settings.SMS_BUDGET_PER_PHONE_PER_DAY = 2
    settings.SMS_BUDGET_PER_ADDRESS_PER_DAY = 3
    settings.RATE_LIMIT_CALLBACKS_PER_MINUTE = 100
    settings.RATE_LIMIT_BOOKINGS_PER_MINUTE = 100


def sms_count() -> int:
    return Message.objects.filter(channel=Message.Channel.SMS).count()


def ask_callback(client, *, phone, address, reason=None):
    reason = reason or ReasonFactory()
    point = ServicePointFactory(network=reason.network)
    data = callback_form(reason, phone=phone)
    return client.post(
        reverse("appointments:callback_request", args=[point.pk]), data, REMOTE_ADDR=address
    )


def test_a_phone_gets_no_more_sms_from_public_requests_than_its_daily_budget(client):
    statuses = [
        ask_callback(client, phone="06 12 34 56 78", address=f"192.0.2.{n}").status_code
        for n in range(1, 4)
    ]

    assert statuses == [302, 302, 302]
    assert CallbackRequest.objects.count() == 3
    assert sms_count() == 2
    assert ask_callback(client, phone="06 99 34 56 78", address="192.0.2.9").status_code == 302
    assert sms_count() == 3  # another number has its own budget


def test_an_address_gets_no_more_sms_sent_than_its_daily_budget(client):
    statuses = [
        ask_callback(client, phone=f"06 12 34 56 {n:02d}", address="192.0.2.1").status_code
        for n in range(5)
    ]

    assert statuses == [302] * 5
    assert CallbackRequest.objects.count() == 5
    assert sms_count() == 3


def test_the_budget_starts_again_the_next_day(client, monkeypatch, settings):
    settings.SMS_BUDGET_PER_PHONE_PER_DAY = 1
    day = budget._day()
    for n in range(1, 3):
        ask_callback(client, phone="06 12 34 56 78", address=f"192.0.2.{n}")
    assert sms_count() == 1

    monkeypatch.setattr(budget, "_day", lambda: day + 1)
    ask_callback(client, phone="06 12 34 56 78", address="192.0.2.8")

    assert sms_count() == 2


def test_beyond_the_budget_a_booking_is_made_and_its_email_still_goes(client, settings):
    settings.SMS_BUDGET_PER_PHONE_PER_DAY = 0
    reason = ReasonFactory()
    opening_range = OpeningRangeFactory(service_point=ServicePointFactory(), reasons=[reason])
    slot = slot_at(opening_range, soon(), capacity=2)
    data = booking_form(reason, email="jeanne.martin@example.org")

    response = client.post(reverse("appointments:book", args=[slot.pk]), data)

    assert response.status_code == 302
    assert Appointment.objects.count() == 1
    assert list(Message.objects.values_list("channel", flat=True)) == [Message.Channel.EMAIL]


def test_messages_an_agent_causes_are_not_counted(settings):
    settings.SMS_BUDGET_PER_PHONE_PER_DAY = 0
    reason = ReasonFactory()
    for _attempt in range(2):
        callback_request_create(
            service_point=ServicePointFactory(network=reason.network),
            reason=reason,
            name="Jeanne Martin",
            phone="06 12 34 56 78",
            preferred_window="morning",
            origin="agent",
        )
    assert sms_count() == 2
