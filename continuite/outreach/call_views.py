"""A caller's pages: today's call list (reserve, release) and the call sheet where the outcome
of each try is recorded. Showing the sheet is a read of the person's record, logged."""

from datetime import datetime, time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from continuite.accounts.audit import audit_record
from continuite.core.forms import add_errors
from continuite.core.phones import display_phone

from . import calllists, services
from .access import access_call_by_id, calls_visible_to, register_reader_required
from .campaigns import call_attempt_record
from .followup_views import followup_url
from .forms import OutcomeForm
from .models import Call, FollowUp, ReadReason

CALLS_SHOWN = 200


@register_reader_required
@require_http_methods(["GET"])
def calls(request):
    """Today's calls of the caller: open ones first, by next try; those resolved today after."""
    now = timezone.now()
    today = timezone.localdate()
    day_start = timezone.make_aware(datetime.combine(today, time.min))
    rows = list(
        calls_visible_to(request.user)
        .filter(due_on__lte=today)
        .filter(Q(status=Call.Status.OPEN) | Q(resolved_at__gte=day_start))
        .select_related("person__commune", "campaign", "reserved_by")
        # Open calls (not resolved yet) first, by next try; then those ended today.
        .order_by(
            F("resolved_at").asc(nulls_first=True),
            F("next_try_at").asc(nulls_first=True),
            "due_on",
            "pk",
        )[:CALLS_SHOWN]
    )
    for call in rows:
        call.is_open = call.status == Call.Status.OPEN
        call.is_cancelled = call.status == Call.Status.CANCELLED
        call.mine = call.reserved_by_id == request.user.pk and call.reservation_ends_at > now
        call.taken = call.reserved_by_other(request.user, now)
    # The list shows names: who looked at whom is logged, once per register (its controllers
    # read their own register's entries).
    shown: dict[int, list[int]] = {}
    for call in rows:
        shown.setdefault(call.person.register_id, []).append(call.person_id)
    for register_id, people in shown.items():
        audit_record(
            actor=request.user,
            action="outreach.calls.read",
            target=request.user,
            register=register_id,
            people=people,
        )
    return render(request, "outreach/calls.html", {"calls": rows})


def _call_action(request, call_id: int, action, success: str):
    call = access_call_by_id(request.user, call_id)
    try:
        action(call=call, caller=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect("outreach:calls")


@register_reader_required
@require_POST
def call_reserve(request, call_id: int):
    """Take a call for the next minutes: nobody else works it meanwhile."""
    return _call_action(
        request, call_id, calllists.call_reserve, _("The call is reserved for you.")
    )


@register_reader_required
@require_POST
def call_release(request, call_id: int):
    """Give a reserved call back to the list."""
    return _call_action(
        request, call_id, calllists.call_release, _("The call is back in the list.")
    )


@register_reader_required
@require_http_methods(["GET", "POST"])
def call_sheet(request, call_id: int):
    """The script, how to reach the person, the ladder so far, and the outcome form."""
    call = access_call_by_id(request.user, call_id)
    form = OutcomeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                attempt = call_attempt_record(
                    call=call, caller=request.user, **form.service_values()
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The outcome of the call is recorded."))
                if attempt.needs:
                    messages.info(
                        request,
                        _("The needs heard become a call-back request for %(point)s.")
                        % {"point": call.campaign.followup_service_point.name},
                    )
                    # Where an appointment or a case can be made of them too.
                    return redirect(followup_url(call, attempt))
                return redirect("outreach:calls")
        status = 400
    person = call.person
    services.person_read(
        person=person, actor=request.user, reason=ReadReason.CAMPAIGN_CALL, note=f"call {call.pk}"
    )
    now = timezone.now()
    attempts = list(call.attempts.select_related("caller"))
    return render(
        request,
        "outreach/call.html",
        {
            "call": call,
            "person": person,
            "form": form,
            "is_open": call.status == Call.Status.OPEN,
            "taken": call.reserved_by_other(request.user, now),
            "phones": [display_phone(p) for p in (person.phone, person.other_phone) if p],
            "contacts": [
                (c, display_phone(c.phone) if c.phone else "") for c in person.contacts.all()
            ],
            "attempts": attempts,
            "followups": list(
                FollowUp.objects.filter(attempt__call=call).select_related(
                    "callback_request", "appointment__service_point", "case__procedure_type"
                )
            ),
        },
        status=status,
    )
