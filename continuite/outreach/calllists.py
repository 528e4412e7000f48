"""The daily call lists: generating the calls due, assigning them to callers, reservations.

Generation reads the people due of each campaign once, chooses their callers in memory and
writes the calls in one statement (arrays unnested), already given: a million calls a day
are written once, never updated after. It is idempotent: a person (or a shared call plan)
called within the campaign's frequency, or whose call is still open, gets no new call; runs
take one advisory lock, so a second run at the same moment waits, then finds nobody due (the
unique constraints stay as the last guard).
"""

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from continuite.accounts.audit import audit_record
from continuite.core.bulk import update_from_values
from continuite.core.db import on_postgresql

from .ladder import Step
from .models import Call, CallCampaign, CallerProfile, Reach, RegisteredPerson

RESERVATION_MINUTES = 30
# The advisory lock of a run of the lists (any number unique in the project).
LISTS_LOCK = 604_001


def campaigns_running(day: date):
    """The active campaigns whose dates include the day."""
    return CallCampaign.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day),
        status=CallCampaign.Status.ACTIVE,
        starts_on__lte=day,
    )


def people_due(campaign: CallCampaign, day: date):
    """The campaign's people not called within its frequency and without an open call, one per
    shared call plan."""
    people = RegisteredPerson.objects.active()
    register_ids = list(campaign.registers.values_list("pk", flat=True))
    commune_ids = list(campaign.communes.values_list("pk", flat=True))
    if register_ids:
        people = people.filter(register_id__in=register_ids)
    if commune_ids:
        people = people.filter(commune_id__in=commune_ids)
    if not register_ids and not commune_ids:
        return people.none()
    if campaign.criteria:
        people = people.filter(criterion__in=campaign.criteria)
    # Called within the frequency, or still on the list: an open call is worked until resolved
    # rather than doubled by a new one. Two plain anti-joins (by person, then by shared plan
    # for the few who have one) rather than one with an OR, which PostgreSQL cannot hash.
    recent = Call.objects.filter(campaign=campaign).filter(
        Q(due_on__gt=day - timedelta(days=campaign.frequency_days), due_on__lte=day)
        | Q(status=Call.Status.OPEN, due_on__lte=day)
    )
    # Of the records sharing a call plan, the first in scope stands for them all.
    represented = people.filter(call_plan=OuterRef("call_plan"), pk__lt=OuterRef("pk"))
    return people.filter(~Exists(recent.filter(person=OuterRef("pk")))).exclude(
        Q(call_plan__isnull=False)
        & (Exists(recent.filter(plan=OuterRef("call_plan"))) | Exists(represented))
    )


class Assigner:
    """Who may take a call on a day: each active caller's room under their daily cap (open calls
    already theirs count), the communes they serve and the languages they speak."""

    def __init__(self, day: date):
        profiles = list(
            CallerProfile.objects.filter(is_active=True, user__is_active=True).values_list(
                "pk", "user_id", "daily_cap", "languages"
            )
        )
        user_of = {pk: user_id for pk, user_id, _cap, _languages in profiles}
        self.spoken = {
            user_id: {language.casefold() for language in languages}
            for _pk, user_id, _cap, languages in profiles
        }
        self.served: dict[int, set[str]] = defaultdict(set)
        self.by_commune: dict[str, list[int]] = defaultdict(list)
        through = CallerProfile.communes.through.objects.filter(callerprofile_id__in=user_of)
        for profile_id, commune_id in through.values_list("callerprofile_id", "commune_id"):
            self.served[user_of[profile_id]].add(commune_id)
            self.by_commune[commune_id].append(user_of[profile_id])
        load = dict(
            Call.objects.filter(caller_id__in=self.spoken, status=Call.Status.OPEN, due_on__lte=day)
            .values_list("caller_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        self.remaining = {
            user_id: cap - load.get(user_id, 0) for _pk, user_id, cap, _languages in profiles
        }

    def choose(self, commune_id: str, language: str, last_caller_id: int | None) -> int | None:
        """The caller of a call (their room taken), or None when nobody fits: the same caller
        as last time if they still serve the commune, speak the language and have room, else
        the one with the most room among those who do."""
        language = (language or "").casefold()
        remaining = self.remaining
        if (
            last_caller_id in self.spoken
            and remaining[last_caller_id] > 0
            and commune_id in self.served[last_caller_id]
            and language in self.spoken[last_caller_id]
        ):
            chosen = last_caller_id
        else:
            chosen, room = None, 0
            for user_id in self.by_commune.get(commune_id, ()):
                if remaining[user_id] > room and language in self.spoken[user_id]:
                    chosen, room = user_id, remaining[user_id]
            if chosen is None:
                return None
        remaining[chosen] -= 1
        return chosen


def _insert(table: str, columns: list[str], constants: list, arrays: list[list]) -> int:
    """INSERT of rows made of constants and columns of values: one statement on PostgreSQL
    (arrays unnested), many elsewhere (the demo's SQLite).

    On PostgreSQL the caller holds the lists' lock, so that no other run writes the same rows
    meanwhile: a plain INSERT, half the cost of one with ON CONFLICT at a million rows.
    """
    names = ", ".join(columns)
    width = len(constants)
    with connection.cursor() as cursor:
        if on_postgresql():
            placeholders = ", ".join(["%s"] * width)
            unnested = ", ".join(f"%s::{kind}[]" for kind, _values in arrays)
            values = ", ".join(f"v.c{i}" for i in range(len(arrays)))
            aliases = ", ".join(f"c{i}" for i in range(len(arrays)))
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {placeholders}, {values}"
                f" FROM unnest({unnested}) AS v({aliases})",
                [*constants, *(values for _kind, values in arrays)],
            )
        else:
            placeholders = ", ".join(["%s"] * (width + len(arrays)))
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({placeholders}) ON CONFLICT DO NOTHING",
                [
                    [*constants, *row]
                    for row in zip(*(values for _kind, values in arrays), strict=True)
                ],
            )
        return cursor.rowcount


def _generate(campaign: CallCampaign, day: date, now: datetime, assigner) -> tuple[int, int]:
    """The campaign's calls of the day, given to callers when an assigner is passed; returns
    (created, assigned)."""
    _without_jit()
    known = Reach.objects.filter(campaign=campaign, person=OuterRef("pk"))
    due = (
        people_due(campaign, day)
        .annotate(known=Exists(known))
        .order_by("pk")
        .values_list("pk", "call_plan_id", "commune_id", "language", "last_caller_id", "known")
    )
    people, plans, callers, new_people, new_communes = [], [], [], [], []
    # Read at once (not a server-side cursor, whose plan favours the first rows).
    for pk, plan, commune_id, language, last_caller, is_known in due:
        people.append(pk)
        plans.append(plan)
        callers.append(assigner.choose(commune_id, language, last_caller) if assigner else None)
        if not is_known:
            new_people.append(pk)
            new_communes.append(commune_id)
    if not people:
        return 0, 0
    created = _insert(
        Call._meta.db_table,
        ["campaign_id", "due_on", "step", "tries", "status", "next_try_at", "created_at"]
        + ["person_id", "plan_id", "caller_id"],
        [campaign.pk, day, Step.PERSON.value, 0, Call.Status.OPEN.value, now, now],
        [("bigint", people), ("bigint", plans), ("bigint", callers)],
    )
    if new_people:
        # People called for the first time in the campaign are to be reached from now.
        _insert(
            Reach._meta.db_table,
            ["campaign_id", "due_at", "person_id", "commune_id"],
            [campaign.pk, now],
            [("bigint", new_people), ("varchar", new_communes)],
        )
    assigned = sum(caller is not None for caller in callers)
    if created != len(people):  # SQLite skipped rows another run wrote: count what is there
        assigned = Call.objects.filter(
            campaign=campaign, due_on=day, created_at=now, caller__isnull=False
        ).count()
    return created, assigned


def calls_generate(
    *, day: date, now: datetime | None = None, assigner: Assigner | None = None
) -> int:
    """Create the day's calls of every running campaign, given to callers when an assigner is
    passed; returns how many (0 when run again)."""
    now = now or timezone.now()
    total = 0
    for campaign in campaigns_running(day):
        with transaction.atomic():
            _lists_lock()
            created, assigned = _generate(campaign, day, now, assigner)
            if created:
                audit_record(
                    actor=None,
                    action="outreach.calls.generate",
                    target=campaign,
                    day=day.isoformat(),
                    created=created,
                    assigned=assigned,
                )
        total += created
    return total


def _without_jit() -> None:
    """PostgreSQL's JIT compiles each of these large-looking queries for longer than it runs
    them (half a second each, a hundred campaigns): off for the current transaction."""
    if on_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def _lists_lock() -> None:
    """One run of the lists at a time (rather than locking every waiting call): caps hold, and
    generation never meets the rows of another run."""
    if on_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LISTS_LOCK])


@transaction.atomic
def calls_assign(*, day: date, assigner: Assigner | None = None) -> int:
    """Give the open calls without a caller to callers, the oldest first: within each one's
    daily cap, serving the person's commune and speaking their language, the same caller as
    last time when possible. Calls no caller fits stay unassigned, in the list, until one does."""
    if assigner is None:
        _lists_lock()
        assigner = Assigner(day)
    _without_jit()
    waiting = (
        Call.objects.filter(status=Call.Status.OPEN, caller__isnull=True, due_on__lte=day)
        .order_by("due_on", "pk")
        .values_list("pk", "person__commune_id", "person__language", "person__last_caller_id")
    )
    rows = []
    for pk, commune_id, language, last_caller in waiting:
        chosen = assigner.choose(commune_id, language, last_caller)
        if chosen is not None:
            rows.append((pk, chosen))
    return len(update_from_values(Call, ["caller"], rows, guard="caller_id IS NULL"))


@transaction.atomic
def daily_call_lists(*, day: date, now: datetime | None = None) -> tuple[int, int]:
    """The day's lists: calls still waiting for a caller are given first (the oldest first),
    then the day's new calls are created already given, within the same caps. Returns
    (calls created, calls given to a caller). Safe to run twice."""
    _lists_lock()
    assigner = Assigner(day)
    waiting = calls_assign(day=day, assigner=assigner)
    before = sum(assigner.remaining.values())
    created = calls_generate(day=day, now=now, assigner=assigner)
    return created, waiting + before - sum(assigner.remaining.values())


@transaction.atomic
def call_reserve(
    *, call: Call, caller, now: datetime | None = None, minutes: int = RESERVATION_MINUTES
) -> Call:
    """A caller takes a call for the next minutes; nobody else may work it meanwhile."""
    now = now or timezone.now()
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.status != Call.Status.OPEN:
        raise ValidationError(_("This call is already resolved."))
    if call.reserved_by_other(caller, now):
        raise ValidationError(
            _("Another caller has reserved this call until %(time)s.")
            % {"time": timezone.localtime(call.reservation_ends_at).strftime("%H:%M")}
        )
    call.reserved_by = caller
    call.reservation_ends_at = now + timedelta(minutes=minutes)
    call.save(update_fields=["reserved_by", "reservation_ends_at"])
    return call


@transaction.atomic
def call_release(*, call: Call, caller) -> Call:
    """A caller gives back a call they reserved without working it."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.reserved_by_id != caller.pk:
        raise ValidationError(_("You have not reserved this call."))
    call.reserved_by = call.reservation_ends_at = None
    call.save(update_fields=["reserved_by", "reservation_ends_at"])
    return call


def reservations_expire(*, now: datetime | None = None) -> int:
    """Reservations not worked in time go back to the list; returns how many."""
    now = now or timezone.now()
    return Call.objects.filter(
        reservation_ends_at__isnull=False, reservation_ends_at__lte=now
    ).update(reserved_by=None, reservation_ends_at=None)
