"""The daily call lists: generating the calls due, assigning them to callers, reservations.

Generation is one INSERT ... SELECT per campaign (no rows through Python) and idempotent: a
person (or a shared call plan) called within the campaign's frequency, or whose call is still
open, gets no new call, and the unique constraints catch a second run at the same moment.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Count, Exists, OuterRef, Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from continuite.accounts.audit import audit_record

from .ladder import Step
from .models import Call, CallCampaign, CallerProfile, Reach, RegisteredPerson

RESERVATION_MINUTES = 30


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
    # rather than doubled by a new one.
    recent = (
        Call.objects.filter(campaign=campaign)
        .filter(
            Q(due_on__gt=day - timedelta(days=campaign.frequency_days), due_on__lte=day)
            | Q(status=Call.Status.OPEN, due_on__lte=day)
        )
        .filter(Q(person=OuterRef("pk")) | Q(plan=OuterRef("call_plan")))
    )
    # Of the records sharing a call plan, the first in scope stands for them all.
    represented = people.filter(call_plan=OuterRef("call_plan"), pk__lt=OuterRef("pk"))
    return people.filter(~Exists(recent)).exclude(Q(call_plan__isnull=False) & Exists(represented))


def _generate(campaign: CallCampaign, day: date, now: datetime) -> int:
    rows = people_due(campaign, day).values_list(
        Value(campaign.pk),
        "pk",
        "call_plan_id",
        Value(day, output_field=models.DateField()),
        Value(Step.PERSON.value),
        Value(0),
        Value(Call.Status.OPEN.value),
        Value(now, output_field=models.DateTimeField()),
        Value(now, output_field=models.DateTimeField()),
    )
    sql, params = rows.query.sql_with_params()
    calls, reaches = Call._meta.db_table, Reach._meta.db_table
    people = RegisteredPerson._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {calls} (campaign_id, person_id, plan_id, due_on, step, tries, status,"
            f" next_try_at, created_at) {sql} ON CONFLICT DO NOTHING",
            params,
        )
        created = cursor.rowcount
        if created:
            # People called for the first time in the campaign are to be reached from now.
            cursor.execute(
                f"INSERT INTO {reaches} (campaign_id, person_id, commune_id, since)"
                f" SELECT c.campaign_id, c.person_id, p.commune_id, c.created_at"
                f" FROM {calls} c JOIN {people} p ON p.id = c.person_id"
                f" WHERE c.campaign_id = %s AND c.due_on = %s AND c.created_at = %s"
                f" ON CONFLICT DO NOTHING",
                [campaign.pk, day, now],
            )
    return created


def calls_generate(*, day: date, now: datetime | None = None) -> int:
    """Create the day's calls of every running campaign; returns how many (0 when run again)."""
    now = now or timezone.now()
    total = 0
    for campaign in campaigns_running(day):
        with transaction.atomic():
            created = _generate(campaign, day, now)
            if created:
                audit_record(
                    actor=None,
                    action="outreach.calls.generate",
                    target=campaign,
                    day=day.isoformat(),
                    created=created,
                )
        total += created
    return total


def _pick(profiles, remaining: dict[int, int], language: str):
    """The caller with the most room left among those speaking the language."""
    best = None
    for profile in profiles:
        room = remaining[profile.user_id]
        if (
            room > 0
            and language in profile.spoken
            and (best is None or room > remaining[best.user_id])
        ):
            best = profile
    return best


@transaction.atomic
def calls_assign(*, day: date) -> int:
    """Give the open calls without a caller to callers: within each one's daily cap, serving the
    person's commune and speaking their language, the same caller as last time when possible.
    Calls no caller fits stay unassigned, in the list, until one does."""
    profiles = list(
        CallerProfile.objects.filter(is_active=True, user__is_active=True).prefetch_related(
            "communes"
        )
    )
    by_user = {}
    by_commune = defaultdict(list)
    for profile in profiles:
        profile.spoken = {language.casefold() for language in profile.languages}
        profile.served = {commune.pk for commune in profile.communes.all()}
        by_user[profile.user_id] = profile
        for commune_id in profile.served:
            by_commune[commune_id].append(profile)
    load = dict(
        Call.objects.filter(caller_id__in=by_user, status=Call.Status.OPEN, due_on__lte=day)
        .values_list("caller_id")
        .annotate(n=Count("pk"))
    )
    remaining = {user_id: p.daily_cap - load.get(user_id, 0) for user_id, p in by_user.items()}
    waiting = (
        Call.objects.filter(status=Call.Status.OPEN, caller__isnull=True, due_on__lte=day)
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("due_on", "pk")
        .values_list("pk", "person__commune_id", "person__language", "person__last_caller_id")
    )
    chosen = defaultdict(list)
    for pk, commune_id, language, last in waiting:
        language = (language or "").casefold()
        previous = by_user.get(last)
        if (
            previous is not None
            and remaining[previous.user_id] > 0
            and commune_id in previous.served
            and language in previous.spoken
        ):
            profile = previous
        else:
            profile = _pick(by_commune.get(commune_id, ()), remaining, language)
        if profile is None:
            continue
        remaining[profile.user_id] -= 1
        chosen[profile.user_id].append(pk)
    assigned = 0
    for user_id, ids in chosen.items():
        assigned += Call.objects.filter(pk__in=ids, caller__isnull=True).update(caller_id=user_id)
    return assigned


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
            % {"time": timezone.localtime(call.reserved_until).strftime("%H:%M")}
        )
    call.reserved_by = caller
    call.reserved_until = now + timedelta(minutes=minutes)
    call.save(update_fields=["reserved_by", "reserved_until"])
    return call


@transaction.atomic
def call_release(*, call: Call, caller) -> Call:
    """A caller gives back a call they reserved without working it."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.reserved_by_id != caller.pk:
        raise ValidationError(_("You have not reserved this call."))
    call.reserved_by = call.reserved_until = None
    call.save(update_fields=["reserved_by", "reserved_until"])
    return call


def reservations_expire(*, now: datetime | None = None) -> int:
    """Reservations not worked in time go back to the list; returns how many."""
    now = now or timezone.now()
    return Call.objects.filter(reserved_until__lte=now).update(
        reserved_by=None, reserved_until=None
    )
