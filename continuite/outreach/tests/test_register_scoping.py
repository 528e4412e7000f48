"""Duplicate matching looks only inside the registers the agent may read: a record of another
commune's register is neither shown nor linkable."""

import pytest
from django.urls import reverse

from continuite.accounts.tests.factories import RoleFactory
from continuite.outreach.models import CallPlan
from continuite.outreach.tests.factories import (
    town_hall,
    twins_in_lyon,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins():
    """The same person in Lyon 1er's register and in Lyon 2e's."""
    return twins_in_lyon("Zetafictive")


def consult(client, person):
    url = reverse("outreach:person", args=[person.register_id, person.pk])
    client.post(url, {"reason": "control"})
    return client.get(url).content.decode()


def test_duplicate_matching_never_shows_another_communes_register(client, agent, twins):
    mine, elsewhere = twins
    client.force_login(agent)
    page = consult(client, mine)
    assert "ZETAFICTIVE" in page
    assert elsewhere.register.name not in page
    assert "Lyon 2e" not in page
    assert f'value="{elsewhere.pk}"' not in page


def test_an_agent_cannot_link_a_record_of_another_register(client, agent, twins):
    mine, elsewhere = twins
    client.force_login(agent)
    consult(client, mine)
    client.post(
        reverse("outreach:share", args=[mine.register_id, mine.pk]),
        {"other": elsewhere.pk, "reason": "control"},
    )
    mine.refresh_from_db()
    elsewhere.refresh_from_db()
    assert mine.call_plan_id is None and elsewhere.call_plan_id is None
    assert not CallPlan.objects.exists()


def test_an_agent_reading_both_registers_sees_and_links_the_match(client, twins):
    mine, elsewhere = twins
    agent = RoleFactory(service_point=town_hall("69381"), agent=True).user
    RoleFactory(user=agent, service_point=town_hall("69382"), agent=True)
    client.force_login(agent)
    page = consult(client, mine)
    assert elsewhere.register.name in page
    client.post(
        reverse("outreach:share", args=[mine.register_id, mine.pk]), {"other": elsewhere.pk}
    )
    mine.refresh_from_db()
    elsewhere.refresh_from_db()
    assert mine.call_plan_id and mine.call_plan_id == elsewhere.call_plan_id
