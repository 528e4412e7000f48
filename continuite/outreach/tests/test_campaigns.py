"""Campaigns: prepared, activated by the alert plan, ended; attempts recorded through the ladder,
with the outcome form's required answers; bad input refused with nothing saved."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import UserFactory
from continuite.appointments.tests.factories import ReasonFactory
from continuite.outreach.campaigns import (
    call_attempt_record,
    campaign_activate,
    campaign_create,
    campaign_end,
)
from continuite.outreach.ladder import Outcome, Step
from continuite.outreach.models import Call, CallAttempt, CallCampaign
from continuite.outreach.tests.campaign_factories import CallCampaignFactory, CallFactory
from continuite.outreach.tests.factories import (
    RegisteredPersonFactory,
    RegisterFactory,
    town_hall,
)

pytestmark = pytest.mark.django_db


def values(**changes):
    point = town_hall()
    return {
        "name": "Canicule juillet",
        "frequency_days": 1,
        "starts_on": timezone.localdate(),
        "alert_kind": CallCampaign.AlertKind.HEATWAVE,
        "script": "Bonjour",
        "followup_service_point": point,
        "followup_reason": ReasonFactory(network=point.network),
    } | changes


def test_a_campaign_is_prepared_as_a_draft_with_its_scope():
    register = RegisterFactory()
    campaign = campaign_create(actor=UserFactory(), registers=[register], **values())
    assert campaign.status == CallCampaign.Status.DRAFT
    assert list(campaign.registers.all()) == [register]
    assert AuditLog.objects.filter(action="outreach.campaign.create").count() == 1


def test_a_campaign_ending_before_it_starts_is_refused_and_nothing_saved():
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        campaign_create(
            actor=UserFactory(),
            registers=[RegisterFactory()],
            **values(ends_on=today - timedelta(days=1)),
        )
    assert error.value.message_dict["ends_on"] == [
        "La campagne ne peut pas se terminer avant de commencer."
    ]
    assert not CallCampaign.objects.exists()


def test_a_campaign_without_scope_or_with_tries_beyond_the_window_is_refused():
    with pytest.raises(ValidationError) as error:
        campaign_create(
            actor=UserFactory(), **values(person_tries=5, window_hours=2, spacing_minutes=60)
        )
    assert set(error.value.message_dict) == {"registers", "window_hours"}
    assert not CallCampaign.objects.exists()


def test_the_alert_plan_activates_a_draft_once():
    campaign = CallCampaignFactory()
    now = timezone.now()
    campaign_activate(
        campaign=campaign, actor=UserFactory(), alert_kind=CallCampaign.AlertKind.COLD, now=now
    )
    campaign.refresh_from_db()
    assert (campaign.status, campaign.alert_kind, campaign.activated_at) == ("active", "cold", now)
    with pytest.raises(ValidationError):
        campaign_activate(campaign=campaign, actor=UserFactory())


def test_activating_a_campaign_makes_todays_calls_at_once(django_capture_on_commit_callbacks):
    campaign = CallCampaignFactory()
    person = RegisteredPersonFactory(register=campaign.registers.get())
    with django_capture_on_commit_callbacks(execute=True) as queued:
        campaign_activate(campaign=campaign, actor=UserFactory())
    assert len(queued) == 1
    assert Call.objects.filter(
        campaign=campaign, person=person, due_on=timezone.localdate()
    ).exists()


def test_a_campaign_starting_later_waits_for_its_first_day(django_capture_on_commit_callbacks):
    campaign = CallCampaignFactory(starts_on=timezone.localdate() + timedelta(days=2))
    RegisteredPersonFactory(register=campaign.registers.get())
    with django_capture_on_commit_callbacks(execute=True) as queued:
        campaign_activate(campaign=campaign, actor=UserFactory())
    assert queued == []
    assert not Call.objects.exists()


def test_ending_a_campaign_before_its_start_is_refused():
    campaign = CallCampaignFactory(active=True)
    with pytest.raises(ValidationError):
        campaign_end(
            campaign=campaign, actor=UserFactory(), on=campaign.starts_on - timedelta(days=1)
        )
    campaign_end(campaign=campaign, actor=UserFactory(), on=campaign.starts_on)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.ends_on) == ("ended", campaign.starts_on)


def test_a_reached_person_resolves_the_call():
    call = CallFactory()
    caller = UserFactory()
    attempt = call_attempt_record(call=call, caller=caller, outcome=Outcome.REACHED, alone=True)
    call.refresh_from_db()
    assert (call.status, call.caller, attempt.step) == (Call.Status.RESOLVED, caller, Step.PERSON)
    assert call.resolved_at == attempt.called_at


def test_an_outcome_form_without_its_required_answer_is_refused_and_nothing_saved():
    call = CallFactory()
    with pytest.raises(ValidationError) as error:
        call_attempt_record(call=call, caller=UserFactory(), outcome=Outcome.REACHED)
    assert error.value.message_dict == {"alone": ["Indiquez si la personne vit seule."]}
    with pytest.raises(ValidationError):
        call_attempt_record(
            call=call, caller=UserFactory(), outcome=Outcome.NO_ANSWER, needs_food=True
        )
    assert not CallAttempt.objects.exists()
    call.refresh_from_db()
    assert (call.status, call.tries) == (Call.Status.OPEN, 0)


def test_no_answers_climb_the_ladder_and_the_call_stays_open():
    call = CallFactory(campaign__person_tries=2, campaign__contact_tries=1)
    caller = UserFactory()
    now = timezone.now()
    for _ in range(5):
        call_attempt_record(call=call, caller=caller, outcome=Outcome.NO_ANSWER, now=now)
    call.refresh_from_db()
    assert call.status == Call.Status.OPEN
    assert call.step == Step.EMERGENCY
    assert list(call.attempts.values_list("step", flat=True)) == [
        Step.PERSON,
        Step.PERSON,
        Step.CONTACT,
        Step.HOME_VISIT,
        Step.EMERGENCY,
    ]


def test_a_call_reserved_by_someone_else_cannot_be_recorded():
    now = timezone.now()
    call = CallFactory(reserved_by=UserFactory(), reservation_ends_at=now + timedelta(minutes=10))
    with pytest.raises(ValidationError):
        call_attempt_record(call=call, caller=UserFactory(), outcome=Outcome.NO_ANSWER, now=now)
    assert not CallAttempt.objects.exists()


def test_a_resolved_call_takes_no_more_attempts():
    call = CallFactory()
    call_attempt_record(call=call, caller=UserFactory(), outcome=Outcome.REACHED, alone=False)
    with pytest.raises(ValidationError):
        call_attempt_record(call=call, caller=UserFactory(), outcome=Outcome.NO_ANSWER)
    assert CallAttempt.objects.count() == 1
