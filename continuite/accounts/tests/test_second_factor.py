"""The second factor: enrolled only through an invitation, never with a password alone."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from .factories import PASSWORD, RoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def otp_required(settings):
    settings.OTP_REQUIRED_FOR_MANAGERS = True


def test_a_password_alone_never_enrols_a_second_factor(client, otp_required):
    role = RoleFactory()
    client.post(reverse("accounts:login"), {"username": role.user.username, "password": PASSWORD})

    page = client.get(reverse("accounts:second_factor"))

    assert TOTPDevice.objects.filter(user=role.user).count() == 0
    assert "<svg" not in page.content.decode()
    assert "nouvelle invitation" in page.content.decode()
    response = client.post(reverse("accounts:second_factor"), {"token": "123456"})
    assert TOTPDevice.objects.filter(user=role.user).count() == 0
    assert response.status_code == 403
    assert client.get(reverse("service_points:manage_list")).status_code == 302
