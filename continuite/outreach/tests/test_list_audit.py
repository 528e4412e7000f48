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
    client.post(reverse("outreach:register", args=[register.pk]), {"reason": "control"})
    page = client.get(reverse("outreach:register", args=[register.pk]), {"q": "nufictive"})
    assert "NUFICTIVE" in page.content.decode()
    entry = AuditLog.objects.get(action="outreach.register.read")
    # The search's result, and the requests to acknowledge listed above it.
    assert entry.details["people"] == sorted([shown.pk, pending.pk])
    assert hidden.pk not in entry.details["people"]
    assert entry.details["register"] == register.pk


def test_the_register_list_asks_why_first_and_logs_the_consultation(client):
    register = RegisterFactory()
    RegisteredPersonFactory(register=register, last_name="Pifictive", third_party=True)
    agent = RoleFactory(service_point=town_hall("69381"), agent=True).user
    client.force_login(agent)
    url = reverse("outreach:register", args=[register.pk])
    page = client.get(url).content.decode()
    assert "Pourquoi consultez-vous les personnes de ce registre" in page
    assert "PIFICTIVE" not in page and "Jean Voisin" not in page
    assert not AuditLog.objects.exists()
    assert client.post(url, {"reason": "nosy"}).status_code == 400
    assert not AuditLog.objects.exists()
    assert client.post(url, {"reason": "report", "note": "mairie"}).status_code == 302
    consult = AuditLog.objects.get(action="outreach.register.consult")
    assert (consult.actor, consult.details["reason"], consult.details["register"]) == (
        agent,
        "report",
        register.pk,
    )
    assert "PIFICTIVE" in client.get(url).content.decode()
