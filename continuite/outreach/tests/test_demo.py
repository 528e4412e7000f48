"""The demo's synthetic register and its heatwave campaign."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import RoleFactory
from continuite.appointments.models import CallbackRequest
from continuite.appointments.tests.factories import OpeningRangeFactory, ReasonFactory
from continuite.outreach.demo import (
    DEMO_CAMPAIGN_NAME,
    DEMO_PEOPLE,
    demo_campaigns,
    demo_registers,
)
from continuite.outreach.ladder import Step
from continuite.outreach.models import (
    MINIMUM_AGE,
    Call,
    CallAttempt,
    CallCampaign,
    CallerProfile,
    FollowUp,
    Reach,
    Register,
)
from continuite.outreach.tests.factories import town_hall

pytestmark = pytest.mark.django_db


def test_the_demo_register_holds_about_200_valid_synthetic_people_once():
    demo_registers()
    register = Register.objects.get(commune__code="69381")
    people = list(register.people.all())
    assert len(people) == DEMO_PEOPLE
    today = timezone.localdate()
    assert all(p.age(today) >= MINIMUM_AGE[p.criterion] for p in people)
    assert all(p.phone.startswith("+3319900") for p in people)  # the range kept for fiction
    assert len({p.match_key for p in people}) == DEMO_PEOPLE
    assert any(not p.is_active and p.purge_due_on for p in people)
    assert "unchanged" in demo_registers()
    assert register.people.count() == DEMO_PEOPLE


@pytest.fixture
def town_hall_of_lyon_1er():
    """What the other demos make first: Lyon 1er's town hall receiving a reason, its agents."""
    point = town_hall("69381")
    reasons = [
        ReasonFactory(network=point.network, lottery=True),
        ReasonFactory(network=point.network),
    ]
    OpeningRangeFactory(service_point=point, reasons=reasons)
    agents = [
        RoleFactory(service_point=point, agent=True).user,
        RoleFactory(service_point=point).user,  # its site manager
    ]
    return point, reasons[1], agents


def _figures():
    return {
        model.__name__: model.objects.count()
        for model in (
            CallCampaign,
            CallerProfile,
            Call,
            CallAttempt,
            FollowUp,
            Reach,
            CallbackRequest,
            AuditLog,
        )
    }


def test_the_demo_campaign_has_two_days_of_calls_worked_and_todays_lists(
    client, town_hall_of_lyon_1er
):
    point, reason, agents = town_hall_of_lyon_1er
    demo_registers()
    demo_campaigns()
    campaign = CallCampaign.objects.get(name=DEMO_CAMPAIGN_NAME)
    today = timezone.localdate()
    assert campaign.status == CallCampaign.Status.ACTIVE and campaign.frequency_days == 1
    assert campaign.starts_on == today - timedelta(days=2) and campaign.script
    assert (campaign.followup_service_point, campaign.followup_reason) == (point, reason)
    profiles = CallerProfile.objects.filter(user__in=agents)
    assert profiles.count() == 2
    for profile in profiles:
        assert list(profile.communes.values_list("code", flat=True)) == ["69381"]
        assert "français" in profile.languages and len(profile.languages) >= 2

    active = Register.objects.get(commune__code="69381").people.filter(status="active").count()
    for days_ago in (2, 1):
        day = today - timedelta(days=days_ago)
        calls = Call.objects.filter(campaign=campaign, due_on=day)
        assert calls.count() >= active * 0.9 if days_ago == 2 else calls.exists()
    # Most people reached within hours of the first try; some along the ladder; a few needs.
    reaches = Reach.objects.filter(campaign=campaign)
    reached = reaches.filter(reached_at__isnull=False)
    assert reached.count() >= 0.85 * reaches.count()
    assert CallAttempt.objects.filter(call__campaign=campaign, outcome="no_answer").exists()
    assert Call.objects.filter(campaign=campaign).exclude(step=Step.PERSON).exists()
    followups = FollowUp.objects.filter(attempt__call__campaign=campaign)
    assert 2 <= followups.count() <= 40
    assert all(f.kind == FollowUp.Kind.CALLBACK for f in followups)
    assert all(
        request.origin == "outreach" and request.service_point == point
        for request in CallbackRequest.objects.all()
    )
    assert not CallAttempt.objects.filter(
        call__campaign=campaign, called_at__date__gte=today
    ).exists()

    # Today's calls are given to the town hall's callers, and each one's list shows calls.
    todays = Call.objects.filter(campaign=campaign, due_on=today)
    assert todays.exists() and todays.filter(status=Call.Status.OPEN).count() == todays.count()
    for agent in agents:
        assert todays.filter(caller=agent).exists()
        client.force_login(agent)
        html = client.get(reverse("outreach:calls")).content.decode()
        assert html.count('data-testid="call-') >= 10


def test_the_demo_campaign_is_made_once(town_hall_of_lyon_1er):
    demo_registers()
    demo_campaigns()
    figures = _figures()
    assert figures["CallCampaign"] == 1 and figures["Call"] > 0
    message = demo_campaigns()
    assert "0 added today" in message
    assert _figures() == figures


def test_the_demo_campaign_is_skipped_without_its_town_hall():
    demo_registers()
    assert "skipped" in demo_campaigns()
    assert not CallCampaign.objects.exists()
