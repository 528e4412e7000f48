"""A network's national managers define its procedures; deadline rules stay fixed once used."""

import pytest
from django.urls import reverse

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import RoleFactory
from continuite.cases.models import ProcedureType
from continuite.service_points.models import Network

from .factories import CaseFactory, ProcedureTypeFactory

pytestmark = pytest.mark.django_db


def form(**overrides):
    return {
        "label": "Aide au logement",
        "deadline_amount": "2",
        "deadline_unit": "months",
        "silence_rule": "rejection",
        "stop_rule": "pause",
        "warn_days": "7",
        "expected_minutes": "45",
        "is_active": "on",
        **overrides,
    }


@pytest.fixture
def manager():
    return RoleFactory(network_manager=True).user


def test_a_national_network_manager_creates_a_procedure(client, manager):
    client.force_login(manager)
    url = reverse("cases:procedures", args=["france-services"])
    assert url in client.get(reverse("service_points:manage_list")).content.decode()
    assert client.get(url).status_code == 200
    assert client.post(url, form()).status_code == 302
    procedure = ProcedureType.objects.get(code="aide-au-logement")
    assert procedure.network.slug == "france-services" and procedure.deadline_amount == 2
    assert AuditLog.objects.filter(action="cases.procedure_type_created", actor=manager).exists()
    # The same name twice, or a deadline of zero: refused, nothing written.
    assert client.post(url, form()).status_code == 400
    assert client.post(url, form(label="Autre", deadline_amount="0")).status_code == 400
    assert ProcedureType.objects.count() == 1


def test_deadline_rules_are_fixed_once_cases_follow_them(client, manager):
    procedure = CaseFactory().procedure_type
    client.force_login(manager)
    url = reverse("cases:procedure", args=["france-services", procedure.pk])
    response = client.post(url, form(label=procedure.label, deadline_amount="90"))
    assert response.status_code == 400
    procedure.refresh_from_db()
    assert procedure.deadline_amount == 30
    # What does not move a deadline may change.
    response = client.post(
        url,
        form(
            label="Nouveau nom",
            deadline_amount="30",
            deadline_unit="calendar_days",
            silence_rule="acceptance",
            is_active="",
        ),
    )
    assert response.status_code == 302
    procedure.refresh_from_db()
    assert (procedure.label, procedure.is_active) == ("Nouveau nom", False)


def test_others_may_not(client):
    ProcedureTypeFactory()
    other_network = RoleFactory(
        network_manager=True, network=Network.objects.get(slug="mairie")
    ).user
    for user in (other_network, RoleFactory().user):
        client.force_login(user)
        url = reverse("cases:procedures", args=["france-services"])
        assert client.post(url, form(label="Intrus")).status_code == 403
    assert not ProcedureType.objects.filter(label="Intrus").exists()
