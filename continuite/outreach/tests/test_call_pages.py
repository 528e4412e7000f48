"""A caller's pages through HTTP: today's list, reserve and release, the call sheet (a logged
read), outcomes recorded, a need becoming a call-back, bad input refused, scoping by commune."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from continuite.accounts.models import AuditLog
from continuite.appointments.models import CallbackRequest
from continuite.core.models import Commune
from continuite.outreach.ladder import Step
from continuite.outreach.models import READ_ACTION, Call, CallAttempt, FollowUp, ReadReason
from continuite.outreach.tests.campaign_factories import CallerProfileFactory, CallFactory
from continuite.outreach.tests.factories import (
    ContactPersonFactory,
    RegisteredPersonFactory,
    RegisterFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(caller):
    """A call of today assigned to the caller, to a person with a contact person."""
    person = RegisteredPersonFactory(last_name="Alphafictive", language="français")
    ContactPersonFactory(person=person, name="Lucie Contactfictive")
    return CallFactory(person=person, caller=caller)


@pytest.fixture
def call_b():
    """A call of Lyon 2e's register, unassigned."""
    commune = Commune.objects.get(code="69382")
    register = RegisterFactory(commune=commune)
    person = RegisteredPersonFactory(
        register=register, commune=commune, postcode="69002", last_name="Betafictive"
    )
    return CallFactory(person=person)


def sheet(call):
    return reverse("outreach:call", args=[call.pk])


REACHED = {"outcome": "reached", "alone": "yes"}


def test_the_list_shows_the_callers_calls_open_ones_first_by_next_try(client, caller, call):
    now = timezone.now()
    later = CallFactory(
        person=RegisteredPersonFactory(last_name="Gammafictive", hearing_difficulty=True),
        caller=caller,
        next_try_at=now + timedelta(hours=2),
    )
    unassigned = CallFactory(person=RegisteredPersonFactory(last_name="Deltafictive"))
    done = CallFactory(
        person=RegisteredPersonFactory(last_name="Epsilonfictive"),
        caller=caller,
        status=Call.Status.RESOLVED,
        resolved_at=now,
    )
    someone_elses = CallFactory(
        person=RegisteredPersonFactory(last_name="Zetafictive"),
        caller=CallerProfileFactory().user,
    )
    client.force_login(caller)
    page = client.get(reverse("outreach:calls"))
    assert page.status_code == 200
    html = page.content.decode()
    order = [html.index(f'data-testid="call-{c.pk}"') for c in (call, unassigned, later, done)]
    assert order == sorted(order)
    assert f'data-testid="call-{someone_elses.pk}"' not in html
    assert "ZETAFICTIVE" not in html
    assert "Difficultés pour entendre" in html and "Appeler la personne" in html
    assert reverse("outreach:call_reserve", args=[call.pk]) in html
    assert reverse("outreach:call_reserve", args=[done.pk]) not in html


def test_a_caller_reserves_then_releases_a_call(client, caller, call):
    client.force_login(caller)
    response = client.post(reverse("outreach:call_reserve", args=[call.pk]))
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.reserved_by == caller and call.reservation_ends_at > timezone.now()
    html = client.get(reverse("outreach:calls")).content.decode()
    assert "appel vous est réservé" in html
    assert reverse("outreach:call_release", args=[call.pk]) in html
    client.post(reverse("outreach:call_release", args=[call.pk]))
    call.refresh_from_db()
    assert call.reserved_by is None and call.reservation_ends_at is None


def test_a_call_reserved_by_another_caller_cannot_be_reserved(client, caller, call):
    other = CallerProfileFactory().user
    call.reserved_by, call.reservation_ends_at = other, timezone.now() + timedelta(minutes=20)
    call.save()
    client.force_login(caller)
    html = client.get(reverse("outreach:calls")).content.decode()
    assert "Réservé par un autre appelant" in html
    response = client.post(reverse("outreach:call_reserve", args=[call.pk]), follow=True)
    assert "Un autre appelant a réservé cet appel jusqu’à" in response.content.decode()
    call.refresh_from_db()
    assert call.reserved_by == other


def test_the_call_sheet_shows_script_phones_contact_and_logs_the_read(client, caller, call):
    client.force_login(caller)
    page = client.get(sheet(call))
    assert page.status_code == 200
    html = page.content.decode()
    assert call.campaign.script in html
    assert "Lucie Contactfictive" in html and "ALPHAFICTIVE" in html
    assert "Appeler la personne" in html and "Aucun essai pour" in html
    log = AuditLog.objects.get(action=READ_ACTION)
    assert (log.actor, log.target_id) == (caller, str(call.person.pk))
    assert log.details["reason"] == ReadReason.CAMPAIGN_CALL


def test_reached_without_needs_resolves_the_call(client, caller, call):
    client.force_login(caller)
    response = client.post(sheet(call), REACHED)
    assert response.status_code == 302 and response.url == reverse("outreach:calls")
    call.refresh_from_db()
    assert call.status == Call.Status.RESOLVED
    attempt = CallAttempt.objects.get()
    assert attempt.alone is True and attempt.caller == caller
    assert not FollowUp.objects.exists()
    assert "appel est enregistré" in client.get(response.url).content.decode()


def test_no_answer_keeps_the_call_open_for_another_try(client, caller, call):
    client.force_login(caller)
    response = client.post(sheet(call), {"outcome": "no_answer"})
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.status == Call.Status.OPEN and call.tries == 1 and call.step == Step.PERSON
    html = client.get(sheet(call)).content.decode()
    assert "Pas de réponse" in html


def test_a_need_becomes_a_call_back_request_and_the_page_says_so(client, caller, call):
    client.force_login(caller)
    data = {**REACHED, "needs_medication": "on", "other_need": "courses"}
    response = client.post(sheet(call), data, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Les besoins recueillis deviennent une demande de rappel pour" in html
    followup = FollowUp.objects.get()
    assert followup.person == call.person and followup.kind == FollowUp.Kind.CALLBACK
    assert followup.callback_request.status == CallbackRequest.Status.OPEN


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Indiquez si la personne a été jointe."),
        ({"outcome": "reached"}, "Indiquez si la personne vit seule."),
        (
            {"outcome": "no_answer", "needs_food": "on"},
            "Les besoins ne sont enregistrés que si la personne a été jointe.",
        ),
        ({"outcome": "maybe"}, "Sélectionnez un choix valide."),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(client, caller, call, data, message):
    client.force_login(caller)
    response = client.post(sheet(call), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CallAttempt.objects.exists()
    call.refresh_from_db()
    assert call.tries == 0


def test_a_call_reserved_by_someone_else_cannot_be_recorded(client, caller, call):
    call.reserved_by = CallerProfileFactory().user
    call.reservation_ends_at = timezone.now() + timedelta(minutes=20)
    call.save()
    client.force_login(caller)
    response = client.post(sheet(call), REACHED)
    assert response.status_code == 400
    assert "Un autre appelant a réservé cet appel." in response.content.decode()
    assert not CallAttempt.objects.exists()


def test_a_caller_of_commune_a_never_sees_a_call_of_commune_b(client, caller, call, call_b):
    client.force_login(caller)
    html = client.get(reverse("outreach:calls")).content.decode()
    assert "ALPHAFICTIVE" in html and "BETAFICTIVE" not in html
    assert client.get(sheet(call_b)).status_code == 404
    for name in ("outreach:call_reserve", "outreach:call_release"):
        assert client.post(reverse(name, args=[call_b.pk])).status_code == 404
    assert client.post(sheet(call_b), REACHED).status_code == 404
    assert not CallAttempt.objects.exists()
    assert not AuditLog.objects.filter(action=READ_ACTION).exists()


def test_even_assigned_a_call_out_of_the_register_scope_stays_hidden(client, caller, call_b):
    call_b.caller = caller
    call_b.save()
    client.force_login(caller)
    assert "BETAFICTIVE" not in client.get(reverse("outreach:calls")).content.decode()
    assert client.get(sheet(call_b)).status_code == 404


def test_the_list_needs_a_log_in(client):
    response = client.get(reverse("outreach:calls"))
    assert response.status_code == 302


def test_the_list_takes_the_same_queries_for_one_call_or_many(
    client, caller, call, django_assert_max_num_queries
):
    for n in range(10):
        CallFactory(person=RegisteredPersonFactory(last_name=f"Manyfictive{n}"), caller=caller)
    client.force_login(caller)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("outreach:calls"))
    assert page.content.decode().count('data-testid="call-') == 11
