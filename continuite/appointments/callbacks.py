"""« Être rappelé »: call-back requests, due within 2 business days, and the calls agents make."""

import uuid
from contextlib import nullcontext
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from continuite.core.calendar import add_business_days
from continuite.notifications.services import message_enqueue
from continuite.service_points.models import ServicePoint

from .models import CallbackAttempt, CallbackRequest, Reason
from .services import contact_clean, new_reference, person_for

DUE_BUSINESS_DAYS = 2
# Calls without an answer (or with a message left) before a request is closed as unreachable.
MAX_UNANSWERED_ATTEMPTS = 3
# Open requests one phone number may have at once: the public form sends an SMS each time.
MAX_OPEN_PER_PERSON = 3

_CLOSING_OUTCOMES = {
    CallbackAttempt.Outcome.REACHED: CallbackRequest.Status.DONE,
    CallbackAttempt.Outcome.APPOINTMENT: CallbackRequest.Status.DONE,
    CallbackAttempt.Outcome.WRONG_NUMBER: CallbackRequest.Status.UNREACHABLE,
}
_UNANSWERED = (CallbackAttempt.Outcome.NO_ANSWER, CallbackAttempt.Outcome.VOICEMAIL)


@transaction.atomic
def callback_request_create(
    *,
    service_point: ServicePoint,
    reason: Reason,
    name: str,
    phone: str,
    email: str = "",
    preferred_window: str,
    note: str = "",
    origin: str = "public",
    submission_key: uuid.UUID | None = None,
    now: datetime | None = None,
) -> CallbackRequest:
    """Record a call-back request, due 2 business days later, and acknowledge it by SMS.

    The same form sent twice (same submission_key) finds the first request; so does a new
    request of the same phone for the same reason at the same service point while the first
    is still open (its contact unchanged). Refused in French when the reason, window, name or
    phone number is wrong. A public request from a phone with MAX_OPEN_PER_PERSON requests
    waiting finds the oldest of them and its owner is told by SMS: anyone may type a number,
    so the public page never says what a number holds (`agent_views.callback_request`).
    """
    now = now or timezone.now()
    if submission_key:
        earlier = CallbackRequest.objects.filter(submission_key=submission_key).first()
        if earlier:
            return earlier
    if not reason.is_active or reason.network_id != service_point.network_id:
        raise ValidationError({"reason": _("This reason is not offered at this service point.")})
    if preferred_window not in CallbackRequest.Window.values:
        raise ValidationError({"preferred_window": _("Choose when you prefer to be called.")})
    note = note.strip()
    contact = contact_clean(
        name=name,
        phone=phone,
        email=email,
        departement_code=service_point.departement_id,
        name_missing=_("Give the name of the person to call back."),
    )
    person = person_for(phone=contact["contact_phone"])
    open_requests = CallbackRequest.objects.filter(
        person=person, status=CallbackRequest.Status.OPEN
    )
    already = open_requests.filter(service_point=service_point, reason=reason).first()
    if already:
        return already
    if open_requests.count() >= MAX_OPEN_PER_PERSON:
        return _too_many_open(open_requests, contact["contact_phone"], origin, now)
    request, created = _request_record(
        service_point=service_point,
        reason=reason,
        person=person,
        contact=contact,
        preferred_window=preferred_window,
        note=note,
        origin=origin,
        submission_key=submission_key,
        now=now,
    )
    if created:
        _acknowledge(request)
    return request


def _too_many_open(open_requests, phone: str, origin: str, now: datetime) -> CallbackRequest:
    """A person already waiting for MAX_OPEN_PER_PERSON call-backs: an agent is refused in
    French; a public form finds the oldest request and the number's owner is told by SMS."""
    with translation.override("fr") if origin == "public" else nullcontext():
        too_many = _(
            "You already have %(count)s call-back requests waiting: an agent will call you about them first."
        ) % {"count": MAX_OPEN_PER_PERSON}
    if origin != "public":
        raise ValidationError(too_many)
    message_enqueue(
        channel="sms",
        to=phone,
        body=too_many,
        dedup_key=f"callback:too-many:{phone}:{now.date().isoformat()}",
    )
    return open_requests.order_by("created_at", "id").first()


def _request_record(
    *, service_point, reason, person, contact, preferred_window, note, origin, submission_key, now
) -> tuple[CallbackRequest, bool]:
    """Insert the request, due DUE_BUSINESS_DAYS business days later (and whether it is new):
    the same form sent twice at once finds the first one instead."""
    try:
        with transaction.atomic():
            request = CallbackRequest.objects.create(
                reference=new_reference(),
                service_point=service_point,
                reason=reason,
                person=person,
                **contact,
                preferred_window=preferred_window,
                note=note[:500],
                due_at=add_business_days(
                    now, DUE_BUSINESS_DAYS, departement_code=service_point.departement_id
                ),
                origin=origin,
                submission_key=submission_key,
            )
    except IntegrityError:
        earlier = (
            CallbackRequest.objects.filter(submission_key=submission_key).first()
            if submission_key
            else None
        )
        if earlier is None:
            raise
        return earlier, False
    return request, True


def callback_due_day(request: CallbackRequest) -> date:
    """The last local day of the deadline, as people read it (see `CallbackRequest.due_day`)."""
    return request.due_day


def callback_due_day_for(*, service_point: ServicePoint, now: datetime) -> date:
    """The day by which a request made now at this service point is called back."""
    due_at = add_business_days(
        now, DUE_BUSINESS_DAYS, departement_code=service_point.departement_id
    )
    return CallbackRequest(service_point=service_point, due_at=due_at).due_day


def _acknowledge(request: CallbackRequest) -> None:
    """The SMS confirming the request, in French and in the service point's time zone."""
    point = request.service_point
    context = {"request": request, "due_day": callback_due_day(request)}
    with translation.override("fr"), timezone.override(point.time_zone):
        body = render_to_string("appointments/callback/sms_ack.txt", context)
    message_enqueue(
        channel="sms",
        to=request.contact_phone,
        body=body.strip(),
        dedup_key=f"callback:{request.pk}:ack",
    )


@transaction.atomic
def callback_attempt_record(
    *, request: CallbackRequest, agent, outcome: str, note: str = ""
) -> CallbackAttempt:
    """Record one call for an open request; every attempt is kept.

    Reached (handled or with an appointment booked) closes the request as done; a wrong number
    closes it as unreachable, and so does the third call without an answer or with a message left.
    """
    if outcome not in CallbackAttempt.Outcome.values:
        raise ValidationError({"outcome": _("Unknown outcome.")})
    request = CallbackRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != CallbackRequest.Status.OPEN:
        raise ValidationError(_("This call-back request is already closed."))
    attempt = CallbackAttempt.objects.create(
        request=request,
        agent=agent if agent is not None and agent.is_authenticated else None,
        outcome=outcome,
        note=note.strip()[:500],
    )
    status = _CLOSING_OUTCOMES.get(outcome)
    if (
        status is None
        and request.attempts.filter(outcome__in=_UNANSWERED).count() >= MAX_UNANSWERED_ATTEMPTS
    ):
        status = CallbackRequest.Status.UNREACHABLE
    if status is not None:
        request.status, request.closed_at = status, timezone.now()
        request.save(update_fields=["status", "closed_at"])
    attempt.request = request
    return attempt
