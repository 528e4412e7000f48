"""Processing times (p50, p90) and deadlines kept, by scope and period; their page and CSV."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from continuite.accounts.tests.factories import RoleFactory, UserFactory
from continuite.cases import statistics
from continuite.cases.models import Case
from continuite.cases.tests.factories import CaseFactory, ProcedureTypeFactory
from continuite.core.models import Departement
from continuite.service_points.models import Network
from continuite.service_points.tests.factories import ServicePointFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2025, 1, 1, tzinfo=PARIS)
END = datetime(2025, 4, 1, tzinfo=PARIS)


def _decided(point, procedure, days: float, *, deadline_days: float = 30, on=None):
    decided_at = on or datetime(2025, 2, 15, 12, tzinfo=PARIS)
    received_at = decided_at - timedelta(days=days)
    return CaseFactory(
        service_point=point,
        procedure_type=procedure,
        received_at=received_at,
        deadline_at=received_at + timedelta(days=deadline_days),
        status=Case.Status.ACCEPTED,
        decided_at=decided_at,
    )


@pytest.fixture
def decisions():
    """France Services in Lyon: 1, 2, 3 and 10 days (the last past its 5-day deadline); in
    Marseille, 4 days. Town hall of Lyon: 6 days. Outside the period or open: not counted."""
    lyon = ServicePointFactory()
    marseille = ServicePointFactory(departement=Departement.objects.get(code="13"))
    housing = ProcedureTypeFactory(label="Logement")
    for days in (1, 2, 3):
        _decided(lyon, housing, days)
    _decided(lyon, housing, 10, deadline_days=5)
    _decided(marseille, ProcedureTypeFactory(label="Famille"), 4)
    town_hall = ServicePointFactory(network=Network.objects.get(slug="mairie"))
    _decided(town_hall, ProcedureTypeFactory(network=town_hall.network, label="Urbanisme"), 6)
    _decided(lyon, housing, 50, on=datetime(2024, 12, 20, tzinfo=PARIS))  # before the period
    CaseFactory(service_point=lyon, procedure_type=housing)  # open


def _by(by: str) -> dict:
    rows = statistics.processing_statistics(Case.objects.all(), by=by, start=START, end=END)
    return {row.label: row for row in rows}


def test_percentiles_and_share_in_time_by_procedure_type(decisions):
    housing = _by("procedure_type")["Logement"]
    assert (housing.decided, housing.in_time) == (4, 3)
    assert housing.in_time_percent == 75.0
    # percentile_cont over 1, 2, 3, 10: the median between 2 and 3, p90 at 3 + 0.7 × 7.
    assert housing.p50_days == pytest.approx(2.5)
    assert housing.p90_days == pytest.approx(7.9)


def test_by_network_and_by_departement(decisions):
    networks = _by("network")
    assert networks["France Services"].decided == 5
    assert networks["France Services"].p50_days == pytest.approx(3)
    assert (networks["Mairie"].decided, networks["Mairie"].p50_days) == (1, pytest.approx(6))
    departements = _by("departement")
    assert departements["Bouches-du-Rhône"].p90_days == pytest.approx(4)
    assert departements["Rhône"].decided == 5


def test_overall_figures(decisions):
    row = statistics.overall(Case.objects.all(), start=START, end=END)
    assert (row.decided, row.in_time) == (6, 5)
    assert row.p50_days == pytest.approx(3.5)


def test_the_portable_histogram_gives_the_same_figures(decisions, monkeypatch):
    in_sql = {by: _by(by) for by in statistics.DIMENSIONS}
    overall = statistics.overall(Case.objects.all(), start=START, end=END)
    monkeypatch.setattr(statistics, "on_postgresql", lambda: False)
    for by, rows in in_sql.items():
        assert _by(by) == rows
    assert statistics.overall(Case.objects.all(), start=START, end=END) == overall


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([(1, 1), (2, 1), (3, 1), (10, 1)], 0.5, 2.5),
        ([(1, 1), (2, 1), (3, 1), (10, 1)], 0.9, 7.9),
        ([(5, 3)], 0.9, 5),
        ([(1, 2), (4, 2)], 0.5, 2.5),
        ([(1, 3), (4, 1)], 0.5, 1),
        ([], 0.5, None),
    ],
)
def test_percentile_from_a_histogram(values, fraction, expected):
    found = statistics.percentile_from_counts(values, fraction)
    assert found == (None if expected is None else pytest.approx(expected))


def test_steering_sees_the_figures_and_charts(client, decisions):
    client.force_login(RoleFactory(steering=True).user)
    response = client.get(
        reverse("cases_steering:statistics"), {"start_on": "2025-01-01", "end_on": "2025-03-31"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="in-time">' in content and "83,3 %" in content
    assert content.count("<svg") == 3
    assert 'data-key="procedure_type-' in content


def test_a_network_manager_sees_only_their_network(client, decisions):
    client.force_login(RoleFactory(network_manager=True).user)
    response = client.get(
        reverse("cases_steering:statistics"), {"start_on": "2025-01-01", "end_on": "2025-03-31"}
    )
    assert response.context["overall"].decided == 5
    assert [row.label for row in response.context["tables"][0]["rows"]] == ["France Services"]


def test_a_period_ending_before_it_starts_is_refused(client, decisions):
    client.force_login(RoleFactory(steering=True).user)
    response = client.get(
        reverse("cases_steering:statistics"), {"start_on": "2025-03-01", "end_on": "2025-01-01"}
    )
    assert response.status_code == 200
    assert "overall" not in response.context
    assert response.context["form"].non_field_errors()
    csv = client.get(
        reverse("cases_steering:statistics_csv"),
        {"start_on": "2025-03-01", "end_on": "2025-01-01"},
    )
    assert csv.status_code == 400


def test_the_csv_gives_every_scope(client, decisions):
    client.force_login(RoleFactory(steering=True).user)
    response = client.get(
        reverse("cases_steering:statistics_csv"),
        {"start_on": "2025-01-01", "end_on": "2025-03-31"},
    )
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("debut,fin,perimetre,code")
    assert (
        lines[1].startswith("2025-01-01,2025-03-31,tout,all,") and ",6,5,0.8333,3.50," in lines[1]
    )
    assert any(
        ",procedure_type," in line and ",Logement,4,3,0.7500,2.50,7.90" in line for line in lines
    )
    assert any(line.startswith("2025-01-01,2025-03-31,departement,13,") for line in lines)


@pytest.mark.parametrize("role", ["site_manager", "agent", "none"])
def test_other_agents_get_403(client, decisions, role):
    user = UserFactory() if role == "none" else RoleFactory(agent=role == "agent").user
    client.force_login(user)
    assert client.get(reverse("cases_steering:statistics")).status_code == 403
    assert client.get(reverse("cases_steering:statistics_csv")).status_code == 403
    assert client.get(reverse("cases_steering:forecast_index")).status_code == 403
