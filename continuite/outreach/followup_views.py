"""The follow-up page of a call: the needs heard during a try, what they became, and the two
forms that make more of them (an appointment booked for the person, a case opened). Showing
it is a read of the person's record, logged."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from continuite.core.converters import parse_id
from continuite.core.forms import form_apply

from . import followups, services
from .access import access_call_by_id, register_reader_required
from .followup_forms import FollowupAppointmentForm, FollowupCaseForm, slot_label
from .models import Call, CallAttempt, FollowUp, ReadReason


def followup_url(call: Call, attempt: CallAttempt) -> str:
    url = reverse("outreach:followup", args=[call.pk])
    return f"{url}?{urlencode({'tentative': attempt.pk})}"


def _attempt(call: Call, value: str | None) -> CallAttempt:
    """The try whose needs are followed up: the one named, else the latest that heard needs."""
    attempts = call.attempts.filter(followups.needs_heard_q()).select_related("caller")
    if value is not None:
        attempt_id = parse_id(value)
        if attempt_id is None:
            raise Http404(_("No such try of this call."))
        attempts = attempts.filter(pk=attempt_id)
    attempt = attempts.order_by("-called_at", "-pk").first()
    if attempt is None:
        raise Http404(_("No try of this call heard needs."))
    attempt.call = call
    return attempt


def _followups(attempt: CallAttempt) -> list[FollowUp]:
    return list(
        attempt.followups.select_related(
            "callback_request",
            "appointment__service_point",
            "case__procedure_type",
        )
    )


def _page(request, call, attempt, *, appointment_form=None, case_form=None, status=200):
    campaign, person = call.campaign, call.person
    point = campaign.followup_service_point
    can_follow_up = point is not None and campaign.followup_reason is not None and person.is_active
    slots = followups.followup_slots(campaign) if can_follow_up else []
    time_zone = point.time_zone if point is not None else timezone.get_current_timezone()
    if appointment_form is None:
        appointment_form = FollowupAppointmentForm(slots=slots, time_zone=time_zone)
    else:
        appointment_form.slots_for(slots, time_zone)
    if case_form is None and point is not None:
        case_form = FollowupCaseForm(network_id=point.network_id)
    services.person_read(
        person=person,
        actor=request.user,
        reason=ReadReason.CAMPAIGN_CALL,
        note=f"follow-up {call.pk}",
    )
    return render(
        request,
        "outreach/followup.html",
        {
            "call": call,
            "person": person,
            "attempt": attempt,
            "needs": followups.need_labels(attempt),
            "followups": _followups(attempt),
            "point": point,
            "reason": campaign.followup_reason,
            "can_follow_up": can_follow_up,
            "slots": slots,
            "slot_days": followups.SLOT_DAYS,
            "appointment_form": appointment_form,
            "case_form": case_form,
            "page_url": followup_url(call, attempt),
        },
        status=status,
    )


def _load(request, call_id: int) -> tuple[Call, CallAttempt]:
    call = access_call_by_id(request.user, call_id)
    return call, _attempt(call, request.GET.get("tentative"))


@register_reader_required
@require_http_methods(["GET"])
def followup(request, call_id: int):
    """The needs heard during a try (the latest by default), their follow-ups, and the forms."""
    call, attempt = _load(request, call_id)
    return _page(request, call, attempt)


def _follow_up(request, call, attempt, form, make, done, form_name: str):
    """Make one follow-up with the form's data; on success the follow-up page again with
    `done(followup)` as message, else the page with the form's errors (400)."""
    made, followup = form_apply(form, make)
    if made:
        messages.success(request, done(followup))
        return redirect(followup_url(call, attempt))
    return _page(request, call, attempt, status=400, **{form_name: form})


@register_reader_required
@require_POST
def followup_appointment(request, call_id: int):
    """Book one of the slots offered for the person, and link the appointment."""
    call, attempt = _load(request, call_id)
    point = call.campaign.followup_service_point
    time_zone = point.time_zone if point is not None else timezone.get_current_timezone()

    def booked(followup):
        appointment = followup.appointment
        return _("The appointment is booked: %(when)s, %(point)s (reference %(reference)s).") % {
            "when": slot_label(appointment, time_zone),
            "point": point.name,
            "reference": appointment.reference,
        }

    return _follow_up(
        request,
        call,
        attempt,
        FollowupAppointmentForm(request.POST, slots=[], time_zone=time_zone),
        lambda data: followups.followup_appointment_book(
            attempt=attempt,
            slot_id=data["slot"],
            actor=request.user,
            submission_key=data["submission_key"],
        ),
        booked,
        "appointment_form",
    )


@register_reader_required
@require_POST
def followup_case(request, call_id: int):
    """Open a case received today for the person, and link it."""
    call, attempt = _load(request, call_id)
    point = call.campaign.followup_service_point
    if point is None:
        raise Http404(_("This campaign does not say where needs are followed up."))

    def opened(followup):
        case = followup.case
        deadline = timezone.localtime(case.deadline_at, point.time_zone)
        return _("The case %(reference)s is opened; its legal deadline is %(deadline)s.") % {
            "reference": case.reference,
            "deadline": formats.date_format(deadline, "l j F Y"),
        }

    return _follow_up(
        request,
        call,
        attempt,
        FollowupCaseForm(request.POST, network_id=point.network_id),
        lambda data: followups.followup_case_open(
            attempt=attempt,
            procedure_type=data["procedure_type"],
            actor=request.user,
            submission_key=data["submission_key"],
        ),
        opened,
        "case_form",
    )
