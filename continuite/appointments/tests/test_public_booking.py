"""Public booking without an account, through HTTP: start, slots, details, confirmation, manage."""

import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from continuite.appointments.links import manage_token
from continuite.appointments.models import Appointment, Mode, Slot
from continuite.core.models import Commune, Departement

from .factories import ReasonFactory
from .helpers import booking_form, counter, fr, slot_at, soon

pytestmark = pytest.mark.django_db


def book_url(slot, reason):
    return reverse("appointments:book", args=[slot.pk]) + f"?reason={reason.pk}&q=69001"


def form_values(response) -> dict:
    """The form's hidden values as the page shows them, as a browser would send them back."""
    html = response.content.decode()
    values = {}
    for name in ("reason", "mode", "submission_key", "q", "commune"):
        match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
        values[name] = match.group(1) if match else ""
    return values


def post_booking(client, slot, reason, **fields):
    shown = client.get(book_url(slot, reason))
    assert shown.status_code == 200
    data = {**form_values(shown), "name": "Jeanne Martin", "phone": "06 12 34 56 78", **fields}
    return client.post(reverse("appointments:book", args=[slot.pk]), data), data


def test_the_whole_flow_from_start_to_cancellation(client):
    reason = ReasonFactory(label="Aide aux démarches CAF")
    opening_range = counter(reason)
    first, second = slot_at(opening_range, soon(2)), slot_at(opening_range, soon(3))

    start = client.get(reverse("appointments:start"))
    assert start.status_code == 200
    assert "Aide aux démarches CAF" in start.content.decode()
    assert 'class="fr-stepper"' in start.content.decode()

    listed = client.get(reverse("appointments:slots"), {"reason": reason.pk, "q": "69001"})
    assert listed.status_code == 200
    assert [o.slot for o in listed.context["offers"]] == [first, second]
    assert book_url(first, reason).replace("&", "&amp;") in listed.content.decode()

    booked, data = post_booking(client, first, reason, email="jeanne@example.org")
    appointment = Appointment.objects.get()
    token = manage_token(appointment)
    assert booked.status_code == 302
    assert booked["Location"].startswith("/rendez-vous/demande/")
    assert appointment.contact_phone == "+33612345678" and appointment.slot == first
    assert appointment.submission_key == uuid.UUID(data["submission_key"])
    # The page after the form names only what was chosen: the reference and the personal link
    # go to the phone (and email) given.
    requested = client.get(booked["Location"])
    assert requested.status_code == 200 and "Guichet Sathonay" in requested.content.decode()
    assert appointment.reference not in requested.content.decode()
    assert "no-store" in requested["Cache-Control"]

    confirmation = client.get(reverse("appointments:confirmation", args=[token]))
    content = confirmation.content.decode()
    assert confirmation.status_code == 200
    assert appointment.reference in content and "Guichet Sathonay" in content
    assert reverse("appointments:manage", args=[token]) in content
    assert reverse("appointments:ics", args=[token]) in content
    assert "no-store" in confirmation["Cache-Control"]

    manage = client.get(reverse("appointments:manage", args=[token]))
    assert manage.status_code == 200
    assert [c[0] for c in manage.context["move_form"].fields["slot"].choices] == [second.pk]

    moved = client.post(reverse("appointments:move", args=[token]), {"slot": second.pk})
    new = Appointment.objects.get(status=Appointment.Status.BOOKED)
    assert moved.status_code == 302
    assert moved["Location"] == reverse("appointments:manage", args=[manage_token(new)])
    assert new.slot == second and Appointment.objects.get(pk=appointment.pk).moved_to == new

    new_token = manage_token(new)
    confirm = client.get(reverse("appointments:cancel", args=[new_token]))
    assert confirm.status_code == 200 and "<form" in confirm.content.decode()
    cancelled = client.post(reverse("appointments:cancel", args=[new_token]), follow=True)
    new.refresh_from_db()
    assert new.status == Appointment.Status.CANCELLED
    assert 'data-status="cancelled"' in cancelled.content.decode()
    assert list(Slot.objects.order_by("starts_at").values_list("booked", flat=True)) == [0, 0]


def test_the_confirmation_shows_the_counters_local_time_and_the_phone_call(client):
    reason = ReasonFactory(on_site=False, by_phone=True)
    opening_range = counter(
        reason,
        name="Guichet de Pointe-à-Pitre",
        latitude=16.2411,
        longitude=-61.5331,
        departement=Departement.objects.get(code="971"),
        commune=Commune.objects.get(code="97120"),
        postcode="97110",
        mode=Mode.PHONE,
    )
    slot = slot_at(opening_range, soon(2, hour=13))  # 9:00 in Guadeloupe (UTC-4)

    response, _data = post_booking(client, slot, reason, phone="0690 12 34 56")
    confirmation = client.get(response["Location"])

    content = confirmation.content.decode()
    assert "09:00" in content and "America/Guadeloupe" in content
    assert fr(
        "This is a phone appointment: an agent will call you at that time on the number you gave."
    ) in content.replace("&#x27;", "'")
    assert Appointment.objects.get().contact_phone == "+590690123456"


def test_a_bad_phone_number_is_refused_with_400_keeps_what_was_typed_and_books_nothing(client):
    reason = ReasonFactory()
    slot = slot_at(counter(reason), soon())

    response, _data = post_booking(
        client, slot, reason, name="Jeanne Martin", phone="12", email="jeanne@example.org"
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert fr("This phone number is not valid. Example: 06 12 34 56 78.") in content
    assert 'value="Jeanne Martin"' in content and 'value="jeanne@example.org"' in content
    assert 'value="12"' in content
    assert not Appointment.objects.exists()
    slot.refresh_from_db()
    assert slot.booked == 0


def test_a_missing_name_is_refused_with_400(client):
    reason = ReasonFactory()
    slot = slot_at(counter(reason), soon())
    response, _data = post_booking(client, slot, reason, name="  ")
    assert response.status_code == 400 and not Appointment.objects.exists()


def test_a_double_submission_books_once_and_shows_the_same_confirmation(client):
    reason = ReasonFactory()
    slot = slot_at(counter(reason), soon(), capacity=1)

    first, data = post_booking(client, slot, reason)
    second = client.post(reverse("appointments:book", args=[slot.pk]), data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Appointment.objects.count() == 1
    slot.refresh_from_db()
    assert slot.booked == 1


def test_each_display_of_the_form_has_its_own_key(client):
    reason = ReasonFactory()
    slot = slot_at(counter(reason), soon())
    keys = {form_values(client.get(book_url(slot, reason)))["submission_key"] for _ in range(2)}
    assert len(keys) == 2 and all(uuid.UUID(k) for k in keys)


def test_a_full_slot_says_so_and_links_back_to_the_free_times(client):
    reason = ReasonFactory()
    slot = slot_at(counter(reason), soon(), capacity=1)
    shown = client.get(book_url(slot, reason))
    Slot.objects.filter(pk=slot.pk).update(booked=1)  # someone else took the seat meanwhile

    posted = client.post(
        reverse("appointments:book", args=[slot.pk]),
        {**form_values(shown), "name": "Jeanne Martin", "phone": "06 12 34 56 78"},
    )
    again = client.get(book_url(slot, reason))

    message = fr("This slot has just been taken. Choose another one.")
    back = reverse("appointments:slots") + f"?reason={reason.pk}&amp;q=69001"
    assert posted.status_code == 400 and message in posted.content.decode()
    assert back in posted.content.decode()
    assert 'value="Jeanne Martin"' in posted.content.decode()
    assert again.status_code == 409 and message in again.content.decode()
    assert back in again.content.decode()
    assert not Appointment.objects.exists()


def test_a_seat_taken_between_the_form_and_its_sending_is_refused(client):
    reason = ReasonFactory()
    slot = slot_at(counter(reason), soon(), capacity=1)
    shown = client.get(book_url(slot, reason))
    Slot.objects.filter(pk=slot.pk).update(booked=1)  # someone else booked it meanwhile

    posted = client.post(
        reverse("appointments:book", args=[slot.pk]),
        {**form_values(shown), "name": "Jeanne Martin", "phone": "06 12 34 56 78"},
    )

    assert posted.status_code == 400
    assert fr("This slot has just been taken. Choose another one.") in posted.content.decode()
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("starts_in", "message"),
    [
        (timedelta(hours=-1), "This slot has already passed. Choose another one."),
        (timedelta(days=95), "Appointments for this reason open %(days)s days ahead at most."),
    ],
)
def test_a_past_or_too_distant_slot_cannot_be_booked(client, starts_in, message):
    reason = ReasonFactory(max_horizon_days=90)
    slot = slot_at(counter(reason), timezone.now() + starts_in)
    response = client.get(book_url(slot, reason))
    assert response.status_code == 409
    assert fr(message) % {"days": 90} in response.content.decode()


def test_a_slot_too_close_for_the_notice_cannot_be_booked(client):
    reason = ReasonFactory(min_notice_hours=48)
    slot = slot_at(counter(reason), timezone.now() + timedelta(hours=3))
    response = client.get(book_url(slot, reason))
    assert response.status_code == 409
    assert "48" in response.content.decode()


def test_a_slot_of_a_closed_counter_cannot_be_booked_even_by_a_forged_post(client):
    reason = ReasonFactory()
    slot = slot_at(counter(reason, closed=True), soon())
    data = booking_form(reason)
    assert client.get(book_url(slot, reason)).status_code == 409
    response = client.post(reverse("appointments:book", args=[slot.pk]), data)
    assert response.status_code == 400 and not Appointment.objects.exists()


def test_a_slot_cannot_be_booked_for_a_reason_it_does_not_serve(client):
    reason, other = ReasonFactory(), ReasonFactory()
    counter(other)
    slot = slot_at(counter(reason), soon())
    response = client.get(book_url(slot, other))
    assert response.status_code == 409
    assert fr("This slot is not open for this reason.") in response.content.decode()


def test_a_reason_for_agents_only_cannot_be_booked_online(client):
    reason = ReasonFactory(agents_only=True)
    slot = slot_at(counter(reason), soon())
    assert client.get(book_url(slot, reason)).status_code == 409
    listed = client.get(reverse("appointments:slots"), {"reason": reason.pk, "q": "69001"})
    assert listed.status_code == 400
    assert reason.label not in client.get(reverse("appointments:start")).content.decode()
    assert not Appointment.objects.exists()


def test_a_time_of_a_lottery_reason_cannot_be_chosen_directly(client):
    reason = ReasonFactory(lottery=True)
    slot = slot_at(counter(reason), soon())
    shown = client.get(book_url(slot, reason))
    data = booking_form(reason)
    posted = client.post(reverse("appointments:book", args=[slot.pk]), data)
    assert shown.status_code == 409 and posted.status_code == 400
    assert not Appointment.objects.exists()


def test_an_unknown_slot_is_a_404(client):
    assert client.get(reverse("appointments:book", args=[999999])).status_code == 404


@pytest.mark.parametrize("reason_id", ["99999999999999999999", "-1", "１２", "3.0"])
def test_a_reason_id_that_is_not_one_is_refused_on_the_page_and_the_form(client, reason_id):
    # Twenty digits overflowed SQLite's integers in the slot's read (a 500, found by the fuzz test).
    reason = ReasonFactory()
    slot = slot_at(counter(reason), soon())
    url = reverse("appointments:book", args=[slot.pk])
    assert client.get(url, {"reason": reason_id}).status_code == 409
    posted = client.post(url, booking_form(reason) | {"reason": reason_id})
    assert posted.status_code == 400
    assert not Appointment.objects.exists()
