"""Business days of a territory: Mondays to Fridays that are not its public holidays.

Deadlines such as « called back within 2 business days » are counted on the calendar of the
service point's own territory (Alsace-Moselle, overseas) and in its own time zone.
"""

from datetime import UTC, date, datetime, time, timedelta

from continuite.core import territory

# Far more than any real run of weekends and holidays: a guard against an endless loop.
_MAX_DAYS_SKIPPED = 31


def is_business_day(day: date, *, departement_code: str) -> bool:
    """Monday to Friday, and not a public holiday of the territory."""
    return day.weekday() < 5 and not territory.public_holiday(departement_code, day)


def next_business_day(day: date, *, departement_code: str) -> date:
    """The first business day strictly after `day`."""
    for _skipped in range(_MAX_DAYS_SKIPPED):
        day += timedelta(days=1)
        if is_business_day(day, departement_code=departement_code):
            return day
    raise ValueError(f"No business day within {_MAX_DAYS_SKIPPED} days of {day}")


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
    local = start.astimezone(tz)
    day = local.date()
    if not is_business_day(day, departement_code=departement_code):
        day = next_business_day(day, departement_code=departement_code)
        local = _normalised(datetime.combine(day, time.min, tzinfo=tz), tz)
    if days == 0:
        return local
    for _counted in range(days):
        day = next_business_day(day, departement_code=departement_code)
    # Same wall-clock time (and fold) on the new day, then normalised: a time that does not
    # exist on that day (a change of clocks) moves forward to the instant it names.
    return _normalised(local.replace(year=day.year, month=day.month, day=day.day), tz)


def _normalised(local: datetime, tz) -> datetime:
    # Through UTC: astimezone() to the same zone would keep a wall-clock time that does not exist.
    return local.astimezone(UTC).astimezone(tz)
