"""The agents' agenda: slots and appointments of a day or a week, and the counter's actions."""

from datetime import datetime, time
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils.translation import gettext, override

from continuite.accounts.tests.factories import RoleFactory
from continuite.appointments.models import Mode, Slot
from continuite.appointments.services import appointment_book
from continuite.appointments.slots import slots_sync
from continuite.notifications.models import Message
from continuite.service_points.tests.factories import ServicePointFactory

from .factories import OpeningRangeFactory, ReasonFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
# Tuesday 5 March 2030, before the counter opens.
MORNING = datetime(2030, 3, 5, 8, 0, tzinfo=PARIS)
TUESDAY = "2030-03-05"


@pytest.fixture
def clock():
    with mock.patch("django.utils.timezone.now", return_value=MORNING):
        yield MORNING


@pytest.fixture
def agenda(clock, role, point):
    """Tuesday: on site 9:00–12:00 (2 seats a slot), by phone 14:00–15:00; Thursday on site too."""
    on_site = OpeningRangeFactory(service_point=point, weekday=1)
    phone_reason = ReasonFactory(phone=True, label="Retraite")
    OpeningRangeFactory(
        service_point=point,
        weekday=1,
        mode=Mode.PHONE,
        opens_at=time(14),
        closes_at=time(15),
        agents_on_duty=1,
        reasons=[phone_reason],
    )
    OpeningRangeFactory(service_point=point, weekday=3, reasons=[on_site.reasons.get()])
    slots_sync(service_point=point, now=clock, horizon_days=7)
    return on_site.reasons.get(), phone_reason


def slot_at(point, day: str, hour: int, minute: int = 0) -> Slot:
    return Slot.objects.get(
        service_point=point,
        starts_at=datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=PARIS),
    )


def book(slot, reason, agent, n=0, mode=Mode.ON_SITE):
    return appointment_book(
        slot_id=slot.pk,
        reason=reason,
        mode=mode,
        name=f"Personne {n}",
        phone=f"06 12 34 56 {n:02d}",
        actor=agent,
    )


@pytest.fixture
def tuesday_appointment(role, point, agenda):
    """One appointment booked by the agent on Tuesday at 9:00."""
    reason, _phone = agenda
    return book(slot_at(point, TUESDAY, 9), reason, role.user, 1)


def action_url(action: str, point, appointment) -> str:
    """Where an agent posts `action` ("status" or "cancel") on the appointment."""
    return reverse(f"appointments:appointment_{action}", args=[point.pk, appointment.pk])


def agent_acts(client, role, appointment, action: str, data: dict):
    """The agent posts `action` on the appointment; the appointment is read again after."""
    client.force_login(role.user)
    response = client.post(action_url(action, appointment.service_point, appointment), data)
    appointment.refresh_from_db()
    return response


def agenda_url(point, **query):
    url = reverse("appointments:agenda", args=[point.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_day_shows_slots_with_seats_and_their_appointments(client, role, point, agenda):
    reason, phone_reason = agenda
    on_site = book(slot_at(point, TUESDAY, 9), reason, role.user, 1)
    by_phone = book(slot_at(point, TUESDAY, 14), phone_reason, role.user, 2, mode=Mode.PHONE)
    client.force_login(role.user)
    response = client.get(agenda_url(point, day=TUESDAY))
    assert response.status_code == 200
    (day,) = response.context["days"]
    assert [(s.starts_at.astimezone(PARIS).time(), s.booked, s.capacity) for s in day.slots][
        :2
    ] == [(time(9), 1, 2), (time(9, 30), 0, 2)]
    assert len(day.slots) == 6 + 2 and (day.booked, day.capacity) == (2, 6 * 2 + 2)
    html = response.content.decode()
    assert on_site.reference in html and by_phone.reference in html and "Personne 1" in html
    # The phone is shown for phone appointments, as a link to call.
    assert 'href="tel:+33612345602"' in html and "tel:+33612345601" not in html
    assert "1/2" in html and "09:00" in html and "14:00" in html


def test_cancelled_and_moved_appointments_leave_the_agenda(client, role, point, agenda):
    reason, _phone = agenda
    gone = book(slot_at(point, TUESDAY, 9), reason, role.user, 1)
    client.force_login(role.user)
    client.post(
        reverse("appointments:appointment_cancel", args=[point.pk, gone.pk]),
        {"note": "Empêchement"},
    )
    response = client.get(agenda_url(point, day=TUESDAY))
    assert all(not slot.shown for slot in response.context["days"][0].slots)


def test_times_are_shown_in_the_service_point_time_zone(client, clock):
    reunion = ServicePointFactory(departement_id="974")
    role = RoleFactory(agent=True, service_point=reunion)
    OpeningRangeFactory(service_point=reunion, weekday=2)
    slots_sync(service_point=reunion, now=clock, horizon_days=7)
    client.force_login(role.user)
    response = client.get(agenda_url(reunion, day="2030-03-06"))
    html = response.content.decode()
    first = response.context["days"][0].slots[0]
    # 9:00 in Réunion is 6:00 in Paris: the agent reads the local time.
    assert first.starts_at == datetime(2030, 3, 6, 9, 0, tzinfo=ZoneInfo("Indian/Reunion"))
    assert "09:00–09:30" in html and "06:00" not in html


def test_the_week_view_goes_from_monday_to_sunday(client, role, point, agenda):
    reason, _phone = agenda
    thursday = book(slot_at(point, "2030-03-07", 10), reason, role.user, 3)
    client.force_login(role.user)
    response = client.get(agenda_url(point, day=TUESDAY, week=1))
    assert response.status_code == 200 and response.context["week"] is True
    days = response.context["days"]
    assert [d.day.isoformat() for d in days] == [f"2030-03-{n:02d}" for n in range(4, 11)]
    assert [len(d.slots) for d in days] == [0, 8, 0, 6, 0, 0, 0]
    assert thursday.reference in response.content.decode()
    assert response.context["previous_day"].isoformat() == "2030-02-25"
    assert response.context["next_day"].isoformat() == "2030-03-11"


def test_without_a_day_the_agenda_shows_today(client, role, point, agenda):
    client.force_login(role.user)
    response = client.get(agenda_url(point))
    assert response.status_code == 200 and response.context["day"].isoformat() == TUESDAY


def test_a_bad_day_is_refused(client, role, point, agenda):
    client.force_login(role.user)
    response = client.get(agenda_url(point, day="2030-13-45"))
    assert response.status_code == 400
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_over_capacity_slots_list_their_appointments_to_rehome(client, role, point, agenda):
    reason, _phone = agenda
    slot = slot_at(point, TUESDAY, 10)
    first, second = book(slot, reason, role.user, 1), book(slot, reason, role.user, 2)
    Slot.objects.filter(pk=slot.pk).update(capacity=1, over_capacity=True)
    client.force_login(role.user)
    response = client.get(agenda_url(point, day=TUESDAY))
    assert response.context["to_rehome"] == [first, second]
    html = response.content.decode()
    assert "fr-badge--error" in html and "2/1" in html


@pytest.mark.parametrize(
    ("status", "expected"),
    [("checked_in", "checked_in"), ("done", "done"), ("no_show", "no_show")],
)
def test_the_counter_checks_people_in_or_marks_them(
    client, role, point, tuesday_appointment, status, expected
):
    appointment = tuesday_appointment
    response = agent_acts(client, role, appointment, "status", {"status": status})
    assert response.status_code == 302
    assert response["Location"] == agenda_url(point, day=TUESDAY)
    assert appointment.status == expected
    assert appointment.events.filter(kind=expected, actor=role.user).exists()
    page = client.get(response["Location"])
    assert [m.level_tag for m in page.context["messages"]] == ["success"]
    assert appointment.reference in str(list(page.context["messages"])[0])


def test_a_change_that_does_not_fit_the_status_is_refused(client, role, point, tuesday_appointment):
    appointment = tuesday_appointment
    client.force_login(role.user)
    url = action_url("status", point, appointment)
    client.get(client.post(url, {"status": "checked_in"})["Location"])
    response = client.post(url, {"status": "no_show"})
    assert response.status_code == 400
    with override("fr"):
        expected = gettext("This change is not possible for this appointment.")
    assert [(m.level_tag, str(m)) for m in response.context["messages"]] == [("error", expected)]
    appointment.refresh_from_db()
    assert appointment.status == "checked_in"


@pytest.mark.parametrize("status", ["cancelled", "booked", "teleported", ""])
def test_unknown_statuses_are_refused(client, role, point, tuesday_appointment, status):
    appointment = tuesday_appointment
    response = agent_acts(client, role, appointment, "status", {"status": status})
    assert response.status_code == 400
    assert appointment.status == "booked"


def test_an_agent_cancels_with_a_reason_and_the_person_is_told(
    client, role, point, tuesday_appointment
):
    appointment = tuesday_appointment
    response = agent_acts(client, role, appointment, "cancel", {"note": "Agent malade"})
    assert response.status_code == 302
    assert appointment.status == "cancelled"
    assert appointment.events.filter(
        kind="cancelled", note="Agent malade", actor=role.user
    ).exists()
    assert slot_at(point, TUESDAY, 9).booked == 0
    assert Message.objects.filter(
        dedup_key=f"appointment:{appointment.pk}:cancellation:sms"
    ).exists()


@pytest.mark.parametrize("note", ["", "   "])
def test_cancelling_needs_a_reason(client, role, point, tuesday_appointment, note):
    appointment = tuesday_appointment
    response = agent_acts(client, role, appointment, "cancel", {"note": note})
    assert response.status_code == 400
    assert appointment.status == "booked" and slot_at(point, TUESDAY, 9).booked == 1


def test_cancelling_twice_is_refused(client, role, point, tuesday_appointment):
    appointment = tuesday_appointment
    client.force_login(role.user)
    url = action_url("cancel", point, appointment)
    assert client.post(url, {"note": "Doublon"}).status_code == 302
    assert client.post(url, {"note": "Doublon"}).status_code == 400
    assert appointment.events.filter(kind="cancelled").count() == 1


def test_the_agenda_costs_the_same_queries_however_full(
    client, role, point, agenda, django_assert_max_num_queries
):
    reason, _phone = agenda
    client.force_login(role.user)
    url = agenda_url(point, day=TUESDAY)
    with django_assert_max_num_queries(8):
        client.get(url)
    slots = Slot.objects.filter(service_point=point, mode=Mode.ON_SITE).order_by("starts_at")[:6]
    for n, slot in enumerate(slots):
        book(slot, reason, role.user, 2 * n)
        book(slot, reason, role.user, 2 * n + 1)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert sum(len(s.shown) for s in response.context["days"][0].slots) == 12
    with django_assert_max_num_queries(8):
        client.get(agenda_url(point, day=TUESDAY, week=1))


def test_agents_of_another_point_get_not_found(client, role, point, tuesday_appointment):
    appointment = tuesday_appointment
    stranger = RoleFactory(agent=True)
    client.force_login(stranger.user)
    assert client.get(agenda_url(point, day=TUESDAY)).status_code == 404
    for point_id in (point.pk, stranger.service_point.pk):
        status_url = reverse("appointments:appointment_status", args=[point_id, appointment.pk])
        cancel_url = reverse("appointments:appointment_cancel", args=[point_id, appointment.pk])
        assert client.post(status_url, {"status": "no_show"}).status_code == 404
        assert client.post(cancel_url, {"note": "x"}).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_anonymous_people_are_sent_to_the_login_page(client, role, point, tuesday_appointment):
    appointment = tuesday_appointment
    for response in (
        client.get(agenda_url(point, day=TUESDAY)),
        client.post(action_url("status", point, appointment), {"status": "no_show"}),
        client.post(action_url("cancel", point, appointment), {"note": "x"}),
    ):
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_every_action_form_carries_a_csrf_token(client, role, point, agenda):
    reason, _phone = agenda
    book(slot_at(point, TUESDAY, 9), reason, role.user, 1)
    client.force_login(role.user)
    html = client.get(agenda_url(point, day=TUESDAY)).content.decode()
    # The appointment's two forms, plus the header's logout and language forms.
    assert html.count('method="post"') == html.count('name="csrfmiddlewaretoken"') == 4
