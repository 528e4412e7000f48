"""A record's identity is shown only after the agent said why, and the audit entry (who, whom,
when, why) is written when the reason is given: the page asking why shows no name."""

import pytest
from django.urls import reverse

from continuite.accounts.models import AuditLog
from continuite.core.phones import display_phone
from continuite.outreach.consultations import SESSION_KEY
from continuite.outreach.models import READ_ACTION
from continuite.outreach.tests.factories import (
    ContactPersonFactory,
    RegisteredPersonFactory,
    RegisterFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    person = RegisteredPersonFactory(
        register=RegisterFactory(), last_name="Deltafictive", first_name="Honorine"
    )
    ContactPersonFactory(person=person, name="Octave Voisinfictif")
    return person


def record_url(person):
    return reverse("outreach:person", args=[person.register_id, person.pk])


def identifying(person) -> list[str]:
    return [
        person.last_name,
        person.last_name.upper(),
        person.first_name,
        person.address,
        person.born_on.strftime("%d/%m/%Y"),
        display_phone(person.phone),
        "Octave Voisinfictif",
    ]


def test_the_consultation_reason_page_shows_no_name(client, agent, person):
    client.force_login(agent)
    response = client.get(record_url(person))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Pourquoi consultez-vous cette fiche" in page
    for text in identifying(person):
        assert text not in page, text
    # What the agent sees instead: the record's reference and its register.
    assert f"n° {person.pk}" in page and person.register.name in page


def test_consulting_a_record_writes_an_audit_entry_before_showing_it(client, agent, person):
    client.force_login(agent)
    client.get(record_url(person))
    assert not AuditLog.objects.filter(action=READ_ACTION).exists()
    response = client.post(record_url(person), {"reason": "report", "note": "voisin inquiet"})
    assert response.status_code == 302 and response["Location"] == record_url(person)
    entry = AuditLog.objects.get(action=READ_ACTION)
    assert (entry.actor, entry.target_id, entry.details["reason"], entry.details["note"]) == (
        agent,
        str(person.pk),
        "report",
        "voisin inquiet",
    )
    assert entry.details["register"] == person.register_id
    page = client.get(record_url(person)).content.decode()
    assert "DELTAFICTIVE" in page and person.address in page
    # Within the consultation the agent is not asked again, and no new entry is written.
    client.get(reverse("outreach:edit", args=[person.register_id, person.pk]))
    assert AuditLog.objects.filter(action=READ_ACTION).count() == 1


def test_a_reason_in_the_address_shows_nothing_and_logs_nothing(client, agent, person):
    client.force_login(agent)
    page = client.get(record_url(person), {"reason": "control"}).content.decode()
    assert "DELTAFICTIVE" not in page and person.address not in page
    assert not AuditLog.objects.filter(action=READ_ACTION).exists()


def test_an_unknown_reason_is_refused_and_nothing_is_shown_nor_logged(client, agent, person):
    client.force_login(agent)
    response = client.post(record_url(person), {"reason": "curiosity"})
    assert response.status_code == 400
    assert "DELTAFICTIVE" not in response.content.decode()
    assert not AuditLog.objects.filter(action=READ_ACTION).exists()


def test_once_the_consultation_is_over_the_reason_is_asked_again(client, agent, person):
    client.force_login(agent)
    client.post(record_url(person), {"reason": "control"})
    session = client.session
    for entry in session[SESSION_KEY].values():
        entry["until"] = 0  # the consultation's time is over
    session.save()
    page = client.get(record_url(person)).content.decode()
    assert "Pourquoi consultez-vous cette fiche" in page and "DELTAFICTIVE" not in page
    client.post(record_url(person), {"reason": "person_request"})
    reasons = AuditLog.objects.filter(action=READ_ACTION).order_by("pk")
    assert [e.details["reason"] for e in reasons] == ["control", "person_request"]


def test_a_consultation_opens_one_record_only(client, agent, person):
    other = RegisteredPersonFactory(register=person.register, last_name="Epsilonfictive")
    client.force_login(agent)
    client.post(record_url(person), {"reason": "control"})
    page = client.get(record_url(other)).content.decode()
    assert "EPSILONFICTIVE" not in page and "Pourquoi consultez-vous cette fiche" in page
