"""Every CSV export neutralises a formula planted in its data: a spreadsheet shows it as text.

A name typed by the public, or a label an administrator gave, that starts with = + - @ would be
run by the spreadsheet opening the file (links that leak data, commands): each export below
plants one where that export reads it, and the cell comes out behind a single quote.
"""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from continuite.accounts.tests.factories import RoleFactory
from continuite.appointments.models import Appointment
from continuite.cases.models import Case
from continuite.cases.tests.factories import CaseFactory, ProcedureTypeFactory
from continuite.core.models import Commune, Departement
from continuite.outreach.coverage import departement_names
from continuite.outreach.models import Reach
from continuite.outreach.tests.campaign_factories import CallCampaignFactory
from continuite.outreach.tests.factories import RegisteredPersonFactory, RegisterFactory, town_hall
from continuite.protocol.models import RehomingOutcome, RehomingRun
from continuite.protocol.tests.conftest import build_scene
from continuite.service_points.models import Network
from continuite.service_points.tests.factories import ServicePointFactory

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture(autouse=True)
def fresh_departement_names():
    """Coverage reads département names once per process: the renamed one is read again, and
    the real names are read back for the tests that follow."""
    departement_names.cache_clear()
    yield
    departement_names.cache_clear()


def steering(client):
    client.force_login(RoleFactory(steering=True).user)


def network_named_by_a_formula(client):
    Network.objects.filter(slug="france-services").update(short_name=FORMULA, name=FORMULA)
    ServicePointFactory()
    steering(client)


def open_rates(client):
    network_named_by_a_formula(client)
    return reverse("dashboard:steering_csv"), {}


def protocol_compliance(client):
    network_named_by_a_formula(client)
    return reverse("protocol:compliance_csv"), {}


def processing_times(client):
    decided_at = datetime(2025, 2, 15, 12, tzinfo=UTC)
    CaseFactory(
        service_point=ServicePointFactory(),
        procedure_type=ProcedureTypeFactory(label=FORMULA),
        received_at=decided_at - timedelta(days=3),
        deadline_at=decided_at + timedelta(days=30),
        status=Case.Status.ACCEPTED,
        decided_at=decided_at,
    )
    steering(client)
    return reverse("cases_steering:statistics_csv"), {
        "start_on": "2025-01-01",
        "end_on": "2025-03-31",
    }


def _campaign_with_a_departement_named_by_a_formula():
    Departement.objects.filter(code="69").update(name=FORMULA)
    place = Commune.objects.get(code="69381")
    campaign = CallCampaignFactory(registers=[RegisterFactory()], active=True)
    Reach.objects.create(
        campaign=campaign,
        person=RegisteredPersonFactory(register=RegisterFactory(commune=place), commune=place),
        commune=place,
        due_at=datetime(2025, 2, 1, 9, tzinfo=UTC),
    )
    return campaign


def campaign_coverage(client):
    campaign = _campaign_with_a_departement_named_by_a_formula()
    client.force_login(RoleFactory(service_point=town_hall("69381")).user)
    return reverse("outreach:coverage_csv", args=[campaign.pk]), {}


def steering_coverage(client):
    _campaign_with_a_departement_named_by_a_formula()
    steering(client)
    return reverse("outreach:coverage_steering_csv"), {}


def rehoming_run(client):
    scene = build_scene(per_reason=1)
    appointment = scene.appointments[0]
    appointment.contact_name = FORMULA
    appointment.save(update_fields=["contact_name"])
    run = RehomingRun.objects.create(
        service_point=scene.point, trigger="manual", status="done", total=1, processed=1
    )
    RehomingOutcome.objects.create(
        run=run, appointment=appointment, outcome=RehomingOutcome.Outcome.CANCELLED
    )
    client.force_login(RoleFactory(service_point=scene.point).user)
    return reverse("protocol:run_csv", args=[scene.point.pk, run.pk]), {}


def cells(response) -> list[str]:
    text = response.content.decode("utf-8")
    delimiter = ";" if text.startswith("\ufeff") else ","
    rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter)
    return [cell for row in rows for cell in row]


@pytest.mark.parametrize(
    "plant",
    [
        open_rates,
        protocol_compliance,
        processing_times,
        campaign_coverage,
        steering_coverage,
        rehoming_run,
    ],
)
def test_every_csv_export_neutralises_a_formula_in_its_data(client, plant):
    url, query = plant(client)

    response = client.get(url, query)

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "'" + FORMULA in cells(response)
    assert not [cell for cell in cells(response) if cell.startswith(("=", "@"))]


def test_a_formula_typed_by_the_public_is_neutralised_in_the_rehoming_csv(client):
    url, query = rehoming_run(client)

    response = client.get(url, query)

    assert "'" + FORMULA in cells(response)
    assert FORMULA not in cells(response)
    assert Appointment.objects.filter(contact_name=FORMULA).exists()  # the data is untouched
