"""Call lists: the day's calls generated once per person (or shared plan) by frequency and
scope, assigned within caps by commune and language to the same caller when possible, and
reservations taken, refused to others, released and expired."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from continuite.accounts.tests.factories import UserFactory
from continuite.core.models import Commune
from continuite.outreach.calllists import (
    call_release,
    call_reserve,
    calls_assign,
    calls_generate,
    daily_call_lists,
    reservations_expire,
)
from continuite.outreach.campaigns import call_attempt_record
from continuite.outreach.models import Call, CallPlan, Criterion, Reach
from continuite.outreach.services import person_withdraw
from continuite.outreach.tests.campaign_factories import (
    CallCampaignFactory,
    CallerProfileFactory,
    CallFactory,
)
from continuite.outreach.tests.factories import (
    NetworkRegisterFactory,
    RegisteredPersonFactory,
    RegisterFactory,
)

pytestmark = pytest.mark.django_db


def lyon_2e():
    return Commune.objects.get(code="69382")


def resolve_all():
    Call.objects.filter(status=Call.Status.OPEN).update(
        status=Call.Status.RESOLVED, resolved_at=timezone.now()
    )


def test_the_days_calls_are_generated_once_per_person_in_scope():
    today = timezone.localdate()
    campaign = CallCampaignFactory(active=True)
    people = RegisteredPersonFactory.create_batch(3)
    RegisteredPersonFactory(withdrawn=True)
    RegisteredPersonFactory(register=RegisterFactory(commune=lyon_2e()), commune=lyon_2e())
    assert calls_generate(day=today) == 3
    assert set(Call.objects.values_list("person", flat=True)) == {p.pk for p in people}
    assert set(Call.objects.values_list("campaign", flat=True)) == {campaign.pk}
    assert calls_generate(day=today) == 0
    assert Call.objects.count() == 3


def test_generation_is_set_based():
    CallCampaignFactory(active=True)
    RegisteredPersonFactory.create_batch(5)
    with CaptureQueriesContext(connection) as few:
        calls_generate(day=timezone.localdate())
    RegisteredPersonFactory.create_batch(20)
    resolve_all()
    with CaptureQueriesContext(connection) as many:
        created = calls_generate(day=timezone.localdate() + timedelta(days=7))
    assert created == 25
    assert len(many) == len(few)


def test_the_frequency_says_who_is_due():
    today = timezone.localdate()
    CallCampaignFactory(active=True, heatwave=True)
    weekly = CallCampaignFactory(active=True, registers=[RegisterFactory()])
    RegisteredPersonFactory()
    assert calls_generate(day=today) == 2
    resolve_all()
    assert calls_generate(day=today + timedelta(days=1)) == 1  # the daily one only
    resolve_all()
    assert calls_generate(day=today + timedelta(days=7)) == 2
    assert weekly.calls.count() == 2


def test_an_unresolved_call_stays_the_persons_call_until_resolved():
    today = timezone.localdate()
    CallCampaignFactory(active=True, heatwave=True)
    RegisteredPersonFactory()
    calls_generate(day=today)
    assert calls_generate(day=today + timedelta(days=1)) == 0
    resolve_all()
    assert calls_generate(day=today + timedelta(days=1)) == 1


def test_assignment_takes_as_many_queries_for_many_calls():
    CallerProfileFactory.create_batch(2)
    CallFactory.create_batch(2)
    with CaptureQueriesContext(connection) as few:
        calls_assign(day=timezone.localdate())
    Call.objects.update(caller=None)
    CallFactory.create_batch(20)
    with CaptureQueriesContext(connection) as many:
        calls_assign(day=timezone.localdate())
    assert len(many) == len(few)
    assert not Call.objects.filter(caller__isnull=True).exists()


def test_drafts_ended_and_future_campaigns_make_no_calls():
    today = timezone.localdate()
    CallCampaignFactory()
    CallCampaignFactory(active=True, starts_on=today + timedelta(days=1))
    CallCampaignFactory(
        active=True, starts_on=today - timedelta(days=9), ends_on=today - timedelta(days=1)
    )
    RegisteredPersonFactory()
    assert calls_generate(day=today) == 0


def test_criteria_and_communes_narrow_the_scope():
    lyon_1er = RegisteredPersonFactory()
    RegisteredPersonFactory(criterion=Criterion.DISABLED)
    CallCampaignFactory(
        active=True, registers=[], communes=[lyon_1er.commune], criteria=[Criterion.AGED_65]
    )
    assert calls_generate(day=timezone.localdate()) == 1
    assert Call.objects.get().person == lyon_1er


def test_a_shared_call_plan_gets_one_call_a_day():
    plan = CallPlan.objects.create()
    first = RegisteredPersonFactory(call_plan=plan)
    RegisteredPersonFactory(
        register=NetworkRegisterFactory(),
        last_name=first.last_name,
        match_key=first.match_key,
        call_plan=plan,
    )
    CallCampaignFactory(active=True, registers=[first.register, NetworkRegisterFactory()])
    assert calls_generate(day=timezone.localdate()) == 1
    assert Call.objects.get().plan == plan


def test_calls_go_to_callers_within_their_cap_and_communes():
    small = CallerProfileFactory(daily_cap=2)
    CallerProfileFactory(communes=[lyon_2e()])
    CallFactory.create_batch(3)
    assert calls_assign(day=timezone.localdate()) == 2
    assert Call.objects.filter(caller=small.user).count() == 2
    assert Call.objects.filter(caller__isnull=True).count() == 1


def test_the_persons_language_is_spoken_by_their_caller():
    CallerProfileFactory()
    speaker = CallerProfileFactory(languages=["français", "arabe"])
    call = CallFactory(person__language="Arabe")
    calls_assign(day=timezone.localdate())
    call.refresh_from_db()
    assert call.caller == speaker.user


def test_the_same_caller_as_last_time_when_possible():
    today = timezone.localdate()
    CallerProfileFactory.create_batch(3)
    last_time = CallerProfileFactory(daily_cap=1)
    person = RegisteredPersonFactory()
    last_week = CallFactory(person=person, due_on=today - timedelta(days=7))
    call_attempt_record(call=last_week, caller=last_time.user, outcome="reached", alone=True)
    call = CallFactory(person=person)
    calls_assign(day=today)
    call.refresh_from_db()
    assert call.caller == last_time.user


def test_a_call_reserved_by_someone_else_is_refused():
    now = timezone.now()
    call = CallFactory()
    first, second = UserFactory(), UserFactory()
    call_reserve(call=call, caller=first, now=now)
    with pytest.raises(ValidationError):
        call_reserve(call=call, caller=second, now=now + timedelta(minutes=5))
    call.refresh_from_db()
    assert call.reserved_by == first
    with pytest.raises(ValidationError):
        call_release(call=call, caller=second)
    call_release(call=call, caller=first)
    call_reserve(call=call, caller=second, now=now + timedelta(minutes=6))


def test_reservations_not_worked_expire_and_go_back():
    now = timezone.now()
    call = CallFactory()
    call_reserve(call=call, caller=UserFactory(), now=now, minutes=30)
    assert reservations_expire(now=now + timedelta(minutes=29)) == 0
    assert reservations_expire(now=now + timedelta(minutes=30)) == 1
    call.refresh_from_db()
    assert (call.reserved_by, call.reservation_ends_at) == (None, None)
    call_reserve(call=call, caller=UserFactory(), now=now + timedelta(minutes=31))


def test_each_person_is_to_reach_from_their_first_call_until_reached():
    today = timezone.localdate()
    campaign = CallCampaignFactory(active=True, frequency_days=1)
    first, second = RegisteredPersonFactory.create_batch(2)
    calls_generate(day=today, now=timezone.now() - timedelta(days=1))
    reaches = {r.person_id: r for r in Reach.objects.filter(campaign=campaign)}
    assert set(reaches) == {first.pk, second.pk}
    assert {r.reached_at for r in reaches.values()} == {None}
    assert reaches[first.pk].commune_id == first.commune_id
    call = Call.objects.get(person=first)
    caller = UserFactory()
    call_attempt_record(call=call, caller=caller, outcome="no_answer")
    assert Reach.objects.get(person=first).reached_at is None
    call_attempt_record(call=call, caller=caller, outcome="reached", alone=False)
    reach = Reach.objects.get(person=first)
    assert reach.reached_at == Call.objects.get(pk=call.pk).resolved_at
    assert reach.call_id == call.pk
    # The next day's call, reached again, keeps the first time.
    calls_generate(day=today + timedelta(days=1))
    assert Reach.objects.filter(campaign=campaign).count() == 2
    again = Call.objects.get(person=first, due_on=today + timedelta(days=1))
    call_attempt_record(call=again, caller=caller, outcome="reached", alone=False)
    assert Reach.objects.get(person=first).reached_at == reach.reached_at
    first.refresh_from_db()
    assert first.last_caller == caller


def test_an_ended_registration_ends_its_open_calls_and_leaves_coverage():
    today = timezone.localdate()
    CallCampaignFactory(active=True)
    person = RegisteredPersonFactory()
    calls_generate(day=today)
    person_withdraw(person=person, on=today, actor=UserFactory())
    call = Call.objects.get(person=person)
    assert call.status == Call.Status.CANCELLED
    assert not Reach.objects.filter(person=person).exists()
    with pytest.raises(ValidationError):
        call_attempt_record(call=call, caller=UserFactory(), outcome="no_answer")


def test_the_daily_lists_give_waiting_calls_first_then_write_new_ones_already_given():
    today = timezone.localdate()
    caller = CallerProfileFactory(daily_cap=2).user
    campaign = CallCampaignFactory(active=True, heatwave=True)
    waiting = CallFactory(campaign=campaign, due_on=today - timedelta(days=1))
    first, second = RegisteredPersonFactory.create_batch(2)
    created, given = daily_call_lists(day=today)
    assert (created, given) == (2, 2)
    waiting.refresh_from_db()
    assert waiting.caller == caller  # the oldest first
    today_calls = Call.objects.filter(due_on=today).order_by("person_id")
    assert [c.caller_id for c in today_calls] == [caller.pk, None]  # the cap holds
    # Run again: nothing new, nobody given twice.
    assert daily_call_lists(day=today) == (0, 0)
    assert Call.objects.filter(caller=caller).count() == 2


def test_the_daily_lists_take_as_many_queries_for_many_people():
    today = timezone.localdate()
    CallerProfileFactory.create_batch(2)
    CallCampaignFactory(active=True, heatwave=True)
    RegisteredPersonFactory.create_batch(2)
    with CaptureQueriesContext(connection) as few:
        daily_call_lists(day=today)
    RegisteredPersonFactory.create_batch(30)
    resolve_all()
    with CaptureQueriesContext(connection) as many:
        created, given = daily_call_lists(day=today + timedelta(days=1))
    assert (created, given) == (32, 32)
    assert len(many) == len(few)
