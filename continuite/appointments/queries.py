"""Reads for public booking: the earliest free slots of a reason near a place, and where to move.

Everything here is a handful of indexed queries whatever the size of the country: service
points are taken from a box on the latitude/longitude index, slots from the (opening range,
start) index of the ranges serving the reason there; nothing loops over all slots in Python.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from continuite.core.db import on_postgresql
from continuite.core.geo import bounding_box, haversine_km
from continuite.service_points.models import ServicePoint

from .models import Appointment, ClosedWindow, OpeningRange, Reason, Slot
from .rules import booking_window

# Radii tried in turn by the public slots page until one offers a slot.
SLOT_SEARCH_RADII_KM = (30, 60, 100)


@dataclass(frozen=True)
class SlotOffer:
    """A bookable slot as the public list shows it: where, how far, when."""

    slot: Slot
    distance_km: float

    @property
    def point(self) -> ServicePoint:
        return self.slot.service_point


def public_reasons():
    """Reasons the public may book online (active, public, offered by at least one opening range)."""
    return (
        Reason.objects.filter(is_active=True, public_booking=True)
        # On the link table itself: a join through the ranges makes PostgreSQL hash every link.
        .filter(Exists(OpeningRange.reasons.through.objects.filter(reason=OuterRef("pk"))))
        .select_related("network")
        .order_by("network__name", "label", "pk")
    )


def _bookable_for(reason: Reason, now: datetime):
    """Slots of this reason a person may book now: a free seat, its form of reception, its window."""
    first, last = booking_window(reason, now)
    return Slot.objects.bookable().filter(
        mode__in=reason.modes(),
        starts_at__gt=now,
        starts_at__gte=first,
        starts_at__lte=last,
    )


def _points_within(
    latitude: float, longitude: float, radius_km: float, now: datetime
) -> dict[int, float]:
    """Ids of the service points within the circle, not closed now, with their distance in km."""
    rows = (
        ServicePoint.objects.not_closed_at(now)
        .in_box(*bounding_box(latitude, longitude, radius_km))
        .values_list("pk", "latitude", "longitude")
    )
    found = {}
    for pk, lat, lon in rows:
        distance = haversine_km(latitude, longitude, lat, lon)
        if distance <= radius_km:
            found[pk] = distance
    return found


def without_closures(bookable, reason: Reason):
    """Slots outside the whole-day partial closures of the reason, in the same query.

    A closure of some reasons for some hours of each day is refused at booking
    (`Slot.reason_closed`) rather than read here, where it would need each slot's local time.
    """
    closed = ClosedWindow.objects.filter(
        service_point_id=OuterRef("service_point_id"),
        reasons=reason,
        daily_from__isnull=True,
        starts_at__lt=OuterRef("ends_at"),
    ).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=OuterRef("starts_at")))
    return bookable.exclude(Exists(closed))


# Slots are read in growing windows from the first bookable instant: the first `limit` slots
# of a window that holds `limit` of them are the first of the whole horizon. Around a city, the
# first day holds them (a query reads every free slot of its window); three days reach past a
# weekend; a window that holds fewer than `limit` is cheap to read.
WINDOW_DAYS = (1, 3, 7, 21, None)


def earliest_slots(
    *,
    reason: Reason,
    latitude: float,
    longitude: float,
    radius_km: float = 30,
    limit: int = 20,
    now: datetime | None = None,
) -> list[SlotOffer]:
    """The first `limit` bookable slots of a reason within radius_km, by start then distance.

    Closed service points offer nothing. A few short queries, none sorting the area's slots:

    1. the opening ranges serving the reason at the points of its network in the box, not
       closed now, with where those points are (a range serves its own network's reasons only:
       `setup.opening_range_add` refuses the others), kept within the circle;
    2. the first `limit` bookable slots of those ranges, read in growing windows of time from
       the first bookable instant (on the partial index of bookable slots);
    3. when the last slot shares its start with others, those others, so that distance, not
       row order, decides who makes the list (on PostgreSQL, the same query orders by start
       then distance, each range's distance given as an array);
    4. the chosen slots with their service points.
    """
    now = now or timezone.now()
    distances, range_km = _ranges_within(reason, latitude, longitude, radius_km, now)
    if not range_km:
        return []
    first, _last = booking_window(reason, now)
    bookable = without_closures(_bookable_for(reason, now), reason)
    found: list[tuple[int, datetime]] = []
    for days in WINDOW_DAYS:
        window = (
            bookable
            if days is None
            else bookable.filter(starts_at__lt=first + timedelta(days=days))
        )
        found = _first_slots(window, range_km, limit)
        if len(found) >= limit or days is None:
            break
    if not found:
        return []
    ids = [pk for pk, _starts_at in found]
    slots = Slot.objects.filter(pk__in=ids).select_related(
        "service_point", "service_point__network"
    )
    offers = [SlotOffer(s, distances[s.service_point_id]) for s in slots]
    offers.sort(key=lambda o: (o.slot.starts_at, o.distance_km, o.slot.pk))
    return offers[:limit]


def _ranges_within(
    reason: Reason, latitude: float, longitude: float, radius_km: float, now: datetime
) -> tuple[dict[int, float], dict[int, float]]:
    """The distances (km) of the points of the reason's network in the box, not closed now,
    and of their ranges serving the reason within the circle (one query)."""
    rows = (
        ServicePoint.objects.not_closed_at(now)
        .in_box(*bounding_box(latitude, longitude, radius_km))
        .filter(
            network_id=reason.network_id,
            opening_ranges__reasons=reason,
            opening_ranges__ended_at__isnull=True,
        )
        .order_by()
        .values_list("opening_ranges__id", "pk", "latitude", "longitude")
    )
    distances: dict[int, float] = {}
    range_km: dict[int, float] = {}
    for range_id, point_id, point_lat, point_lon in rows:
        if point_id not in distances:
            distances[point_id] = haversine_km(latitude, longitude, point_lat, point_lon)
        if distances[point_id] <= radius_km:
            range_km[range_id] = distances[point_id]
    return distances, range_km


def _first_slots(slots, range_km: dict[int, float], limit: int) -> list[tuple[int, datetime]]:
    """The first `limit` slots (id, start) by start, then distance, then id.

    On PostgreSQL, one query: the distance of each opening range goes in as an array. Elsewhere,
    the first `limit` by start, and the others starting with the last of them (the caller sorts
    them by distance).
    """
    if on_postgresql():
        # The ranges and their distances as two array literals (hundreds of values cost more
        # to pass one by one than the query costs to run).
        ranges = "{" + ",".join(str(pk) for pk in range_km) + "}"
        kms = "{" + ",".join(repr(km) for km in range_km.values()) + "}"
        in_ranges = RawSQL(
            f"{Slot._meta.db_table}.opening_range_id = ANY(%s::bigint[])",
            [ranges],
            output_field=BooleanField(),
        )
        sql, params = (
            slots.filter(in_ranges)
            .values_list("pk", "starts_at", "opening_range_id")
            .query.sql_with_params()
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT w.id, w.starts_at FROM ({sql}) w (id, starts_at, range_id)
                JOIN unnest(%s::bigint[], %s::float8[]) AS d (range_id, km)
                  ON d.range_id = w.range_id
                ORDER BY w.starts_at, d.km, w.id
                LIMIT %s
                """,
                (*params, ranges, kms, limit),
            )
            return cursor.fetchall()
    slots = slots.filter(opening_range_id__in=list(range_km))
    found = list(slots.order_by("starts_at", "id").values_list("pk", "starts_at")[:limit])
    if len(found) == limit:
        found += (
            slots.filter(starts_at=found[-1][1])
            .exclude(pk__in=[pk for pk, _starts_at in found])
            .values_list("pk", "starts_at")
        )
    return found


def widening(search, *, radii_km: tuple[float, ...] = SLOT_SEARCH_RADII_KM, **kwargs):
    """`search` (earliest_slots, lottery_points) within the first radius finding anything,
    with the radius used."""
    found = []
    for radius in radii_km:
        found = search(radius_km=radius, **kwargs)
        if found:
            return found, radius
    return found, radii_km[-1]


@dataclass(frozen=True)
class PointOffer:
    """A service point holding a draw for a reason, as the public list shows it."""

    point: ServicePoint
    distance_km: float


def lottery_points(
    *,
    reason: Reason,
    latitude: float,
    longitude: float,
    radius_km: float = 30,
    limit: int = 20,
    now: datetime | None = None,
) -> list[PointOffer]:
    """Service points within radius_km whose draw for this reason has free slots, nearest first.

    Two queries: the points in the box, then those of the reason's network with a free slot of
    the reason in its booking window.
    """
    now = now or timezone.now()
    distances = _points_within(latitude, longitude, radius_km, now)
    if not distances:
        return []
    free = _bookable_for(reason, now).filter(
        service_point=OuterRef("pk"), opening_range__reasons=reason
    )
    points = ServicePoint.objects.filter(
        Exists(free), pk__in=list(distances), network_id=reason.network_id
    ).select_related("network")
    offers = sorted(
        (PointOffer(p, distances[p.pk]) for p in points), key=lambda o: (o.distance_km, o.point.pk)
    )
    return offers[:limit]


def lottery_point_open(point: ServicePoint, reason: Reason, *, now: datetime | None = None) -> bool:
    """Whether people may enter this point's draw for this reason now (one query)."""
    now = now or timezone.now()
    free = _bookable_for(reason, now).filter(
        service_point=OuterRef("pk"), opening_range__reasons=reason
    )
    return (
        ServicePoint.objects.not_closed_at(now)
        .filter(Exists(free), pk=point.pk, network_id=reason.network_id)
        .exists()
    )


def move_choices(
    appointment: Appointment, *, limit: int = 30, now: datetime | None = None
) -> list[Slot]:
    """Other bookable slots of the same reason and form of reception at the same service point."""
    now = now or timezone.now()
    if not ServicePoint.objects.not_closed_at(now).filter(pk=appointment.service_point_id).exists():
        return []
    return list(
        without_closures(_bookable_for(appointment.reason, now), appointment.reason)
        .filter(
            service_point_id=appointment.service_point_id,
            opening_range__reasons=appointment.reason,
            mode=appointment.mode,
        )
        .exclude(pk=appointment.slot_id)
        .order_by("starts_at", "id")[:limit]
    )
