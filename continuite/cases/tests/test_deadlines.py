"""Property tests of deadlines: units, territories' calendars, clock stops and suspension windows.

Each property compares compute_deadline with a reference written here as plainly as possible:
suspended dates kept in a set, dates walked one at a time, business days from
core.calendar, months from dateutil.
"""

from datetime import date, datetime, time, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from continuite.cases.deadlines import compute_deadline
from continuite.cases.models import DeadlineUnit, ProcedureType, StopRule
from continuite.core import calendar, territory

DEPARTEMENTS = ["75", "69", "67", "68", "57", "974", "971", "973", "976", "988"]
UNITS = list(DeadlineUnit.values)


def procedure(unit: str, amount: int, stop_rule: str = StopRule.PAUSE) -> ProcedureType:
    return ProcedureType(
        deadline_unit=unit, deadline_amount=amount, stop_rule=stop_rule, silence_rule="nothing"
    )


def local(departement: str, day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=territory.time_zone(departement))


def reference(pt, departement, received_at, stops, windows, now) -> datetime:
    """The rule of deadlines.py, written independently: a set of dates and a day-by-day walk."""
    tz = territory.time_zone(departement)
    start = received_at.astimezone(tz)
    ends = [(s, e if e is not None else max(now, s)) for s, e in stops]
    suspended = set()
    if pt.stop_rule == StopRule.RESTART:
        if ends and max(e for _s, e in ends) > start:
            start = max(e for _s, e in ends).astimezone(tz)
    else:
        for s, e in ends:
            day = s.astimezone(tz).date()
            while day < e.astimezone(tz).date():
                suspended.add(day)
                day += timedelta(days=1)
    for first, last in windows:
        day = first
        while day <= last:
            suspended.add(day)
            day += timedelta(days=1)
    business = pt.deadline_unit == DeadlineUnit.BUSINESS_DAYS
    if business and not calendar.is_business_day(start.date(), departement_code=departement):
        day = calendar.next_business_day(start.date(), departement_code=departement)
        start = datetime.combine(day, time.min, tzinfo=tz)
    length = {
        DeadlineUnit.CALENDAR_DAYS: pt.deadline_amount,
        DeadlineUnit.BUSINESS_DAYS: pt.deadline_amount,
        DeadlineUnit.WEEKS: 7 * pt.deadline_amount,
        DeadlineUnit.MONTHS: (
            start.date() + relativedelta(months=pt.deadline_amount) - start.date()
        ).days,
    }[pt.deadline_unit]
    day, counted = start.date(), 0
    while counted < length:
        day += timedelta(days=1)
        if day in suspended:
            continue
        if business and not calendar.is_business_day(day, departement_code=departement):
            continue
        counted += 1
    return datetime.combine(day, start.time(), tzinfo=tz)


days = st.dates(min_value=date(2019, 1, 1), max_value=date(2028, 12, 31))
# Office hours: never in the hour that does not exist when clocks go forward.
hours = st.integers(7, 19)


@st.composite
def scenarios(draw, *, unit=None, stop_rule=None, with_stops=True, with_windows=True):
    departement = draw(st.sampled_from(DEPARTEMENTS))
    unit = unit or draw(st.sampled_from(UNITS))
    amount = draw(st.integers(1, 6 if unit == DeadlineUnit.MONTHS else 60))
    pt = procedure(unit, amount, stop_rule or draw(st.sampled_from(list(StopRule.values))))
    received_at = local(departement, draw(days), draw(hours), draw(st.integers(0, 59)))
    stops = []
    for _index in range(draw(st.integers(0, 3)) if with_stops else 0):
        starts_at = received_at + timedelta(hours=draw(st.integers(0, 24 * 90)))
        ends_at = (
            None
            if draw(st.integers(0, 4)) == 0
            else starts_at + timedelta(hours=draw(st.integers(1, 24 * 40)))
        )
        stops.append((starts_at, ends_at))
    windows = []
    for _index in range(draw(st.integers(0, 3)) if with_windows else 0):
        first = received_at.date() + timedelta(days=draw(st.integers(-30, 120)))
        windows.append((first, first + timedelta(days=draw(st.integers(0, 60)))))
    now = received_at + timedelta(hours=draw(st.integers(0, 24 * 150)))
    now = max([now, *(s for s, _e in stops)])
    return pt, departement, received_at, stops, windows, now


def compute(pt, departement, received_at, stops, windows, now):
    return compute_deadline(
        procedure_type=pt,
        departement_code=departement,
        received_at=received_at,
        stops=stops,
        windows=windows,
        now=now,
    )


def same_instant_and_wall_time(deadline, expected):
    assert deadline.at == expected
    assert deadline.at.replace(tzinfo=None) == expected.replace(tzinfo=None)


@settings(max_examples=200, deadline=None)
@given(scenarios(unit=DeadlineUnit.CALENDAR_DAYS, with_stops=False, with_windows=False))
def test_calendar_days_are_the_received_date_plus_n_days_at_the_same_time(scenario):
    pt, departement, received_at, stops, windows, now = scenario
    deadline = compute(*scenario)
    expected = received_at + timedelta(days=pt.deadline_amount)  # same wall-clock time
    assert deadline.at.date() == expected.date()
    assert deadline.at.timetz().replace(tzinfo=None) == received_at.time()
    assert deadline.stopped_days == deadline.suspended_days == 0


@settings(max_examples=400, deadline=None)
@given(scenarios())
def test_every_unit_stop_rule_and_territory_matches_the_reference(scenario):
    same_instant_and_wall_time(compute(*scenario), reference(*scenario))


@settings(max_examples=200, deadline=None)
@given(scenarios(unit=DeadlineUnit.BUSINESS_DAYS, with_stops=False, with_windows=False))
def test_business_days_count_exactly_n_business_days_of_the_territory(scenario):
    pt, departement, received_at, _stops, _windows, _now = scenario
    deadline = compute(*scenario)
    due = deadline.at.date()
    assert due.weekday() < 5
    assert territory.public_holiday(departement, due) is None
    start = received_at.astimezone(territory.time_zone(departement)).date()
    counted = [
        start + timedelta(days=n)
        for n in range(1, (due - start).days + 1)
        if calendar.is_business_day(start + timedelta(days=n), departement_code=departement)
    ]
    # A start on a day off counts from the next business day, which itself is day 0.
    if not calendar.is_business_day(start, departement_code=departement):
        counted = counted[1:]
    assert len(counted) == pt.deadline_amount
    # And it agrees with the calendar the appointments use.
    assert deadline.at == calendar.add_business_days(
        received_at, pt.deadline_amount, departement_code=departement
    )


@pytest.mark.parametrize(
    ("departement", "received_on", "due_on"),
    [
        # Good Friday (29 March 2024) is a holiday in Alsace-Moselle only; Easter Monday everywhere.
        ("75", date(2024, 3, 28), date(2024, 3, 29)),
        ("67", date(2024, 3, 28), date(2024, 4, 2)),
        ("68", date(2024, 3, 28), date(2024, 4, 2)),
        ("57", date(2024, 3, 28), date(2024, 4, 2)),
        # St Stephen's Day (26 December) in Alsace-Moselle.
        ("75", date(2024, 12, 24), date(2024, 12, 26)),
        ("67", date(2024, 12, 24), date(2024, 12, 27)),
        ("57", date(2024, 12, 24), date(2024, 12, 27)),
        # Abolition of slavery in La Réunion: 20 December (a Friday in 2024).
        ("75", date(2024, 12, 19), date(2024, 12, 20)),
        ("974", date(2024, 12, 19), date(2024, 12, 23)),
        # Guadeloupe: 27 May 2025 (a Tuesday).
        ("971", date(2025, 5, 26), date(2025, 5, 28)),
    ],
)
def test_business_days_skip_the_holidays_of_the_territory(departement, received_on, due_on):
    deadline = compute(
        procedure(DeadlineUnit.BUSINESS_DAYS, 1),
        departement,
        local(departement, received_on),
        [],
        [],
        local(departement, received_on),
    )
    assert deadline.at == local(departement, due_on)


def test_deadlines_are_counted_in_the_territory_time_zone():
    # 23:30 in Paris on 1 March is already 2 March in La Réunion (UTC+4).
    received_at = local("75", date(2021, 3, 1), 23, 30)
    deadline = compute(procedure(DeadlineUnit.CALENDAR_DAYS, 10), "974", received_at, [], [], None)
    assert deadline.at == datetime(2021, 3, 12, 2, 30, tzinfo=territory.time_zone("974"))


@st.composite
def one_stop_inside(draw):
    """A PAUSE case and one ended stop starting after day 0 of the count, by the deadline."""
    pt, departement, received_at, _stops, _windows, now = draw(
        scenarios(stop_rule=StopRule.PAUSE, with_stops=False, with_windows=False)
    )
    before = compute(pt, departement, received_at, [], [], now)
    tz = territory.time_zone(departement)
    day_zero = received_at.astimezone(tz).date()
    if pt.deadline_unit == DeadlineUnit.BUSINESS_DAYS and not calendar.is_business_day(
        day_zero, departement_code=departement
    ):
        day_zero = calendar.next_business_day(day_zero, departement_code=departement)
    span = (before.at.date() - day_zero).days
    starts_on = day_zero + timedelta(days=draw(st.integers(1, span)))
    starts_at = local(departement, starts_on, draw(hours))
    ends_at = starts_at + timedelta(hours=draw(st.integers(1, 24 * 30)))
    return pt, departement, received_at, (starts_at, ends_at), now, before


@settings(max_examples=300, deadline=None)
@given(one_stop_inside())
def test_a_clock_stop_moves_the_deadline_by_exactly_its_length_in_the_unit(scenario):
    pt, departement, received_at, stop, now, before = scenario
    after = compute(pt, departement, received_at, [stop], [], now)
    tz = territory.time_zone(departement)
    first, end = stop[0].astimezone(tz).date(), stop[1].astimezone(tz).date()
    midnights = (end - first).days
    if pt.deadline_unit == DeadlineUnit.BUSINESS_DAYS:
        length = sum(
            calendar.is_business_day(first + timedelta(days=n), departement_code=departement)
            for n in range(midnights)
        )
        assert after.at == calendar.add_business_days(
            before.at, length, departement_code=departement
        )
    else:
        length = midnights
        assert after.at.date() == before.at.date() + timedelta(days=length)
    assert after.stopped_days == length
    assert after.suspended_days == 0


@settings(max_examples=200, deadline=None)
@given(scenarios(stop_rule=StopRule.PAUSE), st.data())
def test_stops_and_windows_are_never_counted_twice(scenario, data):
    pt, departement, received_at, stops, windows, now = scenario
    before = compute(*scenario)
    tz = territory.time_zone(departement)
    # The same suspension declared again, and every stop also declared as a window: nothing moves.
    copies = [
        (s.astimezone(tz).date(), e.astimezone(tz).date() - timedelta(days=1))
        for s, e in stops
        if e is not None and e.astimezone(tz).date() > s.astimezone(tz).date()
    ]
    again = compute(pt, departement, received_at, stops + stops, windows + windows + copies, now)
    assert again.at == before.at
    assert again.stopped_days + again.suspended_days == before.stopped_days + before.suspended_days
    # A stop split in two overlapping halves suspends the same dates as the whole stop.
    closed = [(s, e) for s, e in stops if e is not None and e - s > timedelta(hours=2)]
    assume(closed)
    s, e = data.draw(st.sampled_from(closed))
    middle = s + (e - s) / 2
    halves = [(s, middle + timedelta(hours=1)), (middle - timedelta(hours=1), e)]
    split = compute(pt, departement, received_at, [*stops, *halves], windows, now)
    assert split.at == before.at


def test_restart_counts_again_from_the_end_of_the_last_stop():
    pt = procedure(DeadlineUnit.CALENDAR_DAYS, 30, StopRule.RESTART)
    received_at = local("75", date(2025, 1, 6))
    stops = [(local("75", date(2025, 1, 20)), local("75", date(2025, 2, 3), 15))]
    deadline = compute(pt, "75", received_at, stops, [], local("75", date(2025, 2, 5)))
    assert deadline.at == local("75", date(2025, 3, 5), 15)


def test_an_open_stop_suspends_until_now_and_says_the_date_is_provisional():
    pt = procedure(DeadlineUnit.CALENDAR_DAYS, 30)
    received_at = local("75", date(2025, 1, 6))
    stops = [(local("75", date(2025, 1, 10)), None)]
    with translation.override("en"):
        deadline = compute(pt, "75", received_at, stops, [], local("75", date(2025, 1, 15), 12))
    assert deadline.at == local("75", date(2025, 2, 10))  # 5 dates stopped: 10 to 14 January
    assert deadline.provisional
    assert "provisional" in deadline.explanation


def test_the_explanation_gives_receipt_length_stops_suspension_and_due_date():
    pt = procedure(DeadlineUnit.MONTHS, 2)
    received_at = local("75", date(2020, 3, 2))
    stops = [(local("75", date(2020, 3, 5), 9), local("75", date(2020, 3, 10), 9))]
    windows = [(date(2020, 3, 12), date(2020, 6, 23))]
    with translation.override("en"):
        deadline = compute(pt, "75", received_at, stops, windows, local("75", date(2020, 7, 1)))
    # 2 March + 2 months = 2 May (61 days), + 5 days stopped, + 104 days suspended.
    assert deadline.at == local("75", date(2020, 8, 19))
    assert deadline.explanation == (
        "Received on 2 March 2020, deadline of 2 months, clock stopped 5 days, "
        "suspended 104 days, due on 19 August 2020 at 10:00"
    )


def test_a_window_before_the_count_or_after_the_deadline_changes_nothing():
    pt = procedure(DeadlineUnit.CALENDAR_DAYS, 10)
    received_at = local("75", date(2025, 1, 6))
    plain = compute(pt, "75", received_at, [], [], None)
    windows = [(date(2024, 12, 1), date(2025, 1, 6)), (date(2025, 1, 17), date(2025, 2, 1))]
    assert compute(pt, "75", received_at, [], windows, None).at == plain.at


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2020, 1, 31), 1, date(2020, 2, 29)),
        (date(2021, 1, 31), 1, date(2021, 2, 28)),
        (date(2020, 11, 30), 3, date(2021, 2, 28)),
        (date(2020, 2, 29), 12, date(2021, 2, 28)),
        (date(2020, 12, 15), 1, date(2021, 1, 15)),
        (date(2020, 3, 31), 2, date(2020, 5, 31)),
    ],
)
def test_months_keep_the_day_of_month_clamped_to_shorter_months(start, months, expected):
    assert calendar.add_months(start, months) == expected


@given(days, st.integers(0, 40))
def test_add_months_matches_dateutil(day, months):
    assert calendar.add_months(day, months) == day + relativedelta(months=months)
