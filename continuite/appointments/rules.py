"""The one home of bookability: what a free seat is, when a reason may be booked, when a partial
closure covers a time, and the checks of a booking with their French messages, in one order.

Everything that decides whether a seat may be taken reads it here: the ORM (`Slot.objects.
bookable()`, the seat's conditional UPDATE, the partial index of bookable slots), the booking's
SQL statement (`booking.py`), bulk rehoming (`rehome.py`) and the protocol's planner.

This module imports no model at load time (`models.py` builds its index from `SEAT_FREE`).
"""

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta, tzinfo

from django.db.models import F, Q

# A seat the public may take: the slot is not flagged over capacity by a change, and fewer seats
# are booked than its seats less those held back for emergencies.
SEAT_FREE = Q(over_capacity=False, booked__lt=F("capacity") - F("held_for_emergencies"))


def seats_free_sql(wanted: str = "1", *, alias: str = "") -> str:
    """`SEAT_FREE` in SQL, for `wanted` more seats (an SQL expression: "1", "v.column2"...), over
    the slot table's columns (qualified by `alias` when given). For one seat it is `SEAT_FREE`."""
    column = (alias + ".") if alias else ""
    return (
        f"NOT {column}over_capacity AND {column}booked + {wanted} "
        f"<= {column}capacity - {column}held_for_emergencies"
    )


def seats_free(slot) -> int:
    """How many seats of this slot the public may still take (0 for a slot over capacity)."""
    if slot.over_capacity:
        return 0
    return max(0, slot.capacity - slot.held_for_emergencies - slot.booked)


def booking_window(reason, now: datetime) -> tuple[datetime, datetime]:
    """The first and last instants a person may book this reason for: its minimum notice and
    its horizon from now."""
    return (
        now + timedelta(hours=reason.min_notice_hours),
        now + timedelta(days=reason.max_horizon_days),
    )


def reason_closed_at(
    closures: Iterable[tuple[object, Collection[int]]],
    reason_id: int,
    starts_at: datetime,
    ends_at: datetime,
    time_zone: tzinfo,
) -> bool:
    """Whether a partial closure of the reason covers any part of [starts_at, ends_at).

    `closures` are already read closed windows of one service point, each with the ids of the
    reasons it closes: `(ClosedWindow, reason_ids)` pairs (see `closures_of`).
    """
    return any(
        reason_id in reason_ids and window.covers(starts_at, ends_at, time_zone)
        for window, reason_ids in closures
    )


def closures_of(point_ids: Iterable[int]) -> dict[int, list[tuple[object, frozenset[int]]]]:
    """The partial closures (those of some reasons) of these service points, per point, as
    `reason_closed_at` reads them (two queries)."""
    from .models import ClosedWindow

    found: dict[int, list[tuple[object, frozenset[int]]]] = {}
    windows = (
        ClosedWindow.objects.filter(service_point_id__in=list(point_ids), reasons__isnull=False)
        .distinct()
        .prefetch_related("reasons")
    )
    for window in windows:
        reason_ids = frozenset(r.pk for r in window.reasons.all())
        found.setdefault(window.service_point_id, []).append((window, reason_ids))
    return found


def slot_reason_closed(slot, reason) -> bool:
    """Whether a partial closure of the reason covers this slot (one query)."""
    from .models import ClosedWindow

    windows = (
        ClosedWindow.objects.filter(service_point_id=slot.service_point_id, reasons=reason)
        .filter(starts_at__lt=slot.ends_at)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=slot.starts_at))
        .select_related("service_point")
    )
    return any(
        reason_closed_at(
            [(w, (reason.pk,))], reason.pk, slot.starts_at, slot.ends_at, w.service_point.time_zone
        )
        for w in windows
    )
