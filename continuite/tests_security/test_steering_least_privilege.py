"""Steering teams see figures, never names, and change nothing that belongs to a site.

National steering (the whole country) and a préfecture's team (one département) alike: the
service point below is in both scopes.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from continuite.accounts.tests.factories import RoleFactory
from continuite.appointments.models import Appointment
from continuite.cases.models import Case
from continuite.cases.tests.factories import CaseFactory
from continuite.core.models import Departement
from continuite.protocol.models import Closure, RehomingRun
from continuite.protocol.tests.conftest import build_scene
from continuite.service_points.models import StatusChange

pytestmark = pytest.mark.django_db

LOCAL = "%Y-%m-%dT%H:%M"


@pytest.fixture
def scene():
    return build_scene(per_reason=1)


@pytest.fixture(params=["national", "prefecture"])
def steering(request, client):
    departement = Departement.objects.get(code="69") if request.param == "prefecture" else None
    user = RoleFactory(steering=True, departement=departement).user
    client.force_login(user)
    return user


def test_steering_cannot_read_names_on_an_agenda(client, scene, steering):
    appointment = scene.appointments[0]
    day = appointment.starts_at.astimezone(scene.point.time_zone).date()
    response = client.get(
        reverse("appointments:agenda", args=[scene.point.pk]), {"day": day.isoformat()}
    )
    assert response.status_code == 404
    assert appointment.contact_name not in response.content.decode()


def test_steering_cannot_read_the_call_backs_of_a_site(client, scene, steering):
    response = client.get(reverse("appointments:callback_queue", args=[scene.point.pk]))
    assert response.status_code == 404


def test_steering_cannot_cancel_an_appointment(client, scene, steering):
    appointment = scene.appointments[0]
    response = client.post(
        reverse("appointments:appointment_cancel", args=[scene.point.pk, appointment.pk]),
        {"note": "Annulé par le pilotage"},
    )
    assert response.status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_steering_cannot_read_or_change_a_case_status(client, scene, steering):
    case = CaseFactory(service_point=scene.point)
    assert client.get(reverse("cases:case", args=[case.pk])).status_code == 404
    response = client.post(reverse("cases:status", args=[case.pk]), {"status": "accepted"})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == Case.Status.RECEIVED


def test_steering_cannot_list_a_networks_cases(client, scene, steering):
    CaseFactory(service_point=scene.point)
    response = client.get(reverse("cases:network_cases", args=["france-services"]))
    assert response.status_code == 403


def test_steering_cannot_declare_a_closure(client, scene, steering):
    now = timezone.now().astimezone(scene.point.time_zone)
    response = client.post(
        reverse("protocol:closure_declare", args=[scene.point.pk]),
        {
            "scope": "full",
            "label": "Décidé par le pilotage",
            "starts_at": now.strftime(LOCAL),
            "ends_at": (now + timedelta(days=3)).strftime(LOCAL),
        },
    )
    assert response.status_code == 404
    assert not Closure.objects.exists()
    assert not StatusChange.objects.filter(service_point=scene.point).exists()


def test_steering_cannot_download_a_rehoming_csv(client, scene, steering):
    run = RehomingRun.objects.create(service_point=scene.point, trigger="manual", status="done")
    response = client.get(reverse("protocol:run_csv", args=[scene.point.pk, run.pk]))
    assert response.status_code == 404


def test_steering_cannot_change_a_service_points_status(client, scene, steering):
    response = client.post(
        reverse("service_points:manage_status", args=[scene.point.pk]), {"status": "closed"}
    )
    assert response.status_code == 404
    assert not StatusChange.objects.filter(service_point=scene.point).exists()


def test_steering_cannot_move_cases_from_the_forecast(client, scene, steering):
    case = CaseFactory(service_point=scene.point)
    response = client.post(
        reverse("cases_steering:forecast_transfer", args=["france-services"]),
        {"source": scene.point.pk, "target": scene.neighbour.pk, "case": [case.pk]},
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.service_point_id == scene.point.pk


def test_national_steering_sets_no_networks_rehoming_rules_nor_procedures(client, scene):
    client.force_login(RoleFactory(steering=True).user)
    assert client.get(reverse("protocol:rules", args=["france-services"])).status_code == 403
    assert client.get(reverse("cases:procedures", args=["france-services"])).status_code == 403


def test_steering_still_sees_the_figures(client, scene, steering):
    assert client.get(reverse("dashboard:steering")).status_code == 200
    assert client.get(reverse("cases_steering:statistics")).status_code == 200
    assert client.get(reverse("protocol:compliance")).status_code == 200
    assert client.get(reverse("outreach:coverage_steering")).status_code == 200
