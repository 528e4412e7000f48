"""Business days and months on a territory's calendar: the one home of calendar arithmetic.

A business day is a Monday to Friday that is not a public holiday of the territory (Alsace-
Moselle and overseas calendars included), as the `holidays` library's own working-day functions
count them on `territory.holiday_calendar`. Deadlines such as « called back within 2 business
days » are counted on the calendar of the service point's own territory and in its time zone.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from continuite.core import territory


@lru_cache(maxsize=65536)
def is_business_day(day: date, departement_code: str) -> bool:
    """Monday to Friday, and not a public holiday of the territory (cached: deadlines ask a
    million times about a few hundred dates)."""
    return territory.holiday_calendar(departement_code).is_working_day(day)


def next_business_day(day: date, *, departement_code: str) -> date:
    """The first business day strictly after `day`."""
    return territory.holiday_calendar(departement_code).get_nth_working_day(day, 1)


@lru_cache(maxsize=1024)
def business_days_between(first: date, last: date, departement_code: str) -> frozenset[date]:
    """The business days from `first` to `last`, both included."""
    return frozenset(
        day
        for offset in range((last - first).days + 1)
        if is_business_day(day := first + timedelta(days=offset), departement_code)
    )


def add_months(day: date, months: int) -> date:
    """The same day-of-month `months` later, clamped to the last day of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def normalised(local: datetime, tz: ZoneInfo) -> datetime:
    """The instant a wall-clock time names in `tz`: one that does not exist (a change of clocks)
    moves forward. Through UTC: astimezone() to the same zone would keep the missing time."""
    return local.astimezone(UTC).astimezone(tz)


def same_time_on(local: datetime, day: date, tz: ZoneInfo) -> datetime:
    """The same wall-clock time (and fold) on another day, normalised."""
    return normalised(local.replace(year=day.year, month=day.month, day=day.day), tz)


def business_start(local: datetime, departement_code: str) -> datetime:
    """`local` itself on a business day; else 00:00 of the next business day (local time)."""
    day = local.date()
    if is_business_day(day, departement_code):
        return local
    calendar = territory.holiday_calendar(departement_code)
    tz = territory.time_zone(departement_code)
    return normalised(
        datetime.combine(calendar.get_nth_working_day(day, 0), time.min, tzinfo=tz), tz
    )


def add_business_days(start: datetime, days: int, *, departement_code: str) -> datetime:
    """The instant `days` business days after `start`, on the territory's calendar.

    Counted in the territory's time zone, keeping the local time of day: a request on Thursday
    at 10:00 plus 2 business days is due on Monday at 10:00 (Tuesday if Friday is a holiday).
    A start on a weekend or a holiday counts from the beginning (00:00) of the next business
    day, so the result is always on a business day and never before `start`; adding 0 days to
    an instant of a business day returns that instant. The result is in the local time zone.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("add_business_days needs an aware datetime")
    if days < 0:
        raise ValueError("add_business_days counts forward only")
    tz = territory.time_zone(departement_code)
    local = business_start(start.astimezone(tz), departement_code)
    if days == 0:
        return local
    due_day = territory.holiday_calendar(departement_code).get_nth_working_day(local.date(), days)
    return same_time_on(local, due_day, tz)
