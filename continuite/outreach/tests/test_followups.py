"""Follow-ups: a need heard during a call becomes a call-back request (origin "outreach") linked
to the person; a case or an appointment may be linked too; a failure saves nothing."""

import pytest
from django.core.exceptions import ValidationError

from continuite.accounts.tests.factories import UserFactory
from continuite.appointments.models import CallbackRequest
from continuite.cases.tests.factories import CaseFactory
from continuite.outreach.campaigns import call_attempt_record
from continuite.outreach.followups import followup_link
from continuite.outreach.ladder import Outcome
from continuite.outreach.models import CallAttempt, FollowUp
from continuite.outreach.tests.campaign_factories import CallFactory

pytestmark = pytest.mark.django_db


def test_a_need_heard_becomes_a_call_back_request_linked_to_the_person():
    call = CallFactory()
    attempt = call_attempt_record(
        call=call,
        caller=UserFactory(),
        outcome=Outcome.REACHED,
        alone=True,
        needs_medication=True,
        other_need="courses",
    )
    followup = FollowUp.objects.get()
    request = followup.callback_request
    assert (followup.attempt, followup.person, followup.kind) == (attempt, call.person, "callback")
    assert request.origin == "outreach"
    assert request.person.phone == call.person.phone
    assert request.service_point == call.campaign.followup_service_point
    assert "médicaments" in request.note and "courses" in request.note
    assert request.status == CallbackRequest.Status.OPEN


def test_no_need_no_follow_up():
    call_attempt_record(
        call=CallFactory(), caller=UserFactory(), outcome=Outcome.REACHED, alone=False
    )
    assert not FollowUp.objects.exists()
    assert not CallbackRequest.objects.exists()


def test_a_follow_up_that_cannot_be_made_saves_nothing():
    call = CallFactory()
    reason = call.campaign.followup_reason
    reason.is_active = False  # no longer offered: the call-back is refused
    reason.save()
    with pytest.raises(ValidationError):
        call_attempt_record(
            call=call, caller=UserFactory(), outcome=Outcome.REACHED, alone=True, needs_food=True
        )
    assert not CallAttempt.objects.exists()
    assert not FollowUp.objects.exists()
    call.refresh_from_db()
    assert call.status == "open"


def test_a_case_opened_for_the_person_can_be_linked():
    attempt = call_attempt_record(
        call=CallFactory(), caller=UserFactory(), outcome=Outcome.REACHED, alone=True
    )
    case = CaseFactory()
    followup = followup_link(attempt=attempt, actor=UserFactory(), case=case)
    assert (followup.kind, followup.case, followup.person) == ("case", case, attempt.call.person)
    with pytest.raises(ValidationError):
        followup_link(attempt=attempt, actor=UserFactory())
    assert FollowUp.objects.count() == 1
