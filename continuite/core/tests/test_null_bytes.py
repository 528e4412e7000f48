"""A null byte in a query or a form is refused with a French page before any view reads it."""

import pytest
from django.urls import reverse

from continuite.accounts.tests.factories import RoleFactory

pytestmark = pytest.mark.django_db


def test_a_null_byte_in_an_agents_search_answers_400_not_500(client):
    client.force_login(RoleFactory(network_manager=True).user)
    response = client.get(reverse("service_points:manage_list"), {"q": "Lyon\x00"})
    assert response.status_code == 400
    assert "Requête illisible" in response.content.decode()
