"""The register's pages through HTTP: scoping by commune, the reason asked before a record is
shown and every read logged, registration and actions with bad input refused."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import RoleFactory, UserFactory
from continuite.core.models import Commune
from continuite.outreach.models import READ_ACTION, RegisteredPerson
from continuite.outreach.tests.factories import (
    NetworkRegisterFactory,
    RegisteredPersonFactory,
    RegisterFactory,
    town_hall,
)
from continuite.service_points.tests.factories import ServicePointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune_a():
    """Lyon 1er: its town hall's agent, its register and one person."""
    agent = RoleFactory(service_point=town_hall("69381"), agent=True).user
    register = RegisterFactory()
    person = RegisteredPersonFactory(register=register, last_name="Alphafictive")
    return agent, register, person


@pytest.fixture
def commune_b():
    """Lyon 2e: another commune's register and person."""
    register = RegisterFactory(commune=Commune.objects.get(code="69382"))
    person = RegisteredPersonFactory(
        register=register, last_name="Betafictive", commune=register.commune, postcode="69002"
    )
    return register, person


def open_register(client, register, reason="control"):
    """Say why the register's list is consulted (asked once per consultation)."""
    client.post(reverse("outreach:register", args=[register.pk]), {"reason": reason})


def person_url(person, name="outreach:person"):
    return reverse(name, args=[person.register_id, person.pk])


def test_an_agent_sees_the_register_of_their_commune_only(client, commune_a, commune_b):
    agent, register, person = commune_a
    client.force_login(agent)
    listing = client.get(reverse("outreach:registers")).content.decode()
    assert register.name in listing and commune_b[0].name not in listing
    open_register(client, register)
    page = client.get(reverse("outreach:register", args=[register.pk]))
    assert page.status_code == 200
    assert "ALPHAFICTIVE" in page.content.decode()
    assert "BETAFICTIVE" not in page.content.decode()


def test_a_caller_of_commune_a_never_sees_a_person_of_commune_b_even_by_guessing_ids(
    client, commune_a, commune_b
):
    agent, register, _person = commune_a
    other_register, other = commune_b
    client.force_login(agent)
    guesses = [
        reverse("outreach:register", args=[other_register.pk]),
        reverse("outreach:person_create", args=[other_register.pk]),
        person_url(other) + "?reason=control",
        # The other person's id under one's own register.
        reverse("outreach:person", args=[register.pk, other.pk]) + "?reason=control",
    ]
    for url in guesses:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "BETAFICTIVE" not in response.content.decode()
    for name in ("outreach:acknowledge", "outreach:end", "outreach:share"):
        for args in ([other_register.pk, other.pk], [register.pk, other.pk]):
            response = client.post(
                reverse(name, args=args), {"status": "withdrawn", "on": timezone.localdate()}
            )
            assert response.status_code == 404
    other.refresh_from_db()
    assert other.is_active
    assert not AuditLog.objects.filter(target_id=str(other.pk)).exists()


def test_other_service_points_and_steering_reach_no_commune_register(client, commune_a):
    _agent, register, person = commune_a
    france_services = RoleFactory(service_point=ServicePointFactory(), agent=True).user
    steering = RoleFactory(steering=True).user
    for user in (france_services, steering):
        client.force_login(user)
        assert client.get(reverse("outreach:register", args=[register.pk])).status_code == 404
        assert client.get(person_url(person) + "?reason=control").status_code == 404


def test_a_network_register_is_reached_by_its_network_in_its_departement(client):
    register = NetworkRegisterFactory()
    caf_lyon = ServicePointFactory(network=register.network)
    client.force_login(RoleFactory(service_point=caf_lyon, agent=True).user)
    assert client.get(reverse("outreach:register", args=[register.pk])).status_code == 200
    client.force_login(RoleFactory(network_manager=True).user)  # France Services
    assert client.get(reverse("outreach:register", args=[register.pk])).status_code == 404


def test_anonymous_people_are_sent_to_the_login_page(client, commune_a):
    _agent, register, person = commune_a
    response = client.get(person_url(person) + "?reason=control")
    assert response.status_code == 302 and "/compte/" in response["Location"]


def test_the_record_asks_why_before_showing_anything(client, commune_a):
    agent, _register, person = commune_a
    client.force_login(agent)
    response = client.get(person_url(person))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Pourquoi consultez-vous cette fiche" in page
    assert "01 99 00" not in page and person.address not in page
    assert client.post(person_url(person), {"reason": "curiosity"}).status_code == 400
    assert not AuditLog.objects.filter(action=READ_ACTION).exists()


def test_every_read_is_logged_with_who_when_and_why(client, commune_a):
    agent, _register, person = commune_a
    client.force_login(agent)
    before = timezone.now()
    for reason in ("campaign_call", "report"):
        client.post(person_url(person), {"reason": reason, "note": "canicule"})
        response = client.get(person_url(person))
        assert response.status_code == 200
        assert person.address in response.content.decode()
    reads = list(AuditLog.objects.filter(action=READ_ACTION).order_by("pk"))
    assert [(r.actor, r.target_id, r.details["reason"]) for r in reads] == [
        (agent, str(person.pk), "campaign_call"),
        (agent, str(person.pk), "report"),
    ]
    assert all(r.occurred_at >= before and r.details["note"] == "canicule" for r in reads)


def form(**overrides):
    return {
        "last_name": "Fictif",
        "first_name": "Gaston",
        "born_on": "1940-02-03",
        "address": "5 rue Inventée",
        "postcode": "69001",
        "commune_name": "",
        "phone": "01 99 00 55 55",
        "criterion": "aged_65",
        "language": "français",
        "registered_by": "self",
        "consent_on": timezone.localdate().isoformat(),
        "consent_form": "written",
        **overrides,
    }


def test_an_agent_registers_a_person_through_the_form(client, commune_a):
    agent, register, _person = commune_a
    client.force_login(agent)
    assert client.get(reverse("outreach:person_create", args=[register.pk])).status_code == 200
    response = client.post(
        reverse("outreach:person_create", args=[register.pk]),
        form(contact_name="Rose Fictive", contact_phone="01 99 00 66 66"),
    )
    assert response.status_code == 302
    person = RegisteredPerson.objects.get(last_name="Fictif")
    assert person.commune.code == "69381" and person.phone == "+33199005555"
    assert person.contacts.get().phone == "+33199006666"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"born_on": "2099-01-01"}, "born_on"),
        ({"phone": "12"}, "phone"),
        ({"contact_name": "Rose", "contact_phone": "allo"}, "contact_phone"),
        ({"registered_by": "third_party", "request_received_on": "2020-11-02"}, "requester_name"),
        ({"consent_on": ""}, "consent_on"),
        ({"postcode": "99999"}, "commune_name"),
        ({"criterion": "disabled", "born_on": "2015-01-01"}, "criterion"),
    ],
)
def test_bad_input_on_the_form_is_refused_with_a_message_and_nothing_saved(
    client, commune_a, overrides, field
):
    agent, register, _person = commune_a
    client.force_login(agent)
    before = (RegisteredPerson.objects.count(), AuditLog.objects.count())
    response = client.post(reverse("outreach:person_create", args=[register.pk]), form(**overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    page = response.content.decode()
    assert 'role="alert"' in page
    assert f'href="#id_{field}' in page  # the summary links to the field
    assert (RegisteredPerson.objects.count(), AuditLog.objects.count()) == before


def test_a_duplicate_registration_through_the_form_is_refused(client, commune_a):
    agent, register, _person = commune_a
    client.force_login(agent)
    url = reverse("outreach:person_create", args=[register.pk])
    assert client.post(url, form()).status_code == 302
    response = client.post(url, form(last_name="FICTIF"))
    assert response.status_code == 400
    assert RegisteredPerson.objects.filter(match_key__startswith="fictif gaston").count() == 1


def test_acknowledging_and_ending_from_the_record(client, commune_a):
    agent, register, _person = commune_a
    person = RegisteredPersonFactory(register=register, ack_overdue=True)
    client.force_login(agent)
    open_register(client, register)
    page = client.get(reverse("outreach:register", args=[register.pk])).content.decode()
    assert 'data-testid="overdue"' in page
    today = timezone.localdate().isoformat()
    client.post(person_url(person), {"reason": "report"})
    response = client.post(person_url(person, "outreach:acknowledge"), {"acknowledged_on": today})
    assert response.status_code == 302 and response["Location"] == person_url(person)
    response = client.post(
        person_url(person, "outreach:end"),
        {"status": "moved", "on": (timezone.localdate() + timedelta(days=3)).isoformat()},
    )
    person.refresh_from_db()
    assert person.is_active  # a date in the future: refused
    client.post(person_url(person, "outreach:end"), {"status": "moved", "on": today})
    person.refresh_from_db()
    assert person.acknowledged_on == timezone.localdate()
    assert person.status == "moved" and person.purge_due_on is not None


def test_a_purged_record_is_gone_from_the_pages(client, commune_a):
    agent, register, _person = commune_a
    purged = RegisteredPersonFactory(register=register, purge_due=True, last_name="Gammafictive")
    from continuite.outreach.services import purge_due

    purge_due()
    client.force_login(agent)
    open_register(client, register)
    assert (
        "GAMMAFICTIVE"
        not in client.get(reverse("outreach:register", args=[register.pk])).content.decode()
    )
    assert client.get(person_url(purged) + "?reason=control").status_code == 404


def test_the_shared_call_plan_from_the_record(client, commune_a):
    agent, _register, person = commune_a
    twin = RegisteredPersonFactory(
        register=NetworkRegisterFactory(),
        last_name=person.last_name,
        born_on=person.born_on,
    )
    # The agent also works at the CAF: its register is one they read.
    RoleFactory(user=agent, service_point=ServicePointFactory(network=twin.register.network))
    client.force_login(agent)
    client.post(person_url(person), {"reason": "control"})
    page = client.get(person_url(person)).content.decode()
    assert NetworkRegisterFactory().name in page
    client.post(person_url(person, "outreach:share"), {"other": twin.pk})
    person.refresh_from_db()
    twin.refresh_from_db()
    assert person.call_plan_id and person.call_plan_id == twin.call_plan_id


def test_the_register_page_reads_in_a_fixed_number_of_queries(
    client, commune_a, django_assert_max_num_queries
):
    agent, register, _person = commune_a
    for _ in range(20):
        RegisteredPersonFactory(register=register)
    client.force_login(agent)
    open_register(client, register)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("outreach:register", args=[register.pk])).status_code == 200


def test_a_user_without_roles_sees_no_register(client, commune_a):
    client.force_login(UserFactory())
    assert "Alphafictive".upper() not in client.get(reverse("outreach:registers")).content.decode()


def test_looking_at_a_register_and_searching_it_are_logged(client, commune_a):
    agent, register, _person = commune_a
    client.force_login(agent)
    open_register(client, register, "person_request")
    page = client.get(reverse("outreach:register", args=[register.pk]), {"q": "alpha"})
    assert "ALPHAFICTIVE" in page.content.decode()
    entry = AuditLog.objects.get(action="outreach.register.read")
    assert (entry.actor, entry.target_id, entry.details["search"], entry.details["reason"]) == (
        agent,
        str(register.pk),
        "alpha",
        "person_request",
    )
    assert (
        "ALPHAFICTIVE"
        not in client.get(
            reverse("outreach:register", args=[register.pk]), {"q": "zulu"}
        ).content.decode()
    )


def test_changing_a_record_is_a_logged_read_and_bad_input_changes_nothing(client, commune_a):
    agent, register, person = commune_a
    url = reverse("outreach:edit", args=[register.pk, person.pk])
    client.force_login(agent)
    assert client.get(url).status_code == 302  # no reason: asked first
    client.post(person_url(person), {"reason": "person_request"})
    response = client.get(url)
    assert response.status_code == 200 and person.address in response.content.decode()
    assert AuditLog.objects.filter(action=READ_ACTION, target_id=str(person.pk)).count() == 1
    data = form(last_name=person.last_name, first_name=person.first_name)
    data["born_on"] = person.born_on.isoformat()
    response = client.post(url, {**data, "phone": "pas un numéro"})
    assert response.status_code == 400
    person.refresh_from_db()
    assert person.phone.startswith("+33199")
    response = client.post(url, {**data, "phone": "04 26 00 00 00"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "+33426000000"
    assert AuditLog.objects.filter(action="outreach.person.update").exists()


def test_another_communes_record_cannot_be_changed(client, commune_a, commune_b):
    agent, register, _person = commune_a
    _other_register, other = commune_b
    client.force_login(agent)
    for args in ([other.register_id, other.pk], [register.pk, other.pk]):
        url = reverse("outreach:edit", args=args)
        assert client.get(url, {"reason": "control"}).status_code == 404
        assert client.post(url, form(reason="control")).status_code == 404
    other.refresh_from_db()
    assert other.last_name == "Betafictive"


def test_the_people_an_agent_reaches_are_those_of_the_registers_in_scope(commune_a, commune_b):
    agent, _register, person = commune_a
    assert list(RegisteredPerson.objects.visible_to(agent)) == [person]
    assert list(RegisteredPerson.objects.visible_to(RoleFactory(steering=True).user)) == []
