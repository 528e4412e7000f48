"""The public page of a service point leads to booking and to call-backs."""

import pytest
from django.urls import reverse

from continuite.service_points.tests.factories import ServicePointFactory

from .factories import OpeningRangeFactory

pytestmark = pytest.mark.django_db


def test_it_offers_a_call_back_and_booking_when_the_point_takes_appointments(client):
    point = OpeningRangeFactory().service_point
    content = client.get(reverse("service_points:detail", args=[point.pk])).content.decode()
    assert reverse("appointments:start") in content
    assert reverse("appointments:callback_request", args=[point.pk]) in content
    closed = ServicePointFactory(closed=True)
    content = client.get(reverse("service_points:detail", args=[closed.pk])).content.decode()
    assert reverse("appointments:callback_request", args=[closed.pk]) not in content
