"""The 8-week forecast on a small known network, its page, and its suggested transfers."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from continuite.accounts.tests.factories import RoleFactory, UserFactory
from continuite.cases import forecast
from continuite.cases.models import Case, CaseEvent
from continuite.cases.tests.factories import CaseFactory, ProcedureTypeFactory
from continuite.core.models import Departement
from continuite.service_points.models import AgentPresence, Network
from continuite.service_points.tests.factories import ServicePointFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
# A Monday. The 8 weeks before hold Christmas and New Year's Day (38 working days); the
# 8 weeks after hold no public holiday (40 working days).
NOW = datetime(2025, 2, 3, 12, 0, tzinfo=PARIS)


def _agents(point, count):
    return [RoleFactory(agent=True, service_point=point).user for _ in range(count)]


@pytest.fixture
def network():
    return build(NOW)


@pytest.fixture
def network_today():
    return build(timezone.now())


def build(now):
    """Point A: 2 agents who decided 76 cases in 8 weeks (1 case per agent-day), 40 open cases
    received 10 days ago and due in 20 days, one agent sick all this week. Point B, same
    département: 1 agent, nothing yet. Point C, elsewhere: nobody."""
    procedure = ProcedureTypeFactory(deadline_amount=30, expected_minutes=60)
    a = ServicePointFactory(name="A")
    b = ServicePointFactory(name="B")
    ServicePointFactory(name="C", departement=Departement.objects.get(code="13"))
    agents = _agents(a, 2)
    _agents(b, 1)
    for index in range(76):
        received = now - timedelta(days=70)
        CaseFactory(
            service_point=a,
            procedure_type=procedure,
            received_at=received,
            deadline_at=received + timedelta(days=30),
            status=Case.Status.ACCEPTED,
            decided_at=now - timedelta(days=1 + index % 50),
        )
    received = now - timedelta(days=10)
    open_cases = [
        CaseFactory(
            service_point=a,
            procedure_type=procedure,
            received_at=received,
            deadline_at=received + timedelta(days=30),
            status=Case.Status.IN_PROGRESS,
            assigned_to=agents[index % 2],
        )
        for index in range(40)
    ]
    for offset in range(5):
        AgentPresence.objects.create(
            service_point=a,
            presence_on=timezone.localdate(now) + timedelta(days=offset),
            agent=agents[0],
            status=AgentPresence.Status.SICK,
        )
    return {"a": a, "b": b, "open": open_cases}


def test_the_backlog_follows_arrivals_rate_and_agents_present(network):
    result = forecast.network_forecast(Network.objects.get(slug="france-services"), now=NOW)
    a = next(p for p in result.points if p.pk == network["a"].pk)
    assert (a.open_now, a.arrivals_per_week, a.usual_agents) == (40, 5.0, 2)
    assert a.rate_from_history and a.rate_per_agent_day == pytest.approx(76 / (2 * 38))
    # One agent sick the first week: 5 cases decided, then 10 a week.
    assert [round(w.capacity, 6) for w in a.weeks] == [5, 10, 10, 10, 10, 10, 10, 10]
    assert [round(w.backlog, 6) for w in a.weeks] == [40, 35, 30, 25, 20, 15, 10, 5]
    b = next(p for p in result.points if p.pk == network["b"].pk)
    # No decision yet: 6 hours of case work a day over 60 expected minutes per case.
    assert (b.rate_from_history, b.rate_per_agent_day) == (False, 6.0)
    assert [round(w.backlog) for w in result.weeks] == [40, 35, 30, 25, 20, 15, 10, 5]


def test_cases_beyond_the_capacity_before_their_deadline_are_likely_to_breach(network):
    result = forecast.network_forecast(Network.objects.get(slug="france-services"), now=NOW)
    # Due on day 20: 5 + 10 + 10 = 25 cases can be decided by then, out of 40.
    assert result.breach_count == 15
    assert [b.case_id for b in result.breaches] == [c.pk for c in network["open"][25:]]
    first = result.breaches[0]
    assert (first.position, first.capacity, first.reference) == (
        26,
        pytest.approx(25),
        network["open"][25].reference,
    )


def test_the_portable_path_finds_the_same_breaches(network, monkeypatch):
    sql = forecast.network_forecast(Network.objects.get(slug="france-services"), now=NOW)
    monkeypatch.setattr(forecast, "on_postgresql", lambda: False)
    portable = forecast.network_forecast(Network.objects.get(slug="france-services"), now=NOW)
    assert [(b.case_id, b.position) for b in portable.breaches] == [
        (b.case_id, b.position) for b in sql.breaches
    ]
    assert portable.breach_count == sql.breach_count


def test_breaching_cases_are_suggested_to_a_point_with_spare_capacity(network):
    result = forecast.network_forecast(Network.objects.get(slug="france-services"), now=NOW)
    assert len(result.transfers) == 1
    transfer = result.transfers[0]
    assert (transfer.source_id, transfer.target_id) == (network["a"].pk, network["b"].pk)
    assert sorted(transfer.case_ids) == sorted(c.pk for c in network["open"][25:])


def test_a_network_with_no_case_forecasts_nothing():
    result = forecast.network_forecast(Network.objects.get(slug="cpam"), now=NOW)
    assert (result.breach_count, result.transfers, result.open_now) == (0, [], 0)


def test_the_forecast_page_shows_the_backlog_breaches_and_transfers(client, network_today):
    expected = forecast.network_forecast(Network.objects.get(slug="france-services"))
    assert expected.breach_count and expected.transfers
    client.force_login(RoleFactory(network_manager=True).user)
    response = client.get(reverse("cases_steering:forecast", args=["france-services"]))
    assert response.status_code == 200
    content = response.content.decode()
    assert f'data-testid="breach-count">{expected.breach_count}<' in content
    assert expected.breaches[0].reference in content
    assert "<svg" in content and 'role="img"' in content
    assert reverse("cases_steering:forecast_transfer", args=["france-services"]) in content


def test_steering_reads_the_forecast_without_transfer_buttons_nor_case_links(client, network_today):
    """Steering teams read figures: the transfers are the network managers' to apply."""
    expected = forecast.network_forecast(Network.objects.get(slug="france-services"))
    assert expected.breach_count and expected.transfers
    client.force_login(RoleFactory(steering=True).user)
    response = client.get(reverse("cases_steering:forecast", args=["france-services"]))
    assert response.status_code == 200
    content = response.content.decode()
    assert expected.breaches[0].reference in content
    assert reverse("cases_steering:forecast_transfer", args=["france-services"]) not in content
    assert reverse("cases:case", args=[expected.breaches[0].case_id]) not in content


def test_a_manager_applies_a_suggested_transfer_and_deadlines_stay(client, network):
    client.force_login(RoleFactory(network_manager=True).user)
    moving = network["open"][30:33]
    response = client.post(
        reverse("cases_steering:forecast_transfer", args=["france-services"]),
        {"source": network["a"].pk, "target": network["b"].pk, "case": [c.pk for c in moving]},
    )
    assert response.status_code == 302
    for case in moving:
        moved = Case.objects.get(pk=case.pk)
        assert (moved.service_point_id, moved.deadline_at) == (network["b"].pk, case.deadline_at)
        assert CaseEvent.objects.filter(case=case, kind="transferred").exists()
    assert Case.objects.filter(service_point=network["a"], status="in_progress").count() == 37


def test_a_transfer_to_another_network_is_refused(client, network):
    client.force_login(RoleFactory(network_manager=True).user)
    elsewhere = ServicePointFactory(network=Network.objects.get(slug="mairie"))
    client.post(
        reverse("cases_steering:forecast_transfer", args=["france-services"]),
        {"source": network["a"].pk, "target": elsewhere.pk, "case": [network["open"][0].pk]},
    )
    assert Case.objects.get(pk=network["open"][0].pk).service_point_id == network["a"].pk


@pytest.mark.parametrize("role", ["site_manager", "agent", "none"])
def test_only_steering_and_network_managers_see_the_forecast(client, network, role):
    user = (
        UserFactory()
        if role == "none"
        else RoleFactory(agent=role == "agent", service_point=network["a"]).user
    )
    client.force_login(user)
    url = reverse("cases_steering:forecast", args=["france-services"])
    assert client.get(url).status_code == 403
    transfer = reverse("cases_steering:forecast_transfer", args=["france-services"])
    assert client.post(transfer, {"source": 1, "target": 2}).status_code == 403


def test_a_network_manager_cannot_open_another_networks_forecast(client, network):
    client.force_login(RoleFactory(network_manager=True).user)
    assert client.get(reverse("cases_steering:forecast", args=["cpam"])).status_code == 404
    index = client.get(reverse("cases_steering:forecast_index")).content.decode()
    assert "france-services" in index and "/cpam/" not in index
