"""Lists of names are reads too: each view of a register's list is logged with the records it
shows (who looked at whom), before the page is sent."""

import pytest
from django.urls import reverse

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import RoleFactory
from continuite.outreach.tests.factories import RegisteredPersonFactory, RegisterFactory, town_hall

pytestmark = pytest.mark.django_db


def test_a_register_list_logs_the_records_it_shows(client):
    register = RegisterFactory()
    shown = RegisteredPersonFactory(register=register, last_name="Nufictive")
    pending = RegisteredPersonFactory(register=register, last_name="Xifictive", third_party=True)
    hidden = RegisteredPersonFactory(register=register, last_name="Omicronfictive")
    agent = RoleFactory(service_point=town_hall("69381"), agent=True).user
    client.force_login(agent)
    page = client.get(reverse("outreach:register", args=[register.pk]), {"q": "nufictive"})
    assert "NUFICTIVE" in page.content.decode()
    entry = AuditLog.objects.get(action="outreach.register.read")
    # The search's result, and the requests to acknowledge listed above it.
    assert entry.details["people"] == sorted([shown.pk, pending.pk])
    assert hidden.pk not in entry.details["people"]
    assert entry.details["register"] == register.pk
