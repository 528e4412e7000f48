"""Site and network managers invite and manage the agents of the sites in their scope."""

import pytest
from django.core import mail
from django.urls import reverse

from continuite.accounts.models import AuditLog, Role, User
from continuite.accounts.tests.factories import PASSWORD, RoleFactory, UserFactory

from .factories import ServicePointFactory

pytestmark = pytest.mark.django_db


def staff_url(point):
    return reverse("service_points:staff", args=[point.pk])


def invite(client, point, email="dominique@example.org", kind="agent"):
    data = {"email": email, "first_name": "Dominique", "last_name": "Petit", "kind": kind}
    return client.post(staff_url(point), data)


@pytest.fixture
def site_manager(client):
    role = RoleFactory()
    client.force_login(role.user, backend="django.contrib.auth.backends.ModelBackend")
    return role


def test_a_site_manager_invites_an_agent_who_gets_a_single_use_link(
    client, site_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, site_manager.service_point, email="Dominique@Example.org")

    assert response.status_code == 302
    agent = User.objects.get(email="dominique@example.org")
    assert not agent.has_usable_password()
    assert agent.roles.get().service_point == site_manager.service_point
    assert len(mail.outbox) == 1 and "/compte/invitation/" in mail.outbox[0].body
    audit = AuditLog.objects.get(action="role_grant")
    assert audit.actor == site_manager.user and audit.target_id == str(agent.pk)
    page = client.get(staff_url(site_manager.service_point))
    assert "dominique@example.org" in page.content.decode()
    listing = client.get(reverse("service_points:manage_list")).content.decode()
    assert staff_url(site_manager.service_point) in listing


def test_inviting_an_existing_agent_adds_the_role_without_a_new_account_or_email(
    client, site_manager
):
    existing = UserFactory(email="dominique@example.org")

    invite(client, site_manager.service_point, kind="site_manager")

    assert User.objects.filter(email="dominique@example.org").count() == 1
    assert existing.roles.get().kind == Role.Kind.SITE_MANAGER
    assert mail.outbox == []
    existing.refresh_from_db()
    assert existing.check_password(PASSWORD)


def test_a_bad_invitation_is_refused_in_french_and_changes_nothing(client, site_manager):
    response = invite(client, site_manager.service_point, email="pas-une-adresse", kind="steering")

    assert response.status_code == 400
    assert "Saisissez une adresse de courriel valide" in response.content.decode()
    assert User.objects.count() == 1


def test_a_site_manager_cannot_manage_the_agents_of_another_site(client, site_manager):
    other = ServicePointFactory()
    stranger = RoleFactory(agent=True, service_point=other)

    assert client.get(staff_url(other)).status_code == 404
    assert invite(client, other).status_code == 404
    url = reverse("service_points:staff_role_remove", args=[other.pk, stranger.pk])
    assert client.post(url).status_code == 404
    assert Role.objects.filter(pk=stranger.pk).exists()


def test_steering_neither_opens_a_sites_pages_nor_manages_its_agents(client):
    steering = RoleFactory(steering=True)
    point = ServicePointFactory()
    client.force_login(steering.user, backend="django.contrib.auth.backends.ModelBackend")

    # Steering teams see figures, never a site's pages (out of their scope: 404).
    assert client.get(staff_url(point)).status_code == 404
    assert invite(client, point).status_code == 404
    listing = client.get(reverse("service_points:manage_list")).content.decode()
    assert point.name not in listing and staff_url(point) not in listing
    assert not User.objects.filter(email="dominique@example.org").exists()


def test_a_network_manager_manages_the_agents_of_the_networks_sites(client):
    manager = RoleFactory(network_manager=True)
    point = ServicePointFactory(network=manager.network)
    client.force_login(manager.user, backend="django.contrib.auth.backends.ModelBackend")

    assert invite(client, point).status_code == 302
    assert Role.objects.filter(service_point=point, user__email="dominique@example.org").exists()


def test_a_role_is_changed_then_removed_and_both_are_audited(client, site_manager):
    agent = RoleFactory(agent=True, service_point=site_manager.service_point)
    point = site_manager.service_point

    client.post(
        reverse("service_points:staff_role_change", args=[point.pk, agent.pk]),
        {"kind": "site_manager"},
    )
    promoted = Role.objects.get(user=agent.user)
    assert promoted.kind == Role.Kind.SITE_MANAGER
    client.post(reverse("service_points:staff_role_remove", args=[point.pk, promoted.pk]))

    assert not agent.user.roles.exists()
    actions = AuditLog.objects.filter(target_id=str(agent.user.pk)).values_list("action", flat=True)
    assert set(actions) == {"role_change", "role_remove"}


def test_an_agent_with_no_role_outside_the_scope_is_deactivated_and_logged_out(
    client, site_manager
):
    agent = RoleFactory(agent=True, service_point=site_manager.service_point)
    agent_client = type(client)()
    agent_client.force_login(agent.user, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse(
        "service_points:staff_deactivate", args=[site_manager.service_point.pk, agent.user.pk]
    )

    client.post(url)

    agent.user.refresh_from_db()
    assert not agent.user.is_active and not agent.user.roles.exists()
    assert AuditLog.objects.filter(action="agent_deactivate", target_id=str(agent.user.pk)).exists()
    assert agent_client.get(reverse("service_points:manage_list")).status_code == 302


def test_an_account_with_a_role_elsewhere_is_not_deactivated(client, site_manager):
    agent = RoleFactory(agent=True, service_point=site_manager.service_point)
    RoleFactory(agent=True, user=agent.user)  # another site, outside the manager's scope
    url = reverse(
        "service_points:staff_deactivate", args=[site_manager.service_point.pk, agent.user.pk]
    )

    response = client.post(url, follow=True)

    agent.user.refresh_from_db()
    assert agent.user.is_active and agent.user.roles.count() == 2
    assert "en dehors de votre périmètre" in response.content.decode()


def test_a_site_manager_never_reactivates_an_administrators_account(client, site_manager):
    admin = UserFactory(email="ancien-admin@example.org", is_superuser=True, is_staff=True)
    admin.is_active = False
    admin.save()

    response = invite(client, site_manager.service_point, email="ancien-admin@example.org")

    assert response.status_code == 400
    assert "administrateur" in response.content.decode()
    admin.refresh_from_db()
    assert not admin.is_active and not admin.roles.exists()
    assert mail.outbox == []


def test_the_overview_lists_the_agents_in_scope_only(
    client, site_manager, django_assert_max_num_queries
):
    mine = RoleFactory(agent=True, service_point=site_manager.service_point)
    theirs = RoleFactory(agent=True)
    for _index in range(5):
        RoleFactory(agent=True, service_point=site_manager.service_point)
    listing = client.get(reverse("service_points:manage_list")).content.decode()
    assert reverse("service_points:staff_overview") in listing

    with django_assert_max_num_queries(8):
        response = client.get(reverse("service_points:staff_overview"))

    html = response.content.decode()
    assert str(mine.user) in html and str(theirs.user) not in html
    assert response.context["page"].paginator.count == 7  # the manager's own role included
    found = client.get(reverse("service_points:staff_overview"), {"q": mine.user.last_name})
    assert found.context["page"].paginator.count == 1


def test_agents_and_steering_have_no_overview(client):
    for role in (RoleFactory(agent=True), RoleFactory(steering=True)):
        client.force_login(role.user, backend="django.contrib.auth.backends.ModelBackend")
        assert client.get(reverse("service_points:staff_overview")).status_code == 403
        listing = client.get(reverse("service_points:manage_list")).content.decode()
        assert reverse("service_points:staff_overview") not in listing
