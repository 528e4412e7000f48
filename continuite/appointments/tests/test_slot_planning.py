"""Property tests of slot planning: protocol, agents, ranges, holidays, exceptions and buffers."""

from datetime import date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from continuite.appointments.models import ClosedWindow, HealthProtocol, Mode, OpeningRange
from continuite.appointments.slots import plan_slots
from continuite.core import territory
from continuite.service_points.models import (
    CrisisStatus,
    OpeningException,
    StatusChange,
    status_among,
)

START = date(2026, 4, 27)  # a Monday; the window holds 1 May and 8 May (public holidays)
END = START + timedelta(days=13)

times = st.integers(7 * 4, 19 * 4).map(lambda q: time(q // 4, (q % 4) * 15))


@st.composite
def opening_ranges(draw):
    count = draw(st.integers(1, 5))
    ranges = []
    for pk in range(1, count + 1):
        opens = draw(times)
        length = draw(st.integers(1, 16)) * 15
        closes_minutes = min(opens.hour * 60 + opens.minute + length, 23 * 60 + 45)
        starts_on = START + timedelta(days=draw(st.integers(0, 6)))
        ranges.append(
            OpeningRange(
                pk=pk,
                weekday=draw(st.integers(0, 6)),
                opens_at=opens,
                closes_at=time(closes_minutes // 60, closes_minutes % 60),
                starts_on=starts_on,
                ends_on=draw(
                    st.one_of(
                        st.none(), st.just(starts_on + timedelta(days=draw(st.integers(0, 10))))
                    )
                ),
                slot_minutes=draw(st.sampled_from([10, 15, 20, 30, 45])),
                mode=draw(st.sampled_from([Mode.ON_SITE, Mode.ON_SITE, Mode.PHONE])),
                agents_on_duty=draw(st.integers(1, 4)),
            )
        )
    return [r for r in ranges if r.closes_at > r.opens_at]


protocols = st.one_of(
    st.none(),
    st.builds(
        HealthProtocol,
        max_people_present=st.integers(1, 6),
        buffer_minutes=st.sampled_from([0, 5, 10, 15]),
        emergency_share_percent=st.sampled_from([0, 10, 25, 50]),
    ),
)


@st.composite
def exception_lists(draw):
    exceptions = []
    if draw(st.booleans()):
        day = START + timedelta(days=draw(st.integers(0, 13)))
        exceptions.append(OpeningException(start_on=day, end_on=day, closed=True))
    if draw(st.booleans()):
        day = START + timedelta(days=draw(st.integers(0, 13)))
        if not any(e.start_on == day for e in exceptions):
            exceptions.append(
                OpeningException(
                    start_on=day,
                    end_on=day,
                    closed=False,
                    opens_at=time(10),
                    closes_at=time(11, 30),
                )
            )
    return exceptions


PARIS = territory.time_zone("69")
instants = st.integers(0, 13 * 24).map(
    lambda hours: datetime.combine(START, time(0), tzinfo=PARIS) + timedelta(hours=hours)
)


@st.composite
def status_lists(draw):
    """Crisis statuses over parts of the window (the history a slot sync reads)."""
    statuses = []
    for pk in range(1, draw(st.integers(0, 3)) + 1):
        starts = draw(instants)
        length = draw(st.one_of(st.none(), st.integers(1, 72)))
        statuses.append(
            StatusChange(
                pk=pk,
                status=draw(st.sampled_from(CrisisStatus.values)),
                starts_at=starts,
                ends_at=None if length is None else starts + timedelta(hours=length),
            )
        )
    return statuses


@st.composite
def closed_window_lists(draw):
    """Partial closures: some of reasons 1-3, all day or some hours of each day."""
    windows = []
    for _index in range(draw(st.integers(0, 2))):
        starts = draw(instants)
        length = draw(st.one_of(st.none(), st.integers(1, 120)))
        hours = draw(st.one_of(st.none(), st.tuples(st.integers(7, 12), st.integers(1, 6))))
        window = ClosedWindow(
            starts_at=starts,
            ends_at=None if length is None else starts + timedelta(hours=length),
            daily_from=None if hours is None else time(hours[0]),
            daily_until=None if hours is None else time(hours[0] + hours[1]),
        )
        windows.append((window, frozenset(draw(st.sets(st.integers(1, 3), max_size=3)))))
    return windows


presence_maps = st.dictionaries(
    st.integers(0, 13).map(lambda offset: START + timedelta(days=offset)),
    st.tuples(st.integers(0, 4), st.integers(0, 4)),
    max_size=5,
)


@settings(max_examples=150, deadline=None)
@given(
    presences=presence_maps,
    ranges=opening_ranges(),
    protocol=protocols,
    exceptions=exception_lists(),
    departement=st.sampled_from(["69", "67", "974"]),
    statuses=status_lists(),
    windows=closed_window_lists(),
    served=st.lists(st.sets(st.integers(1, 3), min_size=1), min_size=5, max_size=5),
)
def test_planned_slots_respect_every_rule(
    presences, ranges, protocol, exceptions, departement, statuses, windows, served
):
    range_reasons = {r.pk: frozenset(served[r.pk - 1]) for r in ranges}
    slots = plan_slots(
        ranges=ranges,
        protocol=protocol,
        exceptions=exceptions,
        departement_code=departement,
        start_on=START,
        end_on=END,
        presences=presences,
        statuses=statuses,
        closed_windows=windows,
        range_reasons=range_reasons,
    )
    by_pk = {r.pk: r for r in ranges}
    tz = territory.time_zone(departement)
    buffer = timedelta(minutes=protocol.buffer_minutes if protocol else 0)
    for slot in slots:
        opening_range = by_pk[slot.range_id]
        local_start, local_end = slot.starts_at.astimezone(tz), slot.ends_at.astimezone(tz)
        day = local_start.date()
        # Inside its range, on its weekday, within its validity.
        assert day.weekday() == opening_range.weekday
        assert opening_range.starts_on <= day and (
            opening_range.ends_on is None or day <= opening_range.ends_on
        )
        assert (
            opening_range.opens_at <= local_start.time()
            and local_end.time() <= opening_range.closes_at
        )
        assert local_end.date() == day
        # Never on a public holiday or a closed day; inside exceptional hours.
        assert not territory.public_holiday(departement, day)
        for exception in exceptions:
            if exception.start_on <= day <= exception.end_on:
                assert not exception.closed
                assert (
                    exception.opens_at <= local_start.time()
                    and local_end.time() <= exception.closes_at
                )
        # Not while closed; nobody on site while phone only or emergency counter only.
        status = status_among(statuses, slot.starts_at)
        assert status != CrisisStatus.CLOSED
        if slot.mode == Mode.ON_SITE:
            assert status not in (CrisisStatus.PHONE_ONLY, CrisisStatus.EMERGENCY_ONLY)
        # Not in a partial closure of every reason its range serves.
        for window, reasons in windows:
            if window.covers(slot.starts_at, slot.ends_at, tz):
                assert reasons and not range_reasons[slot.range_id] <= reasons
        # Capacity: agents on duty, protocol, emergency seats.
        assert 1 <= slot.capacity <= opening_range.agents_on_duty
        assert 0 <= slot.held <= slot.capacity
        # The agents actually there that day, where recorded.
        if day in presences:
            on_site, remote = presences[day]
            assert slot.capacity <= (on_site if slot.mode == Mode.ON_SITE else on_site + remote)
        if protocol and slot.mode == Mode.ON_SITE:
            overlapping = [
                s
                for s in slots
                if s.mode == Mode.ON_SITE
                and s.starts_at < slot.ends_at
                and slot.starts_at < s.ends_at
            ]
            # At the worst instant of this slot, those present stay within the protocol.
            for instant in [
                s.starts_at for s in overlapping if slot.starts_at <= s.starts_at < slot.ends_at
            ]:
                present = sum(s.capacity for s in overlapping if s.starts_at <= instant < s.ends_at)
                assert present <= protocol.max_people_present
    # Buffers between consecutive slots of one range on one day.
    for pk in by_pk:
        own = sorted((s for s in slots if s.range_id == pk), key=lambda s: s.starts_at)
        for previous, current in zip(own, own[1:], strict=False):
            if previous.starts_at.date() == current.starts_at.date():
                assert current.starts_at - previous.ends_at >= buffer


def test_a_weekly_range_gives_every_slot_that_fits():
    opening_range = OpeningRange(
        pk=1,
        weekday=0,
        opens_at=time(9),
        closes_at=time(12),
        starts_on=START,
        slot_minutes=30,
        agents_on_duty=2,
    )
    protocol = HealthProtocol(max_people_present=5, buffer_minutes=10, emergency_share_percent=50)
    slots = plan_slots(
        ranges=[opening_range],
        protocol=protocol,
        exceptions=[],
        departement_code="69",
        start_on=START,
        end_on=START,
    )
    assert [s.starts_at.astimezone(territory.time_zone("69")).strftime("%H:%M") for s in slots] == [
        "09:00",
        "09:40",
        "10:20",
        "11:00",
    ]
    assert {(s.capacity, s.held) for s in slots} == {(2, 1)}


def test_overlapping_ranges_share_the_protocol():
    ranges = [
        OpeningRange(
            pk=pk,
            weekday=0,
            opens_at=time(9),
            closes_at=time(10),
            starts_on=START,
            slot_minutes=60,
            agents_on_duty=3,
        )
        for pk in (1, 2)
    ]
    protocol = HealthProtocol(max_people_present=4, buffer_minutes=0, emergency_share_percent=0)
    slots = plan_slots(
        ranges=ranges,
        protocol=protocol,
        exceptions=[],
        departement_code="69",
        start_on=START,
        end_on=START,
    )
    assert sorted(s.capacity for s in slots) == [1, 3]
