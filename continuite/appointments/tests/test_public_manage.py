"""The personal manage link: details, history, calendar file, cancel, move; bad links change nothing."""

import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from continuite.appointments.links import MAX_AGE, manage_token
from continuite.appointments.models import Appointment, Mode, Slot
from continuite.appointments.services import appointment_book
from continuite.service_points.tests.factories import ServicePointFactory, StatusChangeFactory

from .factories import OpeningRangeFactory, ReasonFactory
from .helpers import fr, slot_at, soon

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked():
    """An appointment booked at Guichet Sathonay, with two other free times there."""
    reason = ReasonFactory(label="Aide aux démarches")
    point = ServicePointFactory(name="Guichet Sathonay")
    opening_range = OpeningRangeFactory(service_point=point, reasons=[reason])
    slots = [slot_at(opening_range, soon(days)) for days in (2, 3, 4)]
    appointment = appointment_book(
        slot_id=slots[0].pk,
        reason=reason,
        mode=Mode.ON_SITE,
        name="Jeanne Martin",
        phone="06 12 34 56 78",
    )
    return appointment, slots


def links_to(name, content):
    """Whether the page links to that manage-link route, whatever the token."""
    pattern = re.escape(reverse(f"appointments:{name}", args=["TOKEN"])).replace("TOKEN", '[^/"]+')
    return re.search(f'href="{pattern}"', content) is not None


def url(name, appointment_or_token, *args):
    token = (
        appointment_or_token
        if isinstance(appointment_or_token, str)
        else manage_token(appointment_or_token)
    )
    return reverse(f"appointments:{name}", args=[token, *args])


def tampered(appointment) -> str:
    token = manage_token(appointment)
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def expired(appointment) -> str:
    """The link of an appointment booked longer ago than links live."""
    booked_at = timezone.now() - MAX_AGE - timedelta(hours=1)
    Appointment.objects.filter(pk=appointment.pk).update(created_at=booked_at)
    appointment.refresh_from_db()
    return manage_token(appointment)


def assert_nothing_changed(appointment, slots):
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert Appointment.objects.count() == 1
    assert [s.booked for s in Slot.objects.filter(pk__in=[s.pk for s in slots])] == [1, 0, 0]


def test_the_page_shows_details_history_and_the_other_free_times(client, booked):
    appointment, slots = booked
    response = client.get(url("manage", appointment))
    content = response.content.decode()
    assert response.status_code == 200
    assert appointment.reference in content and "Aide aux démarches" in content
    assert "Guichet Sathonay" in content and "2 place Sathonay" in content
    assert [label for _event, label in response.context["events"]] == [fr("Appointment booked")]
    choices = response.context["move_form"].fields["slot"].choices
    assert [pk for pk, _label in choices] == [slots[1].pk, slots[2].pk]
    # The links carry a freshly signed token (its timestamp may differ by a second): match the paths.
    assert links_to("cancel", content) and links_to("ics", content)
    assert response["X-Robots-Tag"].startswith("noindex")


@pytest.mark.parametrize("link", [tampered, expired])
@pytest.mark.parametrize("page", ["manage", "confirmation", "ics", "cancel"])
def test_a_tampered_or_expired_link_is_a_clear_404(client, booked, link, page):
    appointment, slots = booked
    response = client.get(url(page, link(appointment)))
    assert response.status_code == 404
    assert fr("This link is not valid") in response.content.decode()
    assert appointment.reference not in response.content.decode()
    assert_nothing_changed(appointment, slots)


@pytest.mark.parametrize("link", [tampered, expired])
def test_a_tampered_or_expired_link_cancels_and_moves_nothing(client, booked, link):
    appointment, slots = booked
    token = link(appointment)
    assert client.post(url("cancel", token)).status_code == 404
    assert client.post(url("move", token), {"slot": slots[1].pk}).status_code == 404
    assert_nothing_changed(appointment, slots)


def test_a_link_still_within_its_age_works(client, booked):
    appointment, _slots = booked
    recent = time.time() - MAX_AGE.total_seconds() + 3600
    with mock.patch("django.core.signing.time.time", return_value=recent):
        token = manage_token(appointment)
    assert client.get(url("manage", token)).status_code == 200


def test_the_link_of_an_appointment_long_over_is_no_longer_valid(client, booked):
    appointment, _slots = booked
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=timezone.now() - timedelta(days=3), ends_at=timezone.now() - timedelta(days=3)
    )
    assert client.get(url("manage", appointment)).status_code == 404


def test_the_calendar_file_is_text_calendar_with_the_appointments_uid(client, booked):
    appointment, _slots = booked
    response = client.get(url("ics", appointment))
    content = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert f"UID:{appointment.reference}@continuite" in content
    assert "BEGIN:VCALENDAR" in content and "DTSTART;TZID=Europe/Paris:" in content
    assert appointment.reference in response["Content-Disposition"]


def test_cancelling_asks_first_then_frees_the_seat_and_says_so(client, booked):
    appointment, slots = booked
    confirm = client.get(url("cancel", appointment))
    appointment.refresh_from_db()
    assert confirm.status_code == 200 and appointment.status == Appointment.Status.BOOKED

    response = client.post(url("cancel", appointment), follow=True)

    appointment.refresh_from_db()
    slots[0].refresh_from_db()
    content = response.content.decode()
    assert appointment.status == Appointment.Status.CANCELLED and slots[0].booked == 0
    assert fr("This appointment is cancelled") in content
    assert url("cancel", appointment) not in content  # nothing left to cancel or move
    assert 'action="' + url("move", appointment) not in content
    assert list(appointment.events.values_list("kind", flat=True)) == ["booked", "cancelled"]
    again = client.post(url("cancel", appointment), follow=True)
    assert fr("This appointment is no longer active.") in again.content.decode()


def test_the_calendar_file_of_a_cancelled_appointment_cancels_it(client, booked):
    appointment, _slots = booked
    client.post(url("cancel", appointment))
    assert "STATUS:CANCELLED" in client.get(url("ics", appointment)).content.decode()


def test_moving_books_the_new_time_and_the_old_link_points_to_it(client, booked):
    appointment, slots = booked
    response = client.post(url("move", appointment), {"slot": slots[2].pk})

    new = Appointment.objects.get(status=Appointment.Status.BOOKED)
    assert response.status_code == 302 and response["Location"] == url("manage", new)
    assert new.slot == slots[2]
    assert [s.booked for s in Slot.objects.filter(pk__in=[s.pk for s in slots])] == [0, 0, 1]
    old_page = client.get(url("manage", appointment)).content.decode()
    assert fr("This appointment was moved") in old_page and url("manage", new) in old_page
    new_page = client.get(url("manage", new))
    assert fr("Booked in place of an earlier appointment") in new_page.content.decode()


def test_moving_to_a_time_not_offered_is_refused_with_400(client, booked):
    appointment, slots = booked
    other_point = OpeningRangeFactory(reasons=[appointment.reason])
    elsewhere = slot_at(other_point, soon(2))
    for choice in (elsewhere.pk, slots[0].pk, "", "abc"):
        response = client.post(url("move", appointment), {"slot": choice})
        assert response.status_code == 400
    assert_nothing_changed(appointment, slots)


def test_moving_to_a_time_taken_meanwhile_explains_and_changes_nothing(client, booked):
    appointment, slots = booked
    page = client.get(url("manage", appointment))
    assert page.status_code == 200
    Slot.objects.filter(pk=slots[1].pk).update(booked=1)
    response = client.post(url("move", appointment), {"slot": slots[1].pk})
    assert response.status_code == 400
    Slot.objects.filter(pk=slots[1].pk).update(booked=0)
    assert_nothing_changed(appointment, slots)


def test_a_closed_counter_offers_no_time_to_move_to(client, booked):
    appointment, _slots = booked
    StatusChangeFactory(service_point=appointment.service_point)
    response = client.get(url("manage", appointment))
    assert response.context["move_form"].fields["slot"].choices == []
    assert links_to("cancel", response.content.decode())


def test_an_appointment_drawn_by_lottery_is_not_moved_online(client, booked):
    appointment, slots = booked
    appointment.reason.lottery = True
    appointment.reason.save()
    page = client.get(url("manage", appointment))
    assert page.context["move_form"] is None
    client.post(url("move", appointment), {"slot": slots[1].pk})
    assert_nothing_changed(appointment, slots)
