"""A contact belongs to what it was given with: a name, phone or email typed on a public form
stays with that booking, call-back or draw entry, and never rewrites another one's. Only the
manage link of an appointment changes its contact. A refusal for the per-person cap tells the
page nothing more than a booking does: the phone's owner is told by SMS."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from continuite.accounts.tests.factories import RoleFactory
from continuite.appointments.callbacks import callback_request_create
from continuite.appointments.links import manage_token
from continuite.appointments.lottery import lottery_enter
from continuite.appointments.messages import appointment_messages
from continuite.appointments.models import Appointment, CallbackRequest, LotteryRequest, Mode, Slot
from continuite.appointments.rehome import Decision, Outcome, appointments_rehome
from continuite.notifications.models import Message

from .factories import OpeningRangeFactory, ReasonFactory
from .helpers import book, booking_form, callback_form, fr, soon
from .test_booking_fast import slot_for
from .test_public_lottery import prove_phone

pytestmark = pytest.mark.django_db

VICTIM_PHONE = "+33612345678"


def _pages_shown(client, *responses) -> list[str]:
    """The pages the responses send to, without what is drawn anew for each response (the
    CSRF token and the Content-Security-Policy nonces)."""
    pages = []
    for response in responses:
        html = client.get(response["Location"]).content.decode()
        html = re.sub(r'nonce="[^"]*"', "", html)
        pages.append(re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", html))
    return pages


def intruder_callback(slot, reason):
    """A call-back request typed by someone else with the victim's phone, and their own email."""
    callback_request_create(
        service_point=slot.service_point,
        reason=reason,
        name="Mallory Intrus",
        phone="06 12 34 56 78",
        email="mallory@example.net",
        preferred_window="any",
    )


def recipients(appointment: Appointment, kind: str = "reminder") -> set[str]:
    appointment = Appointment.objects.get(pk=appointment.pk)
    return {m.to for m in appointment_messages(appointment=appointment, kind=kind)}


def test_a_callback_request_with_a_victims_phone_does_not_redirect_their_reminder():
    reason = ReasonFactory()
    slot = slot_for(reason)
    victim = book(slot, reason, email="jeanne@example.fr")
    intruder_callback(slot, reason)
    assert recipients(victim) == {VICTIM_PHONE, "jeanne@example.fr"}
    assert Appointment.objects.get(pk=victim.pk).contact_name == "Jeanne Martin"


def test_a_lottery_entry_never_renames_the_person_on_the_agenda(client):
    role = RoleFactory(agent=True)
    point = role.service_point
    reason = ReasonFactory()
    opening_range = OpeningRangeFactory(service_point=point, reasons=[reason])
    slot = Slot.objects.create(
        opening_range=opening_range,
        service_point=point,
        mode=Mode.ON_SITE,
        starts_at=soon(),
        ends_at=soon().replace(minute=30),
        capacity=1,
    )
    book(slot, reason)
    drawn = ReasonFactory(lottery=True)
    opening_range.reasons.add(drawn)
    lottery_enter(reason=drawn, service_point=point, name="Mallory Intrus", phone="0612345678")
    client.force_login(role.user)
    day = soon().astimezone(point.time_zone).date().isoformat()
    html = client.get(reverse("appointments:agenda", args=[point.pk]) + f"?day={day}")
    html = html.content.decode()
    assert "Jeanne Martin" in html and "Mallory" not in html


def test_the_manage_link_alone_changes_an_appointments_contact(client):
    reason = ReasonFactory(max_active_per_person=2)
    appointment = book(slot_for(reason), reason, email="jeanne@example.fr")
    # Another booking with the same phone keeps the first one's contact.
    book(slot_for(reason), reason, name="Jeanne M.", email="autre@example.fr")
    assert recipients(appointment) == {VICTIM_PHONE, "jeanne@example.fr"}

    token = manage_token(appointment)
    response = client.post(
        reverse("appointments:contact", args=[token]),
        {"name": "Jeanne Durand", "phone": "07 61 22 33 44", "email": "JD@example.fr"},
    )
    assert response.status_code == 302, response.context and response.context["contact_form"].errors
    stored = Appointment.objects.get(pk=appointment.pk)
    assert (stored.contact_name, stored.contact_phone, stored.contact_email) == (
        "Jeanne Durand",
        "+33761223344",
        "jd@example.fr",
    )
    assert recipients(appointment) == {"+33761223344", "jd@example.fr"}
    assert stored.events.filter(kind="contact_changed").exists()
    assert {m.to for m in Message.objects.filter(dedup_key__contains=":contact_changed:")} == {
        "+33761223344",
        "jd@example.fr",
        VICTIM_PHONE,  # the number it left, told of the change
    }


def test_a_bad_contact_on_the_manage_link_changes_nothing(client):
    reason = ReasonFactory()
    appointment = book(slot_for(reason), reason, email="jeanne@example.fr")
    response = client.post(
        reverse("appointments:contact", args=[manage_token(appointment)]),
        {"name": "Jeanne Durand", "phone": "12", "email": "jd@example.fr"},
    )
    assert response.status_code == 400
    assert fr("This phone number is not valid. Example: 06 12 34 56 78.") in (
        response.content.decode()
    )
    assert recipients(appointment) == {VICTIM_PHONE, "jeanne@example.fr"}


def test_the_cap_refusal_page_is_the_same_as_a_confirmation_and_the_owner_gets_an_sms(client):
    reason = ReasonFactory()
    slot = slot_for(reason, capacity=2)
    book(slot_for(reason), reason)  # the victim's appointment
    url = reverse("appointments:book", args=[slot.pk])

    booked = client.post(
        url, booking_form(reason, slot.mode, name="Paul Autre", phone="07 98 76 54 32")
    )
    refused = client.post(
        url, booking_form(reason, slot.mode, name="Mallory Intrus", phone="06 12 34 56 78")
    )

    assert booked.status_code == refused.status_code
    assert booked.get("Location") == refused.get("Location")
    assert booked.content == refused.content
    assert Appointment.objects.count() == 2
    sms = Message.objects.filter(to=VICTIM_PHONE, channel="sms").exclude(
        dedup_key__contains=":confirmation:"
    )
    assert sms.count() == 1
    why = (
        "You already have an appointment for this reason. Cancel or move it before booking another."
    )
    assert fr(why) in sms.get().body


def test_entering_a_draw_with_a_number_already_in_it_looks_like_a_first_entry(client):
    drawn = ReasonFactory(lottery=True)
    point = slot_for(drawn).service_point
    url = reverse("appointments:lottery", args=[drawn.pk, point.pk])
    prove_phone(client, "06 12 34 56 78")  # a draw entry counts once its phone is proven

    first = client.post(url, {"name": "Jeanne Martin", "phone": "06 12 34 56 78"})
    again = client.post(url, {"name": "Mallory Intrus", "phone": "0612345678"})

    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    # The same page but for the CSRF token and the policy's nonces, drawn anew for each response.
    pages = _pages_shown(client, first, again)
    assert pages[0] == pages[1]
    entry = LotteryRequest.objects.get()
    assert entry.contact_name == "Jeanne Martin"
    # The number's owner is told of the second request.
    assert Message.objects.filter(to=VICTIM_PHONE, dedup_key__startswith="lottery:").count() == 2


def test_a_call_back_asked_with_a_number_already_waiting_shows_nothing_of_the_first(client):
    role = RoleFactory(agent=True)
    point, reason = role.service_point, ReasonFactory()
    url = reverse("appointments:callback_request", args=[point.pk])

    def ask(phone, window, note):
        data = callback_form(
            reason, name="Quelqu'un", phone=phone, preferred_window=window, note=note
        )
        return client.post(url, data)

    ask("06 12 34 56 78", "morning", "Dossier de Jeanne")
    victims = CallbackRequest.objects.get()
    fresh = ask("07 98 76 54 32", "afternoon", "")
    again = ask("06 12 34 56 78", "afternoon", "")

    assert fresh.status_code == again.status_code == 302
    pages = _pages_shown(client, fresh, again)
    assert victims.reference not in pages[1]
    assert pages[0] == pages[1]
    assert CallbackRequest.objects.get(pk=victims.pk).contact_name == "Quelqu'un"


def test_a_closure_tells_each_appointment_its_own_contact_not_the_last_form_typed():
    reason = ReasonFactory()
    slot = slot_for(reason, capacity=2)
    victim = book(slot, reason, email="jeanne@example.fr")
    cancelled = book(slot, reason, phone="07 98 76 54 32")
    intruder_callback(slot, reason)
    done, _retry = appointments_rehome(
        [
            Decision(victim.pk, Outcome.PHONE),
            Decision(cancelled.pk, Outcome.CANCELLED),
        ],
        note="Fermeture",
        dedup_prefix="closure:test",
        now=timezone.now(),
    )
    assert {Message.objects.get(pk=d.message_id).to for d in done} == {
        "jeanne@example.fr",
        "+33798765432",
    }
    callback = CallbackRequest.objects.get(origin="closure")
    assert (callback.contact_name, callback.contact_phone) == ("Jeanne Martin", "+33798765432")
