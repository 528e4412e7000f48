"""Public appointment pages: booking without an account and the secret manage link.

The four steps (reason and place, slot, details, confirmation) are plain links and forms: they
work without JavaScript. Every write goes through the services, which explain refusals in the
person's language; the pages keep what was typed and say what to do next.
"""

import uuid
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from continuite.core.converters import parse_id
from continuite.core.forms import add_errors
from continuite.core.models import Commune
from continuite.core.phones import display_phone
from continuite.core.ratelimit import BOOKINGS, SEARCHES, rate_limit
from continuite.core.text import normalize_name
from continuite.notifications.budget import sms_budget
from continuite.service_points.models import ServicePoint
from continuite.service_points.queries import Place, PlaceLookup, place_lookup

from . import booking
from .high_demand import high_demand_on
from .links import appointment_from_token, manage_token
from .lottery import lottery_enter, next_draw_day
from .messages import ics_for
from .models import Appointment, Reason, Slot
from .public_forms import (
    BookingForm,
    ContactForm,
    LotteryEntryForm,
    MoveForm,
    StartForm,
    online_reasons,
)
from .queries import (
    earliest_slots,
    lottery_point_open,
    lottery_points,
    move_choices,
    widening,
)
from .rules import slot_refusal
from .services import (
    BookingRefused,
    CapReached,
    appointment_book,
    appointment_cancel,
    appointment_contact_change,
    appointment_move,
    earlier_booking,
)
from .verification import Proof
from .verification_views import phone_proof_step

SLOTS_PER_PAGE = 20

STEPS = (
    gettext_lazy("Reason and place"),
    gettext_lazy("Choose a time"),
    gettext_lazy("Your details"),
    gettext_lazy("Confirmation"),
)
# A reason allocated by draw: the person chooses a counter, not a time.
LOTTERY_STEPS = (
    STEPS[0],
    gettext_lazy("Choose a counter"),
    STEPS[2],
    gettext_lazy("Registration for the draw"),
)
LOTTERY_ENTRY_SALT = "continuite.appointments.lottery-entry"
# The page after a booking form names only what the form chose (slot, reason, mode): the same
# for a booking and for a refusal by the per-person cap, which anyone typing a number could see.
REQUESTED_SALT = "continuite.appointments.requested"

# What the history of an appointment says of each of its events.
EVENT_LABELS = {
    "booked": gettext_lazy("Appointment booked"),
    "cancelled": gettext_lazy("Appointment cancelled"),
    "moved": gettext_lazy("Moved to another time"),
    "moved_here": gettext_lazy("Booked in place of an earlier appointment"),
    "checked_in": gettext_lazy("Arrived at the counter"),
    "done": gettext_lazy("Appointment held"),
    "no_show": gettext_lazy("Did not come"),
    "contact_changed": gettext_lazy("Contact details changed"),
}


def _stepper(number: int, steps=STEPS) -> dict:
    return {
        "step": number,
        "step_count": len(steps),
        "step_title": steps[number - 1],
        "next_step_title": steps[number] if number < len(steps) else "",
    }


def _private(response: HttpResponse) -> HttpResponse:
    """Pages about one person's appointment: kept out of caches and search engines."""
    add_never_cache_headers(response)
    response["Cache-Control"] += ", private"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _invalid_link(request) -> HttpResponse:
    return _private(render(request, "appointments/public/invalid_link.html", status=404))


# Step 1 and 2: reason and place, then the earliest slots near that place.


def start(request):
    """« Prendre rendez-vous »: choose a reason, then a postcode or a commune."""
    initial = {name: request.GET.get(name, "") for name in ("reason", "q")}
    context = {"form": StartForm(initial=initial), "lookup": PlaceLookup(), "choice_links": []}
    return render(request, "appointments/public/start.html", {**context, **_stepper(1)})


def _lookup(q: str, commune_code: str) -> PlaceLookup:
    """The commune chosen among homonyms, as long as the query still names it; else the query."""
    if commune_code:
        commune = Commune.objects.filter(code=commune_code, latitude__isnull=False).first()
        if commune and commune.search_name == normalize_name(q):
            return PlaceLookup(
                place=Place(
                    f"{commune.name} ({commune.departement_id})",
                    commune.latitude,
                    commune.longitude,
                )
            )
    return place_lookup(q)


@rate_limit("search", SEARCHES)
@require_GET
def slots(request):
    """The earliest bookable slots of the reason near the place: soonest first, then nearest."""
    form = StartForm(request.GET)
    context = {"form": form, "lookup": PlaceLookup(), "choice_links": [], **_stepper(1)}
    if not form.is_valid():
        return render(request, "appointments/public/start.html", context, status=400)
    reason, q = form.cleaned_data["reason"], form.cleaned_data["q"]
    lookup = _lookup(q, form.cleaned_data["commune"])
    context["lookup"] = lookup
    if lookup.error:
        form.add_error("q", lookup.error)
        return render(request, "appointments/public/start.html", context, status=400)
    if lookup.choices:
        context["choice_links"] = [
            (commune, urlencode({"reason": reason.pk, "q": q, "commune": commune.code}))
            for commune in lookup.choices
        ]
        return render(request, "appointments/public/start.html", context)
    search = {"reason": reason.pk, "q": q}
    if form.cleaned_data["commune"]:
        search["commune"] = form.cleaned_data["commune"]
    if reason.lottery:
        points, radius = widening(
            lottery_points,
            reason=reason,
            latitude=lookup.place.latitude,
            longitude=lookup.place.longitude,
            limit=SLOTS_PER_PAGE,
        )
        context = {
            "reason": reason,
            "place": lookup.place,
            "points": points,
            "radius_km": radius,
            "entry_query": urlencode({k: v for k, v in search.items() if k != "reason"}),
            "start_query": urlencode({"reason": reason.pk, "q": q}),
            **_stepper(2, LOTTERY_STEPS),
        }
        return render(request, "appointments/public/lottery_points.html", context)
    offers, radius = widening(
        earliest_slots,
        reason=reason,
        latitude=lookup.place.latitude,
        longitude=lookup.place.longitude,
        limit=SLOTS_PER_PAGE,
    )
    book_query = urlencode(search)
    context = {
        "reason": reason,
        "place": lookup.place,
        "offers": offers,
        "radius_km": radius,
        "book_query": book_query,
        "start_query": urlencode({"reason": reason.pk, "q": q}),
        **_stepper(2),
    }
    return render(request, "appointments/public/slots.html", context)


# Step 3: who comes.

# Said before a form whose phone is proven by a code (a lottery entry, a booking in high demand).
CODE_NOTICE = gettext_lazy(
    "Many people ask for these places: a code will be sent by text message to your mobile, to "
    "check the number before your request counts."
)


def _reason_for(slot_id: int, value) -> int | None:
    """The id of the reason the link names (the rules judge it), or the slot's only reason
    booked online when it names none."""
    if value not in (None, ""):
        return parse_id(value)
    only = list(
        online_reasons().filter(opening_ranges__slots=slot_id).values_list("pk", flat=True)[:2]
    )
    return only[0] if len(only) == 1 else None


def _slot_checked(slot_id: int, reason_id: int | None, now) -> tuple[Slot, Reason | None, str]:
    """The slot (or 404) and the reason, read as the booking reads them, with why the public
    may not book it now ("" when they may): the rules' answer, the same as the service's."""
    read = None
    if reason_id is not None:
        read = booking.slot_read(slot_id=slot_id, reason_id=reason_id, now=now, draw_id=False)
    if read is None:
        slot = get_object_or_404(Slot, pk=slot_id)
        return slot, None, slot_refusal(slot, None, slot.mode, now)
    return read.slot, read.reason, slot_refusal(read.slot, read.reason, read.slot.mode, now)


def _with_point(slot: Slot) -> Slot:
    """The slot with its counter and network, for a page."""
    slot.service_point = ServicePoint.objects.select_related("network").get(
        pk=slot.service_point_id
    )
    return slot


def _slots_url(reason: Reason | None, q: str, commune: str, point: ServicePoint) -> str:
    """Back to the list of slots the person came from (or, failing that, near the counter)."""
    if reason is None:
        return reverse("appointments:start")
    if not q:
        q, commune = point.postcode or point.commune_name, ""
        if not q:
            return reverse("appointments:start") + "?" + urlencode({"reason": reason.pk})
    query = {"reason": reason.pk, "q": q}
    if commune:
        query["commune"] = commune
    return reverse("appointments:slots") + "?" + urlencode(query)


def _earlier_booking(data) -> Appointment | None:
    """The appointment already booked with this form's one-time key (a second click, a reload)."""
    try:
        key = uuid.UUID(str(data.get("submission_key", "")))
    except ValueError:
        return None
    return earlier_booking(key)


def _book_page(request, slot: Slot, reason: Reason | None, context: dict, *, status: int):
    """The page of step 3 (the form, or why the slot cannot be booked) for this slot."""
    point = slot.service_point  # loaded for pages only: a booking that succeeds needs none of it
    data = request.POST if request.method == "POST" else request.GET
    q, commune = data.get("q", "")[:100], data.get("commune", "")[:5]
    context = {
        "slot": slot,
        "point": point,
        "reason": reason,
        "slots_url": _slots_url(reason, q, commune, point),
        **_stepper(3),
        **context,
    }
    if "form" not in context:
        return render(request, "appointments/public/slot_unavailable.html", context, status=status)
    return _private(render(request, "appointments/public/book.html", context, status=status))


@rate_limit("booking", BOOKINGS, methods=("POST",))
@sms_budget
@require_http_methods(["GET", "POST"])
def book(request, slot_id: int):
    """Step 3: name and phone for the chosen slot; a second sending of the form books nothing more.

    Bookings come in bursts: a POST with a valid form goes straight to the service, which
    reads the slot and the reason the form names, checks them (its counter closed now
    included) and answers a form sent twice with its first booking. The slot, its counter,
    the link back to the free times and that first booking are looked up here only on the
    way to a page.
    """
    now = timezone.now()
    if request.method == "GET":
        return _book_form_page(request, slot_id, now)
    form = BookingForm(request.POST)
    if form.is_valid() and high_demand_on(form.cleaned_data["reason"], now):
        # High demand: the code sent to the phone first (the step keeps the form sent); a slot
        # that does not exist is left to the service's refusal.
        slot_point = Slot.objects.filter(pk=slot_id).values_list("service_point_id", flat=True)
        point_id = slot_point.first()
        if point_id is not None:
            proof = phone_proof_step(
                request, phone=form.cleaned_data["phone"], point_id=point_id, now=now
            )
            if isinstance(proof, HttpResponse):
                return proof
    if form.is_valid():
        requested_url = _requested_url(slot_id, form.cleaned_data)
        try:
            appointment_book(
                slot_id=slot_id,
                reason=form.cleaned_data["reason"],
                mode=form.cleaned_data["mode"],
                name=form.cleaned_data["name"],
                phone=form.cleaned_data["phone"],
                email=form.cleaned_data["email"],
                submission_key=form.cleaned_data["submission_key"],
                now=now,
            )
        except CapReached:
            # The phone's owner is told by SMS; the page says no more than for a booking.
            return redirect(requested_url)
        except ValidationError as error:
            refusal = error
        else:
            # Also the answer to the same form sent again: the service returns the first booking.
            return redirect(requested_url)
    else:
        # Not sent to the service: unless this form booked already (sent twice, the slot now
        # full), say why.
        refusal = None
        earlier = _earlier_booking(request.POST)
        if earlier is not None:
            return redirect(
                _requested_url(earlier.slot_id, {"reason": earlier.reason_id, "mode": earlier.mode})
            )
    return _refusal_page(request, slot_id, form, refusal, now)


def _book_form_page(request, slot_id: int, now):
    """Step 3 shown: the form for the slot, or why the rules refuse it now."""
    reason_id = _reason_for(slot_id, request.GET.get("reason"))
    slot, reason, problem = _slot_checked(slot_id, reason_id, now)
    slot = _with_point(slot)
    if problem:
        return _book_page(request, slot, reason, {"problem": problem}, status=409)
    q, commune = request.GET.get("q", "")[:100], request.GET.get("commune", "")[:5]
    form = BookingForm(initial=BookingForm.initial_for(slot, reason.pk, q=q, commune=commune))
    if high_demand_on(reason.pk, now):
        messages.info(request, CODE_NOTICE)
    return _book_page(request, slot, reason, {"form": form}, status=200)


def _refusal_page(request, slot_id: int, form, refusal: ValidationError | None, now):
    """The page of a refusal: what is wrong with the slot itself, or else with the form.

    A refusal of the rules carries the slot and reason the service read: they are not read
    again; the slot is read here only for a form the service did not see.
    """
    if isinstance(refusal, BookingRefused):
        slot, reason, problem = refusal.read.slot, refusal.read.reason, refusal.message
    else:
        slot, reason, problem = _slot_checked(slot_id, parse_id(request.POST.get("reason")), now)
    slot = _with_point(slot)
    if problem:
        return _book_page(request, slot, reason, {"form": form, "problem": problem}, status=400)
    if refusal is not None:
        add_errors(form, refusal)
    return _book_page(request, slot, reason, {"form": form}, status=400)


# Step 4 and after: the request recorded, the confirmation and the manage link.


def _requested_url(slot_id: int, data: dict) -> str:
    # Signed without a date: the same choice gives the same address at any time.
    token = signing.Signer(salt=REQUESTED_SALT).sign_object(
        {"slot": slot_id, "reason": int(data["reason"]), "mode": data["mode"]}
    )
    return reverse("appointments:requested", args=[token])


@require_GET
def requested(request, token: str):
    """Step 4 after the form: the request is recorded and its confirmation sent to the phone
    (and email) given, with the personal link. It shows only what the form chose, so it is
    the same whether the booking was made or refused for the person's cap (told by SMS)."""
    try:
        data = signing.Signer(salt=REQUESTED_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return _invalid_link(request)
    slot = (
        Slot.objects.select_related("service_point", "service_point__network")
        .filter(pk=data.get("slot"))
        .first()
    )
    reason = Reason.objects.filter(pk=data.get("reason")).first()
    if slot is None or reason is None:
        return _invalid_link(request)
    context = {"slot": slot, "point": slot.service_point, "reason": reason, **_stepper(4)}
    return _private(render(request, "appointments/public/requested.html", context))


def _appointment_context(appointment: Appointment, token: str) -> dict:
    return {
        "appointment": appointment,
        "point": appointment.service_point,
        "token": token,
        "manage_path": reverse("appointments:manage", args=[token]),
    }


@require_GET
def confirmation(request, token: str):
    """Step 4: what was booked, where, what to bring, and the personal link to change it."""
    appointment = appointment_from_token(token)
    if appointment is None:
        return _invalid_link(request)
    context = {**_appointment_context(appointment, token), **_stepper(4)}
    return _private(render(request, "appointments/public/confirmation.html", context))


@require_GET
def ics(request, token: str):
    """The appointment as a calendar file (cancelled ones too, so calendars remove them)."""
    appointment = appointment_from_token(token)
    if appointment is None:
        return _invalid_link(request)
    response = HttpResponse(ics_for(appointment), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="rendez-vous-{appointment.reference}.ics"'
    )
    return _private(response)


def _move_form(appointment: Appointment, data=None) -> tuple[MoveForm, list[Slot]]:
    choices = move_choices(appointment)
    tz = appointment.service_point.time_zone
    labels = [
        (
            s.pk,
            formats.date_format(timezone.localtime(s.starts_at, tz), "l j F Y, H:i")
            + " – "
            + formats.time_format(timezone.localtime(s.ends_at, tz), "H:i"),
        )
        for s in choices
    ]
    return MoveForm(data, choices=labels), choices


def _manage_page(request, appointment, token, *, move_form=None, contact_form=None, status=200):
    events = [
        (event, EVENT_LABELS.get(event.kind, event.kind))
        for event in appointment.events.order_by("occurred_at", "id")
    ]
    # A reason given out by lottery is not moved online: its times are drawn, not chosen.
    if move_form is None and appointment.is_active and not appointment.reason.lottery:
        move_form, _choices = _move_form(appointment)
    if contact_form is None and appointment.is_active:
        contact_form = ContactForm(
            initial={
                "name": appointment.contact_name,
                "phone": display_phone(appointment.contact_phone),
                "email": appointment.contact_email,
            }
        )
    context = {
        **_appointment_context(appointment, token),
        "events": events,
        "move_form": move_form,
        "contact_form": contact_form,
        "moved_to_path": (
            reverse("appointments:manage", args=[manage_token(appointment.moved_to)])
            if appointment.moved_to_id
            else ""
        ),
        "rebook_url": reverse("appointments:start")
        + "?"
        + urlencode({"reason": appointment.reason_id, "q": appointment.service_point.postcode}),
    }
    return _private(render(request, "appointments/public/manage.html", context, status=status))


@require_GET
def manage(request, token: str):
    """The person's own page for an appointment, reached through the signed link."""
    appointment = appointment_from_token(token)
    if appointment is None:
        return _invalid_link(request)
    return _manage_page(request, appointment, token)


@rate_limit("booking", BOOKINGS, methods=("POST",))
@sms_budget
@require_http_methods(["GET", "POST"])
def cancel(request, token: str):
    """Cancel, after a confirmation page: a plain link and a button, no JavaScript needed."""
    appointment = appointment_from_token(token)
    if appointment is None:
        return _invalid_link(request)
    if request.method == "POST":
        try:
            appointment_cancel(appointment=appointment, note=_("Cancelled by the person online"))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Your appointment is cancelled. The seat is offered to someone else."),
            )
        return redirect("appointments:manage", token=token)
    if not appointment.is_active:
        return redirect("appointments:manage", token=token)
    context = _appointment_context(appointment, token)
    return _private(render(request, "appointments/public/cancel.html", context))


@rate_limit("booking", BOOKINGS)
@sms_budget
@require_http_methods(["POST"])
def move(request, token: str):
    """Move to another free time of the same reason at the same counter."""
    appointment = appointment_from_token(token)
    if appointment is None:
        return _invalid_link(request)
    if not appointment.is_active or appointment.reason.lottery:
        messages.error(
            request,
            _("This appointment is no longer active.")
            if not appointment.is_active
            else _("This appointment cannot be moved online. Call the counter."),
        )
        return redirect("appointments:manage", token=token)
    form, _choices = _move_form(appointment, request.POST)
    if form.is_valid():
        try:
            new = appointment_move(
                appointment=appointment,
                slot_id=form.cleaned_data["slot"],
                note=_("Moved by the person online"),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Your appointment is moved. Here is the new one; you will receive its details "
                    "by text message. Your personal link has changed: use the one below."
                ),
            )
            return redirect("appointments:manage", token=manage_token(new))
    return _manage_page(request, appointment, token, move_form=form, status=400)


@rate_limit("booking", BOOKINGS)
@sms_budget
@require_http_methods(["POST"])
def contact(request, token: str):
    """Change the name, phone and email of the appointment: only its manage link can."""
    appointment = appointment_from_token(token)
    if appointment is None:
        return _invalid_link(request)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            appointment_contact_change(
                appointment=appointment,
                name=form.cleaned_data["name"],
                phone=form.cleaned_data["phone"],
                email=form.cleaned_data["email"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("The contact details are changed: messages about this appointment go to them."),
            )
            return redirect("appointments:manage", token=token)
    return _manage_page(request, appointment, token, contact_form=form, status=400)


# Lottery reasons: enter the draw of a counter instead of choosing a time.


@rate_limit("booking", BOOKINGS, methods=("POST",))
@sms_budget
@require_http_methods(["GET", "POST"])
def lottery(request, reason_id: int, point_id: int):
    """Step 3 of a lottery reason: who enters the next draw of this counter."""
    reason = get_object_or_404(online_reasons().filter(lottery=True), pk=reason_id)
    point = get_object_or_404(ServicePoint.objects.select_related("network"), pk=point_id)
    data = request.POST if request.method == "POST" else request.GET
    q, commune = data.get("q", "")[:100], data.get("commune", "")[:5]
    now = timezone.now()
    context = {
        "reason": reason,
        "point": point,
        "draw_on": next_draw_day(point, now),
        "slots_url": _slots_url(reason, q, commune, point),
        **_stepper(3, LOTTERY_STEPS),
    }
    if not lottery_point_open(point, reason, now=now):
        context["problem"] = _(
            "This counter holds no draw for this reason for now. Choose another counter."
        )
        status = 409 if request.method == "GET" else 400
        return render(request, "appointments/public/slot_unavailable.html", context, status=status)
    if request.method == "GET":
        form = LotteryEntryForm(initial={"q": q, "commune": commune})
        messages.info(request, CODE_NOTICE)
        return _private(
            render(request, "appointments/public/lottery.html", {**context, "form": form})
        )
    form = LotteryEntryForm(request.POST)
    if form.is_valid():
        # An entry counts once the person proved they hold the phone (the step keeps the form).
        proof = phone_proof_step(
            request, phone=form.cleaned_data["phone"], point_id=point.pk, now=now
        )
        if isinstance(proof, HttpResponse):
            return proof
        try:
            entry = lottery_enter(
                reason=reason,
                service_point=point,
                name=form.cleaned_data["name"],
                phone=form.cleaned_data["phone"],
                email=form.cleaned_data["email"],
                phone_verified_at=proof.verified_at if isinstance(proof, Proof) else None,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            # What the form chose, not the entry: the same page whether the number was
            # already in the draw or not.
            token = signing.Signer(salt=LOTTERY_ENTRY_SALT).sign_object(
                {"reason": reason.pk, "point": point.pk, "draw_on": entry.draw_on.isoformat()}
            )
            return redirect("appointments:lottery_entered", token=token)
    context["form"] = form
    return _private(render(request, "appointments/public/lottery.html", context, status=400))


@require_GET
def lottery_entered(request, token: str):
    """Step 4 of a lottery reason: registered for the draw of that day, and what comes next."""
    try:
        data = signing.Signer(salt=LOTTERY_ENTRY_SALT).unsign_object(token)
    # A signed value that is not one of ours (an older link's format) is a bad link too.
    except (signing.BadSignature, ValueError):
        return _invalid_link(request)
    reason = Reason.objects.filter(pk=data.get("reason")).first()
    point = ServicePoint.objects.filter(pk=data.get("point")).first()
    try:
        draw_on = date.fromisoformat(data.get("draw_on", ""))
    except (TypeError, ValueError):
        draw_on = None
    if reason is None or point is None or draw_on is None:
        return _invalid_link(request)
    context = {
        "reason": reason,
        "point": point,
        "draw_on": draw_on,
        **_stepper(4, LOTTERY_STEPS),
    }
    return _private(render(request, "appointments/public/lottery_entered.html", context))
