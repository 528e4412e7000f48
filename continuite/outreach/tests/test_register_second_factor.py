"""Agents and callers reading the register pass the second factor when settings require it."""

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from continuite.outreach.tests.factories import RegisteredPersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return RegisteredPersonFactory(last_name="Thetafictive")


def pages(person):
    return [
        reverse("outreach:registers"),
        reverse("outreach:register", args=[person.register_id]),
        reverse("outreach:person", args=[person.register_id, person.pk]),
        reverse("outreach:calls"),
    ]


def test_register_readers_are_sent_to_the_second_factor_first(client, settings, agent, person):
    settings.OTP_REQUIRED_FOR_REGISTER = True
    client.force_login(agent)
    for url in pages(person):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:second_factor")), url
        assert "THETAFICTIVE" not in response.content.decode()
    response = client.post(pages(person)[2], {"reason": "control"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:second_factor"))


def test_a_verified_agent_reads_the_register(client, settings, agent, person):
    settings.OTP_REQUIRED_FOR_REGISTER = True
    device = TOTPDevice.objects.create(user=agent, name="app", confirmed=True)
    client.force_login(agent)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    for url in pages(person):
        assert client.get(url).status_code == 200, url


def test_the_demo_and_tests_may_relax_it(client, settings, agent, person):
    settings.OTP_REQUIRED_FOR_REGISTER = False
    client.force_login(agent)
    assert client.get(pages(person)[1]).status_code == 200
