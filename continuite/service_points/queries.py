"""Reads for the public search: where the person is, and the nearest service points."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from continuite.core.geo import bounding_box, haversine_km
from continuite.core.models import Commune
from continuite.core.text import normalize_name, parse_postcode

from .models import CrisisStatus, ServicePoint, hours_on, is_within

# Boxes tried in turn until enough service points lie within the circle they hold.
SEARCH_RADII_KM = (3, 8, 20, 50, 120, 300, 800, 2500, 20000)


@dataclass
class Place:
    """Where the person searches from."""

    label: str
    latitude: float
    longitude: float


@dataclass
class PlaceLookup:
    place: Place | None = None
    choices: list[Commune] = field(default_factory=list)
    error: str = ""


def _commune_place(commune: Commune) -> Place:
    return Place(f"{commune.name} ({commune.departement_id})", commune.latitude, commune.longitude)


def _unplaced(query: str) -> str:
    # The communes of the overseas collectivities, and a few created in 2025-2026, have no
    # published outline yet: say so rather than pretend they do not exist.
    return _(
        "“%(query)s” is known, but cannot be placed on the map yet: call its town hall, "
        "or search from a neighbouring commune."
    ) % {"query": query}


def place_lookup(query: str) -> PlaceLookup:
    """Read a postcode, an INSEE code or a commune name; several communes of that name are offered."""
    query = query.strip()
    if not query:
        return PlaceLookup(error=_("Enter a postcode or the name of a commune."))
    postcode = parse_postcode(query)
    located = Commune.objects.filter(latitude__isnull=False).select_related("departement")
    if postcode:
        communes = list(located.with_postcode(postcode))
        if not communes:
            communes = list(located.filter(code=postcode))
        # Paris, Lyon and Marseille: the arrondissement is more precise than the whole city.
        arrondissement_parents = {c.parent_id for c in communes if c.parent_id}
        communes = [c for c in communes if c.code not in arrondissement_parents]
        if not communes:
            if Commune.objects.with_postcode(postcode).exists():
                return PlaceLookup(error=_unplaced(postcode))
            return PlaceLookup(error=_("The postcode %(code)s is unknown.") % {"code": postcode})
        latitude = sum(c.latitude for c in communes) / len(communes)
        longitude = sum(c.longitude for c in communes) / len(communes)
        names = ", ".join(sorted({c.name for c in communes})[:3])
        return PlaceLookup(place=Place(f"{postcode} {names}", latitude, longitude))
    if len(query) == 5 and query[:2].upper() in ("2A", "2B"):
        commune = located.filter(code=query.upper()).first()
        if commune:
            return PlaceLookup(place=_commune_place(commune))
    communes = list(located.matching_name(query).order_by("-population", "code")[:50])
    if not communes and Commune.objects.matching_name(query).exists():
        return PlaceLookup(error=_unplaced(query))
    if not communes:
        folded = normalize_name(query)
        if len(folded) >= 3:
            communes = list(
                located.filter(search_name__startswith=folded).order_by("-population")[:20]
            )
        if not communes:
            return PlaceLookup(
                error=_("No commune is named “%(query)s”. Check the spelling or enter a postcode.")
                % {"query": query}
            )
        return PlaceLookup(choices=communes)
    if len(communes) == 1:
        return PlaceLookup(place=_commune_place(communes[0]))
    return PlaceLookup(choices=communes)


@dataclass
class Result:
    """A service point as the public search shows it."""

    point: ServicePoint
    distance_km: float
    status: str
    today_ranges: list[tuple[time, time]]
    today_note: str
    open_now: bool

    @property
    def status_label(self) -> str:
        return CrisisStatus(self.status).label


def nearest_service_points(
    latitude: float,
    longitude: float,
    *,
    limit: int = 20,
    network_id: int | None = None,
    status: str | None = None,
    open_now: bool = False,
    include_closed: bool = False,
    at: datetime | None = None,
) -> list[Result]:
    """The service points nearest to a place, nearest first, with their status at that instant.

    Closed ones are left out unless include_closed. A growing box around the place is queried
    (on the latitude/longitude index) until `limit` points lie within the circle it holds, so
    the answer equals a full scan's, without scanning.
    """
    at = at or timezone.now()
    base = ServicePoint.objects.with_status_at(at).filter(latitude__isnull=False)
    if not include_closed:
        base = base.exclude(status_in_force=CrisisStatus.CLOSED)
    if network_id:
        base = base.filter(network_id=network_id)
    if status:
        base = base.filter(status_in_force=status)
    found: list[tuple[float, ServicePoint]] = []
    for radius in SEARCH_RADII_KM:
        candidates = base.in_box(*bounding_box(latitude, longitude, radius)).select_related(
            "network"
        )
        found = []
        for point in candidates:
            distance = haversine_km(latitude, longitude, point.latitude, point.longitude)
            if distance <= radius:
                found.append((distance, point))
        if open_now:
            _annotate_today([p for _d, p in found], at)
            found = [(d, p) for d, p in found if p._open_now]
        if len(found) >= limit:
            break
    found.sort(key=lambda item: (item[0], item[1].pk))
    found = found[:limit]
    points = [p for _d, p in found]
    _annotate_today(points, at)
    return [
        Result(p, d, p.status_in_force, p._today_ranges, p._today_note, p._open_now)
        for d, p in found
    ]


def _annotate_today(points: list[ServicePoint], at: datetime) -> None:
    todo = [p for p in points if not hasattr(p, "_today_ranges")]
    prefetch_related_objects(todo, "opening_hours", "opening_exceptions")
    for point in todo:
        local = point.local_now(at)
        ranges, note = hours_on(point, local.date())
        point._today_ranges, point._today_note = ranges, note
        point._open_now = point.status_in_force != CrisisStatus.CLOSED and is_within(
            ranges, local.time()
        )


@dataclass
class DayHours:
    day: date
    ranges: list[tuple[time, time]]
    note: str
    is_today: bool


def week_hours(point: ServicePoint, at: datetime | None = None) -> list[DayHours]:
    """The next seven local days' opening hours, with holidays and exceptions applied."""
    today = point.local_now(at).date()
    weekly, exceptions = list(point.opening_hours.all()), list(point.opening_exceptions.all())
    days = []
    for offset in range(7):
        day = today + timedelta(days=offset)
        ranges, note = hours_on(point, day, weekly=weekly, exceptions=exceptions)
        days.append(DayHours(day, ranges, note, offset == 0))
    return days
