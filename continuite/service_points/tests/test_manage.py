"""The agents' area: scoped lists, status changes by site managers, and nothing outside one's scope."""

import pytest
from django.urls import reverse
from django.utils import timezone

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import RoleFactory
from continuite.service_points.models import Network, OpeningException, StatusChange

from .factories import ServicePointFactory

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)


def status_form(**overrides):
    start = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    return {
        "status": "closed",
        "reason": "Agents absents",
        "starts_at": start,
        "ends_at": "",
        **overrides,
    }


def test_a_site_manager_changes_the_status_of_their_point(client):
    role = RoleFactory()
    login(client, role.user)
    url = reverse("service_points:manage_status", args=[role.service_point.pk])
    response = client.post(url, status_form())
    assert response.status_code == 302
    change = StatusChange.objects.get(service_point=role.service_point)
    assert change.status == "closed" and change.set_by == role.user
    assert AuditLog.objects.filter(action="service_point.status_set", actor=role.user).exists()
    assert role.service_point.status_at() == "closed"
    page = client.get(url)
    assert "Agents absents" in page.content.decode()


def test_a_site_manager_cannot_change_another_point(client):
    role = RoleFactory()
    other = ServicePointFactory()
    login(client, role.user)
    url = reverse("service_points:manage_status", args=[other.pk])
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, status_form()).status_code in (403, 404)
    assert not StatusChange.objects.exists()


def test_an_agent_sees_but_cannot_change_their_point(client):
    role = RoleFactory(agent=True)
    login(client, role.user)
    listing = client.get(reverse("service_points:manage_list"))
    assert role.service_point.name in listing.content.decode()
    url = reverse("service_points:manage_status", args=[role.service_point.pk])
    assert client.post(url, status_form()).status_code == 403
    assert not StatusChange.objects.exists()


def test_anonymous_people_are_sent_to_the_login_page(client):
    point = ServicePointFactory()
    response = client.post(reverse("service_points:manage_status", args=[point.pk]), status_form())
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert not StatusChange.objects.exists()


def test_a_status_ending_before_it_starts_is_refused_with_a_message(client):
    role = RoleFactory()
    login(client, role.user)
    url = reverse("service_points:manage_status", args=[role.service_point.pk])
    response = client.post(
        url, status_form(starts_at="2030-01-10T10:00", ends_at="2030-01-09T10:00")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["ends_at"]
    assert "Agents absents" in response.content.decode()  # what was typed is kept
    assert not StatusChange.objects.exists() and not AuditLog.objects.exists()


def test_a_network_manager_manages_every_point_of_the_network_only(client):
    role = RoleFactory(network_manager=True)
    mine = ServicePointFactory()
    town_hall = ServicePointFactory(network=Network.objects.get(slug="mairie"))
    login(client, role.user)
    response = client.post(reverse("service_points:manage_status", args=[mine.pk]), status_form())
    assert response.status_code == 302
    response = client.post(
        reverse("service_points:manage_status", args=[town_hall.pk]), status_form()
    )
    assert response.status_code == 404
    assert StatusChange.objects.get().service_point == mine


def test_an_overlapping_exception_is_refused_and_changes_nothing(client):
    role = RoleFactory()
    login(client, role.user)
    url = reverse("service_points:manage_exception", args=[role.service_point.pk])
    form = {"start_on": "2030-12-24", "end_on": "2030-12-31", "closed": "on", "label": "Fêtes"}
    assert client.post(url, form).status_code == 302
    response = client.post(url, {**form, "start_on": "2030-12-30", "end_on": "2031-01-02"})
    assert response.status_code == 400
    assert OpeningException.objects.count() == 1


def test_the_list_of_points_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    role = RoleFactory(network_manager=True)
    ServicePointFactory.create_batch(30)
    login(client, role.user)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("service_points:manage_list"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 30
