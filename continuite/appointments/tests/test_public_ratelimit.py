"""Rate limits per address on the slots search and on booking: beyond them, a French 429 page."""

from itertools import count

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from continuite.appointments.models import Appointment
from continuite.core import net, ratelimit
from continuite.service_points.tests.factories import ServicePointFactory

from .factories import OpeningRangeFactory, ReasonFactory
from .helpers import booking_form, slot_at, soon

pytestmark = pytest.mark.django_db

# A thousand windows apart: a test that moves on a minute must not land in the next test's window.
_windows = count(4 * 10**9, 1000)


class Clock:
    """The rate limit's minute window, moved on by hand."""

    def __init__(self):
        self.window = next(_windows)

    def __call__(self):
        return self.window

    def next_minute(self):
        self.window += 1


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(ratelimit, "_window", clock)
    return clock


@pytest.fixture
def slot():
    reason = ReasonFactory()
    opening_range = OpeningRangeFactory(
        service_point=ServicePointFactory(), reasons=[reason], agents_on_duty=5
    )
    return slot_at(opening_range, soon(), capacity=5)


def rate_limited_text() -> str:
    with translation.override("fr"):
        return gettext("Too many requests")


def search(client, slot, address="192.0.2.1"):
    reason = slot.opening_range.reasons.get()
    return client.get(
        reverse("appointments:slots"), {"reason": reason.pk, "q": "69001"}, REMOTE_ADDR=address
    )


def post_booking(client, slot, phone, address="192.0.2.1"):
    reason = slot.opening_range.reasons.get()
    data = booking_form(reason, phone=phone)
    return client.post(reverse("appointments:book", args=[slot.pk]), data, REMOTE_ADDR=address)


@override_settings(RATE_LIMIT_SEARCHES_PER_MINUTE=3)
def test_searches_beyond_the_limit_get_a_429_until_the_next_minute(client, slot, clock):
    assert [search(client, slot).status_code for _ in range(3)] == [200, 200, 200]

    refused = search(client, slot)

    assert refused.status_code == 429
    assert rate_limited_text() in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= 60
    assert search(client, slot, address="192.0.2.2").status_code == 200  # someone else
    clock.next_minute()
    assert search(client, slot).status_code == 200


@override_settings(RATE_LIMIT_BOOKINGS_PER_MINUTE=2)
def test_bookings_beyond_the_limit_get_a_429_and_book_nothing(client, slot):
    reason = slot.opening_range.reasons.get()
    form_url = reverse("appointments:book", args=[slot.pk]) + f"?reason={reason.pk}"
    for _ in range(5):  # showing the form is not booking
        assert client.get(form_url, REMOTE_ADDR="192.0.2.1").status_code == 200

    first = post_booking(client, slot, "06 12 34 56 78")
    second = post_booking(client, slot, "06 12 34 56 79")
    third = post_booking(client, slot, "06 12 34 56 80")

    assert [first.status_code, second.status_code, third.status_code] == [302, 302, 429]
    assert rate_limited_text() in third.content.decode()
    assert Appointment.objects.count() == 2
    assert post_booking(client, slot, "06 12 34 56 80", address="192.0.2.9").status_code == 302


@override_settings(RATE_LIMIT_BOOKINGS_PER_MINUTE=1, RATE_LIMIT_SEARCHES_PER_MINUTE=1)
def test_searches_and_bookings_are_counted_apart(client, slot):
    assert search(client, slot).status_code == 200
    assert post_booking(client, slot, "06 12 34 56 78").status_code == 302
    assert search(client, slot).status_code == 429


def test_the_default_limits_are_ten_bookings_and_sixty_searches():
    assert ratelimit.limit_of(ratelimit.BOOKINGS) == 10
    assert ratelimit.limit_of(ratelimit.SEARCHES) == 60


@pytest.mark.parametrize(
    ("remote_addr", "counted_as"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("", "unknown"),
    ],
)
def test_an_ipv6_address_is_counted_by_its_64_network(remote_addr, counted_as):
    request = RequestFactory().get("/", REMOTE_ADDR=remote_addr)
    assert net.client_address(request) == counted_as


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    assert net.client_address(request) == "203.0.113.7"
    settings.TRUSTED_PROXY_COUNT = 0
    assert net.client_address(request) == "10.0.0.1"
