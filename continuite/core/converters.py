"""Path converters that bound what a URL may carry, so a typed URL never reaches the database
with a number it cannot hold (twenty digits) or a day the calendars cannot compute (year 9999)."""

import re
from datetime import date

from django.urls import register_converter
from django.urls.converters import get_converters

# The largest primary key of a 64-bit column; a bigger number names nothing and answers 404.
MAX_ID = 2**63 - 1
# Days the pages and calendars handle; outside, a typing error.
FIRST_YEAR, LAST_YEAR = 1900, 2100


class IdConverter:
    """A database id: 1 to 2**63 - 1, without leading zeros."""

    regex = "[1-9][0-9]{0,18}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("id out of range")  # Django answers 404
        return number

    def to_url(self, value) -> str:
        return str(int(value))


class DayConverter:
    """A day written yyyy-mm-dd, from 1900 to 2100."""

    regex = "[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value: str) -> date:
        day = date.fromisoformat(value)  # ValueError for 2030-02-31: Django answers 404
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValueError("day out of range")
        return day

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


def parse_id(text: str | None) -> int | None:
    """An id given in a query string, or None when it is not one (letters, "²", twenty digits)."""
    if text is None or not re.fullmatch(IdConverter.regex, text, flags=re.ASCII):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def parse_day(text: str | None) -> date | None:
    """A day given in a query string (yyyy-mm-dd, 1900 to 2100), or None when it is not one."""
    if text is None or not re.fullmatch(DayConverter.regex, text, flags=re.ASCII):
        return None
    try:
        return DayConverter().to_python(text)
    except ValueError:
        return None


def register() -> None:
    """Called once when the core app is ready, before any URLconf is read."""
    for converter, name in ((IdConverter, "id"), (DayConverter, "day")):
        if name not in get_converters():
            register_converter(converter, name)
