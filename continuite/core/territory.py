"""Time zones and public-holiday calendars of each territory."""

from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

# Overseas territories keep their own clocks; everything else is on Paris time.
_TIME_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
    "984": "Indian/Kerguelen",
    "986": "Pacific/Wallis",
    "987": "Pacific/Tahiti",
    "988": "Pacific/Noumea",
}
PARIS = "Europe/Paris"

# Subdivisions of holidays.France: Alsace-Moselle keeps Good Friday and St Stephen's Day,
# each overseas territory its own days (abolition of slavery...).
_HOLIDAY_SUBDIVISIONS = {
    "57": "57",
    "67": "6AE",
    "68": "6AE",
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "976": "976",
    "975": "PM",
    "977": "BL",
    "978": "MF",
    "984": "TF",
    "986": "WF",
    "987": "PF",
    "988": "NC",
}


def departement_of_insee_code(code: str) -> str:
    """The département of a commune's INSEE code: "97" and "98" codes take three characters."""
    return code[:3] if code.startswith(("97", "98")) else code[:2]


def time_zone_name(departement_code: str) -> str:
    return _TIME_ZONES.get(departement_code, PARIS)


@lru_cache(maxsize=64)
def time_zone(departement_code: str) -> ZoneInfo:
    """The time zone of a département or overseas collectivity."""
    return ZoneInfo(time_zone_name(departement_code))


def holiday_subdivision(departement_code: str) -> str | None:
    return _HOLIDAY_SUBDIVISIONS.get(departement_code)


@lru_cache(maxsize=64)
def holiday_calendar(departement_code: str) -> holidays.HolidayBase:
    """The public holidays of a territory, with `holidays`' working-day functions."""
    return holidays.France(subdiv=holiday_subdivision(departement_code), language="fr")


def public_holiday(departement_code: str, day: date) -> str | None:
    """The name of the public holiday on that day in that territory, or None."""
    return holiday_calendar(departement_code).get(day)
