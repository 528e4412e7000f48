"""Follow-ups: a need heard during a call becomes a call-back request of the campaign's service
point (appointments' « Être rappelé », origin "outreach"); the caller may also book an
appointment there for the person, or open a case with its legal deadline, each linked to the
person through the try that heard the need."""

import uuid
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from continuite.accounts.audit import audit_record
from continuite.appointments.callbacks import callback_request_create
from continuite.appointments.models import Appointment, CallbackRequest, Slot
from continuite.appointments.queries import without_closures
from continuite.appointments.rules import booking_window
from continuite.appointments.services import appointment_book
from continuite.cases.models import Case, ProcedureType
from continuite.cases.services import case_create
from continuite.service_points.models import CrisisStatus, status_in_force

from .models import CallAttempt, CallCampaign, FollowUp, RegisteredPerson

ORIGIN = "outreach"
# The slots offered to book for the person: the next days, a list one can read over the phone.
SLOT_DAYS = 14
SLOT_CHOICES = 20

_NEED_LABELS = {
    "needs_food": gettext_noop("food"),
    "needs_medication": gettext_noop("medication"),
    "needs_medical_care": gettext_noop("medical care"),
    "psychological_distress": gettext_noop("psychological distress"),
    "needs_administrative_help": gettext_noop("administrative help"),
}


def needs_heard_q() -> Q:
    """Tries that heard at least one need."""
    q = ~Q(other_need="")
    for name in CallAttempt.NEEDS:
        q |= Q(**{name: True})
    return q


def need_labels(attempt: CallAttempt) -> list[str]:
    """The needs heard during a try, as people read them (the other need as typed)."""
    heard = [_(_NEED_LABELS[name]) for name in CallAttempt.NEEDS if getattr(attempt, name)]
    if attempt.other_need:
        heard.append(attempt.other_need)
    return heard


def _note(attempt: CallAttempt) -> str:
    return (_("Outreach call: %(needs)s") % {"needs": ", ".join(need_labels(attempt))})[:500]


@transaction.atomic
def followups_create(*, attempt: CallAttempt, actor) -> list[FollowUp]:
    """Turn the needs of an attempt into one call-back request, linked to the person."""
    if not attempt.needs:
        return []
    call = attempt.call
    campaign, person = call.campaign, call.person
    if campaign.followup_service_point_id is None or campaign.followup_reason_id is None:
        raise ValidationError(_("This campaign does not say where needs are followed up."))
    request = callback_request_create(
        service_point=campaign.followup_service_point,
        reason=campaign.followup_reason,
        name=f"{person.first_name} {person.last_name}",
        phone=person.phone,
        preferred_window=CallbackRequest.Window.ANY,
        note=_note(attempt),
        origin=ORIGIN,
        # Due counted from when the need was heard.
        now=attempt.called_at,
    )
    followup = FollowUp.objects.create(
        attempt=attempt,
        person=person,
        kind=FollowUp.Kind.CALLBACK,
        callback_request=request,
    )
    audit_record(
        actor=actor,
        action="outreach.followup.create",
        target=followup,
        callback_request=request.pk,
    )
    return [followup]


@transaction.atomic
def followup_link(
    *, attempt: CallAttempt, actor, appointment: Appointment | None = None, case: Case | None = None
) -> FollowUp:
    """Link an appointment booked, or a case opened, for a need heard during an attempt."""
    if (appointment is None) == (case is None):
        raise ValidationError(_("Choose an appointment or a case."))
    kind = FollowUp.Kind.APPOINTMENT if appointment is not None else FollowUp.Kind.CASE
    followup = FollowUp.objects.create(
        attempt=attempt,
        person=attempt.call.person,
        kind=kind,
        appointment=appointment,
        case=case,
    )
    linked = {"appointment": appointment.pk} if appointment is not None else {"case": case.pk}
    audit_record(actor=actor, action="outreach.followup.link", target=followup, kind=kind, **linked)
    return followup


def followup_slots(
    campaign: CallCampaign,
    *,
    now: datetime | None = None,
    days: int = SLOT_DAYS,
    limit: int = SLOT_CHOICES,
) -> list[Slot]:
    """The next free slots of the campaign's follow-up reason at its follow-up service point.

    Not the public search (`earliest_slots`), which offers nothing at a point closed now: a
    caller books ahead, past a closure. The same rules otherwise, as an agent books: a free
    seat, a range serving the reason in one of its forms of reception, within its horizon,
    the point not closed at the slot's start, no whole-day closure of the reason then (hours
    closed are refused at booking).
    """
    point, reason = campaign.followup_service_point, campaign.followup_reason
    if point is None or reason is None:
        return []
    now = now or timezone.now()
    _first, last = booking_window(reason, now)  # an agent books: no minimum notice
    until = min(now + timedelta(days=days), last)
    bookable = Slot.objects.bookable().filter(
        service_point=point,
        opening_range__reasons=reason,
        opening_range__ended_at__isnull=True,
        mode__in=reason.modes(),
        starts_at__gt=now,
        starts_at__lte=until,
    )
    return list(
        without_closures(bookable, reason)
        .annotate(point_status=status_in_force(OuterRef("service_point_id"), OuterRef("starts_at")))
        .exclude(point_status=CrisisStatus.CLOSED)
        .order_by("starts_at", "pk")[:limit]
    )


def _followed_up(attempt: CallAttempt) -> tuple[CallCampaign, RegisteredPerson]:
    """The campaign and person of a try whose needs may be followed up (ValidationError if not)."""
    if not attempt.needs:
        raise ValidationError(_("No need was heard during this try."))
    call = attempt.call
    campaign, person = call.campaign, call.person
    if campaign.followup_service_point_id is None or campaign.followup_reason_id is None:
        raise ValidationError(_("This campaign does not say where needs are followed up."))
    if not person.is_active:
        raise ValidationError(_("This registration has ended: no follow-up can be made."))
    return campaign, person


@transaction.atomic
def followup_appointment_book(
    *,
    attempt: CallAttempt,
    slot_id: int,
    actor,
    submission_key: uuid.UUID | None = None,
    now: datetime | None = None,
) -> FollowUp:
    """Book, for a need heard, an appointment at the campaign's follow-up service point for its
    follow-up reason (the person's name and phone from the register), and link it.

    Booked through the public booking service, so a slot taken meanwhile is refused there and
    nothing is written; the same form sent twice books and links once.
    """
    campaign, person = _followed_up(attempt)
    mode = (
        Slot.objects.filter(pk=slot_id, service_point_id=campaign.followup_service_point_id)
        .values_list("mode", flat=True)
        .first()
    )
    if mode is None:
        raise ValidationError({"slot": _("Choose one of the slots offered.")})
    appointment = appointment_book(
        slot_id=slot_id,
        reason=campaign.followup_reason,
        mode=mode,
        name=f"{person.first_name} {person.last_name}",
        phone=person.phone,
        submission_key=submission_key,
        actor=actor,
        now=now,
    )
    earlier = FollowUp.objects.filter(appointment=appointment).first()
    if earlier is not None:
        return earlier
    return followup_link(attempt=attempt, actor=actor, appointment=appointment)


def case_reference(attempt: CallAttempt, submission_key: uuid.UUID) -> str:
    """The reference of a case opened from a try: the form's one-time key makes it the same
    when the form is sent twice."""
    return f"APPEL-{attempt.pk}-{submission_key.hex[:6].upper()}"


@transaction.atomic
def followup_case_open(
    *,
    attempt: CallAttempt,
    procedure_type: ProcedureType,
    actor,
    submission_key: uuid.UUID | None = None,
    now: datetime | None = None,
) -> FollowUp:
    """Open, for a need heard, a case received today at the campaign's follow-up service point
    (so that it gets its legal deadline), and link it."""
    campaign, _person = _followed_up(attempt)
    point = campaign.followup_service_point
    reference = case_reference(attempt, submission_key or uuid.uuid4())
    earlier = FollowUp.objects.filter(
        attempt=attempt, case__network_id=point.network_id, case__reference=reference
    ).first()
    if earlier is not None:
        return earlier
    case = case_create(
        procedure_type=procedure_type,
        service_point=point,
        reference=reference,
        received_at=now or timezone.now(),
        actor=actor,
    )
    return followup_link(attempt=attempt, actor=actor, case=case)
