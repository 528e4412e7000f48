"""The one place a case's legal deadline is computed, and explained in words.

The rule, in the territory's time zone (`core.territory.time_zone`):

1. **Start.** The count starts at the local instant the case was received. With the RESTART
   stop rule and at least one clock stop, it starts instead at the end of the stop that ends
   last (an open stop: at `now`). For a deadline in business days, a start on a day that is not
   a business day moves to 00:00 of the next business day (as `core.calendar`).
   The start's own date is day 0 and never counts (the French "dies a quo" rule).
2. **Length.** Calendar days: N days. Weeks: 7 × N days. Months: the number of calendar days
   from the start's date to the same day-of-month N months later, that day clamped to the end
   of a shorter month (31 January + 1 month = 28 or 29 February; 30 November + 3 months =
   28 or 29 February; 29 February + 12 months = 28 February). Business days: N days that are
   Monday to Friday and not a public holiday of the département (Alsace-Moselle and overseas
   calendars included).
3. **Suspended dates.** A clock stop from `s` to `e` suspends the local dates from `s`'s date up
   to the day before `e`'s date: its length is the number of midnights it spans (a stop
   within one day suspends nothing; the day the clock resumes counts). An open stop (`e` is
   None) ends provisionally at `now`. A suspension window suspends its dates, both ends
   included. Stops and windows are merged as sets of dates: a date is suspended once, however
   many stops and windows cover it. With RESTART the stops lie before the start and only the
   windows matter.
4. **Counting.** From the day after the start's date, walk forward one date at a time; a date
   counts when it is not suspended (and, for business days, is a business day). The deadline is
   the date where the count reaches the length, at the start's local wall-clock time (a time
   that does not exist that day, at a change of clocks, moves forward to the instant it names).

So a PAUSE stop, or a window, lying inside the counting period moves the deadline by exactly
the number of its dates that would have counted: calendar days for calendar-day, week and month
deadlines, business days for business-day deadlines. Dates after the deadline change nothing:
an expired clock cannot be stopped.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import get_language, ngettext, ngettext_lazy
from django.utils.translation import gettext as _

from continuite.core import territory
from continuite.core.calendar import add_months, business_start, is_business_day, same_time_on

from .events import EventKind
from .models import Case, CaseEvent, DeadlineUnit, StopRule, SuspensionWindow

EXPLANATION_MAX_LENGTH = 500


@dataclass(frozen=True)
class Deadline:
    """A computed deadline and the words that explain it."""

    at: datetime
    explanation: str
    # Dates that would have counted and were suspended, by clock stops then by windows only.
    stopped_days: int = 0
    suspended_days: int = 0
    # An open clock stop: the date moves each day until the clock resumes.
    provisional: bool = False


@dataclass(frozen=True)
class WindowScope:
    """A suspension window with the procedure types and départements it names (none = all)."""

    starts_on: date
    ends_on: date
    procedure_type_ids: frozenset[int]
    departement_codes: frozenset[str]

    def applies_to(self, procedure_type_id: int, departement_code: str) -> bool:
        return (not self.procedure_type_ids or procedure_type_id in self.procedure_type_ids) and (
            not self.departement_codes or departement_code in self.departement_codes
        )


def _merged(intervals: Iterable[tuple[date, date]], after: date) -> list[tuple[date, date]]:
    """Inclusive date intervals clipped to dates after `after`, sorted and merged."""
    clipped = sorted(
        (max(first, after + timedelta(days=1)), last)
        for first, last in intervals
        if last > after and last >= first
    )
    merged: list[tuple[date, date]] = []
    for first, last in clipped:
        if merged and first <= merged[-1][1] + timedelta(days=1):
            if last > merged[-1][1]:
                merged[-1] = (merged[-1][0], last)
        else:
            merged.append((first, last))
    return merged


def _walk(start_day: date, length: int, suspended: list[tuple[date, date]], countable) -> date:
    """The date where `length` countable, unsuspended dates after `start_day` are reached."""
    day, remaining, index = start_day, length, 0
    if countable is None:
        # Calendar days: jump over the suspended intervals.
        for first, last in suspended:
            gap = (first - day).days - 1
            if gap >= remaining:
                break
            remaining -= gap
            day = last
        return day + timedelta(days=remaining)
    while remaining:
        day += timedelta(days=1)
        while index < len(suspended) and suspended[index][1] < day:
            index += 1
        if index < len(suspended) and suspended[index][0] <= day:
            day = suspended[index][1]
            continue
        if countable(day):
            remaining -= 1
    return day


def _countable_in(intervals: list[tuple[date, date]], until: date, countable) -> int:
    total = 0
    for first, last in intervals:
        if first > until:
            break
        last = min(last, until)
        if countable is None:
            total += (last - first).days + 1
        else:
            total += sum(
                1 for n in range((last - first).days + 1) if countable(first + timedelta(days=n))
            )
    return total


def _day(value: date) -> str:
    return _day_in(value, get_language())


@lru_cache(maxsize=8192)
def _day_in(value: date, language: str | None) -> str:
    # Cached: a suspension moves a million deadlines that share a few hundred dates.
    return formats.date_format(value, "j F Y")


@lru_cache(maxsize=1024)
def _length_words(amount: int, unit: str, language: str | None) -> str:
    if unit == DeadlineUnit.CALENDAR_DAYS:
        words = ngettext("%(count)d calendar day", "%(count)d calendar days", amount)
    elif unit == DeadlineUnit.BUSINESS_DAYS:
        words = ngettext("%(count)d business day", "%(count)d business days", amount)
    elif unit == DeadlineUnit.WEEKS:
        words = ngettext("%(count)d week", "%(count)d weeks", amount)
    else:
        words = ngettext("%(count)d month", "%(count)d months", amount)
    return words % {"count": amount}


def compute_deadline(
    *,
    procedure_type,
    departement_code: str,
    received_at: datetime,
    stops: list[tuple[datetime, datetime | None]],
    windows: list[tuple[date, date]],
    now: datetime | None = None,
) -> Deadline:
    """The legal deadline of a case, by the rule in this module's docstring (no database)."""
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError("compute_deadline needs an aware datetime")
    now = now or timezone.now()
    tz = territory.time_zone(departement_code)
    business = procedure_type.deadline_unit == DeadlineUnit.BUSINESS_DAYS
    countable = (lambda day: is_business_day(day, departement_code)) if business else None
    open_since = min((s for s, e in stops if e is None), default=None)

    count = _count_start(procedure_type, received_at.astimezone(tz), stops, now, tz)
    start = business_start(count.start, departement_code) if business else count.start
    start_day = start.date()
    length = _length_in_days(procedure_type, start_day)
    stopped = _merged(count.stop_dates, start_day)
    suspended = _merged([*count.stop_dates, *windows], start_day)
    due_day = _walk(start_day, length, suspended, countable)
    due = same_time_on(start, due_day, tz)
    stopped_days = _countable_in(stopped, due_day, countable)
    window_days = _countable_in(suspended, due_day, countable) - stopped_days

    explanation = _explanation(
        procedure_type,
        received_on=received_at.astimezone(tz).date(),
        restarted_on=start_day if count.restarted and open_since is None else None,
        open_since_on=None if open_since is None else open_since.astimezone(tz).date(),
        stopped_days=stopped_days,
        window_days=window_days,
        due=due,
    )
    return Deadline(
        at=due,
        explanation=explanation,
        stopped_days=stopped_days,
        suspended_days=window_days,
        provisional=open_since is not None,
    )


@dataclass(frozen=True)
class _Count:
    """Where a deadline's count starts (local time), and the dates its clock stops suspend."""

    start: datetime
    restarted: bool
    stop_dates: list[tuple[date, date]]


def _count_start(procedure_type, received: datetime, stops, now: datetime, tz) -> _Count:
    """Step 1 and the stops of step 3: an open stop ends provisionally at `now`."""
    ended = [(s, e if e is not None else max(now, s)) for s, e in stops]
    if procedure_type.stop_rule != StopRule.RESTART:
        return _Count(received, False, _stopped_dates(ended, tz))
    last_end = max((e for _s, e in ended), default=None)
    if last_end is not None and last_end > received:
        return _Count(last_end.astimezone(tz), True, [])
    return _Count(received, False, [])


def _stopped_dates(ended: list[tuple[datetime, datetime]], tz) -> list[tuple[date, date]]:
    """The local dates each stop suspends: from its first date to the day before it ends."""
    dates = []
    for s, e in ended:
        first, end_day = s.astimezone(tz).date(), e.astimezone(tz).date()
        if end_day > first:
            dates.append((first, end_day - timedelta(days=1)))
    return dates


def _length_in_days(procedure_type, start_day: date) -> int:
    """Step 2: the number of dates to count (business days are counted as days that count)."""
    unit, amount = procedure_type.deadline_unit, procedure_type.deadline_amount
    if unit == DeadlineUnit.WEEKS:
        return 7 * amount
    if unit == DeadlineUnit.MONTHS:
        return (add_months(start_day, amount) - start_day).days
    return amount


def _explanation(
    procedure_type,
    *,
    received_on: date,
    restarted_on: date | None,
    open_since_on: date | None,
    stopped_days: int,
    window_days: int,
    due: datetime,
) -> str:
    """The deadline in words, cut to the length of its column."""
    unit, amount = procedure_type.deadline_unit, procedure_type.deadline_amount
    business = unit == DeadlineUnit.BUSINESS_DAYS
    parts = [
        _("Received on %(received)s") % {"received": _day(received_on)},
        _("deadline of %(length)s") % {"length": _length_words(amount, unit, get_language())},
    ]
    if restarted_on is not None:
        parts.append(
            _("count restarted from zero on %(restart)s, when the clock resumed")
            % {"restart": _day(restarted_on)}
        )
    if stopped_days:
        parts.append(_days_taken_words("stopped", stopped_days, business))
    if window_days:
        parts.append(_days_taken_words("suspended", window_days, business))
    if open_since_on is not None:
        parts.append(_open_stop_words(open_since_on, procedure_type.stop_rule))
    parts.append(
        _("due on %(due)s at %(time)s")
        % {"due": _day(due.date()), "time": formats.time_format(due.time(), "H:i")}
    )
    explanation = ", ".join(parts)
    if len(explanation) > EXPLANATION_MAX_LENGTH:
        explanation = explanation[: EXPLANATION_MAX_LENGTH - 1] + "…"
    return explanation


# Days that would have counted, by what took them (a clock stop, a window) and their unit.
_DAYS_TAKEN = {
    ("stopped", False): ngettext_lazy(
        "clock stopped %(count)d day", "clock stopped %(count)d days", "count"
    ),
    ("stopped", True): ngettext_lazy(
        "clock stopped %(count)d business day", "clock stopped %(count)d business days", "count"
    ),
    ("suspended", False): ngettext_lazy(
        "suspended %(count)d day", "suspended %(count)d days", "count"
    ),
    ("suspended", True): ngettext_lazy(
        "suspended %(count)d business day", "suspended %(count)d business days", "count"
    ),
}


def _days_taken_words(by: str, days: int, business: bool) -> str:
    return str(_DAYS_TAKEN[(by, business)] % {"count": days})


def _open_stop_words(since_on: date, stop_rule: str) -> str:
    since = {"since": _day(since_on)}
    if stop_rule == StopRule.RESTART:
        return (
            _(
                "clock stopped since %(since)s: provisional date, the count restarts from "
                "zero when the clock resumes"
            )
            % since
        )
    return (
        _("clock stopped since %(since)s: provisional date, it moves until the clock resumes")
        % since
    )


def window_scopes() -> list[WindowScope]:
    """Every suspension window with its scope, in two queries (there are only a few)."""
    windows = SuspensionWindow.objects.prefetch_related("procedure_types", "departements")
    return [
        WindowScope(
            starts_on=window.starts_on,
            ends_on=window.ends_on,
            procedure_type_ids=frozenset(p.pk for p in window.procedure_types.all()),
            departement_codes=frozenset(d.pk for d in window.departements.all()),
        )
        for window in windows
    ]


def windows_for(
    scopes: list[WindowScope], procedure_type_id: int, departement_code: str
) -> list[tuple[date, date]]:
    """The (first, last) dates of the windows that apply to a procedure type and département."""
    return [
        (scope.starts_on, scope.ends_on)
        for scope in scopes
        if scope.applies_to(procedure_type_id, departement_code)
    ]


def case_deadline(
    case: Case, *, now: datetime | None = None, scopes: list[WindowScope] | None = None
) -> Deadline:
    """The deadline of a stored case: its clock stops and the windows of its type and territory."""
    departement_code = case.service_point.departement_id
    stops = list(case.clock_stops.values_list("starts_at", "ends_at"))
    scopes = window_scopes() if scopes is None else scopes
    return compute_deadline(
        procedure_type=case.procedure_type,
        departement_code=departement_code,
        received_at=case.received_at,
        stops=stops,
        windows=windows_for(scopes, case.procedure_type_id, departement_code),
        now=now,
    )


@transaction.atomic
def case_deadline_refresh(
    case: Case, *, actor=None, note: str = "", now: datetime | None = None
) -> bool:
    """Recompute and store a case's deadline; a moved date is written to its history."""
    deadline = case_deadline(case, now=now)
    before = case.deadline_at
    changed = before != deadline.at
    if changed or case.deadline_explanation != deadline.explanation:
        case.deadline_at, case.deadline_explanation = deadline.at, deadline.explanation
        case.save(update_fields=["deadline_at", "deadline_explanation", "updated_at"])
    if changed:
        CaseEvent.objects.create(
            case=case,
            kind=EventKind.DEADLINE_MOVED,
            note=note[:500],
            actor=actor if actor is not None and actor.is_authenticated else None,
            previous_deadline_at=before,
            new_deadline_at=deadline.at,
        )
    return changed
