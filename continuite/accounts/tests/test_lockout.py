"""Lockout after failed logins, behind the reverse proxy: by username and address together."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
OFFICE = "203.0.113.7"


def post_login(client, username, password, *, client_address=OFFICE):
    """A login as the reverse proxy forwards it: the client's address in X-Forwarded-For."""
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"198.51.100.99, {client_address}",
    )


@pytest.fixture(autouse=True)
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def test_five_failed_logins_from_an_office_address_do_not_lock_out_another_agent(client, settings):
    agent = UserFactory()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, f"someone-{attempt}", "wrong password")
    post_login(client, "someone-else", "wrong password")

    response = post_login(client, agent.username, PASSWORD)

    assert response.status_code == 302


def test_axes_reads_the_client_address_behind_the_proxy(client):
    post_login(client, "someone", "wrong password")

    attempt = AccessAttempt.objects.get(username="someone")
    assert attempt.ip_address == OFFICE


def test_failed_logins_lock_that_username_at_that_address_only(client, settings):
    agent = UserFactory()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, agent.username, "wrong password", client_address="192.0.2.66")

    assert post_login(
        client, agent.username, PASSWORD, client_address="192.0.2.66"
    ).status_code == (429)
    assert post_login(client, agent.username, PASSWORD).status_code == 302
