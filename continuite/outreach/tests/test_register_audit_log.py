"""The register's controllers read its audit log (who read whom, when, why; registrations,
exports, requests), filtered, paginated in a bounded number of queries, and export it as CSV,
the export itself audited. Other agents do not."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import RoleFactory, UserFactory
from continuite.core.models import Commune
from continuite.outreach.tests.factories import (
    NetworkRegisterFactory,
    RegisteredPersonFactory,
    RegisterFactory,
    town_hall,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def register():
    return RegisterFactory()


@pytest.fixture
def controller():
    """The site manager of Lyon 1er's town hall, which holds the register."""
    return RoleFactory(service_point=town_hall("69381")).user


@pytest.fixture
def agent():
    return RoleFactory(
        service_point=town_hall("69381"),
        agent=True,
        user=UserFactory(username="agent.iota", first_name="Iris", last_name="Agentfictive"),
    ).user


def consult(client, person, reason="control"):
    client.post(
        reverse("outreach:person", args=[person.register_id, person.pk]), {"reason": reason}
    )


def log_url(register, name="outreach:audit_log"):
    return reverse(name, args=[register.pk])


def test_the_controller_sees_who_read_whom_when_and_why(client, register, controller, agent):
    person = RegisteredPersonFactory(register=register, last_name="Kappafictive")
    client.force_login(agent)
    consult(client, person, "report")
    client.force_login(controller)
    response = client.get(log_url(register))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Consultation d’une fiche" in page
    assert "agent.iota" in page and "Signalement concernant la personne" in page
    assert f"<td>{person.pk}</td>" in page
    assert "KAPPAFICTIVE" not in page  # the log names records by their reference only


def test_the_log_of_another_register_is_not_shown(client, register, controller, agent):
    other = RegisterFactory(commune=Commune.objects.get(code="69382"))
    stranger = RegisteredPersonFactory(
        register=other, commune=other.commune, postcode="69002", last_name="Lambdafictive"
    )
    superuser = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(superuser)
    consult(client, stranger)
    client.force_login(controller)
    page = client.get(log_url(register)).content.decode()
    assert f"<td>{stranger.pk}</td>" not in page
    assert 'data-testid="audit-entry"' not in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"agent": "iota"}, {"kappa"}),
        ({"person": "PERSON_MU"}, {"mu"}),
        ({"action": "outreach.person.register"}, set()),
        ({"start_on": "TOMORROW"}, set()),
        ({"end_on": "YESTERDAY"}, set()),
    ],
)
def test_the_log_is_filtered_by_dates_agent_person_and_action(
    client, register, controller, agent, params, expected
):
    kappa = RegisteredPersonFactory(register=register)
    mu = RegisteredPersonFactory(register=register)
    client.force_login(agent)
    consult(client, kappa)
    client.force_login(controller)
    consult(client, mu)
    today = timezone.localdate()
    values = {
        "PERSON_MU": str(mu.pk),
        "TOMORROW": (today + timedelta(days=1)).isoformat(),
        "YESTERDAY": (today - timedelta(days=1)).isoformat(),
    }
    query = {key: values.get(value, value) for key, value in params.items()}
    page = client.get(log_url(register), query).content.decode()
    shown = {name for name, p in (("kappa", kappa), ("mu", mu)) if f"<td>{p.pk}</td>" in page}
    assert shown == expected


def test_bad_filters_are_refused_with_a_message(client, register, controller):
    client.force_login(controller)
    response = client.get(log_url(register), {"start_on": "9999-01-01", "person": "1" * 30})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_the_export_is_a_csv_and_is_itself_audited(client, register, controller, agent):
    person = RegisteredPersonFactory(register=register)
    client.force_login(agent)
    consult(client, person, "person_request")
    client.force_login(controller)
    response = client.get(log_url(register, "outreach:audit_log_csv"), {"agent": "iota"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["date_heure", "agent", "nom_agent", "action", "fiche"]
    assert [(r[1], r[4]) for r in rows[1:]] == [("agent.iota", str(person.pk))]
    export = AuditLog.objects.get(action="outreach.audit.export")
    assert export.actor == controller and export.details["filters"] == {"agent": "iota"}
    page = client.get(log_url(register), {"action": "outreach.audit.export"}).content.decode()
    assert page.count('data-testid="audit-entry"') == 1


def test_only_the_registers_managers_read_its_log(client, register, agent):
    client.force_login(agent)  # reads the register, does not manage it
    assert client.get(log_url(register)).status_code == 403
    assert client.get(log_url(register, "outreach:audit_log_csv")).status_code == 403
    client.force_login(RoleFactory(service_point=town_hall("69382")).user)
    assert client.get(log_url(register)).status_code == 404
    assert not AuditLog.objects.filter(action="outreach.audit.export").exists()


def test_a_network_manager_controls_the_networks_register(client):
    register = NetworkRegisterFactory()
    manager = RoleFactory(network_manager=True, network=register.network).user
    client.force_login(manager)
    assert client.get(log_url(register)).status_code == 200


def test_the_log_reads_in_a_bounded_number_of_queries(
    client, register, controller, agent, django_assert_max_num_queries
):
    client.force_login(agent)
    for person in RegisteredPersonFactory.create_batch(30, register=register):
        consult(client, person)
    client.force_login(controller)
    with django_assert_max_num_queries(12):
        response = client.get(log_url(register))
    assert response.content.decode().count('data-testid="audit-entry"') == 30
