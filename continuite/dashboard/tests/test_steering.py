"""The open rate, the steering page and its CSV, by role."""

import pytest
from django.urls import reverse

from continuite.accounts.tests.factories import RoleFactory, UserFactory
from continuite.core.models import Departement
from continuite.dashboard.queries import open_rates
from continuite.service_points.models import Network
from continuite.service_points.tests.factories import ServicePointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def crisis():
    town_halls = Network.objects.get(slug="mairie")
    bdr = Departement.objects.get(code="13")
    ServicePointFactory.create_batch(3)
    ServicePointFactory(closed=True)
    ServicePointFactory(phone_only=True)
    ServicePointFactory(network=town_halls, departement=bdr, closed=True)
    ServicePointFactory(network=town_halls, departement=bdr)


def test_the_open_rate_counts_every_point_not_closed(crisis):
    rates = open_rates()
    assert (rates.national.total, rates.national.not_closed) == (7, 5)
    by_network = {r.key: (r.total, r.not_closed) for r in rates.by_network}
    assert by_network == {"france-services": (5, 4), "mairie": (2, 1)}
    by_departement = {r.key: r.percent for r in rates.by_departement}
    assert by_departement == {"13": 50.0, "69": 80.0}


def test_steering_sees_the_national_rate_the_map_and_the_table(client, crisis):
    client.force_login(RoleFactory(steering=True).user)
    response = client.get(reverse("dashboard:steering"))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="national-rate"' in content and "71,4" in content
    assert content.count('data-code="13"') >= 2  # the map and the table


def test_a_network_manager_sees_only_their_network(client, crisis):
    client.force_login(RoleFactory(network_manager=True).user)
    rates = client.get(reverse("dashboard:steering")).context["rates"]
    assert (rates.national.total, [r.key for r in rates.by_network]) == (5, ["france-services"])


@pytest.mark.parametrize("role", ["agent", "site_manager", None])
def test_other_agents_cannot_see_the_indicators(client, crisis, role):
    user = RoleFactory(agent=role == "agent").user if role else UserFactory()
    client.force_login(user)
    assert client.get(reverse("dashboard:steering")).status_code == 403


def test_the_csv_gives_every_scope(client, crisis):
    client.force_login(RoleFactory(steering=True).user)
    response = client.get(reverse("dashboard:steering_csv"))
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("instant,perimetre")
    assert any(",national,,,7,5,0.7143" in line for line in lines)
    assert any(",departement,13," in line for line in lines)


def test_only_steering_teams_are_offered_the_coverage_of_call_campaigns(client, crisis):
    coverage = reverse("outreach:coverage_steering")
    client.force_login(RoleFactory(steering=True).user)
    assert coverage in client.get(reverse("dashboard:steering")).content.decode()
    manager = RoleFactory(network_manager=True).user
    client.force_login(manager)
    assert coverage not in client.get(reverse("dashboard:steering")).content.decode()
