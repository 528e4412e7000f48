"""Network managers appoint managers of their network for a département, within their scope."""

import pytest
from django.core import mail
from django.urls import reverse

from continuite.accounts.models import AuditLog, Role, User
from continuite.accounts.tests.factories import RoleFactory

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


def staff_url(network):
    return reverse("service_points:network_staff", args=[network.slug])


def appoint(client, network, departement="69"):
    data = {
        "email": "sacha@example.org",
        "first_name": "Sacha",
        "last_name": "Durand",
        "departement": departement,
    }
    return client.post(staff_url(network), data)


def test_a_network_manager_appoints_a_manager_for_a_departement(
    client, django_capture_on_commit_callbacks
):
    national = RoleFactory(network_manager=True)
    client.force_login(national.user, backend=BACKEND)

    with django_capture_on_commit_callbacks(execute=True):
        response = appoint(client, national.network)

    assert response.status_code == 302
    role = Role.objects.get(user__email="sacha@example.org")
    assert (role.kind, role.network, role.departement_id) == (
        Role.Kind.NETWORK_MANAGER,
        national.network,
        "69",
    )
    assert len(mail.outbox) == 1
    assert AuditLog.objects.filter(action="role_grant", actor=national.user).exists()
    assert "sacha@example.org" in client.get(staff_url(national.network)).content.decode()


def test_a_departement_manager_appoints_only_in_their_departement(client):
    narrowed = RoleFactory(network_manager=True, departement_id="69")
    client.force_login(narrowed.user, backend=BACKEND)

    response = appoint(client, narrowed.network, departement="13")

    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not User.objects.filter(email="sacha@example.org").exists()
    assert appoint(client, narrowed.network, departement="69").status_code == 302


def test_a_departement_manager_cannot_remove_a_whole_network_manager(client):
    narrowed = RoleFactory(network_manager=True, departement_id="69")
    national = RoleFactory(network_manager=True)
    client.force_login(narrowed.user, backend=BACKEND)

    url = reverse("service_points:network_staff_remove", args=[narrowed.network.slug, national.pk])

    assert client.post(url).status_code == 404
    assert Role.objects.filter(pk=national.pk).exists()


def test_removing_a_departement_manager_is_audited(client):
    national = RoleFactory(network_manager=True)
    narrowed = RoleFactory(network_manager=True, departement_id="69")
    client.force_login(national.user, backend=BACKEND)

    url = reverse("service_points:network_staff_remove", args=[national.network.slug, narrowed.pk])
    client.post(url)

    assert not Role.objects.filter(pk=narrowed.pk).exists()
    assert AuditLog.objects.get(action="role_remove").details["departement"] == "69"


def test_site_managers_and_steering_appoint_no_network_manager(client):
    site_manager = RoleFactory()
    steering = RoleFactory(steering=True)
    network = site_manager.service_point.network

    for role in (site_manager, steering):
        client.force_login(role.user, backend=BACKEND)
        assert client.get(staff_url(network)).status_code == 403
        assert appoint(client, network).status_code == 403
    assert not User.objects.filter(email="sacha@example.org").exists()
