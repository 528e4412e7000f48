"""Writes on call campaigns: creation, activation when the alert plan is triggered, end, and
the attempts callers record (each moving the call along the attempt ladder).

Every refusal is a ValidationError naming the field; nothing is saved half-way.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from continuite.accounts.audit import audit_record

from . import ladder
from .followups import followups_create
from .models import Call, CallAttempt, CallCampaign, Criterion, Reach, RegisteredPerson
from .tasks import daily_call_lists

CAMPAIGN_FIELDS = (
    "name",
    "criteria",
    "frequency_days",
    "starts_on",
    "ends_on",
    "alert_kind",
    "script",
    "person_tries",
    "window_hours",
    "spacing_minutes",
    "contact_tries",
    "followup_service_point",
    "followup_reason",
)

_LADDER_MESSAGES = {
    "person_tries": gettext_noop("Try the person at least once."),
    "contact_tries": gettext_noop("Try the contact person at least once."),
    "spacing_minutes": gettext_noop("Leave at least a minute between two tries."),
    "window_hours": gettext_noop(
        "The tries of the person, with their spacing, must fit in the number of hours."
    ),
}


def _check_campaign(values: dict, registers, communes) -> None:
    errors: dict[str, list[str]] = {}
    if not " ".join((values.get("name") or "").split()):
        errors.setdefault("name", []).append(_("Give the campaign a name."))
    if not registers and not communes:
        errors.setdefault("registers", []).append(
            _("Choose the registers or the communes whose people are called.")
        )
    if any(c not in Criterion.values for c in values.get("criteria") or []):
        errors.setdefault("criteria", []).append(_("Choose criteria from the list."))
    if (values.get("frequency_days") or 0) < 1:
        errors.setdefault("frequency_days", []).append(_("Call at least every day (1 or more)."))
    starts, ends = values.get("starts_on"), values.get("ends_on")
    if starts is None:
        errors.setdefault("starts_on", []).append(_("Give the first day of the campaign."))
    elif ends is not None and ends < starts:
        errors.setdefault("ends_on", []).append(_("The campaign cannot end before it starts."))
    if values.get("alert_kind") not in CallCampaign.AlertKind.values:
        errors.setdefault("alert_kind", []).append(_("Choose the alert that calls for it."))
    settings = ladder.Settings(
        **{
            name: values.get(name, getattr(ladder.Settings, name))
            for name in ("person_tries", "window_hours", "spacing_minutes", "contact_tries")
        }
    )
    for name in settings.problems():
        errors.setdefault(name, []).append(_(_LADDER_MESSAGES[name]))
    point, reason = values.get("followup_service_point"), values.get("followup_reason")
    if point is None or reason is None:
        errors.setdefault("followup_reason", []).append(
            _("Give the service point and the reason of the call-backs of needs heard.")
        )
    elif reason.network_id != point.network_id:
        errors.setdefault("followup_reason", []).append(
            _("This reason is not offered at this service point.")
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def campaign_create(*, actor, registers=(), communes=(), **values) -> CallCampaign:
    """Prepare a campaign (a draft): its scope, frequency, dates, script and ladder."""
    unknown = set(values) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    registers, communes = list(registers), list(communes)
    _check_campaign(values, registers, communes)
    values["name"] = " ".join(values["name"].split())[:200]
    campaign = CallCampaign.objects.create(**values)
    campaign.registers.set(registers)
    campaign.communes.set(communes)
    audit_record(actor=actor, action="outreach.campaign.create", target=campaign)
    return campaign


def _locked(campaign: CallCampaign) -> CallCampaign:
    return CallCampaign.objects.select_for_update().get(pk=campaign.pk)


@transaction.atomic
def campaign_activate(
    *, campaign: CallCampaign, actor, alert_kind: str | None = None, now: datetime | None = None
) -> CallCampaign:
    """The alert plan is triggered: the campaign becomes active (calls are generated daily)."""
    campaign = _locked(campaign)
    if campaign.status != CallCampaign.Status.DRAFT:
        raise ValidationError(_("Only a draft campaign can be activated."))
    if alert_kind is not None:
        if alert_kind not in CallCampaign.AlertKind.values:
            raise ValidationError({"alert_kind": _("Choose the alert that calls for it.")})
        campaign.alert_kind = alert_kind
    campaign.status = CallCampaign.Status.ACTIVE
    campaign.activated_at = now or timezone.now()
    campaign.save(update_fields=["status", "alert_kind", "activated_at"])
    audit_record(
        actor=actor,
        action="outreach.campaign.activate",
        target=campaign,
        alert=campaign.alert_kind,
    )
    if campaign.runs_on(timezone.localdate()):
        # The alert is now: today's calls are generated at once, not at tomorrow's run.
        transaction.on_commit(daily_call_lists.delay, robust=True)
    return campaign


@transaction.atomic
def campaign_end(*, campaign: CallCampaign, actor, on: date) -> CallCampaign:
    """End a campaign on a day: no new calls after it; open calls stay until resolved."""
    campaign = _locked(campaign)
    if campaign.status == CallCampaign.Status.ENDED:
        raise ValidationError(_("This campaign has already ended."))
    if on is None or on < campaign.starts_on:
        raise ValidationError({"ends_on": _("The campaign cannot end before it starts.")})
    campaign.ends_on = on
    if campaign.status == CallCampaign.Status.ACTIVE:
        campaign.status = CallCampaign.Status.ENDED
    campaign.save(update_fields=["ends_on", "status"])
    audit_record(actor=actor, action="outreach.campaign.end", target=campaign, on=on.isoformat())
    return campaign


def _form(outcome: str, answers: dict) -> dict:
    """The outcome form checked: reached needs its answers, not reached takes none."""
    known = {"alone", "other_need", "note", *CallAttempt.NEEDS}
    unknown = set(answers) - known
    if unknown:
        raise ValueError(f"unknown answers: {sorted(unknown)}")
    if outcome not in ladder.Outcome.values:
        raise ValidationError({"outcome": _("Say whether the person was reached.")})
    form = {name: bool(answers.get(name)) for name in CallAttempt.NEEDS}
    form["other_need"] = " ".join((answers.get("other_need") or "").split())[:300]
    form["note"] = " ".join((answers.get("note") or "").split())[:500]
    alone = answers.get("alone")
    if outcome == ladder.Outcome.REACHED:
        if alone is None:
            raise ValidationError({"alone": _("Say whether the person lives alone.")})
        form["alone"] = bool(alone)
    else:
        if any(form[name] for name in CallAttempt.NEEDS) or form["other_need"]:
            raise ValidationError(
                {"outcome": _("Needs are recorded only when the person was reached.")}
            )
        form["alone"] = None
    return form


def _open_call_for(call: Call, caller, now: datetime) -> Call:
    """The call locked for this caller; refused if resolved or reserved by someone else."""
    call = Call.objects.select_for_update().select_related("campaign", "person").get(pk=call.pk)
    if call.status != Call.Status.OPEN:
        raise ValidationError(_("This call is already resolved."))
    if call.reserved_by_other(caller, now):
        raise ValidationError(_("Another caller has reserved this call."))
    return call


def _advance_call(call: Call, caller, outcome: str, now: datetime) -> ladder.State:
    """Move the call along its campaign's ladder; whoever worked it is its caller next time."""
    state = ladder.advance(call.state, outcome, now, call.campaign.ladder)
    call.step, call.tries, call.next_try_at = state.step, state.tries, state.next_try_at
    if state.resolved:
        call.status, call.resolved_at = Call.Status.RESOLVED, now
    call.caller = caller
    call.reserved_by = call.reservation_ends_at = None
    call.save(
        update_fields=[
            "caller",
            "step",
            "tries",
            "next_try_at",
            "status",
            "resolved_at",
            "reserved_by",
            "reservation_ends_at",
        ]
    )
    return state


def _record_reach(call: Call, now: datetime) -> None:
    """The campaign has reached the person (kept as the first time if it had before)."""
    reached = Reach.objects.filter(
        campaign_id=call.campaign_id, person_id=call.person_id, reached_at__isnull=True
    ).update(reached_at=now, call=call)
    if not reached:
        Reach.objects.get_or_create(
            campaign_id=call.campaign_id,
            person_id=call.person_id,
            defaults={
                "commune_id": call.person.commune_id,
                "due_at": min(call.created_at, now),
                "reached_at": now,
                "call": call,
            },
        )


@transaction.atomic
def call_attempt_record(
    *, call: Call, caller, outcome: str, now: datetime | None = None, **answers
) -> CallAttempt:
    """Record one try of a call and move it along the ladder; needs become follow-ups."""
    now = now or timezone.now()
    form = _form(outcome, answers)
    call = _open_call_for(call, caller, now)
    attempt = CallAttempt.objects.create(
        call=call, called_at=now, caller=caller, step=call.step, outcome=outcome, **form
    )
    state = _advance_call(call, caller, outcome, now)
    audit_record(
        actor=caller,
        action="outreach.call.attempt",
        target=call,
        step=attempt.step,
        outcome=outcome,
    )
    if call.person.last_caller_id != caller.pk:
        RegisteredPerson.objects.filter(pk=call.person_id).update(last_caller=caller)
    if state.resolved:
        _record_reach(call, now)
    if attempt.needs:
        followups_create(attempt=attempt, actor=caller)
    return attempt
