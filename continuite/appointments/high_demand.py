"""High demand: while it lasts, a reason's public bookings need a code proving the person's phone.

A network manager switches it on for a reason (with the reason why, audited), or it switches on
by itself when freshly released seats go within minutes: over the last HIGH_DEMAND_WINDOW_MINUTES,
people booked online at least HIGH_DEMAND_MIN_SEATS seats of the reason, and at least
HIGH_DEMAND_SHARE_PERCENT of the seats that were free when that window began (the seats taken
in the window plus the seats still free). Either way it ends by itself at its end time.

The database holds the periods; the booking form, which must stay at two statements, reads a
copy in the cache (Redis in production, shared by the web nodes): written when a period starts
or stops, expiring when it ends, and written again by the detection job every minute (so a
flushed cache is whole again within a minute).
"""

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from continuite.accounts.audit import audit_record

from .models import Appointment, HighDemand, Reason, Slot

MAX_MANUAL_HOURS = 72


def _cache_key(reason_id: int) -> str:
    return f"high-demand:{reason_id}"


def _publish(reason_id: int, ends_at: datetime | None, now: datetime) -> None:
    """Copy a reason's state to the cache: in force until ends_at, or not at all."""
    if ends_at is None or ends_at <= now:
        cache.delete(_cache_key(reason_id))
    else:
        seconds = math.ceil((ends_at - now).total_seconds())
        cache.set(_cache_key(reason_id), ends_at.timestamp(), timeout=seconds)


def high_demand_on(reason_id: int, now: datetime) -> bool:
    """Whether bookings of this reason need a code now, read from the cache (no SQL)."""
    ends_at = cache.get(_cache_key(reason_id))
    return ends_at is not None and now.timestamp() < ends_at


def high_demand_publish(*, now: datetime | None = None) -> int:
    """Copy every period in force to the cache; how many."""
    now = now or timezone.now()
    periods = list(HighDemand.objects.in_force(now).values_list("reason_id", "ends_at"))
    for reason_id, ends_at in periods:
        _publish(reason_id, ends_at, now)
    return len(periods)


def high_demand_in_force(reason_id: int, now: datetime) -> HighDemand | None:
    """The period of high demand of this reason at that instant, if any (one indexed read)."""
    return HighDemand.objects.in_force(now).filter(reason_id=reason_id).order_by("-ends_at").first()


def _end_in_force(reason: Reason, now: datetime) -> int:
    """End the reason's periods in force at `now`; one that began at this very instant is
    withdrawn (it cannot end when it starts). How many there were."""
    periods = HighDemand.objects.in_force(now).filter(reason=reason)
    withdrawn, _by_model = periods.filter(starts_at__gte=now).delete()
    return withdrawn + periods.filter(starts_at__lt=now).update(ends_at=now)


@transaction.atomic
def high_demand_start(
    *, reason: Reason, actor, note: str, hours: int, now: datetime | None = None
) -> HighDemand:
    """A manager switches high demand on for a reason, for some hours, saying why (audited)."""
    now = now or timezone.now()
    note = " ".join(note.split())
    if not note:
        raise ValidationError({"note": _("Say why this reason needs a code to book.")})
    if not 1 <= hours <= MAX_MANUAL_HOURS:
        raise ValidationError({"hours": _("Choose between 1 and 72 hours.")})
    _end_in_force(reason, now)
    period = HighDemand.objects.create(
        reason=reason,
        starts_at=now,
        ends_at=now + timedelta(hours=hours),
        origin=HighDemand.Origin.MANAGER,
        note=note,
        started_by=actor,
    )
    audit_record(actor=actor, action="high_demand_on", target=reason, note=note, hours=hours)
    _publish(reason.pk, period.ends_at, now)
    return period


@transaction.atomic
def high_demand_stop(*, reason: Reason, actor, now: datetime | None = None) -> int:
    """A manager switches high demand off for a reason now (audited); how many periods ended."""
    now = now or timezone.now()
    ended = _end_in_force(reason, now)
    if ended:
        audit_record(actor=actor, action="high_demand_off", target=reason)
    _publish(reason.pk, None, now)
    return ended


def _free_seats(reason_id: int, now: datetime) -> int:
    """Seats of the reason's future slots that the public may still take."""
    return (
        Slot.objects.bookable()
        .filter(opening_range__reasons=reason_id, starts_at__gt=now)
        .aggregate(free=Sum(F("capacity") - F("held_for_emergencies") - F("booked")))["free"]
        or 0
    )


def high_demand_detect(*, now: datetime | None = None) -> list[int]:
    """Switch on high demand for the reasons whose free seats went within minutes; their ids."""
    now = now or timezone.now()
    since = now - timedelta(minutes=settings.HIGH_DEMAND_WINDOW_MINUTES)
    busy = (
        Appointment.objects.filter(
            created_at__gte=since,
            booked_by__isnull=True,
            takes_seat=True,
            reason__public_booking=True,
            reason__lottery=False,
        )
        .exclude(reason__high_demand_periods__in=HighDemand.objects.in_force(now))
        .values("reason")
        .annotate(taken=Count("id"))
        .filter(taken__gte=settings.HIGH_DEMAND_MIN_SEATS)
        .values_list("reason", "taken")
    )
    started = []
    for reason_id, taken in busy:
        was_free = taken + _free_seats(reason_id, now)
        if taken * 100 >= settings.HIGH_DEMAND_SHARE_PERCENT * was_free:
            HighDemand.objects.create(
                reason_id=reason_id,
                starts_at=now,
                ends_at=now + timedelta(minutes=settings.HIGH_DEMAND_AUTO_MINUTES),
                origin=HighDemand.Origin.AUTOMATIC,
                note=_("%(taken)s of %(free)s free seats taken in %(minutes)s minutes")
                % {
                    "taken": taken,
                    "free": was_free,
                    "minutes": settings.HIGH_DEMAND_WINDOW_MINUTES,
                },
            )
            started.append(reason_id)
    high_demand_publish(now=now)
    return started
