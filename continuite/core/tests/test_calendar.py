"""Business days on each territory's calendar: weekends and its public holidays skipped, local time."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from continuite.core import territory
from continuite.core.calendar import add_business_days, is_business_day

PARIS = ZoneInfo("Europe/Paris")
# Mainland, Alsace-Moselle (Good Friday, St Stephen's Day), and overseas on their own clocks.
TERRITORIES = ["69", "75", "57", "67", "2A", "971", "973", "974", "975", "976", "987", "988"]


def at(text: str, tz=PARIS) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def test_a_thursday_request_skips_the_weekend():
    assert add_business_days(at("2026-03-12 10:00"), 2, departement_code="69") == at(
        "2026-03-16 10:00"
    )


def test_may_day_and_the_weekend_are_skipped():
    # Wednesday 29 April 2026 + 2: Thursday 30, then Friday 1 May (holiday), Saturday, Sunday, Monday 4.
    assert add_business_days(at("2026-04-29 10:00"), 2, departement_code="69") == at(
        "2026-05-04 10:00"
    )


def test_a_request_on_a_holiday_counts_from_the_next_business_morning():
    # Friday 1 May 2026 is a holiday: the clock starts on Monday 4 May at 00:00.
    due = add_business_days(at("2026-05-01 10:00"), 2, departement_code="69")
    assert due == at("2026-05-06 00:00")
    assert add_business_days(at("2026-05-01 10:00"), 0, departement_code="69") == at(
        "2026-05-04 00:00"
    )


def test_alsace_moselle_keeps_good_friday():
    # Good Friday 2026 is 3 April, a holiday in Moselle only; Easter Monday is 6 April everywhere.
    thursday = at("2026-04-02 15:00")
    assert add_business_days(thursday, 1, departement_code="69") == at("2026-04-03 15:00")
    assert add_business_days(thursday, 1, departement_code="57") == at("2026-04-07 15:00")


def test_overseas_days_count_in_the_local_time_zone():
    # 27 May is the abolition of slavery in Guadeloupe. Tuesday 26 May 2026, 20:00 in Guadeloupe
    # is already Wednesday 27 in Paris: counted on the local calendar, Wednesday is skipped.
    guadeloupe = ZoneInfo("America/Guadeloupe")
    start = at("2026-05-26 20:00", guadeloupe)
    assert territory.public_holiday("971", date(2026, 5, 27))
    assert add_business_days(start, 1, departement_code="971") == at("2026-05-28 20:00", guadeloupe)
    assert add_business_days(start, 1, departement_code="971").tzinfo == guadeloupe


def test_the_local_time_of_day_is_kept_across_a_change_of_clocks():
    # Summer time starts on Sunday 29 March 2026: Friday 10:00 + 1 is Monday 10:00, 71 hours later.
    friday = at("2026-03-27 10:00")
    monday = add_business_days(friday, 1, departement_code="75")
    assert monday == at("2026-03-30 10:00")
    assert monday.astimezone(UTC) - friday.astimezone(UTC) == timedelta(hours=71)


def test_naive_datetimes_and_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_business_days(datetime(2026, 3, 12, 10, 0), 1, departement_code="69")  # noqa: DTZ001
    with pytest.raises(ValueError):
        add_business_days(at("2026-03-12 10:00"), -1, departement_code="69")


# Hypothesis takes naive bounds and attaches the time zone itself.
instants = st.datetimes(
    min_value=datetime(2021, 1, 1),  # noqa: DTZ001
    max_value=datetime(2035, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
territories = st.sampled_from(TERRITORIES)
counts = st.integers(min_value=0, max_value=30)


def local_date(moment: datetime, code: str) -> date:
    return moment.astimezone(territory.time_zone(code)).date()


@settings(max_examples=300, deadline=None)
@given(start=instants, days=counts, code=territories)
def test_the_result_is_a_business_day_never_before_the_start(start, days, code):
    due = add_business_days(start, days, departement_code=code)
    assert is_business_day(local_date(due, code), departement_code=code)
    assert due >= start
    if days:
        assert local_date(due, code) > local_date(start, code)


@settings(max_examples=300, deadline=None)
@given(start=instants, code=territories)
def test_zero_days_from_a_business_day_is_the_same_instant(start, code):
    if is_business_day(local_date(start, code), departement_code=code):
        assert add_business_days(start, 0, departement_code=code) == start


@settings(max_examples=200, deadline=None)
@given(start=instants, days=counts, code=territories)
def test_exactly_that_many_business_days_are_crossed(start, days, code):
    """From a business day, the days in (start, due] hold `days` business days, the last one included."""
    first = local_date(start, code)
    due = local_date(add_business_days(start, days, departement_code=code), code)
    if not is_business_day(first, departement_code=code):
        return
    crossed = [
        first + timedelta(days=i)
        for i in range(1, (due - first).days + 1)
        if is_business_day(first + timedelta(days=i), departement_code=code)
    ]
    assert len(crossed) == days


@settings(max_examples=200, deadline=None)
@given(start=instants, first=counts, then=counts, code=territories)
def test_adding_in_two_steps_is_adding_once(start, first, then, code):
    once = add_business_days(start, first + then, departement_code=code)
    step = add_business_days(start, first, departement_code=code)
    assert add_business_days(step, then, departement_code=code) == once


@settings(max_examples=200, deadline=None)
@given(
    start=instants,
    later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)),
    days=counts,
    code=territories,
)
def test_a_later_request_is_never_due_earlier(start, later, days, code):
    assert add_business_days(start, days, departement_code=code) <= add_business_days(
        start + later, days, departement_code=code
    )
