"""What people receive about their appointment: email with an .ics file, and SMS."""

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from icalendar import Calendar, Event

from continuite.notifications.models import Message
from continuite.notifications.services import Attachment, Composed, message_build, outbox_add

from .links import manage_url
from .models import Appointment, CallbackRequest, Mode

SUBJECTS = {
    "confirmation": _("Your appointment is confirmed"),
    "cancellation": _("Your appointment is cancelled"),
    "moved": _("Your appointment has been moved"),
    "reminder": _("Reminder: your appointment"),
    "rehomed_moved": _("Your appointment has been moved to another service point"),
    "rehomed_phone": _("Your appointment will take place by phone"),
    "rehomed_cancelled": _("Your appointment is cancelled: we will call you back"),
    "contact_changed": _("Your appointment: contact details changed"),
}


def _first_and_moves(appointment: Appointment) -> tuple[Appointment, int]:
    """The appointment it was first booked as, and how many moves led here."""
    first, moves = appointment, 0
    while (previous := Appointment.objects.filter(moved_to=first).first()) is not None:
        first, moves = previous, moves + 1
    return first, moves


def ics_for(appointment: Appointment) -> str:
    """An iCalendar file for the person's calendar, in the service point's time zone.

    A moved appointment keeps the UID it was first booked with and a higher SEQUENCE, so the
    person's calendar updates the entry instead of keeping the old time beside the new one.
    """
    first, moves = _first_and_moves(appointment)
    moves += appointment.events.filter(kind="converted_to_phone").count()
    point = appointment.service_point
    calendar = Calendar()
    calendar.add("prodid", "-//Continuite//Rendez-vous//FR")
    calendar.add("version", "2.0")
    calendar.add(
        "method", "CANCEL" if appointment.status == Appointment.Status.CANCELLED else "PUBLISH"
    )
    event = Event()
    event.add("uid", f"{first.reference}@continuite")
    cancelled = appointment.status == Appointment.Status.CANCELLED
    event.add("sequence", moves + (1 if cancelled else 0))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.starts_at.astimezone(point.time_zone))
    event.add("dtend", appointment.ends_at.astimezone(point.time_zone))
    event.add("summary", f"{appointment.reason.label} — {point.name}")
    if appointment.mode == Mode.ON_SITE:
        event.add("location", point.address or point.commune_name)
    event.add("description", manage_url(appointment))
    if appointment.status == Appointment.Status.CANCELLED:
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    return calendar.to_ical().decode()


def appointment_messages(
    *, appointment: Appointment, kind: str, occurrence: str = ""
) -> list[Message]:
    """The unsaved outbox messages for this event, to the appointment's own contact: an SMS,
    and an email if one was given with it; one per event and channel (their dedup keys). The worker composes the texts and the
    calendar file (`compose`) just before sending, which keeps bookings fast. An event that may
    happen more than once (a change of contact) names its `occurrence`."""
    key = f"appointment:{appointment.pk}:{kind}" + (f":{occurrence}" if occurrence else "")
    args = {"appointment": appointment.pk, "kind": kind}
    return [
        message_build(
            channel=channel,
            to=to,
            dedup_key=f"{key}:{channel}",
            composer=COMPOSER,
            composer_args=args,
        )
        for channel, to in (
            (Message.Channel.SMS, appointment.contact_phone),
            (Message.Channel.EMAIL, appointment.contact_email),
        )
        if to
    ]


def appointment_notify(*, appointment: Appointment, kind: str) -> None:
    """Write the person's messages for this event to the outbox, in the caller's transaction
    (a repeated event writes nothing more)."""
    for message in appointment_messages(appointment=appointment, kind=kind):
        outbox_add(message)


COMPOSER = "continuite.appointments.messages.compose"


def compose(message: Message) -> Composed:
    """The text of an appointment message, in French and in the service point's time zone."""
    appointment = Appointment.objects.select_related("service_point", "reason").get(
        pk=message.composer_args["appointment"]
    )
    kind = message.composer_args["kind"]
    with translation.override("fr"), timezone.override(appointment.service_point.time_zone):
        context = {"appointment": appointment, "kind": kind, "manage_url": manage_url(appointment)}
        if message.composer_args.get("callback"):
            callback = CallbackRequest.objects.select_related("service_point").get(
                pk=message.composer_args["callback"]
            )
            context.update(callback=callback, due_day=callback.due_day)
        if message.channel == Message.Channel.SMS:
            return Composed(body=render_to_string("appointments/messages/sms.txt", context).strip())
        return Composed(
            subject=str(SUBJECTS[kind]),
            body=render_to_string("appointments/messages/email.txt", context).strip(),
            attachment=Attachment("rendez-vous.ics", ics_for(appointment), "text/calendar"),
        )
