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
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy

from continuite.service_points.models import CrisisStatus

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
    reasons it closes: `(ClosedWindow, reason_ids)` pairs (see `ClosedWindow.objects.partial_by_point`).
    """
    return any(
        reason_id in reason_ids and window.covers(starts_at, ends_at, time_zone)
        for window, reason_ids in closures
    )


# The refusals of a booking, in the person's words (the page and the service say the same).
REASON_NOT_ONLINE = gettext_lazy("This reason cannot be booked online.")
REASON_BY_DRAW = gettext_lazy(
    "Times for this reason are allocated by draw: enter the draw of a counter instead."
)
POINT_CLOSED_THEN = gettext_lazy("This service point is closed at that time. Choose another slot.")
REASON_NOT_IN_MODE = gettext_lazy("This reason is not offered in that form of reception.")
SLOT_NOT_IN_MODE = gettext_lazy("This slot is not offered in that form of reception.")
SLOT_TOO_SHORT = gettext_lazy("This slot is too short for this reason. Choose another one.")
SLOT_NOT_FOR_REASON = gettext_lazy("This slot is not open for this reason.")
SLOT_PASSED = gettext_lazy("This slot has already passed. Choose another one.")
SLOT_TOO_CLOSE = gettext_lazy(
    "This slot is too close: book at least %(hours)s hours ahead, or call the counter."
)
SLOT_TOO_FAR = gettext_lazy("Appointments for this reason open %(days)s days ahead at most.")
POINT_CLOSED_NOW = gettext_lazy(
    "This counter is closed for now: it takes no appointment. Choose another one."
)
REASON_CLOSED_THEN = gettext_lazy(
    "This service point does not receive this reason at that time. Choose another slot."
)
SLOT_TAKEN = gettext_lazy("This slot has just been taken. Choose another one.")


def slot_refusal(
    slot, reason, mode: str, now: datetime, *, by_agent: bool = False, assigned: bool = False
) -> str:
    """Why this slot may not be booked for this reason in this form of reception now, in the
    person's words; "" when it may. The one list of the checks, in one order.

    `by_agent`: a counter agent books (a reason only agents book, no minimum notice, no draw).
    `assigned`: the seat is given by a draw or a move rather than chosen by the public (no draw
    rule, and a counter closed now still receives its own moves and draws).

    The slot is read by `booking.slot_read`: it carries `point_status` (its service point's
    status at its start), `point_status_now`, `serves_reason`, `reason_closure` (a partial
    closure of the reason may cover it: then one query tells) and its seats.
    """
    if reason is None:
        return str(SLOT_NOT_FOR_REASON)
    for refused, message in _checks(slot, reason, mode, now, by_agent, assigned):
        if refused():
            return str(message)
    return ""


def _checks(slot, reason, mode, now, by_agent, assigned):
    """The checks of `slot_refusal` in their order: (is it refused?, why), each run lazily."""
    first, last = booking_window(reason, now)
    public = not (by_agent or assigned)
    return [
        (
            lambda: not reason.is_active or not (reason.public_booking or by_agent),
            REASON_NOT_ONLINE,
        ),
        (lambda: reason.lottery and public, REASON_BY_DRAW),
        (lambda: slot.point_status == CrisisStatus.CLOSED, POINT_CLOSED_THEN),
        (lambda: mode not in reason.modes(), REASON_NOT_IN_MODE),
        (lambda: slot.mode != mode, SLOT_NOT_IN_MODE),
        (
            lambda: slot.ends_at - slot.starts_at < timedelta(minutes=reason.duration_minutes),
            SLOT_TOO_SHORT,
        ),
        (lambda: not slot.serves_reason, SLOT_NOT_FOR_REASON),
        (lambda: slot.starts_at <= now, SLOT_PASSED),
        (
            lambda: not by_agent and slot.starts_at < first,
            _with(SLOT_TOO_CLOSE, hours=reason.min_notice_hours),
        ),
        (lambda: slot.starts_at > last, _with(SLOT_TOO_FAR, days=reason.max_horizon_days)),
        (lambda: public and slot.point_status_now == CrisisStatus.CLOSED, POINT_CLOSED_NOW),
        (lambda: slot.reason_closure and slot.reason_closed(reason), REASON_CLOSED_THEN),
        (lambda: seats_free(slot) <= 0, SLOT_TAKEN),
    ]


def _with(message, **values):
    """A message whose placeholders are filled when it is said (in the language of then)."""
    return lazy(lambda: str(message) % values, str)()
