"""The one place a case's legal deadline is computed, and explained in words.

The rule, in the territory's time zone (`core.territory.time_zone`):

1. **Start.** The count starts at the local instant the case was received. With the RESTART
   stop rule and at least one clock stop, it starts instead at the end of the stop that ends
   last (an open stop: at `now`). For a deadline in business days, a start on a day that is not
   a business day moves to 00:00 of the next business day (as `appointments.calendar`).
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
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from continuite.core import territory

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


def add_months(day: date, months: int) -> date:
    """The same day-of-month `months` later, clamped to the last day of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


@lru_cache(maxsize=4096)
def _holidays(departement_code: str, year: int) -> frozenset[date]:
    start = date(year, 1, 1)
    return frozenset(
        day
        for offset in range(366)
        if (day := start + timedelta(days=offset)).year == year
        and territory.public_holiday(departement_code, day)
    )


def is_business_day(day: date, departement_code: str) -> bool:
    """Monday to Friday and not a public holiday of the territory (cached per year)."""
    return day.weekday() < 5 and day not in _holidays(departement_code, day.year)


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


def _normalised(local: datetime, tz) -> datetime:
    return local.astimezone(UTC).astimezone(tz)


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
    unit, amount = procedure_type.deadline_unit, procedure_type.deadline_amount
    business = unit == DeadlineUnit.BUSINESS_DAYS
    countable = (lambda day: is_business_day(day, departement_code)) if business else None

    open_since = min((s for s, e in stops if e is None), default=None)
    ended = [(s, e if e is not None else max(now, s)) for s, e in stops]
    start = received_at.astimezone(tz)
    restarted = False
    stop_dates: list[tuple[date, date]] = []
    if procedure_type.stop_rule == StopRule.RESTART:
        last_end = max((e for _s, e in ended), default=None)
        if last_end is not None and last_end > start:
            start, restarted = last_end.astimezone(tz), True
    else:
        for s, e in ended:
            first, end_day = s.astimezone(tz).date(), e.astimezone(tz).date()
            if end_day > first:
                stop_dates.append((first, end_day - timedelta(days=1)))
    if business and not is_business_day(start.date(), departement_code):
        day = start.date() + timedelta(days=1)
        while not is_business_day(day, departement_code):
            day += timedelta(days=1)
        start = _normalised(datetime.combine(day, time.min, tzinfo=tz), tz)

    start_day = start.date()
    if unit == DeadlineUnit.WEEKS:
        length = 7 * amount
    elif unit == DeadlineUnit.MONTHS:
        length = (add_months(start_day, amount) - start_day).days
    else:
        length = amount
    stopped = _merged(stop_dates, start_day)
    suspended = _merged([*stop_dates, *windows], start_day)
    due_day = _walk(start_day, length, suspended, countable)
    due = _normalised(start.replace(year=due_day.year, month=due_day.month, day=due_day.day), tz)
    stopped_days = _countable_in(stopped, due_day, countable)
    window_days = _countable_in(suspended, due_day, countable) - stopped_days

    local_received = received_at.astimezone(tz)
    parts = [
        _("Received on %(received)s") % {"received": _day(local_received.date())},
        _("deadline of %(length)s") % {"length": _length_words(amount, unit, get_language())},
    ]
    if restarted and open_since is None:
        parts.append(
            _("count restarted from zero on %(restart)s, when the clock resumed")
            % {"restart": _day(start.date())}
        )
    if stopped_days:
        parts.append(
            (
                ngettext(
                    "clock stopped %(count)d business day",
                    "clock stopped %(count)d business days",
                    stopped_days,
                )
                if business
                else ngettext(
                    "clock stopped %(count)d day", "clock stopped %(count)d days", stopped_days
                )
            )
            % {"count": stopped_days}
        )
    if window_days:
        parts.append(
            (
                ngettext(
                    "suspended %(count)d business day",
                    "suspended %(count)d business days",
                    window_days,
                )
                if business
                else ngettext("suspended %(count)d day", "suspended %(count)d days", window_days)
            )
            % {"count": window_days}
        )
    if open_since is not None:
        since = {"since": _day(open_since.astimezone(tz).date())}
        if procedure_type.stop_rule == StopRule.RESTART:
            parts.append(
                _(
                    "clock stopped since %(since)s: provisional date, the count restarts from "
                    "zero when the clock resumes"
                )
                % since
            )
        else:
            parts.append(
                _(
                    "clock stopped since %(since)s: provisional date, it moves until the clock resumes"
                )
                % since
            )
    parts.append(
        _("due on %(due)s at %(time)s")
        % {"due": _day(due.date()), "time": formats.time_format(due.time(), "H:i")}
    )
    explanation = ", ".join(parts)
    if len(explanation) > EXPLANATION_MAX_LENGTH:
        explanation = explanation[: EXPLANATION_MAX_LENGTH - 1] + "…"
    return Deadline(
        at=due,
        explanation=explanation,
        stopped_days=stopped_days,
        suspended_days=window_days,
        provisional=open_since is not None,
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
