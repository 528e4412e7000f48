"""The agents' agenda, counter queue and call-backs of a service point; the public call-back form.

Every agent view loads its service point with `access_service_point_by_id` (404 outside the
agent's scope), parses its input with a form, calls one service and renders; a refused action
renders the page again with status 400 and the reason. Any role on the service point may use
these pages. Pages work without JavaScript: each action is a small POST form.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from continuite.core.forms import add_errors
from continuite.core.phones import display_phone
from continuite.core.ratelimit import CALLBACKS, rate_limit
from continuite.notifications.budget import sms_budget
from continuite.service_points.access import access_service_point_by_id
from continuite.service_points.models import ServicePoint

from . import callbacks, queue
from .agent_forms import (
    AgendaForm,
    AppointmentCancelForm,
    AppointmentStatusForm,
    CallbackAttemptForm,
    CallbackRequestForm,
    QueueCloseForm,
    QueueTicketForm,
    network_reasons,
)
from .models import Appointment, CallbackRequest, QueueTicket, Reason, Slot
from .services import appointment_cancel, appointment_set_status

CALLBACKS_PER_PAGE = 50
# The queue page shows the day's appointments not yet checked in, from this long ago (late people).
LATE_ARRIVALS = timedelta(hours=1)
NEXT_APPOINTMENTS_SHOWN = 30
# Shown on the agenda; cancelled and moved appointments gave their seat back.
AGENDA_STATUSES = (
    Appointment.Status.BOOKED,
    Appointment.Status.CHECKED_IN,
    Appointment.Status.DONE,
    Appointment.Status.NO_SHOW,
)


def _errors_text(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def _local_bounds(point: ServicePoint, first: date, days: int) -> tuple[datetime, datetime]:
    tz = point.time_zone
    return (
        datetime.combine(first, time.min, tzinfo=tz),
        datetime.combine(first + timedelta(days=days), time.min, tzinfo=tz),
    )


def _with_phone(appointment: Appointment) -> Appointment:
    appointment.phone_display = display_phone(appointment.contact_phone)
    return appointment


# --- Agenda -------------------------------------------------------------------------------


@dataclass
class AgendaDay:
    day: date
    slots: list[Slot] = field(default_factory=list)

    @property
    def booked(self) -> int:
        return sum(s.booked for s in self.slots)

    @property
    def capacity(self) -> int:
        return sum(s.capacity for s in self.slots)


def _agenda_context(point: ServicePoint, day: date, week: bool) -> dict:
    """Slots of the day (or of the week from its Monday) with their appointments: 2 queries."""
    first = day - timedelta(days=day.weekday()) if week else day
    span = 7 if week else 1
    start, end = _local_bounds(point, first, span)
    shown = (
        Appointment.objects.filter(status__in=AGENDA_STATUSES)
        .select_related("reason")
        .order_by("starts_at", "id")
    )
    slots = list(
        Slot.objects.filter(service_point=point, starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at", "id")
        .prefetch_related(Prefetch("appointments", queryset=shown, to_attr="shown"))
    )
    days = [AgendaDay(first + timedelta(days=i)) for i in range(span)]
    to_rehome = []
    for slot in slots:
        days[(slot.starts_at.astimezone(point.time_zone).date() - first).days].slots.append(slot)
        for appointment in slot.shown:
            _with_phone(appointment)
        if slot.over_capacity:
            to_rehome.extend(a for a in slot.shown if a.is_active)
    step = timedelta(days=span)
    return {
        "point": point,
        "day": day,
        "week": week,
        "days": days,
        "to_rehome": to_rehome,
        "previous_day": first - step if week else day - step,
        "next_day": first + step if week else day + step,
        "today": point.local_now().date(),
    }


def _agenda_page(request, point, day: date, week: bool = False, *, status: int = 200):
    return render(
        request, "appointments/agents/agenda.html", _agenda_context(point, day, week), status=status
    )


@login_required
@require_GET
def agenda(request, point_id: int):
    """The day's (or the week's) slots, seats and appointments, with the counter's actions."""
    point = access_service_point_by_id(request.user, point_id)
    form = AgendaForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("This date is not valid: here is today."))
        return _agenda_page(request, point, point.local_now().date(), status=400)
    day = form.cleaned_data["day"] or point.local_now().date()
    return _agenda_page(request, point, day, form.cleaned_data["week"])


def _appointment_of(point: ServicePoint, appointment_id: int) -> Appointment:
    return get_object_or_404(Appointment.objects.all(), pk=appointment_id, service_point=point)


def _back(request, point, appointment: Appointment, back: str, *, status: int = 200):
    """After an action: back to the queue page or to the appointment's day in the agenda."""
    if back == "queue":
        if status != 200:
            return _queue_page(request, point, status=status)
        return redirect("appointments:queue", point_id=point.pk)
    day = appointment.starts_at.astimezone(point.time_zone).date()
    if status != 200:
        return _agenda_page(request, point, day, status=status)
    url = reverse("appointments:agenda", args=[point.pk])
    return redirect(f"{url}?{urlencode({'day': day.isoformat()})}")


_STATUS_MESSAGES = {
    Appointment.Status.CHECKED_IN: gettext_lazy(
        "Appointment %(reference)s: the person has arrived."
    ),
    Appointment.Status.DONE: gettext_lazy("Appointment %(reference)s is done."),
    Appointment.Status.NO_SHOW: gettext_lazy("Appointment %(reference)s: the person did not come."),
}


def _back_to(request) -> str:
    """Where the action's form asks to go back: the queue page, or by default the agenda."""
    return "queue" if request.POST.get("back") == "queue" else "agenda"


def _appointment_action(request, point_id: int, appointment_id: int, form, refused, act, done):
    """Run one agent action on an appointment: `refused` when the form is invalid, the service's
    reason when it refuses, else the `done(appointment, data)` message; then back to the page."""
    point = access_service_point_by_id(request.user, point_id)
    appointment = _appointment_of(point, appointment_id)
    back = _back_to(request)
    if not form.is_valid():
        messages.error(request, refused)
        return _back(request, point, appointment, back, status=400)
    try:
        act(appointment, form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _errors_text(error))
        return _back(request, point, appointment, back, status=400)
    messages.success(request, done(appointment, form.cleaned_data))
    return _back(request, point, appointment, back)


@login_required
@require_POST
def appointment_status(request, point_id: int, appointment_id: int):
    """Check in, done, or did not come."""
    return _appointment_action(
        request,
        point_id,
        appointment_id,
        AppointmentStatusForm(request.POST),
        _("This change is not possible for this appointment."),
        lambda appointment, data: appointment_set_status(
            appointment=appointment, status=data["status"], actor=request.user
        ),
        lambda appointment, data: (
            _STATUS_MESSAGES[data["status"]] % {"reference": appointment.reference}
        ),
    )


@login_required
@require_POST
def appointment_cancel_view(request, point_id: int, appointment_id: int):
    """Cancel with a reason: the seat goes back to the slot and the person is told."""
    return _appointment_action(
        request,
        point_id,
        appointment_id,
        AppointmentCancelForm(request.POST),
        _("Give the reason for cancelling."),
        lambda appointment, data: appointment_cancel(
            appointment=appointment, note=data["note"], actor=request.user
        ),
        lambda appointment, data: (
            _("Appointment %(reference)s is cancelled; the person is told.")
            % {"reference": appointment.reference}
        ),
    )


# --- Queue --------------------------------------------------------------------------------


def _queue_page(request, point, form=None, *, status: int = 200):
    now = timezone.now()
    today = queue.queue_today(point, now)
    for ticket in today.waiting:
        ticket.waiting_minutes = max(0, int((now - ticket.arrived_at).total_seconds() // 60))
    start_of_day, end_of_day = _local_bounds(point, today.day, 1)
    upcoming = [
        _with_phone(a)
        for a in Appointment.objects.filter(
            service_point=point,
            status=Appointment.Status.BOOKED,
            starts_at__gte=max(start_of_day, now - LATE_ARRIVALS),
            starts_at__lt=end_of_day,
        )
        .select_related("reason")
        .order_by("starts_at", "id")[:NEXT_APPOINTMENTS_SHOWN]
    ]
    average = today.average_wait
    context = {
        "point": point,
        "today": today,
        "now": now,
        "average_minutes": round(average.total_seconds() / 60) if average is not None else None,
        "form": form or QueueTicketForm(service_point=point),
        "upcoming": upcoming,
    }
    return render(request, "appointments/agents/queue.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def queue_page(request, point_id: int):
    """The day's waiting list and the next appointments; POST adds a ticket."""
    point = access_service_point_by_id(request.user, point_id)
    if request.method != "POST":
        return _queue_page(request, point)
    form = QueueTicketForm(request.POST, service_point=point)
    if form.is_valid():
        try:
            ticket = queue.queue_ticket_add(
                service_point=point, agent=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("Ticket %(number)s: %(priority)s.")
                % {"number": ticket.number, "priority": ticket.get_priority_display()},
            )
            return redirect("appointments:queue", point_id=point.pk)
    return _queue_page(request, point, form, status=400)


@login_required
@require_POST
def queue_ticket_close(request, point_id: int, ticket_id: int):
    """Served, or left before being served."""
    point = access_service_point_by_id(request.user, point_id)
    ticket = get_object_or_404(QueueTicket, pk=ticket_id, service_point=point)
    form = QueueCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A ticket is closed as served or gone."))
        return _queue_page(request, point, status=400)
    try:
        ticket = queue.queue_ticket_close(
            ticket=ticket, status=form.cleaned_data["status"], agent=request.user
        )
    except ValidationError as error:
        messages.error(request, _errors_text(error))
        return _queue_page(request, point, status=400)
    if ticket.status == QueueTicket.Status.SERVED:
        text = _("Ticket %(number)s: the person has been served.")
    else:
        text = _("Ticket %(number)s: the person left before being served.")
    messages.success(request, text % {"number": ticket.number})
    return redirect("appointments:queue", point_id=point.pk)


# --- Call-backs: the agents' list ---------------------------------------------------------


def _callback_page(
    request, point, failed: tuple[int, CallbackAttemptForm] | None = None, *, status=200
):
    now = timezone.now()
    open_requests = (
        CallbackRequest.objects.filter(service_point=point, status=CallbackRequest.Status.OPEN)
        .select_related("reason")
        .prefetch_related("attempts__agent")
        .order_by("due_at", "id")
    )
    page = Paginator(open_requests, CALLBACKS_PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for callback in page:
        callback.phone_display = display_phone(callback.contact_phone)
        callback.overdue = callback.due_at < now
        if failed and failed[0] == callback.pk:
            form = failed[1]
        else:
            form = CallbackAttemptForm(auto_id=f"id_%s_{callback.pk}")
        rows.append((callback, form))
    context = {"point": point, "page": page, "rows": rows, "now": now}
    return render(request, "appointments/agents/callbacks.html", context, status=status)


@login_required
@require_GET
def callback_queue(request, point_id: int):
    """Open call-back requests, the most urgent first, overdue ones flagged."""
    point = access_service_point_by_id(request.user, point_id)
    return _callback_page(request, point)


@login_required
@require_POST
def callback_attempt(request, point_id: int, request_id: int):
    """Record one call and its outcome."""
    point = access_service_point_by_id(request.user, point_id)
    callback = get_object_or_404(CallbackRequest, pk=request_id, service_point=point)
    form = CallbackAttemptForm(request.POST, auto_id=f"id_%s_{callback.pk}")
    if form.is_valid():
        try:
            attempt = callbacks.callback_attempt_record(
                request=callback, agent=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            closed = attempt.request.status
            if closed == CallbackRequest.Status.OPEN:
                text = _("Call recorded for %(reference)s: it stays on the list.")
            elif closed == CallbackRequest.Status.DONE:
                text = _("Call recorded: request %(reference)s is done.")
            else:
                text = _(
                    "Call recorded: request %(reference)s is closed, the person could not be reached."
                )
            messages.success(request, text % {"reference": callback.reference})
            return redirect("appointments:callback_queue", point_id=point.pk)
    messages.error(
        request,
        _("The call for %(reference)s is not recorded: see below.")
        % {"reference": callback.reference},
    )
    return _callback_page(request, point, (callback.pk, form), status=400)


# --- Call-backs: the public form ----------------------------------------------------------
# Public (no account); here because the call-back pages belong together.

_CONFIRMATION_SALT = "continuite.appointments.callback"


@rate_limit("callback", CALLBACKS, methods=("POST",))
@sms_budget
@require_http_methods(["GET", "POST"])
def callback_request(request, point_id: int):
    """« Être rappelé »: leave a phone number, an agent calls back within 2 business days."""
    point = get_object_or_404(
        ServicePoint.objects.select_related("network", "departement"), pk=point_id
    )
    form = CallbackRequestForm(request.POST or None, service_point=point)
    if request.method == "POST" and form.is_valid():
        data, now = form.cleaned_data, timezone.now()
        try:
            callbacks.callback_request_create(
                service_point=point,
                reason=data["reason"],
                name=data["name"],
                phone=data["phone"],
                email=data["email"],
                preferred_window=data["preferred_window"],
                note=data["note"],
                origin="public",
                submission_key=data["submission_key"],
                now=now,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            # What the form chose, not the request recorded: a number already waiting for a
            # call gets the same page as a new one (the reference comes by SMS).
            token = signing.Signer(salt=_CONFIRMATION_SALT).sign_object(
                {
                    "point": point.pk,
                    "reason": data["reason"].pk,
                    "window": data["preferred_window"],
                    "due_on": callbacks.callback_due_day_for(
                        service_point=point, now=now
                    ).isoformat(),
                }
            )
            return redirect("appointments:callback_confirmation", token=token)
    return render(
        request,
        "appointments/callback/request.html",
        {
            "point": point,
            "form": form,
            "has_reasons": network_reasons(point).exists(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_GET
def callback_confirmation(request, token: str):
    """The day by which the person will be called, about what and when they prefer: only what
    the form chose, the same whatever the number already held (the reference comes by SMS)."""
    try:
        data = signing.Signer(salt=_CONFIRMATION_SALT).unsign_object(token)
        due_on = date.fromisoformat(data["due_on"])
        window = CallbackRequest.Window(data["window"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Http404 from None
    point = get_object_or_404(ServicePoint, pk=data.get("point"))
    reason = get_object_or_404(Reason, pk=data.get("reason"))
    return render(
        request,
        "appointments/callback/confirmation.html",
        {
            "point": point,
            "reason": reason,
            "window": window,
            "due_day": due_on,
        },
    )
