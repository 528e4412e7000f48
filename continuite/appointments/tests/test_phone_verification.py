"""Proof of the phone: a one-time code by SMS before a lottery entry counts or a booking in high demand."""

import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import RoleFactory
from continuite.appointments import high_demand
from continuite.appointments.high_demand import (
    high_demand_detect,
    high_demand_in_force,
    high_demand_on,
    high_demand_start,
    high_demand_stop,
)
from continuite.appointments.lottery import lottery_draw, lottery_enter
from continuite.appointments.models import (
    Appointment,
    HighDemand,
    LotteryRequest,
    PhoneCode,
)
from continuite.appointments.services import appointment_book
from continuite.appointments.verification import code_hash, phone_code_check, phone_code_send
from continuite.notifications.models import Message
from continuite.service_points.models import Network

from .factories import ReasonFactory
from .helpers import counter as booking_counter
from .helpers import fr, slot_at, soon
from .test_public_booking import book_url, form_values, post_booking
from .test_public_lottery import counter, enter

pytestmark = pytest.mark.django_db

PHONE = "+33612345678"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
NOTICE = "Ces places sont très demandées : un code vous sera envoyé par SMS"


@pytest.fixture
def reason():
    return ReasonFactory(label="Renouvellement de titre", lottery=True)


def test_a_lottery_entry_without_a_verified_phone_is_never_drawn(client, reason):
    point = counter(reason, "Guichet Sathonay")

    enter(client, reason, point, proven=False)
    lottery_draw(
        reason=reason,
        service_point=point,
        draw_on=point.local_now().date() + timedelta(days=1),
        now=timezone.now(),
    )

    assert not Appointment.objects.exists()
    assert not LotteryRequest.objects.filter(status=LotteryRequest.Status.WON).exists()


def _code_sent_to(phone: str) -> str:
    """The code of the last SMS sent to the number, read from the outbox as the phone shows it."""
    body = Message.objects.filter(to=phone, dedup_key__startswith="phone-code:").latest("id").body
    return re.search(r"\b(\d{6})\b", body).group(1)


def _continue(client, confirmed):
    """Send the form of the page that follows the right code, as a browser without JavaScript."""
    html = confirmed.content.decode()
    html = html[html.index("<main") :]
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    return client.post(action, data)


def test_a_lottery_entry_created_without_a_proven_phone_is_left_out_of_the_draw(reason):
    point = counter(reason, "Guichet Sathonay")
    now = timezone.now()
    lottery_enter(reason=reason, service_point=point, name="Jeanne Martin", phone="0612345678")
    proven = lottery_enter(
        reason=reason,
        service_point=point,
        name="Paul Durand",
        phone="0698765432",
        phone_verified_at=now,
    )

    lottery_draw(
        reason=reason,
        service_point=point,
        draw_on=point.local_now(now).date() + timedelta(days=1),
        now=now,
    )

    assert list(LotteryRequest.objects.filter(status="won")) == [proven]
    assert LotteryRequest.objects.get(person__phone="+33612345678").status == "waiting"


def test_without_javascript_the_code_step_keeps_what_was_typed_and_the_entry_then_counts(
    client, reason
):
    point = counter(reason, "Guichet Sathonay")
    assert (
        NOTICE
        in client.get(reverse("appointments:lottery", args=[reason.pk, point.pk])).content.decode()
    )

    sent = enter(client, reason, point, proven=False, email="jeanne@example.fr")

    assert sent.status_code == 302 and not LotteryRequest.objects.exists()
    page = client.get(sent["Location"])
    assert page.status_code == 200 and "06 12 34 56 78" in page.content.decode()
    wrong = client.post(
        sent["Location"], {"code": "000000" if _code_sent_to(PHONE) != "000000" else "111111"}
    )
    assert wrong.status_code == 400
    assert (
        "Ce code n’est pas celui que nous avons envoyé. Encore 4 essais." in wrong.content.decode()
    )

    confirmed = client.post(sent["Location"], {"code": _code_sent_to(PHONE)})

    assert confirmed.status_code == 200
    html = confirmed.content.decode()
    for value in ("Jeanne Martin", "jeanne@example.fr", "06 12 34 56 78", "69001"):
        assert f'value="{value}"' in html
    entered = _continue(client, confirmed)
    assert entered.status_code == 302
    entry = LotteryRequest.objects.get()
    assert entry.phone_verified_at is not None and entry.contact_email == "jeanne@example.fr"
    # The proof lasts a while: a second entry (another counter) asks no new code.
    other = counter(reason, "Guichet Villeurbanne")
    assert enter(client, reason, other, proven=False).status_code == 302
    assert LotteryRequest.objects.count() == 2
    assert PhoneCode.objects.count() == 1


def test_a_code_is_kept_only_as_a_keyed_hash():
    row = phone_code_send(phone=PHONE, now=NOW)
    code = _code_sent_to(PHONE)

    assert code not in row.code_hash and len(code) == 6
    assert row.code_hash == code_hash(PHONE, code) != code_hash("+33698765432", code)
    assert row.expires_at == NOW + timedelta(minutes=10)


def test_a_code_expires_after_ten_minutes():
    phone_code_send(phone=PHONE, now=NOW)

    with pytest.raises(
        ValidationError, match=re.escape(fr("This code has expired. Ask for a new code."))
    ):
        phone_code_check(phone=PHONE, code=_code_sent_to(PHONE), now=NOW + timedelta(minutes=10))
    assert PhoneCode.objects.get().verified_at is None


def test_a_code_allows_five_tries_then_even_the_right_one_is_refused():
    phone_code_send(phone=PHONE, now=NOW)
    code = _code_sent_to(PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _attempt in range(5):
        with pytest.raises(ValidationError):
            phone_code_check(phone=PHONE, code=wrong, now=NOW)

    with pytest.raises(
        ValidationError, match=re.escape(fr("Too many wrong codes. Ask for a new code."))
    ):
        phone_code_check(phone=PHONE, code=code, now=NOW)
    assert PhoneCode.objects.get().attempts == 5


def test_the_right_code_is_accepted_once():
    phone_code_send(phone=PHONE, now=NOW)
    code = _code_sent_to(PHONE)

    assert phone_code_check(phone=PHONE, code=f"{code[:3]} {code[3:]}", now=NOW) == NOW
    with pytest.raises(ValidationError):
        phone_code_check(phone=PHONE, code=code, now=NOW)


def test_a_number_gets_three_codes_per_quarter_hour_then_a_429_with_retry_after(client, reason):
    point = counter(reason, "Guichet Sathonay")
    for _attempt in range(3):
        assert enter(client, reason, point, proven=False).status_code == 302

    refused = enter(client, reason, point, proven=False)

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 15 * 60
    assert PhoneCode.objects.count() == 3
    # Later, the number gets a code again.
    later = timezone.now() + timedelta(minutes=16)
    assert phone_code_send(phone=PHONE, now=later).phone == PHONE


def test_an_address_gets_five_codes_a_minute_then_a_429_with_retry_after(client, reason):
    point = counter(reason, "Guichet Sathonay")
    for number in range(5):
        assert (
            enter(client, reason, point, proven=False, phone=f"06 12 34 56 0{number}").status_code
            == 302
        )

    refused = enter(client, reason, point, proven=False, phone="06 12 34 56 09")

    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 60
    assert PhoneCode.objects.count() == 5


def test_a_landline_is_told_a_code_needs_a_mobile_and_offered_the_call_back_form(client, reason):
    point = counter(reason, "Guichet Sathonay")

    sent = enter(client, reason, point, proven=False, phone="04 78 12 34 56")
    page = client.get(sent["Location"])

    html = page.content.decode()
    assert fr("A code needs a mobile phone") in html
    assert reverse("appointments:callback_request", args=[point.pk]) in html
    assert not PhoneCode.objects.exists() and not LotteryRequest.objects.exists()
    # A mobile typed instead gets the code, and the entry keeps the new number.
    resent = client.post(
        reverse("appointments:phone_code_resend", args=[sent["Location"].split("/")[-2]]),
        {"phone": "06 12 34 56 78"},
    )
    assert resent.status_code == 302
    confirmed = client.post(resent["Location"], {"code": _code_sent_to(PHONE)})
    assert 'name="phone" value="06 12 34 56 78"' in confirmed.content.decode()


# High demand.


@pytest.fixture
def busy():
    """A public reason with one counter and ten single seats ahead."""
    reason = ReasonFactory(label="Titre de séjour")
    opening_range = booking_counter(reason)
    slots = [slot_at(opening_range, soon(2, 7) + timedelta(minutes=30 * i)) for i in range(10)]
    return reason, slots


def test_a_network_manager_switches_high_demand_on_with_a_reason_given_and_it_is_audited(
    client, busy
):
    reason, _slots = busy
    manager = RoleFactory(network_manager=True).user
    client.force_login(manager)
    url = reverse("appointments:high_demand", args=[reason.pk])
    assert client.get(reverse("appointments:high_demand_list")).status_code == 200

    empty = client.post(url, {"action": "start", "note": " ", "hours": "24"})
    assert empty.status_code == 400 and not HighDemand.objects.exists()
    switched = client.post(
        url, {"action": "start", "note": "Robots sur les créneaux", "hours": "6"}
    )

    assert switched.status_code == 302
    period = HighDemand.objects.get()
    assert (period.origin, period.note, period.started_by) == (
        "manager",
        "Robots sur les créneaux",
        manager,
    )
    assert period.ends_at - period.starts_at == timedelta(hours=6)
    log = AuditLog.objects.get(action="high_demand_on")
    assert (log.actor, log.target_id, log.details["note"]) == (
        manager,
        str(reason.pk),
        "Robots sur les créneaux",
    )

    assert client.post(url, {"action": "stop"}).status_code == 302
    assert high_demand_in_force(reason.pk, timezone.now()) is None
    assert AuditLog.objects.filter(action="high_demand_off", actor=manager).exists()


def test_only_the_managers_of_the_reasons_network_switch_high_demand(client, busy):
    reason, _slots = busy
    other = Network.objects.exclude(pk=reason.network_id).first()
    url = reverse("appointments:high_demand", args=[reason.pk])
    anonymous = client.post(url, {"action": "start", "note": "x", "hours": "1"})
    assert anonymous.status_code == 302 and "?next=" in anonymous["Location"]
    for role in (
        RoleFactory(network_manager=True, network=other),
        RoleFactory(),  # a site manager
        RoleFactory(steering=True),
        RoleFactory(network_manager=True, departement_id="69"),
    ):
        client.force_login(role.user)
        assert client.post(url, {"action": "start", "note": "x", "hours": "1"}).status_code == 403
    assert not HighDemand.objects.exists() and not AuditLog.objects.exists()


def test_high_demand_switches_on_by_itself_when_released_seats_go_within_minutes_then_off(
    settings, busy
):
    settings.HIGH_DEMAND_MIN_SEATS = 5
    reason, slots = busy
    calm = ReasonFactory()
    calm_slots = [
        slot_at(booking_counter(calm), soon(2, 7) + timedelta(minutes=30 * i)) for i in range(20)
    ]
    now = timezone.now()
    for i, slot in enumerate(slots[:8]):
        appointment_book(
            slot_id=slot.pk, reason=reason, mode=slot.mode, name="P", phone=f"061234560{i}", now=now
        )
    for i, slot in enumerate(calm_slots[:6]):
        appointment_book(
            slot_id=slot.pk, reason=calm, mode=slot.mode, name="Q", phone=f"069876540{i}", now=now
        )

    call_command("run_job", "detect-high-demand", stdout=StringIO())

    period = high_demand_in_force(reason.pk, timezone.now())
    assert period is not None and period.origin == "automatic"
    assert "8" in period.note and "10" in period.note
    assert high_demand_in_force(calm.pk, timezone.now()) is None  # 6 of 20 seats: not a rush
    assert high_demand_in_force(reason.pk, period.starts_at + timedelta(minutes=61)) is None
    assert high_demand_detect(now=timezone.now()) == []  # already on: not started twice


def test_bookings_made_long_ago_do_not_switch_high_demand_on(settings, busy):
    settings.HIGH_DEMAND_MIN_SEATS = 5
    reason, slots = busy
    for i, slot in enumerate(slots[:8]):
        appointment_book(
            slot_id=slot.pk, reason=reason, mode=slot.mode, name="P", phone=f"061234560{i}"
        )

    assert high_demand_detect(now=timezone.now() + timedelta(minutes=11)) == []


def test_in_high_demand_a_booking_waits_for_the_code_then_is_made_with_what_was_typed(client, busy):
    reason, slots = busy
    high_demand_start(reason=reason, actor=None, note="Ouverture des créneaux", hours=2)
    assert NOTICE in client.get(book_url(slots[0], reason)).content.decode()

    sent, _data = post_booking(client, slots[0], reason, email="jeanne@example.fr")

    assert sent.status_code == 302 and not Appointment.objects.exists()
    confirmed = client.post(sent["Location"], {"code": _code_sent_to(PHONE)})
    booked = _continue(client, confirmed)
    assert booked.status_code == 302 and "/rendez-vous/demande/" in booked["Location"]
    appointment = Appointment.objects.get()
    assert (appointment.slot, appointment.contact_email) == (slots[0], "jeanne@example.fr")


def test_out_of_high_demand_a_booking_needs_no_code(client, busy):
    reason, slots = busy
    assert NOTICE not in client.get(book_url(slots[0], reason)).content.decode()
    sent, _data = post_booking(client, slots[0], reason)
    assert sent.status_code == 302 and Appointment.objects.count() == 1
    assert not PhoneCode.objects.exists()


def test_only_the_last_code_sent_counts():
    phone_code_send(phone=PHONE, now=NOW)
    first = _code_sent_to(PHONE)
    phone_code_send(phone=PHONE, now=NOW + timedelta(minutes=1))
    last = _code_sent_to(PHONE)
    if first == last:  # one chance in a million: nothing to tell apart
        return

    with pytest.raises(ValidationError):
        phone_code_check(phone=PHONE, code=first, now=NOW + timedelta(minutes=2))
    assert phone_code_check(phone=PHONE, code=last, now=NOW + timedelta(minutes=2))
    with pytest.raises(ValidationError):
        phone_code_check(phone=PHONE, code=first, now=NOW + timedelta(minutes=3))


def test_the_booking_form_reads_high_demand_from_the_cache_and_the_job_restores_a_lost_copy(busy):
    reason, _slots = busy
    period = high_demand_start(reason=reason, actor=None, note="Ouverture", hours=1, now=NOW)
    assert high_demand_on(reason.pk, NOW) and not high_demand_on(reason.pk, period.ends_at)

    cache.delete(high_demand._cache_key(reason.pk))  # a flushed cache
    assert not high_demand_on(reason.pk, NOW)
    high_demand_detect(now=NOW + timedelta(minutes=1))
    assert high_demand_on(reason.pk, NOW + timedelta(minutes=1))

    high_demand_stop(reason=reason, actor=None, now=NOW + timedelta(minutes=2))
    assert not high_demand_on(reason.pk, NOW + timedelta(minutes=2))


def test_codes_are_deleted_a_day_after_they_were_sent():
    phone_code_send(phone=PHONE, now=timezone.now() - timedelta(hours=25))
    recent = phone_code_send(phone="+33698765432", now=timezone.now() - timedelta(hours=23))

    call_command("run_job", "purge-phone-codes", stdout=StringIO())

    assert list(PhoneCode.objects.all()) == [recent]


def test_in_high_demand_a_booking_of_a_slot_that_does_not_exist_is_a_404_and_sends_no_code(
    client, busy
):
    reason, slots = busy
    high_demand_start(reason=reason, actor=None, note="Ouverture", hours=2)
    shown = client.get(book_url(slots[0], reason))
    data = {**form_values(shown), "name": "Jeanne Martin", "phone": "06 12 34 56 78"}

    response = client.post(reverse("appointments:book", args=[slots[-1].pk + 1000]), data)

    assert response.status_code == 404
    assert not PhoneCode.objects.exists() and not Appointment.objects.exists()


def test_high_demand_switched_twice_or_off_at_the_instant_it_began_changes_cleanly(busy):
    """Two presses at the same instant (a double submit, the fuzz test's frozen clock) answered
    500: ending the period in force at its own start broke the constraint end > start."""
    reason, _slots = busy
    manager = RoleFactory(network_manager=True).user

    high_demand_start(reason=reason, actor=manager, note="Robots", hours=6, now=NOW)
    again = high_demand_start(reason=reason, actor=manager, note="Encore", hours=2, now=NOW)

    assert list(HighDemand.objects.values_list("pk", flat=True)) == [again.pk]
    assert high_demand_stop(reason=reason, actor=manager, now=NOW) == 1
    assert not HighDemand.objects.in_force(NOW).exists()
