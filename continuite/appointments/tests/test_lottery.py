"""Lottery mode: requests gathered, drawn with a recorded seed, losers told and offered a call-back."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from continuite.appointments.lottery import lottery_draw, lottery_draws_due, lottery_enter
from continuite.appointments.models import CallbackRequest, LotteryDraw, LotteryRequest
from continuite.appointments.slots import slots_sync
from continuite.notifications.models import Message

from .factories import OpeningRangeFactory, ReasonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scarce():
    """Three seats in all over the horizon, for a lottery reason."""
    reason = ReasonFactory(lottery=True)
    opening_range = OpeningRangeFactory(
        reasons=[reason], agents_on_duty=1, opens_at="09:00", closes_at="10:30", slot_minutes=30
    )
    point = opening_range.service_point
    slots_sync(service_point=point, horizon_days=6)
    return reason, point


def enter_many(reason, point, count, now):
    return [
        lottery_enter(
            reason=reason,
            service_point=point,
            name=f"Personne {i}",
            phone=f"06{i:08d}",
            phone_verified_at=now,
            now=now,
        )
        for i in range(11, 11 + count)
    ]


def test_the_draw_gives_the_seats_and_offers_call_backs_to_the_others(scarce):
    reason, point = scarce
    now = timezone.now()
    enter_many(reason, point, 5, now)
    draw_on = point.local_now(now).date() + timedelta(days=1)
    draw = lottery_draw(reason=reason, service_point=point, draw_on=draw_on, now=now)
    statuses = sorted(LotteryRequest.objects.values_list("status", flat=True))
    assert (draw.requests, draw.winners) == (5, 3)
    assert statuses == ["lost", "lost", "won", "won", "won"]
    assert CallbackRequest.objects.filter(origin="lottery").count() == 2
    assert Message.objects.filter(dedup_key__endswith=":lost").count() == 2


def test_the_same_seed_draws_the_same_winners(scarce):
    reason, point = scarce
    now = timezone.now()
    requests = enter_many(reason, point, 6, now)
    draw_on = point.local_now(now).date() + timedelta(days=1)
    lottery_draw(
        reason=reason, service_point=point, draw_on=draw_on, seed="graine-publique", now=now
    )
    winners = set(
        LotteryRequest.objects.filter(status="won").values_list("person__phone", flat=True)
    )
    import random

    replay = requests[:]
    random.Random("graine-publique").shuffle(replay)
    assert winners == {r.person.phone for r in replay[:3]}


def test_a_draw_runs_once(scarce):
    reason, point = scarce
    now = timezone.now()
    enter_many(reason, point, 2, now)
    draw_on = point.local_now(now).date() + timedelta(days=1)
    first = lottery_draw(reason=reason, service_point=point, draw_on=draw_on, now=now)
    second = lottery_draw(reason=reason, service_point=point, draw_on=draw_on, now=now)
    assert first == second and LotteryDraw.objects.count() == 1


def test_entering_twice_keeps_one_entry_and_non_lottery_reasons_are_refused(scarce):
    reason, point = scarce
    now = timezone.now()
    enter_many(reason, point, 1, now)
    # The same number again: the entry made first, as it was (its owner told by SMS).
    first = LotteryRequest.objects.get()
    assert enter_many(reason, point, 1, now) == [first]
    with pytest.raises(ValidationError):
        lottery_enter(
            reason=ReasonFactory(), service_point=point, name="X Y", phone="0611111111", now=now
        )
    assert LotteryRequest.objects.count() == 1


def test_due_draws_run_when_their_day_comes(scarce):
    reason, point = scarce
    now = timezone.now()
    enter_many(reason, point, 2, now)
    assert lottery_draws_due(now=now) == 0
    assert lottery_draws_due(now=now + timedelta(days=1)) == 1
