"""A service point's public page: status and reason, the week's hours, in the territory's own time."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from continuite.core.models import Commune, Departement
from continuite.service_points.models import hours_on

from .factories import ServicePointFactory, StatusChangeFactory

pytestmark = pytest.mark.django_db


def test_it_shows_status_reason_week_and_contact(client):
    point = ServicePointFactory(phone_only=True)
    response = client.get(reverse("service_points:detail", args=[point.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert point.name in content and "Agents absents" in content
    assert 'data-status="phone_only"' in content
    assert len(response.context["week"]) == 7
    assert 'href="tel:+33472000000"' in content


def test_times_are_shown_in_the_territorys_own_time_zone(client):
    reunion = Departement.objects.get(code="974")
    point = ServicePointFactory(departement=reunion, commune=Commune.objects.get(code="97411"))
    ends_at = (timezone.now() + timedelta(days=2)).replace(
        hour=8, minute=0, second=0, microsecond=0, tzinfo=UTC
    )
    StatusChangeFactory(service_point=point, status="closed", reason="Cyclone", ends_at=ends_at)
    content = client.get(reverse("service_points:detail", args=[point.pk])).content.decode()
    assert "12:00" in content  # 08:00 UTC is 12:00 in La Réunion (UTC+4)
    assert "Indian/Reunion" in content


def test_public_holidays_of_the_territory_close_the_day():
    alsace = ServicePointFactory(departement=Departement.objects.get(code="67"))
    paris = ServicePointFactory(departement=Departement.objects.get(code="75"))
    good_friday = date(2026, 4, 3)
    assert hours_on(alsace, good_friday)[0] == []
    assert hours_on(paris, good_friday)[0] == [(time(9), time(12)), (time(13, 30), time(17))]


def test_an_unknown_point_is_a_404(client):
    assert client.get(reverse("service_points:detail", args=[999999])).status_code == 404


def test_the_open_now_filter_uses_local_hours(client):
    ServicePointFactory(name="Ouvert en semaine")
    saturday_noon = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
    from continuite.service_points.queries import nearest_service_points

    assert nearest_service_points(45.7675, 4.8345, open_now=True, at=saturday_noon) == []
    tuesday_ten = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert [
        r.point.name for r in nearest_service_points(45.7675, 4.8345, open_now=True, at=tuesday_ten)
    ] == ["Ouvert en semaine"]
