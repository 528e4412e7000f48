"""The follow-up page of a call through HTTP: needs heard become an appointment booked at the
campaign's service point or a case with its legal deadline, linked to the person; a slot taken
meanwhile and bad input change nothing; scoping by commune; the person page and the calls list."""

import uuid
from datetime import time, timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.translation import gettext

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import RoleFactory
from continuite.appointments.models import Appointment, Slot
from continuite.appointments.slots import slots_sync
from continuite.appointments.tests.factories import OpeningRangeFactory
from continuite.cases.deadlines import compute_deadline
from continuite.cases.models import Case
from continuite.cases.tests.factories import ProcedureTypeFactory
from continuite.core.models import Commune
from continuite.outreach.campaigns import call_attempt_record
from continuite.outreach.followup_views import followup_url
from continuite.outreach.ladder import Outcome
from continuite.outreach.models import READ_ACTION, Call, FollowUp
from continuite.outreach.services import person_end
from continuite.outreach.tests.campaign_factories import (
    CallCampaignFactory,
    CallerProfileFactory,
    CallFactory,
)
from continuite.outreach.tests.factories import (
    RegisteredPersonFactory,
    town_hall,
)
from continuite.service_points.models import CrisisStatus, Network
from continuite.service_points.tests.factories import StatusChangeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    """A heatwave campaign whose follow-up town hall receives its reason on weekday mornings,
    one seat per slot."""
    campaign = CallCampaignFactory(active=True, heatwave=True)
    point = campaign.followup_service_point
    for weekday in range(5):
        OpeningRangeFactory(
            service_point=point,
            weekday=weekday,
            opens_at=time(9),
            closes_at=time(11),
            agents_on_duty=1,
            reasons=[campaign.followup_reason],
        )
    slots_sync(service_point=point, horizon_days=14)
    return campaign


@pytest.fixture
def attempt(caller, campaign):
    """The person was reached today and needs medication and shopping: a call-back is made."""
    person = RegisteredPersonFactory(last_name="Alphafictive", phone="+33199001234")
    call = CallFactory(campaign=campaign, person=person, caller=caller)
    return call_attempt_record(
        call=call,
        caller=caller,
        outcome=Outcome.REACHED,
        alone=True,
        needs_medication=True,
        other_need="courses",
    )


def page(attempt):
    return followup_url(attempt.call, attempt)


def book_url(attempt):
    return reverse("outreach:followup_appointment", args=[attempt.call_id]) + (
        f"?tentative={attempt.pk}"
    )


def case_url(attempt):
    return reverse("outreach:followup_case", args=[attempt.call_id]) + (f"?tentative={attempt.pk}")


def free_slots(campaign):
    return Slot.objects.filter(service_point=campaign.followup_service_point, booked=0).order_by(
        "starts_at"
    )


def test_an_outcome_with_needs_leads_to_their_follow_up_page(client, caller, campaign):
    call = CallFactory(campaign=campaign, person=RegisteredPersonFactory(), caller=caller)
    client.force_login(caller)
    data = {"outcome": "reached", "alone": "no", "needs_food": "on"}
    response = client.post(reverse("outreach:call", args=[call.pk]), data)
    attempt = call.attempts.get()
    assert response.status_code == 302 and response.url == page(attempt)
    html = client.get(response.url).content.decode()
    point = campaign.followup_service_point.name
    assert escape(gettext("The outcome of the call is recorded.")) in html
    info = gettext("The needs heard become a call-back request for %(point)s.") % {"point": point}
    assert escape(info) in html
    assert escape(gettext("food")) in html
    assert 'data-testid="followup-callback"' in html
    assert 'name="slot"' in html and 'name="procedure_type"' in html
    # The call sheet lists the follow-up and leads to the page.
    sheet = client.get(reverse("outreach:call", args=[call.pk])).content.decode()
    assert 'data-testid="followup-callback"' in sheet
    assert f'data-testid="followup-link-{attempt.pk}"' in sheet


def test_the_page_offers_the_next_free_slots_of_the_follow_up_point(client, caller, attempt):
    campaign = attempt.call.campaign
    # Another town hall at the same address, receiving the same reason.
    other = OpeningRangeFactory(
        service_point=town_hall("69381"), weekday=0, reasons=[campaign.followup_reason]
    )
    slots_sync(service_point=other.service_point, horizon_days=14)
    client.force_login(caller)
    response = client.get(page(attempt))
    assert response.status_code == 200
    offered = [choice[0] for choice in response.context["appointment_form"].fields["slot"].choices]
    ours = list(free_slots(campaign).values_list("pk", flat=True))
    assert offered == ours[:20] and len(offered) == 20
    assert not Slot.objects.filter(pk__in=offered, service_point=other.service_point).exists()
    until = timezone.now() + timedelta(days=14)
    assert all(s.starts_at < until for s in Slot.objects.filter(pk__in=offered))
    log = AuditLog.objects.filter(action=READ_ACTION).latest("pk")
    assert (log.actor, log.target_id) == (caller, str(attempt.call.person_id))


def test_a_follow_up_point_closed_this_week_offers_its_slots_after_reopening(
    client, caller, attempt
):
    point = attempt.call.campaign.followup_service_point
    reopens_at = timezone.now() + timedelta(days=4)
    StatusChangeFactory(service_point=point, status=CrisisStatus.CLOSED, ends_at=reopens_at)
    client.force_login(caller)
    response = client.get(page(attempt))
    offered = [c[0] for c in response.context["appointment_form"].fields["slot"].choices]
    assert offered
    assert all(s.starts_at >= reopens_at for s in Slot.objects.filter(pk__in=offered))
    assert free_slots(attempt.call.campaign).filter(starts_at__lt=reopens_at).exists()


def test_booking_an_appointment_for_a_need(client, caller, attempt):
    campaign, person = attempt.call.campaign, attempt.call.person
    slot = free_slots(campaign).first()
    client.force_login(caller)
    response = client.post(book_url(attempt), {"slot": slot.pk, "submission_key": uuid.uuid4()})
    assert response.status_code == 302 and response.url == page(attempt)
    appointment = Appointment.objects.get()
    assert appointment.slot == slot and appointment.reason == campaign.followup_reason
    assert appointment.service_point == campaign.followup_service_point
    assert appointment.contact_phone == person.phone and appointment.contact_email == ""
    assert appointment.contact_name == f"{person.first_name} {person.last_name}"
    assert appointment.booked_by == caller
    slot.refresh_from_db()
    assert slot.booked == 1
    followup = FollowUp.objects.get(kind=FollowUp.Kind.APPOINTMENT)
    assert (followup.attempt, followup.person, followup.appointment) == (
        attempt,
        person,
        appointment,
    )
    log = AuditLog.objects.get(action="outreach.followup.link")
    assert (log.actor, log.target_id) == (caller, str(followup.pk))
    assert log.details["appointment"] == appointment.pk
    html = client.get(response.url).content.decode()
    assert appointment.reference in html and 'data-testid="followup-appointment"' in html


def test_the_same_booking_form_sent_twice_books_once(client, caller, attempt):
    slot = free_slots(attempt.call.campaign).first()
    data = {"slot": slot.pk, "submission_key": uuid.uuid4()}
    client.force_login(caller)
    assert client.post(book_url(attempt), data).status_code == 302
    assert client.post(book_url(attempt), data).status_code == 302
    assert Appointment.objects.count() == 1
    assert FollowUp.objects.filter(kind=FollowUp.Kind.APPOINTMENT).count() == 1


def test_a_slot_taken_meanwhile_is_refused_and_nothing_is_written(client, caller, attempt):
    slot = free_slots(attempt.call.campaign).first()
    client.force_login(caller)
    client.get(page(attempt))
    Slot.objects.filter(pk=slot.pk).update(booked=F("capacity"))  # someone else was quicker
    audits = AuditLog.objects.exclude(action=READ_ACTION).count()
    response = client.post(book_url(attempt), {"slot": slot.pk, "submission_key": uuid.uuid4()})
    assert response.status_code == 400
    html = response.content.decode()
    assert escape(gettext("This slot has just been taken. Choose another one.")) in html
    assert 'id="errors"' in html
    offered = [c[0] for c in response.context["appointment_form"].fields["slot"].choices]
    assert offered and slot.pk not in offered
    assert not Appointment.objects.exists()
    assert not FollowUp.objects.exclude(kind=FollowUp.Kind.CALLBACK).exists()
    assert AuditLog.objects.exclude(action=READ_ACTION).count() == audits


@pytest.mark.parametrize("data", [{}, {"slot": "abc"}])
def test_a_booking_without_a_slot_is_refused(client, caller, attempt, data):
    client.force_login(caller)
    response = client.post(book_url(attempt), data)
    assert response.status_code == 400
    assert not Appointment.objects.exists()


def test_a_slot_of_another_service_point_cannot_be_booked(client, caller, attempt):
    other = OpeningRangeFactory(
        service_point=town_hall("69381"), weekday=0, reasons=[attempt.call.campaign.followup_reason]
    )
    slots_sync(service_point=other.service_point, horizon_days=14)
    slot = Slot.objects.filter(service_point=other.service_point).first()
    client.force_login(caller)
    response = client.post(book_url(attempt), {"slot": slot.pk})
    assert response.status_code == 400
    assert escape(gettext("Choose one of the slots offered.")) in response.content.decode()
    assert not Appointment.objects.exists()


def test_opening_a_case_for_a_need_gives_it_its_legal_deadline(client, caller, attempt):
    point = attempt.call.campaign.followup_service_point
    procedure = ProcedureTypeFactory(network=point.network, business_days=True)
    ProcedureTypeFactory(network=point.network, is_active=False)  # no longer offered
    client.force_login(caller)
    form = client.get(page(attempt)).context["case_form"]
    assert list(form.fields["procedure_type"].queryset) == [procedure]
    before = timezone.now()
    response = client.post(
        case_url(attempt), {"procedure_type": procedure.pk, "submission_key": uuid.uuid4()}
    )
    assert response.status_code == 302 and response.url == page(attempt)
    case = Case.objects.get()
    assert (case.procedure_type, case.service_point, case.network) == (
        procedure,
        point,
        point.network,
    )
    assert before <= case.received_at <= timezone.now()
    expected = compute_deadline(
        procedure_type=procedure,
        departement_code=point.departement_id,
        received_at=case.received_at,
        stops=[],
        windows=[],
    )
    assert case.deadline_at == expected.at
    followup = FollowUp.objects.get(kind=FollowUp.Kind.CASE)
    assert (followup.case, followup.attempt, followup.person) == (
        case,
        attempt,
        attempt.call.person,
    )
    assert AuditLog.objects.filter(action="cases.create", target_id=str(case.pk)).exists()
    assert AuditLog.objects.filter(action="outreach.followup.link").get().details["case"] == (
        case.pk
    )
    html = client.get(response.url).content.decode()
    deadline = formats.date_format(timezone.localtime(case.deadline_at, point.time_zone), "l j F Y")
    message = gettext("The case %(reference)s is opened; its legal deadline is %(deadline)s.") % {
        "reference": case.reference,
        "deadline": deadline,
    }
    assert escape(message) in html
    assert reverse("cases:case", args=[case.pk]) in html


def test_the_same_case_form_sent_twice_opens_one_case(client, caller, attempt):
    point = attempt.call.campaign.followup_service_point
    procedure = ProcedureTypeFactory(network=point.network)
    data = {"procedure_type": procedure.pk, "submission_key": uuid.uuid4()}
    client.force_login(caller)
    assert client.post(case_url(attempt), data).status_code == 302
    assert client.post(case_url(attempt), data).status_code == 302
    assert Case.objects.count() == 1 and FollowUp.objects.filter(kind="case").count() == 1


def test_a_procedure_of_another_network_is_refused(client, caller, attempt):
    other = ProcedureTypeFactory(network=Network.objects.get(slug="france-services"))
    client.force_login(caller)
    response = client.post(case_url(attempt), {"procedure_type": other.pk})
    assert response.status_code == 400
    assert escape(gettext("Choose a procedure from the list.")) in response.content.decode()
    assert not Case.objects.exists()


def test_a_caller_of_another_commune_gets_404_and_writes_nothing(client, attempt):
    commune = Commune.objects.get(code="69382")
    stranger = RoleFactory(service_point=town_hall("69382"), agent=True).user
    CallerProfileFactory(user=stranger, communes=[commune])
    slot = free_slots(attempt.call.campaign).first()
    procedure = ProcedureTypeFactory(network=attempt.call.campaign.followup_service_point.network)
    client.force_login(stranger)
    assert client.get(page(attempt)).status_code == 404
    assert client.post(book_url(attempt), {"slot": slot.pk}).status_code == 404
    assert client.post(case_url(attempt), {"procedure_type": procedure.pk}).status_code == 404
    assert not Appointment.objects.exists() and not Case.objects.exists()
    assert not AuditLog.objects.filter(action=READ_ACTION, actor=stranger).exists()


def test_only_tries_that_heard_needs_have_a_follow_up_page(client, caller, campaign):
    call = CallFactory(campaign=campaign, person=RegisteredPersonFactory(), caller=caller)
    quiet = call_attempt_record(
        call=call, caller=caller, outcome=Outcome.NO_ANSWER, now=timezone.now()
    )
    client.force_login(caller)
    url = reverse("outreach:followup", args=[call.pk])
    assert client.get(url).status_code == 404
    assert client.get(f"{url}?tentative={quiet.pk}").status_code == 404
    assert client.get(f"{url}?tentative=x").status_code == 404


def test_an_ended_registration_takes_no_more_follow_ups(client, caller, attempt):
    person = attempt.call.person
    person_end(person=person, status="withdrawn", on=timezone.localdate(), actor=caller)
    slot = free_slots(attempt.call.campaign).first()
    client.force_login(caller)
    response = client.get(page(attempt))
    assert response.status_code == 200
    assert 'data-testid="no-follow-up"' in response.content.decode()
    response = client.post(book_url(attempt), {"slot": slot.pk})
    assert response.status_code == 400
    assert not Appointment.objects.exists()


def test_the_follow_up_page_takes_a_bounded_number_of_queries(
    client, caller, attempt, django_assert_max_num_queries
):
    point = attempt.call.campaign.followup_service_point
    ProcedureTypeFactory.create_batch(5, network=point.network)
    client.force_login(caller)
    for slot in free_slots(attempt.call.campaign)[:3]:
        client.post(book_url(attempt), {"slot": slot.pk})
    assert FollowUp.objects.filter(kind="appointment").count() >= 1
    with django_assert_max_num_queries(22):
        assert client.get(page(attempt)).status_code == 200


def test_the_person_page_lists_their_follow_ups(client, caller, attempt):
    slot = free_slots(attempt.call.campaign).first()
    client.force_login(caller)
    client.post(book_url(attempt), {"slot": slot.pk})
    person = attempt.call.person
    url = reverse("outreach:person", args=[person.register_id, person.pk])
    client.post(url, {"reason": "campaign_call"})
    html = client.get(url).content.decode()
    assert 'data-testid="followup-callback"' in html
    assert 'data-testid="followup-appointment"' in html
    assert Appointment.objects.get().reference in html


def test_a_call_whose_registration_ended_reads_as_such_in_the_list(client, caller, campaign):
    ended = CallFactory(
        campaign=campaign, person=RegisteredPersonFactory(last_name="Endfictive"), caller=caller
    )
    resolved = CallFactory(
        campaign=campaign, person=RegisteredPersonFactory(last_name="Donefictive"), caller=caller
    )
    call_attempt_record(call=resolved, caller=caller, outcome=Outcome.REACHED, alone=True)
    open_call = CallFactory(
        campaign=campaign, person=RegisteredPersonFactory(last_name="Openfictive"), caller=caller
    )
    person_end(person=ended.person, status="deceased", on=timezone.localdate(), actor=caller)
    ended.refresh_from_db()
    assert ended.status == Call.Status.CANCELLED
    client.force_login(caller)
    response = client.get(reverse("outreach:calls"))
    rows = [call.pk for call in response.context["calls"]]
    assert rows[0] == open_call.pk and set(rows[1:]) == {ended.pk, resolved.pk}
    html = response.content.decode()
    row = html.split(f'data-testid="call-{ended.pk}"')[1].split("</tr>")[0]
    assert 'data-testid="cancelled"' in row
    assert escape(str(Call.Status.CANCELLED.label)) in row
    done_row = html.split(f'data-testid="call-{resolved.pk}"')[1].split("</tr>")[0]
    assert 'data-testid="cancelled"' not in done_row
    sheet = client.get(reverse("outreach:call", args=[ended.pk])).content.decode()
    assert escape(str(Call.Status.CANCELLED.label)) in sheet
