"""Agents' sessions end after 30 idle minutes and, however active, after a working day."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from continuite.accounts.middleware import SESSION_LAST_SEEN_KEY, SESSION_STARTED_KEY

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client(client):
    user = UserFactory()
    client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert client.get(reverse("service_points:manage_list")).status_code == 200
    return client


def shift_session(client, key, delta):
    session = client.session
    session[key] = (timezone.now() - delta).timestamp()
    session.save()


def test_an_idle_agent_is_logged_out_after_the_idle_timeout(agent_client, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    shift_session(agent_client, SESSION_LAST_SEEN_KEY, timedelta(minutes=31))

    response = agent_client.get(reverse("service_points:manage_list"))

    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert agent_client.get(reverse("service_points:manage_list")).status_code == 302


def test_an_agent_active_within_the_idle_timeout_stays_logged_in(agent_client, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    shift_session(agent_client, SESSION_LAST_SEEN_KEY, timedelta(minutes=29))

    assert agent_client.get(reverse("service_points:manage_list")).status_code == 200


def test_an_active_session_ends_after_its_absolute_lifetime(agent_client, settings):
    settings.SESSION_MAX_AGE_HOURS = 12
    shift_session(agent_client, SESSION_STARTED_KEY, timedelta(hours=12, minutes=1))

    response = agent_client.get(reverse("service_points:manage_list"))

    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_the_session_cookie_no_longer_lasts_fourteen_days(settings):
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
