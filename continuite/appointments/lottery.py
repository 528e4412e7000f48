"""Fair allocation of scarce slots: requests gathered for a day, then drawn with a recorded seed.

A reason in lottery mode is not booked first-come first-served (which favours bots and people
who refresh all day): people enter the draw of a service point, and each day's draw gives the
free slots to requests in an order shuffled by a seed kept with the draw, so anyone can replay
it. Those not drawn are told and offered a call-back.
"""

import random
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from continuite.notifications.models import Message
from continuite.notifications.services import message_enqueue
from continuite.service_points.models import CrisisStatus, ServicePoint

from .callbacks import callback_request_create
from .models import LotteryDraw, LotteryRequest, Reason, Slot
from .rules import booking_window
from .services import appointment_book, contact_clean, person_for


def next_draw_day(service_point: ServicePoint, now: datetime):
    """Requests gathered today are drawn tomorrow (local date of the service point)."""
    return service_point.local_now(now).date() + timedelta(days=1)


@transaction.atomic
def lottery_enter(
    *,
    reason: Reason,
    service_point: ServicePoint,
    name: str,
    phone: str,
    email: str = "",
    phone_verified_at: datetime | None = None,
    now: datetime | None = None,
) -> LotteryRequest:
    """Enter a person in the next draw of a lottery reason at a service point (once per draw).

    A number already in that draw keeps its entry and its contact: the entry is returned as if
    just made (anyone may type a number, so the page must not tell), and the number's owner
    is told by SMS (once a day).

    The entry counts only with `phone_verified_at`, when the person proved they hold the phone
    (verification.py); the draw leaves the others out.
    """
    now = now or timezone.now()
    if not reason.lottery or not reason.is_active or not reason.public_booking:
        raise ValidationError(_("This reason is not allocated by draw."))
    if (
        reason.network_id != service_point.network_id
        or not service_point.opening_ranges.filter(reasons=reason, ended_at__isnull=True).exists()
    ):
        raise ValidationError(_("This service point does not offer this reason."))
    if service_point.status_at(now) == CrisisStatus.CLOSED:
        raise ValidationError(_("This service point is closed for now: choose another one."))
    contact = contact_clean(
        name=name, phone=phone, email=email, departement_code=service_point.departement_id
    )
    person = person_for(phone=contact["contact_phone"])
    draw_on = next_draw_day(service_point, now)
    entered = LotteryRequest.objects.filter(
        reason=reason, service_point=service_point, person=person, draw_on=draw_on
    ).first()
    if entered is not None:
        _already_entered_tell(entered, now)
        return entered
    try:
        with transaction.atomic():
            request = LotteryRequest.objects.create(
                reason=reason,
                service_point=service_point,
                person=person,
                draw_on=draw_on,
                **contact,
                phone_verified_at=phone_verified_at,
            )
    except IntegrityError as exc:  # the same number entered at the same moment
        raise ValidationError(_("You are already registered for this draw.")) from exc
    _entered_tell(request, reason, service_point, draw_on)
    return request


def _entered_tell(request: LotteryRequest, reason: Reason, service_point: ServicePoint, draw_on):
    """The SMS confirming an entry in the draw."""
    with translation.override("fr"):  # people read French, whatever the page's language
        body = _(
            "Registered for the draw of %(date)s for “%(reason)s” at %(point)s. You will get the result by SMS."
        ) % {
            "date": draw_on.strftime("%d/%m/%Y"),
            "reason": reason.label,
            "point": service_point.name,
        }
    message_enqueue(
        channel=Message.Channel.SMS,
        to=request.contact_phone,
        body=body,
        dedup_key=f"lottery:{request.pk}:entered",
    )


def _already_entered_tell(entry: LotteryRequest, now: datetime) -> None:
    with translation.override("fr"):
        body = _(
            "Your number is already registered for the draw of %(date)s for “%(reason)s” at "
            "%(point)s: a new registration was not recorded."
        ) % {
            "date": entry.draw_on.strftime("%d/%m/%Y"),
            "reason": entry.reason.label,
            "point": entry.service_point.name,
        }
    message_enqueue(
        channel=Message.Channel.SMS,
        to=entry.contact_phone,
        body=body,
        dedup_key=f"lottery:{entry.pk}:again:{now.date().isoformat()}",
    )


@transaction.atomic
def lottery_draw(
    *,
    reason: Reason,
    service_point: ServicePoint,
    draw_on,
    seed: str | None = None,
    now: datetime | None = None,
) -> LotteryDraw:
    """Draw the day's requests: winners get the earliest free slots, the others a call-back.

    Runs once per reason, service point and day: a second run returns the recorded draw.
    """
    existing = (
        LotteryDraw.objects.select_for_update()
        .filter(reason=reason, service_point=service_point, draw_on=draw_on)
        .first()
    )
    if existing:
        return existing
    now = now or timezone.now()
    seed = seed or secrets.token_hex(16)
    requests = _draw_entries(reason, service_point, draw_on)
    order = requests[:]
    random.Random(seed).shuffle(order)
    slots = _draw_slots(reason, service_point, now)
    winners = 0
    for request in order:
        appointment = _seat_for(request, slots, reason, now)
        if appointment is not None:
            request.status, request.appointment = LotteryRequest.Status.WON, appointment
            winners += 1
        else:
            _not_drawn(request, reason, service_point, draw_on)
        request.save(update_fields=["status", "appointment", "callback_request"])
    return LotteryDraw.objects.create(
        reason=reason,
        service_point=service_point,
        draw_on=draw_on,
        seed=seed,
        requests=len(requests),
        winners=winners,
    )


def _draw_entries(reason: Reason, service_point: ServicePoint, draw_on) -> list[LotteryRequest]:
    """The entries of the draw still waiting whose phone was proven, locked, in entry order."""
    return list(
        LotteryRequest.objects.select_for_update()
        .filter(
            reason=reason,
            service_point=service_point,
            draw_on=draw_on,
            status=LotteryRequest.Status.WAITING,
            phone_verified_at__isnull=False,
        )
        .order_by("id")
    )


def _draw_slots(reason: Reason, service_point: ServicePoint, now: datetime) -> list[tuple]:
    """The free slots the draw gives, earliest first, as (id, form of reception): those of the
    reason at the point within its booking window."""
    first, last = booking_window(reason, now)
    return list(
        Slot.objects.bookable()
        .filter(
            service_point=service_point,
            opening_range__reasons=reason,
            starts_at__gte=first,
            starts_at__lte=last,
            mode__in=reason.modes(),
        )
        .order_by("starts_at", "id")
        .values_list("id", "mode")
    )


def _seat_for(request: LotteryRequest, slots: list[tuple], reason: Reason, now: datetime):
    """Book the earliest free slot left for a drawn entry (slots found full are dropped from
    `slots`); None when none is left or the person may not hold one more appointment."""
    while slots:
        slot_id, mode = slots[0]
        try:
            with transaction.atomic():
                return appointment_book(
                    slot_id=slot_id,
                    reason=reason,
                    mode=mode,
                    name=request.contact_name,
                    phone=request.contact_phone,
                    email=request.contact_email,
                    now=now,
                    via_lottery=True,
                )
        except ValidationError:
            # Slot now full, or this person cannot hold one more appointment: next slot,
            # or (for the person) a call-back instead.
            if not Slot.objects.bookable().filter(pk=slot_id).exists():
                slots.pop(0)
                continue
            return None
    return None


def _not_drawn(request: LotteryRequest, reason: Reason, service_point: ServicePoint, draw_on):
    """An entry not drawn: a call-back request instead, and an SMS saying so."""
    request.status = LotteryRequest.Status.LOST
    request.callback_request = callback_request_create(
        service_point=service_point,
        reason=reason,
        name=request.contact_name,
        phone=request.contact_phone,
        email=request.contact_email,
        preferred_window="any",
        note=_("Not drawn in the draw of %(date)s") % {"date": draw_on.strftime("%d/%m/%Y")},
        origin="lottery",
    )
    with translation.override("fr"):
        body = _(
            "You were not drawn for “%(reason)s” at %(point)s. An agent will call you back "
            "within 2 working days."
        ) % {"reason": reason.label, "point": service_point.name}
    message_enqueue(
        channel=Message.Channel.SMS,
        to=request.contact_phone,
        body=body,
        dedup_key=f"lottery:{request.pk}:lost",
    )


def lottery_draws_due(*, now: datetime | None = None) -> int:
    """Run every draw whose day has come (each in its own transaction); returns how many ran."""
    now = now or timezone.now()
    pending = (
        LotteryRequest.objects.filter(
            status=LotteryRequest.Status.WAITING,
            draw_on__lte=now.date() + timedelta(days=1),
            phone_verified_at__isnull=False,
        )
        .order_by()
        .values_list("reason_id", "service_point_id", "draw_on")
        .distinct()
    )
    count = 0
    for reason_id, point_id, draw_on in pending:
        point = ServicePoint.objects.get(pk=point_id)
        if draw_on <= point.local_now(now).date():
            lottery_draw(
                reason=Reason.objects.get(pk=reason_id),
                service_point=point,
                draw_on=draw_on,
                now=now,
            )
            count += 1
    return count
