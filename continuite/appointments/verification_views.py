"""Pages of the proof of the phone (public) and of the switch of high demand (network managers).

Without JavaScript: the form of a booking or a lottery entry, once sent, asks for the code sent
to the number typed (or for a mobile number, with the call-back form of the counter offered
instead); the right code leads to a page that sends the same form again, everything typed kept.
"""

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from continuite.core.forms import add_errors
from continuite.core.phones import display_phone, normalize_phone
from continuite.core.ratelimit import hit, limit_of, too_many_requests
from continuite.notifications.budget import sms_budget

from .access import access_reason_by_id, access_reasons_managed
from .high_demand import high_demand_in_force, high_demand_start, high_demand_stop
from .models import HighDemand
from .verification import (
    Proof,
    TooManyCodes,
    is_mobile,
    phone_code_check,
    phone_code_send,
    proof_in_session,
    proof_remember,
)
from .verification_forms import CodeForm, HighDemandForm, NumberForm

PENDING_KEY = "phone_code_pending"
PENDING_KEPT = 5
# Bounds of a form kept in the session (public forms have a dozen fields of at most 500 chars).
KEPT_FIELDS, KEPT_VALUES, KEPT_VALUE_LENGTH = 30, 5, 1000
# Codes sent per address and minute (a limit of core.ratelimit, its own counter).
PHONE_CODES = "RATE_LIMIT_PHONE_CODES_PER_MINUTE"


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-cache, no-store, must-revalidate, max-age=0, private"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _code_url(pending_id: str) -> str:
    return reverse("appointments:phone_code", args=[pending_id])


def _wait(request, seconds: int) -> HttpResponse:
    """429: this number received its share of codes; when to ask again."""
    minutes = max(1, -(-seconds // 60))
    response = render(
        request, "appointments/public/phone_code_wait.html", {"minutes": minutes}, status=429
    )
    response["Retry-After"] = str(seconds)
    return _private(response)


def _send(request, pending_id: str, phone: str) -> HttpResponse:
    """Send a code to the pending number: the code page, or 429 past a limit."""
    if not hit(request, "phone-code", limit_of(PHONE_CODES)):
        return too_many_requests(request)
    try:
        phone_code_send(phone=phone)
    except TooManyCodes as limit:
        return _wait(request, limit.retry_after)
    messages.success(
        request,
        _("A code was sent by text message to %(phone)s.") % {"phone": display_phone(phone)},
    )
    return redirect(_code_url(pending_id))


def _kept(data) -> dict[str, list[str]]:
    """The form sent, to send again after the code (bounded: it lives in the session)."""
    return {
        name: [value[:KEPT_VALUE_LENGTH] for value in data.getlist(name)[:KEPT_VALUES]]
        for name in list(data)[:KEPT_FIELDS]
        if name != "csrfmiddlewaretoken" and len(name) <= 50
    }


def phone_proof_step(request, *, phone: str, point_id: int, now) -> Proof | HttpResponse | None:
    """The proof of the number a sent form typed, or the page of the next step.

    None when the number is not a valid one (the service then says so). Otherwise, without a
    proof in the session, the form sent is kept in the session and the person is led to the
    code sent to that number (or told that a code needs a mobile, with the call-back form of
    the counter `point_id` offered instead).
    """
    e164 = normalize_phone(phone)
    if e164 is None:
        return None
    proof = proof_in_session(request.session, e164, now)
    if proof is not None:
        return proof
    pending_id = secrets.token_urlsafe(9)
    pendings = dict(list(request.session.get(PENDING_KEY, {}).items())[-(PENDING_KEPT - 1) :])
    pendings[pending_id] = {
        "action": request.get_full_path(),
        "data": _kept(request.POST),
        "phone": e164,
        "point": point_id,
    }
    request.session[PENDING_KEY] = pendings
    if not is_mobile(e164):
        return redirect(_code_url(pending_id))
    return _send(request, pending_id, e164)


def _pending_page(
    request, pending_id: str, pending: dict, *, code_form=None, number_form=None, status=200
):
    phone = pending["phone"]
    context = {
        "pending_id": pending_id,
        "phone": display_phone(phone),
        "mobile": is_mobile(phone),
        "minutes": settings.PHONE_CODE_MINUTES,
        "callback_url": reverse("appointments:callback_request", args=[pending["point"]]),
        "code_form": code_form or CodeForm(),
        "number_form": number_form or NumberForm(initial={"phone": display_phone(phone)}),
    }
    return _private(render(request, "appointments/public/phone_code.html", context, status=status))


@sms_budget
@require_http_methods(["GET", "POST"])
def phone_code(request, pending_id: str):
    """Type the code received; the right one leads on to the form sent, everything kept."""
    pending = request.session.get(PENDING_KEY, {}).get(pending_id)
    if pending is None:
        return _private(render(request, "appointments/public/invalid_link.html", status=404))
    if request.method == "GET":
        return _pending_page(request, pending_id, pending)
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            verified_at = phone_code_check(phone=pending["phone"], code=form.cleaned_data["code"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            proof_remember(request.session, pending["phone"], verified_at)
            pendings = request.session[PENDING_KEY]
            pendings.pop(pending_id)
            request.session[PENDING_KEY] = pendings
            fields = [(name, value) for name, values in pending["data"].items() for value in values]
            context = {"action": pending["action"], "fields": fields}
            return _private(render(request, "appointments/public/phone_verified.html", context))
    return _pending_page(request, pending_id, pending, code_form=form, status=400)


@sms_budget
@require_POST
def phone_code_resend(request, pending_id: str):
    """Send a new code, to the same number or to another one typed instead (kept in the form)."""
    pendings = request.session.get(PENDING_KEY, {})
    pending = pendings.get(pending_id)
    if pending is None:
        return _private(render(request, "appointments/public/invalid_link.html", status=404))
    form = NumberForm(request.POST)
    e164 = normalize_phone(form.data.get("phone", "")) if form.is_valid() else None
    if form.is_valid() and e164 is None:
        form.add_error(
            "phone",
            _("This phone number is not valid. Example: 06 12 34 56 78 or +33 6 12 34 56 78"),
        )
    if e164 is None:
        return _pending_page(request, pending_id, pending, number_form=form, status=400)
    pending["phone"] = e164
    pending["data"]["phone"] = [form.cleaned_data["phone"]]
    request.session[PENDING_KEY] = pendings
    if not is_mobile(e164):
        return redirect(_code_url(pending_id))
    return _send(request, pending_id, e164)


# Network managers: high demand per reason.


@login_required
@require_GET
def high_demand_list(request):
    """The reasons an agent may switch to high demand, and whether they are in it now."""
    now = timezone.now()
    reasons = list(
        access_reasons_managed(request.user).select_related("network").order_by("network", "label")
    )
    in_force = {
        p.reason_id: p
        for p in HighDemand.objects.in_force(now).filter(reason__in=[r.pk for r in reasons])
    }
    rows = [(reason, in_force.get(reason.pk)) for reason in reasons]
    return render(request, "appointments/agents/high_demand_list.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def high_demand_page(request, reason_id: int):
    """Switch high demand on (why, how long) or off for one reason of the manager's network."""
    reason = access_reason_by_id(request.user, reason_id)
    now = timezone.now()
    form = HighDemandForm()
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "stop":
            high_demand_stop(reason=reason, actor=request.user, now=now)
            messages.success(request, _("High demand is off: booking needs no code any more."))
            return redirect("appointments:high_demand", reason_id=reason.pk)
        form = HighDemandForm(request.POST)
        if form.is_valid():
            try:
                high_demand_start(
                    reason=reason,
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    hours=form.cleaned_data["hours"],
                    now=now,
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(
                    request, _("High demand is on: booking this reason online needs a code.")
                )
                return redirect("appointments:high_demand", reason_id=reason.pk)
        status = 400
    context = {
        "reason": reason,
        "period": high_demand_in_force(reason.pk, now),
        "history": reason.high_demand_periods.select_related("started_by")[:20],
        "form": form,
    }
    return render(request, "appointments/agents/high_demand.html", context, status=status)
