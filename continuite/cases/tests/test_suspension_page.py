"""National steering declares a suspension of deadlines; the deadlines move, with history."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from continuite.accounts.tests.factories import RoleFactory
from continuite.cases.models import CaseEvent, SuspensionWindow

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


def form(**overrides):
    today = timezone.localdate()
    return {
        "label": "État d'urgence sanitaire",
        "legal_basis": "Ordonnance n° 2020-306 du 25 mars 2020",
        "starts_on": (today - timedelta(days=5)).isoformat(),
        "ends_on": (today + timedelta(days=4)).isoformat(),
        **overrides,
    }


def test_national_steering_declares_a_retroactive_suspension(
    client, django_capture_on_commit_callbacks
):
    case = CaseFactory(received_at=timezone.now() - timedelta(days=10))
    before = case.deadline_at
    client.force_login(RoleFactory(steering=True).user)
    url = reverse("cases_steering:suspensions")
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form())
    assert response.status_code == 302
    case.refresh_from_db()
    # Ten days suspended (five before today, today, four after), the deadline moves by as many.
    assert case.deadline_at == before + timedelta(days=10)
    moved = CaseEvent.objects.get(case=case, kind="deadline_moved")
    assert (moved.previous_deadline_at, moved.new_deadline_at) == (before, case.deadline_at)
    page = client.get(url).content.decode()
    assert "Ordonnance n° 2020-306 du 25 mars 2020" in page


def test_a_suspension_ending_before_it_starts_is_refused(client):
    client.force_login(RoleFactory(steering=True).user)
    today = timezone.localdate()
    response = client.post(
        reverse("cases_steering:suspensions"),
        form(ends_on=(today - timedelta(days=30)).isoformat()),
    )
    assert response.status_code == 400 and not SuspensionWindow.objects.exists()


def test_only_national_steering_declares(client):
    client.force_login(RoleFactory(network_manager=True).user)
    url = reverse("cases_steering:suspensions")
    assert client.get(url).status_code == 403
    assert client.post(url, form()).status_code == 403
    assert not SuspensionWindow.objects.exists()
