"""Follow-ups: a need heard during a call becomes a call-back request of the campaign's service
point (appointments' « Être rappelé », origin "outreach"); an appointment or a case booked or
opened for the person can be linked too."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from continuite.accounts.audit import audit_record
from continuite.appointments.callbacks import callback_request_create
from continuite.appointments.models import Appointment, CallbackRequest
from continuite.cases.models import Case

from .models import CallAttempt, FollowUp

ORIGIN = "outreach"

_NEED_LABELS = {
    "needs_food": gettext_noop("food"),
    "needs_medication": gettext_noop("medication"),
    "needs_medical_care": gettext_noop("medical care"),
    "psychological_distress": gettext_noop("psychological distress"),
    "needs_administrative_help": gettext_noop("administrative help"),
}


def _note(attempt: CallAttempt) -> str:
    heard = [_(_NEED_LABELS[name]) for name in CallAttempt.NEEDS if getattr(attempt, name)]
    if attempt.other_need:
        heard.append(attempt.other_need)
    return (_("Outreach call: %(needs)s") % {"needs": ", ".join(heard)})[:500]


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
    audit_record(actor=actor, action="outreach.followup.link", target=followup, kind=kind)
    return followup
