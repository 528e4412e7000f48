"""Rate limits on the public forms that send a message: call-back requests and cancellations."""

import pytest
from django.urls import reverse

from continuite.appointments.links import manage_token
from continuite.appointments.models import Appointment, CallbackRequest, LotteryRequest, Mode
from continuite.appointments.services import appointment_book
from continuite.notifications.models import Message
from continuite.service_points.tests.factories import ServicePointFactory

from .factories import OpeningRangeFactory, ReasonFactory
from .helpers import callback_form, slot_at, soon
from .test_public_lottery import prove_phone

pytestmark = pytest.mark.django_db


def person_callback_form(reason, number: int) -> dict:
    """The call-back form of the number-th person, with a phone of their own."""
    return callback_form(
        reason,
        name=f"Personne {number}",
        phone=f"06 12 34 {number // 100:02d} {number % 100:02d}",
    )


def test_the_callback_form_is_rate_limited_with_retry_after(client, settings):
    settings.RATE_LIMIT_CALLBACKS_PER_MINUTE = 5
    reason = ReasonFactory()
    point = ServicePointFactory(network=reason.network)
    url = reverse("appointments:callback_request", args=[point.pk])

    responses = [
        client.post(url, person_callback_form(reason, number), REMOTE_ADDR="192.0.2.1")
        for number in range(25)
    ]

    assert [r.status_code for r in responses[:5]] == [302] * 5
    assert {r.status_code for r in responses[5:]} == {429}
    assert 0 < int(responses[-1]["Retry-After"]) <= 60
    assert CallbackRequest.objects.count() == 5
    assert Message.objects.filter(channel="sms").count() == 5
    other = client.post(url, person_callback_form(reason, 99), REMOTE_ADDR="192.0.2.2")
    assert other.status_code == 302


def test_showing_the_callback_form_is_not_counted(client, settings):
    settings.RATE_LIMIT_CALLBACKS_PER_MINUTE = 1
    point = ServicePointFactory()
    url = reverse("appointments:callback_request", args=[point.pk])
    assert {client.get(url).status_code for _ in range(3)} == {200}


def test_cancelling_through_the_manage_link_is_rate_limited(client, settings):
    settings.RATE_LIMIT_BOOKINGS_PER_MINUTE = 2
    reason = ReasonFactory()
    opening_range = OpeningRangeFactory(service_point=ServicePointFactory(), reasons=[reason])
    appointments = [
        appointment_book(
            slot_id=slot_at(opening_range, soon(days), capacity=3).pk,
            reason=reason,
            mode=Mode.ON_SITE,
            name=f"Personne {days}",
            phone=f"06 12 34 56 {days:02d}",
        )
        for days in (2, 3, 4)
    ]
    urls = [
        reverse("appointments:cancel", args=[manage_token(appointment)])
        for appointment in appointments
    ]

    statuses = [client.post(url, REMOTE_ADDR="192.0.2.1").status_code for url in urls]

    assert statuses == [302, 302, 429]
    assert Appointment.objects.filter(status=Appointment.Status.CANCELLED).count() == 2


def test_entering_the_draw_is_rate_limited(client, settings):
    settings.RATE_LIMIT_BOOKINGS_PER_MINUTE = 2
    reason = ReasonFactory(lottery=True)
    opening_range = OpeningRangeFactory(service_point=ServicePointFactory(), reasons=[reason])
    slot_at(opening_range, soon(2), capacity=3)
    url = reverse("appointments:lottery", args=[reason.pk, opening_range.service_point.pk])
    for n in range(3):  # a draw entry counts once its phone is proven
        prove_phone(client, f"06 12 34 56 {n:02d}")

    statuses = [
        client.post(
            url, {"name": "Jeanne Martin", "phone": f"06 12 34 56 {n:02d}", "q": "69001"}
        ).status_code
        for n in range(3)
    ]

    assert statuses == [302, 302, 429]
    assert LotteryRequest.objects.count() == 2
