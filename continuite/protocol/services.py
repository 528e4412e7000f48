"""Writes of the protocol app: incidents, closures and reopenings, each audited."""

from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from continuite.accounts.audit import audit_record
from continuite.appointments.models import ClosedWindow, Reason
from continuite.service_points.models import CrisisStatus, ServicePoint
from continuite.service_points.services import service_point_set_status, status_change_end
from continuite.service_points.signals import opening_changed

from .models import Closure, Incident, RehomingRules, RehomingRun
from .rehoming import rehoming_request


@transaction.atomic
def incident_declare(
    *, service_point: ServicePoint, kind: str, occurred_on: date, description: str, actor
) -> Incident:
    """Record an incident at a service point (a closure may follow it)."""
    if kind not in Incident.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of incident.")})
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("An incident cannot be declared in the future.")})
    description = description.strip()
    if not description:
        raise ValidationError({"description": _("Describe what happened.")})
    incident = Incident.objects.create(
        service_point=service_point,
        kind=kind,
        occurred_on=occurred_on,
        description=description[:2000],
        declared_by=actor,
    )
    audit_record(
        actor=actor,
        action="protocol.incident_declared",
        target=service_point,
        incident=incident.pk,
        kind=kind,
    )
    return incident


def _check_closure(
    *,
    service_point: ServicePoint,
    scope: str,
    starts_at: datetime,
    ends_at: datetime | None,
    reasons: list[Reason],
    daily_from: time | None,
    daily_until: time | None,
    label: str,
    now: datetime,
) -> None:
    errors: dict[str, str] = {}
    if scope not in Closure.Scope.values:
        errors["scope"] = _("Choose a full or a partial closure.")
    if not label.strip():
        errors["label"] = _("Give the reason for the closure, as people will read it.")
    if ends_at is not None and ends_at <= starts_at:
        errors["ends_at"] = _("The closure must end after it starts.")
    elif ends_at is not None and ends_at <= now:
        errors["ends_at"] = _("This closure would already be over: choose an end in the future.")
    if (daily_from is None) != (daily_until is None):
        errors["daily_until"] = _("Give both hours of the daily closure, or neither.")
    elif daily_from is not None and daily_until <= daily_from:
        errors["daily_until"] = _("The daily closure must end after it starts.")
    if scope == Closure.Scope.PARTIAL and not reasons and daily_from is None:
        errors["reasons"] = _(
            "A partial closure closes some reasons, some hours of the day, or both: choose them."
        )
    if any(reason.network_id != service_point.network_id for reason in reasons):
        errors["reasons"] = _("These reasons are not offered by this service point's network.")
    if errors:
        raise ValidationError(errors)


def _overlapping(service_point, starts_at, ends_at, now):
    """Closures of the service point still in force at some instant of [starts_at, ends_at)."""
    closures = Closure.objects.filter(service_point=service_point).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=max(starts_at, now))
    )
    closures = closures.filter(Q(reopened_at__isnull=True) | Q(reopened_at__gt=max(starts_at, now)))
    if ends_at is not None:
        closures = closures.filter(starts_at__lt=ends_at)
    return closures


def _refuse_overlap(
    *, service_point, scope, starts_at, ends_at, reasons, daily_from, daily_until, now
) -> None:
    """Refused when a closure in force closes the same thing at some instant of the period;
    the service point is held first, so that two closures declared at once are checked in turn."""
    ServicePoint.objects.select_for_update().filter(pk=service_point.pk).first()
    for other in _overlapping(service_point, starts_at, ends_at, now).prefetch_related("reasons"):
        if (
            other.scope == Closure.Scope.FULL
            or scope == Closure.Scope.FULL
            or _same_target(other, reasons, daily_from, daily_until)
        ):
            raise ValidationError(
                _(
                    "This period is already closed by the closure of %(start)s (%(label)s): "
                    "change or reopen that one instead."
                )
                % {
                    "start": timezone.localtime(other.starts_at).strftime("%d/%m/%Y %H:%M"),
                    "label": other.label,
                }
            )


def _close_for_all(closure: Closure, actor) -> None:
    """A full closure: the crisis status « closed » for its window."""
    closure.status_change = service_point_set_status(
        service_point=closure.service_point,
        status=CrisisStatus.CLOSED,
        reason=closure.label,
        starts_at=closure.starts_at,
        ends_at=closure.ends_at,
        actor=actor,
    )


def _close_some(closure: Closure, reasons: list[Reason]) -> None:
    """A partial closure: a closed window of the chosen reasons, or hours, or both; the
    service point's slots are brought in line after commit."""
    point = closure.service_point
    closure.reasons.set(reasons)
    window = ClosedWindow.objects.create(
        service_point=point,
        starts_at=closure.starts_at,
        ends_at=closure.ends_at,
        daily_from=closure.daily_from,
        daily_until=closure.daily_until,
        label=closure.label,
    )
    window.reasons.set(reasons)
    closure.closed_window = window
    transaction.on_commit(
        lambda: opening_changed.send(sender=ClosedWindow, service_point_id=point.pk)
    )


@transaction.atomic
def closure_declare(
    *,
    service_point: ServicePoint,
    scope: str,
    starts_at: datetime,
    ends_at: datetime | None,
    label: str,
    actor,
    reasons: list[Reason] | None = None,
    daily_from: time | None = None,
    daily_until: time | None = None,
    incident: Incident | None = None,
    now: datetime | None = None,
) -> tuple[Closure, RehomingRun]:
    """Close a service point, fully or partly, and start rehoming its affected appointments.

    A full closure sets the crisis status « closed » for its window; a partial one closes the
    chosen reasons, or the chosen hours of each day, or both. Refused in French, with nothing
    written, when the dates are wrong or the period is already closed. Its rehoming run starts
    once the slot sync the closure queues has brought the slots in line."""
    now = now or timezone.now()
    reasons, label = list(reasons or []), label.strip()
    when = {"starts_at": starts_at, "ends_at": ends_at}
    hours = {"daily_from": daily_from, "daily_until": daily_until}
    _check_closure(
        service_point=service_point,
        scope=scope,
        reasons=reasons,
        label=label,
        now=now,
        **when,
        **hours,
    )
    if incident is not None and incident.service_point_id != service_point.pk:
        raise ValidationError({"incident": _("This incident belongs to another service point.")})
    _refuse_overlap(
        service_point=service_point, scope=scope, reasons=reasons, now=now, **when, **hours
    )
    partial = scope == Closure.Scope.PARTIAL
    closure = Closure.objects.create(
        service_point=service_point,
        incident=incident,
        scope=scope,
        daily_from=daily_from if partial else None,
        daily_until=daily_until if partial else None,
        label=label[:300],
        declared_by=actor,
        **when,
    )
    if partial:
        _close_some(closure, reasons)
    else:
        _close_for_all(closure, actor)
    closure.save(update_fields=["status_change", "closed_window"])
    _audit_declared(closure, reasons, actor)
    trigger = RehomingRun.Trigger.CLOSURE
    run = rehoming_request(
        service_point=service_point, trigger=trigger, closure=closure, actor=actor
    )
    return closure, run


def _audit_declared(closure: Closure, reasons: list[Reason], actor) -> None:
    audit_record(
        actor=actor,
        action="protocol.closure_declared",
        target=closure.service_point,
        closure=closure.pk,
        scope=closure.scope,
        starts_at=closure.starts_at.isoformat(),
        ends_at=closure.ends_at.isoformat() if closure.ends_at else None,
        reasons=[r.pk for r in reasons],
    )


def _same_target(other: Closure, reasons, daily_from, daily_until) -> bool:
    """Two partial closures close the same thing when they share a reason (or either closes
    every reason) and their daily hours meet (or either has none)."""
    theirs = {r.pk for r in other.reasons.all()}
    ours = {r.pk for r in reasons}
    reasons_meet = not theirs or not ours or bool(theirs & ours)
    hours_meet = (
        other.daily_from is None
        or daily_from is None
        or (other.daily_from < daily_until and daily_from < other.daily_until)
    )
    return reasons_meet and hours_meet


@transaction.atomic
def closure_reopen(*, closure: Closure, actor, now: datetime | None = None) -> Closure:
    """End a closure now: the status returns, slots come back, nothing else is touched."""
    now = now or timezone.now()
    closure = Closure.objects.select_for_update().get(pk=closure.pk)
    if closure.state_at(now) == "ended":
        raise ValidationError(_("This closure is already over."))
    closure.reopened_at, closure.reopened_by = now, actor
    closure.save(update_fields=["reopened_at", "reopened_by"])
    if closure.status_change is not None:
        status_change_end(change=closure.status_change, at=now, actor=actor)
    if closure.closed_window is not None:
        window = closure.closed_window
        if window.starts_at >= now:
            window.delete()
        else:
            window.ends_at = now
            window.save(update_fields=["ends_at"])
        point_id = closure.service_point_id
        transaction.on_commit(
            lambda: opening_changed.send(sender=ClosedWindow, service_point_id=point_id)
        )
    audit_record(
        actor=actor,
        action="protocol.closure_reopened",
        target=closure.service_point,
        closure=closure.pk,
        at=now.isoformat(),
    )
    return closure


def rules_manageable_by(user, network) -> bool:
    """The network's national managers set its rehoming rules (steering teams change nothing
    of a network's sites)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.roles.filter(
        kind="network_manager", network=network, departement__isnull=True
    ).exists()


@transaction.atomic
def rehoming_rules_set(
    *,
    network,
    convert_to_phone: bool,
    move_to_other_points: bool,
    max_distance_km: int,
    max_shift_days: int,
    actor,
) -> RehomingRules:
    """Set how a network rehomes the appointments its service points can no longer hold."""
    errors = {}
    if not 1 <= max_distance_km <= 200:
        errors["max_distance_km"] = _("Give a distance between 1 and 200 km.")
    if not 0 <= max_shift_days <= 90:
        errors["max_shift_days"] = _("Give a number of days between 0 and 90.")
    if errors:
        raise ValidationError(errors)
    rules, _created = RehomingRules.objects.update_or_create(
        network=network,
        defaults={
            "convert_to_phone": convert_to_phone,
            "move_to_other_points": move_to_other_points,
            "max_distance_km": max_distance_km,
            "max_shift_days": max_shift_days,
        },
    )
    audit_record(
        actor=actor,
        action="protocol.rehoming_rules_set",
        target=network,
        convert_to_phone=convert_to_phone,
        move_to_other_points=move_to_other_points,
        max_distance_km=max_distance_km,
        max_shift_days=max_shift_days,
    )
    return rules
