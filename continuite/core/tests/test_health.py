"""The health check of a web node."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_node_reaching_its_database_is_healthy(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


def test_a_node_without_its_database_answers_503(client):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError):
        response = client.get(reverse("health"))
    assert response.status_code == 503


def test_the_health_check_takes_no_form(client):
    assert client.post(reverse("health")).status_code == 405
