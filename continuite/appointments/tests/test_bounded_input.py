"""Numbers and dates typed into URLs and forms are bounded: a clear answer, never a 500."""

from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from continuite.accounts.tests.factories import RoleFactory
from continuite.appointments.models import Appointment

from .factories import OpeningRangeFactory

pytestmark = pytest.mark.django_db

TWENTY_DIGITS = "9" * 20
MORNING = datetime(2030, 3, 5, 8, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture
def clock():
    with mock.patch("django.utils.timezone.now", return_value=MORNING):
        yield MORNING


def test_a_twenty_digit_id_in_the_booking_url_answers_404(client):
    OpeningRangeFactory()
    assert client.get(f"/rendez-vous/reserver/{TWENTY_DIGITS}/").status_code == 404
    response = client.post(
        f"/rendez-vous/reserver/{TWENTY_DIGITS}/",
        {"first_name": "Ada", "last_name": "Martin", "email": "ada@example.org"},
    )
    assert response.status_code == 404
    assert not Appointment.objects.exists()


def test_a_twenty_digit_id_in_any_id_of_a_url_answers_404(client):
    role = RoleFactory(agent=True)
    client.force_login(role.user)
    for url in (
        f"/etre-rappele/{TWENTY_DIGITS}/",
        f"/espace-agent/guichets/{TWENTY_DIGITS}/agenda/",
        f"/rendez-vous/tirage/{TWENTY_DIGITS}/{TWENTY_DIGITS}/",
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"])
def test_an_agenda_day_of_year_9999_answers_a_clear_error_not_500(client, clock, day):
    role = RoleFactory(agent=True)
    client.force_login(role.user)
    url = reverse("appointments:agenda", args=[role.service_point.pk])
    for query in ({"day": day}, {"day": day, "week": "1"}):
        response = client.get(url, query)
        assert response.status_code == 400
        assert "Cette date n’est pas valide" in response.content.decode()
