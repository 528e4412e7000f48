"""Login: password, lockout after repeated failures, and the second factor for managers."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from .factories import PASSWORD, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def post_login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_an_agent_logs_in_with_a_password(client):
    user = UserFactory()
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("service_points:manage_list")).status_code == 200


def test_repeated_failed_logins_lock_the_account(client, settings):
    user = UserFactory()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, user.username, "wrong password")
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert client.get(reverse("service_points:manage_list")).status_code == 302  # still anonymous


def test_the_demo_login_page_says_the_second_factor_is_relaxed(client, settings):
    settings.DEMO_MODE = True
    response = client.get(reverse("accounts:login"))
    assert response.context["DEMO_MODE"] is True
    assert b"fr-alert--info" in response.content


@pytest.fixture
def otp_required(settings):
    settings.OTP_REQUIRED_FOR_MANAGERS = True


def test_a_manager_with_a_device_must_give_a_valid_code(client, otp_required):
    role = RoleFactory()
    TOTPDevice.objects.create(user=role.user, name="app", confirmed=True)
    post_login(client, role.user.username, PASSWORD)
    url = reverse("service_points:manage_status", args=[role.service_point.pk])
    assert client.get(url).status_code == 302
    response = client.post(reverse("accounts:second_factor"), {"token": "12345x"})
    assert response.status_code == 200 and response.context["form"].errors
    assert client.get(url).status_code == 302


def test_plain_agents_need_no_second_factor(client, otp_required):
    role = RoleFactory(agent=True)
    post_login(client, role.user.username, PASSWORD)
    assert client.get(reverse("service_points:manage_list")).status_code == 200
