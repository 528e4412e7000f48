"""A possible match in a register the agent does not read: an audited request to that
commune's social action centre, answered by its managers among their own records; the asking
agent never learns the other record's identity."""

import pytest
from django.urls import reverse

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import RoleFactory
from continuite.outreach.models import MatchRequest
from continuite.outreach.tests.factories import (
    RegisteredPersonFactory,
    town_hall,
    twins_in_lyon,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins():
    """The same person in Lyon 1er's register and in Lyon 2e's."""
    return twins_in_lyon("Etafictive", address="9 impasse Secrète")


@pytest.fixture
def their_manager():
    """The site manager of Lyon 2e's town hall: a manager of its register."""
    return RoleFactory(service_point=town_hall("69382")).user


def record_url(person):
    return reverse("outreach:person", args=[person.register_id, person.pk])


def send(client, person, **data):
    client.post(record_url(person), {"reason": "control"})
    return client.post(
        reverse("outreach:match_request", args=[person.register_id, person.pk]),
        {"postcode": "69002", "note": "canicule", **data},
    )


def test_an_agent_asks_the_other_communes_social_action_centre_and_it_is_audited(
    client, agent, twins
):
    mine, theirs = twins
    client.force_login(agent)
    response = send(client, mine)
    assert response.status_code == 302
    request = MatchRequest.objects.get()
    assert (request.person, request.to_register, request.status) == (
        mine,
        theirs.register,
        MatchRequest.Status.PENDING,
    )
    entry = AuditLog.objects.get(action="outreach.match_request.send")
    assert entry.actor == agent
    assert entry.details["register"] == mine.register_id
    assert entry.details["to_register"] == theirs.register_id
    page = client.get(record_url(mine)).content.decode()
    assert theirs.register.name in page  # the request, as sent
    assert record_url(theirs) not in page and f"n° {theirs.pk}" not in page
    assert theirs.address not in page
    # Twice is refused while the first waits.
    send(client, mine)
    assert MatchRequest.objects.count() == 1


def test_the_other_registers_managers_link_on_their_side_and_the_asker_sees_only_the_answer(
    client, agent, their_manager, twins
):
    mine, theirs = twins
    client.force_login(agent)
    send(client, mine)
    request = MatchRequest.objects.get()
    client.force_login(their_manager)
    listing = client.get(reverse("outreach:match_requests", args=[theirs.register_id]))
    page = listing.content.decode()
    assert listing.status_code == 200
    assert f"n° {theirs.pk}" in page
    # Neither side's identity on the list of requests.
    for text in ("ETAFICTIVE", "Etafictive", mine.address, theirs.address):
        assert text not in page
    response = client.post(
        reverse("outreach:match_request_reply", args=[theirs.register_id, request.pk]),
        {"record": theirs.pk},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert request.status == MatchRequest.Status.LINKED
    assert mine.call_plan_id and mine.call_plan_id == theirs.call_plan_id
    assert AuditLog.objects.filter(action="outreach.match_request.answer").exists()
    client.force_login(agent)
    client.post(record_url(mine), {"reason": "control"})
    page = client.get(record_url(mine)).content.decode()
    assert theirs.address not in page and record_url(theirs) not in page
    assert 'data-testid="shared-plan"' in page  # the answer: one call plan is shared now


def test_the_asking_agent_cannot_read_nor_answer_the_other_registers_requests(client, agent, twins):
    mine, theirs = twins
    client.force_login(agent)
    send(client, mine)
    request = MatchRequest.objects.get()
    assert (
        client.get(reverse("outreach:match_requests", args=[theirs.register_id])).status_code == 404
    )
    client.post(
        reverse("outreach:match_request_reply", args=[theirs.register_id, request.pk]),
        {"record": theirs.pk},
    )
    request.refresh_from_db()
    assert request.status == MatchRequest.Status.PENDING


def test_an_agent_of_the_register_who_is_not_its_manager_cannot_answer(client, twins):
    mine, theirs = twins
    their_agent = RoleFactory(service_point=town_hall("69382"), agent=True).user
    client.force_login(their_agent)
    assert (
        client.get(reverse("outreach:match_requests", args=[theirs.register_id])).status_code == 403
    )


def test_a_record_of_the_register_that_is_not_the_person_cannot_be_linked(
    client, agent, their_manager, twins
):
    mine, theirs = twins
    stranger = RegisteredPersonFactory(
        register=theirs.register, commune=theirs.commune, postcode="69002"
    )
    client.force_login(agent)
    send(client, mine)
    request = MatchRequest.objects.get()
    client.force_login(their_manager)
    client.post(
        reverse("outreach:match_request_reply", args=[theirs.register_id, request.pk]),
        {"record": stranger.pk},
    )
    request.refresh_from_db()
    stranger.refresh_from_db()
    assert request.status == MatchRequest.Status.PENDING and stranger.call_plan_id is None


@pytest.mark.parametrize(
    ("data", "sent"),
    [
        ({"postcode": "123"}, False),  # not a postcode
        ({"postcode": "69001"}, False),  # the record's own register
        ({"postcode": "75001"}, False),  # Paris 1er keeps no register here
        ({"postcode": "69002"}, True),
    ],
)
def test_a_request_needs_another_commune_keeping_a_register(client, agent, twins, data, sent):
    mine, _theirs = twins
    client.force_login(agent)
    send(client, mine, **data)
    assert MatchRequest.objects.exists() is sent
    assert AuditLog.objects.filter(action="outreach.match_request.send").exists() is sent
