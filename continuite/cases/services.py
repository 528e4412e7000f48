"""Writes on cases: intake, assignment, status, clock stops, transfers and suspension windows.

Each service runs in one transaction, writes the case's history and an audit record, and
refuses bad input with a ValidationError before writing anything.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from continuite.accounts.audit import audit_record
from continuite.accounts.models import Role
from continuite.core.models import Departement
from continuite.service_points.models import ServicePoint

from .deadlines import (
    case_deadline_refresh,
    compute_deadline,
    window_scopes,
    windows_for,
)
from .events import EventKind
from .models import Case, CaseEvent, ClockStop, ProcedureType, SuspensionWindow
from .signals import suspension_declared

# A stop may be declared a little ahead (a letter sent tonight), never further.
MAX_STOP_AHEAD = timedelta(days=1)

# Allowed status changes through case_set_status. Waiting for the person goes through a clock
# stop (clock_stop_add), so that the deadline pauses with it.
TRANSITIONS = {
    Case.Status.RECEIVED: {
        Case.Status.IN_PROGRESS,
        Case.Status.ACCEPTED,
        Case.Status.REJECTED,
        Case.Status.CLOSED,
    },
    Case.Status.IN_PROGRESS: {Case.Status.ACCEPTED, Case.Status.REJECTED, Case.Status.CLOSED},
    Case.Status.WAITING: {
        Case.Status.IN_PROGRESS,
        Case.Status.ACCEPTED,
        Case.Status.REJECTED,
        Case.Status.CLOSED,
    },
    Case.Status.ACCEPTED: {Case.Status.CLOSED},
    Case.Status.REJECTED: {Case.Status.CLOSED},
    Case.Status.CLOSED: set(),
}


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _event(case: Case, kind: str, actor, note: str = "", **deadlines) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=_user(actor), note=note[:500], **deadlines
    )


def _aware(value: datetime, field: str) -> None:
    if value is None or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError({field: _("Give a date and a time.")})


def _local_day(value: datetime, case: Case) -> str:
    return value.astimezone(case.service_point.time_zone).strftime("%d/%m/%Y")


def _check_works_at(agent, service_point: ServicePoint, field: str = "agent") -> None:
    if agent is None or not agent.is_active:
        raise ValidationError({field: _("This agent account is not active.")})
    if not Role.objects.filter(user=agent, service_point=service_point).exists():
        raise ValidationError({field: _("This agent does not work at this service point.")})


def _locked(case: Case) -> Case:
    """The case reloaded under a row lock, so two writers never interleave on it."""
    list(Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True))
    case.refresh_from_db()
    return case


def _case_create_check(procedure_type, service_point, reference, received_at, assigned_to):
    """The refusals of a new case, in the order the agent reads them (the duplicate apart)."""
    if not reference:
        raise ValidationError({"reference": _("Give the case's reference.")})
    if len(reference) > Case._meta.get_field("reference").max_length:
        raise ValidationError(
            {"reference": _("This reference is too long (40 characters at most).")}
        )
    if procedure_type.network_id != service_point.network_id:
        raise ValidationError(
            {"procedure_type": _("This procedure does not belong to the service point's network.")}
        )
    if not procedure_type.is_active:
        raise ValidationError({"procedure_type": _("This procedure is no longer in use.")})
    _aware(received_at, "received_at")
    if received_at > timezone.now():
        raise ValidationError({"received_at": _("The date of receipt cannot be in the future.")})
    if assigned_to is not None:
        _check_works_at(assigned_to, service_point, "assigned_to")


@transaction.atomic
def case_create(
    *,
    procedure_type: ProcedureType,
    service_point: ServicePoint,
    reference: str,
    received_at: datetime,
    actor,
    assigned_to=None,
) -> Case:
    """Register a case received at a service point, with its deadline and first history line."""
    reference = (reference or "").strip()
    _case_create_check(procedure_type, service_point, reference, received_at, assigned_to)
    duplicate = _("A case with the reference %(reference)s already exists in this network.") % {
        "reference": reference
    }
    if Case.objects.filter(network_id=service_point.network_id, reference=reference).exists():
        raise ValidationError({"reference": duplicate})
    deadline = compute_deadline(
        procedure_type=procedure_type,
        departement_code=service_point.departement_id,
        received_at=received_at,
        stops=[],
        windows=windows_for(window_scopes(), procedure_type.pk, service_point.departement_id),
    )
    try:
        with transaction.atomic():
            case = Case.objects.create(
                reference=reference,
                network_id=service_point.network_id,
                procedure_type=procedure_type,
                service_point=service_point,
                received_at=received_at,
                assigned_to=assigned_to,
                status=Case.Status.RECEIVED,
                deadline_at=deadline.at,
                deadline_explanation=deadline.explanation,
            )
    except IntegrityError as error:  # the same reference registered at the same moment
        raise ValidationError({"reference": duplicate}) from error
    _event(case, EventKind.RECEIVED, actor, new_deadline_at=case.deadline_at)
    if assigned_to is not None:
        _event(case, EventKind.ASSIGNED, actor, note=str(assigned_to))
    audit_record(actor=actor, action="cases.create", target=case, reference=reference)
    return case


@transaction.atomic
def case_assign(*, case: Case, agent, actor) -> Case:
    """Give a case to a case worker of its service point."""
    _locked(case)
    if not case.is_open:
        raise ValidationError(_("This case is decided or closed: it cannot be assigned."))
    _check_works_at(agent, case.service_point)
    if case.assigned_to_id == agent.pk:
        return case
    case.assigned_to = agent
    case.save(update_fields=["assigned_to", "updated_at"])
    _event(case, EventKind.ASSIGNED, actor, note=str(agent))
    audit_record(actor=actor, action="cases.assign", target=case, agent=agent.pk)
    return case


def _end_open_stops(case: Case, at: datetime) -> None:
    for stop in case.clock_stops.filter(ends_at__isnull=True):
        stop.ends_at = max(at, stop.starts_at + timedelta(seconds=1))
        stop.save(update_fields=["ends_at"])


@transaction.atomic
def case_set_status(*, case: Case, status: str, actor, note: str = "") -> Case:
    """Move a case along its life: in progress, decided (accepted or rejected), closed.

    Leaving "waiting" ends the open clock stop now. A decision sets decided_at; closing an
    undecided case (withdrawn) leaves it empty. Decided and closed cases never reopen.
    """
    _locked(case)
    if status not in Case.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    current = Case.Status(case.status)
    if status == current:
        return case
    if status == Case.Status.WAITING:
        raise ValidationError(
            {"status": _("To wait for the person, stop the clock: the deadline pauses with it.")}
        )
    if status not in TRANSITIONS[current]:
        if current not in Case.OPEN:
            message = _("This case is decided or closed: it cannot be reopened.")
        else:
            message = _("A case cannot go from “%(from)s” to “%(to)s”.") % {
                "from": current.label,
                "to": Case.Status(status).label,
            }
        raise ValidationError({"status": message})
    now = timezone.now()
    if current == Case.Status.WAITING:
        _end_open_stops(case, now)
        case_deadline_refresh(case, actor=actor, note=_("Clock resumed"), now=now)
    case.status = status
    if status in Case.DECIDED:
        case.decided_at = now
    case.save(update_fields=["status", "decided_at", "updated_at"])
    _event(
        case,
        EventKind.STATUS_CHANGED,
        actor,
        note=" — ".join(filter(None, [f"{current.label} → {Case.Status(status).label}", note])),
    )
    audit_record(
        actor=actor, action="cases.set_status", target=case, before=current.value, after=status
    )
    return case


def _clock_stop_check(case: Case, reason: str, starts_at: datetime, ends_at: datetime | None):
    """The refusals of a clock stop, in the order the agent reads them."""
    if reason not in ClockStop.Reason.values:
        raise ValidationError({"reason": _("Choose the reason for stopping the clock.")})
    _aware(starts_at, "starts_at")
    if ends_at is not None:
        _aware(ends_at, "ends_at")
        if ends_at <= starts_at:
            raise ValidationError({"ends_at": _("The clock stop ends before it starts.")})
    if not case.is_open:
        raise ValidationError(_("This case is decided or closed: its clock cannot be stopped."))
    if starts_at < case.received_at:
        raise ValidationError(
            {"starts_at": _("The clock cannot stop before the case was received.")}
        )
    if starts_at > timezone.now() + MAX_STOP_AHEAD:
        raise ValidationError(
            {"starts_at": _("The clock cannot stop more than a day ahead: record it on the day.")}
        )
    open_stop = case.clock_stops.filter(ends_at__isnull=True).first()
    if open_stop is not None and (ends_at is None or ends_at > open_stop.starts_at):
        raise ValidationError(
            _("The clock is already stopped since %(since)s: resume it first.")
            % {"since": _local_day(open_stop.starts_at, case)}
        )


@transaction.atomic
def clock_stop_add(
    *,
    case: Case,
    reason: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    note: str = "",
    actor,
) -> ClockStop:
    """Stop a case's clock (documents requested...); open-ended, the case waits for the person."""
    _locked(case)
    _clock_stop_check(case, reason, starts_at, ends_at)
    stop = ClockStop.objects.create(
        case=case,
        reason=reason,
        starts_at=starts_at,
        ends_at=ends_at,
        note=note[:300],
        created_by=_user(actor),
    )
    if ends_at is None and case.status != Case.Status.WAITING:
        case.status = Case.Status.WAITING
        case.save(update_fields=["status", "updated_at"])
    _event(
        case,
        EventKind.CLOCK_STOPPED,
        actor,
        note=" — ".join(filter(None, [stop.get_reason_display(), note])),
    )
    case_deadline_refresh(case, actor=actor, note=_("Clock stopped"))
    audit_record(
        actor=actor,
        action="cases.clock_stop",
        target=case,
        stop=stop.pk,
        starts_at=starts_at.isoformat(),
        ends_at=ends_at.isoformat() if ends_at else None,
    )
    return stop


@transaction.atomic
def clock_stop_end(*, stop: ClockStop, ends_at: datetime, actor) -> ClockStop:
    """Resume a case's clock: the stop ends, the case is in progress again, the deadline moves."""
    case = _locked(stop.case)
    stop.refresh_from_db()
    _aware(ends_at, "ends_at")
    if stop.ends_at is not None:
        raise ValidationError(_("This clock stop has already ended."))
    if not case.is_open:
        raise ValidationError(_("This case is decided or closed: its clock cannot be resumed."))
    if ends_at <= stop.starts_at:
        raise ValidationError({"ends_at": _("The clock stop ends before it starts.")})
    if ends_at > timezone.now() + MAX_STOP_AHEAD:
        raise ValidationError(
            {"ends_at": _("The clock cannot resume more than a day ahead: record it on the day.")}
        )
    stop.ends_at = ends_at
    stop.save(update_fields=["ends_at"])
    if (
        case.status == Case.Status.WAITING
        and not case.clock_stops.filter(ends_at__isnull=True).exists()
    ):
        case.status = Case.Status.IN_PROGRESS
        case.save(update_fields=["status", "updated_at"])
    _event(case, EventKind.CLOCK_RESUMED, actor, note=stop.get_reason_display())
    case_deadline_refresh(case, actor=actor, note=_("Clock resumed"))
    audit_record(
        actor=actor,
        action="cases.clock_resume",
        target=case,
        stop=stop.pk,
        ends_at=ends_at.isoformat(),
    )
    return stop


@transaction.atomic
def case_transfer(*, case: Case, service_point: ServicePoint, actor, note: str = "") -> Case:
    """Move a case to another service point of its network; its deadline and history stay."""
    _locked(case)
    if not case.is_open:
        raise ValidationError(_("This case is decided or closed: it cannot be transferred."))
    if service_point.network_id != case.network_id:
        raise ValidationError(
            {"service_point": _("A case can only move to a service point of its own network.")}
        )
    if service_point.pk == case.service_point_id:
        raise ValidationError({"service_point": _("The case is already at this service point.")})
    before = case.service_point
    case.service_point = service_point
    case.assigned_to = None
    case.save(update_fields=["service_point", "assigned_to", "updated_at"])
    _event(
        case,
        EventKind.TRANSFERRED,
        actor,
        note=" — ".join(filter(None, [f"{before} → {service_point}", note])),
    )
    audit_record(
        actor=actor,
        action="cases.transfer",
        target=case,
        from_point=before.pk,
        to_point=service_point.pk,
    )
    return case


@transaction.atomic
def suspension_window_declare(
    *,
    label: str,
    legal_basis: str,
    starts_on: date,
    ends_on: date,
    procedure_types: Iterable,
    departements: Iterable,
    actor,
) -> SuspensionWindow:
    """Declare a legal suspension of deadlines; the affected deadlines move in a background task.

    procedure_types and departements take instances or primary keys; none means all.
    """
    label, legal_basis = (label or "").strip(), (legal_basis or "").strip()
    if not label:
        raise ValidationError({"label": _("Give the suspension a name.")})
    if not legal_basis:
        raise ValidationError({"legal_basis": _("Give the legal basis of the suspension.")})
    if not isinstance(starts_on, date) or not isinstance(ends_on, date):
        raise ValidationError(_("Give the first and last days of the suspension."))
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The suspension ends before it starts.")})
    type_ids = {getattr(p, "pk", p) for p in procedure_types or []}
    codes = {getattr(d, "pk", d) for d in departements or []}
    if ProcedureType.objects.filter(pk__in=type_ids).count() != len(type_ids):
        raise ValidationError({"procedure_types": _("Unknown procedure type.")})
    if Departement.objects.filter(pk__in=codes).count() != len(codes):
        raise ValidationError({"departements": _("Unknown département.")})
    window = SuspensionWindow.objects.create(
        label=label[:200],
        legal_basis=legal_basis[:300],
        starts_on=starts_on,
        ends_on=ends_on,
        declared_by=_user(actor),
    )
    window.procedure_types.set(type_ids)
    window.departements.set(codes)
    audit_record(
        actor=actor,
        action="cases.suspension_declare",
        target=window,
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat(),
        procedure_types=sorted(type_ids),
        departements=sorted(codes),
    )
    transaction.on_commit(
        lambda: suspension_declared.send(sender=SuspensionWindow, window_id=window.pk)
    )
    return window


def suspension_window_affected(window: SuspensionWindow):
    """Cases whose counting period can run through the window (a superset, cheap to filter).

    Received before the window ends and due after it starts (a day of margin each side for
    time zones), or waiting with the clock stopped (a provisional date moves every day).
    """
    type_ids = list(window.procedure_types.values_list("pk", flat=True))
    codes = list(window.departements.values_list("pk", flat=True))
    received_before = datetime.combine(window.ends_on + timedelta(days=2), time.min, tzinfo=UTC)
    due_after = datetime.combine(window.starts_on - timedelta(days=2), time.min, tzinfo=UTC)
    cases = Case.objects.filter(received_at__lt=received_before).filter(
        Q(deadline_at__gte=due_after) | Q(status=Case.Status.WAITING)
    )
    if type_ids:
        cases = cases.filter(procedure_type_id__in=type_ids)
    if codes:
        cases = cases.filter(service_point__departement_id__in=codes)
    return cases


def suspension_window_apply(
    *, window: SuspensionWindow, batch_size: int = 2000, now: datetime | None = None
) -> int:
    """Recompute the deadlines a window may move, batch by batch; returns how many moved.

    One transaction per batch of cases (by primary key), so a million cases never hold one
    long transaction; a batch is recomputed with every window in force, so running it twice,
    or after another window, moves nothing more.
    """
    note = _("Suspension of deadlines: %(label)s") % {"label": window.label}
    return _recompute(
        suspension_window_affected(window),
        batch_size=batch_size,
        now=now,
        note=note,
        actor_id=window.declared_by_id,
        record=True,
    )


def waiting_deadlines_refresh(*, batch_size: int = 2000, now: datetime | None = None) -> int:
    """Move the provisional deadlines of cases whose clock is stopped to today (run daily).

    An open stop suspends the clock up to `now`, so the stored date falls behind by a day each
    day. These daily moves write no history line: the case already shows the stop, and the
    resumption records the move.
    """
    waiting = Case.objects.filter(status=Case.Status.WAITING)
    return _recompute(waiting, batch_size=batch_size, now=now, note="", actor_id=None, record=False)


def _recompute(cases, *, batch_size, now, note, actor_id, record) -> int:
    now = now or timezone.now()
    scopes = window_scopes()
    types = {p.pk: p for p in ProcedureType.objects.all()}
    moved, last_pk = 0, 0
    while True:
        with transaction.atomic():
            ids = list(
                cases.filter(pk__gt=last_pk)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return moved
            last_pk = ids[-1]
            moved += _recompute_batch(ids, types, scopes, now, note[:500], actor_id, record)


def _recompute_batch(ids, types, scopes, now, note, actor_id, record) -> int:
    """Recompute a batch of deadlines: 3 reads, one bulk update, one bulk insert of events."""
    cases = list(
        Case.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .annotate(departement_code=F("service_point__departement_id"))
        .order_by("pk")
    )
    stops: dict[int, list] = {}
    for case_id, starts_at, ends_at in ClockStop.objects.filter(case_id__in=ids).values_list(
        "case_id", "starts_at", "ends_at"
    ):
        stops.setdefault(case_id, []).append((starts_at, ends_at))
    changed, events, moved = [], [], 0
    for case in cases:
        deadline = compute_deadline(
            procedure_type=types[case.procedure_type_id],
            departement_code=case.departement_code,
            received_at=case.received_at,
            stops=stops.get(case.pk, []),
            windows=windows_for(scopes, case.procedure_type_id, case.departement_code),
            now=now,
        )
        if deadline.at == case.deadline_at and deadline.explanation == case.deadline_explanation:
            continue
        if deadline.at != case.deadline_at:
            moved += 1
            if record:
                events.append(
                    CaseEvent(
                        case=case,
                        kind=EventKind.DEADLINE_MOVED,
                        note=note,
                        actor_id=actor_id,
                        previous_deadline_at=case.deadline_at,
                        new_deadline_at=deadline.at,
                    )
                )
        case.deadline_at, case.deadline_explanation = deadline.at, deadline.explanation
        case.updated_at = now
        changed.append(case)
    Case.objects.bulk_update(changed, ["deadline_at", "deadline_explanation", "updated_at"])
    CaseEvent.objects.bulk_create(events)
    return moved
