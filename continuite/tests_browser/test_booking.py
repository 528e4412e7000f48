"""Booking an appointment without an account, in a real browser, with JavaScript and without.

A member of the public chooses a reason and a postcode, picks the earliest time, gives a name and
a phone number, lands on the confirmation, opens their personal link, moves the appointment and
cancels it. Every step is a plain link or form: both runs must end in the same database state.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from continuite.appointments.links import manage_token
from continuite.appointments.models import Appointment, LotteryRequest, Mode, Slot
from continuite.appointments.tests.factories import OpeningRangeFactory, ReasonFactory
from continuite.notifications.models import Message
from continuite.service_points.tests.factories import ServicePointFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference_data")]

SCREENSHOT = "/tmp/browser-booking-{}-{}.png"


def soon(days: int, hour: int = 9) -> datetime:
    day = (timezone.now() + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def lyon_times():
    """Guichet Sathonay serves the reason at three times; Villeurbanne, farther, at a fourth."""
    reason = ReasonFactory(label="Aide aux démarches CAF")
    ReasonFactory(label="Autre démarche")  # no opening range: not offered
    near = OpeningRangeFactory(
        service_point=ServicePointFactory(name="Guichet Sathonay"), reasons=[reason]
    )
    far = OpeningRangeFactory(
        service_point=ServicePointFactory(
            name="Guichet Villeurbanne", latitude=45.7719, longitude=4.8902
        ),
        reasons=[reason],
    )
    slots = [
        Slot.objects.create(
            opening_range=opening_range,
            service_point=opening_range.service_point,
            mode=Mode.ON_SITE,
            starts_at=soon(days),
            ends_at=soon(days) + timedelta(minutes=30),
            capacity=2,
        )
        for opening_range, days in ((near, 2), (far, 3), (near, 4), (near, 5))
    ]
    return reason, slots


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_public_books_moves_and_cancels_an_appointment(new_page, javascript):
    reason, slots = lyon_times()
    page = new_page(java_script_enabled=javascript)
    label = "js" if javascript else "nojs"

    # Step 1: the reason and the place.
    page.goto("/rendez-vous/")
    expect(page.locator(".fr-stepper__steps")).to_have_attribute("data-fr-current-step", "1")
    form = page.locator("main form")
    expect(form.locator("select[name=reason] option")).to_have_count(2)  # the empty choice
    form.locator("select[name=reason]").select_option(label=reason.label)
    form.locator("input[name=q]").fill("69001")
    form.locator("button[type=submit]").click()

    # Step 2: the earliest times, soonest first.
    page.wait_for_url(re.compile(r"/rendez-vous/creneaux/\?reason=\d+&q=69001"))
    times = page.locator("#slots li[data-slot]")
    expect(times).to_have_count(4)
    expect(times.nth(0)).to_have_attribute("data-slot", str(slots[0].pk))
    expect(times.nth(0)).to_contain_text("Guichet Sathonay")
    expect(times.nth(1)).to_contain_text("Guichet Villeurbanne")
    expect(times.nth(0)).to_contain_text("km")
    page.screenshot(path=SCREENSHOT.format(label, "slots"), full_page=True)
    times.nth(0).locator("a.fr-btn").click()

    # Step 3: who comes.
    page.wait_for_url(f"**/rendez-vous/reserver/{slots[0].pk}/**")
    expect(page.locator(".fr-stepper__steps")).to_have_attribute("data-fr-current-step", "3")
    form = page.locator("main form[method=post]")
    form.locator("input[name=name]").fill("Jeanne Martin")
    form.locator("input[name=phone]").fill("12")
    form.locator("button[type=submit]").click()
    # A wrong number: said at the top and on the field, what was typed kept.
    expect(page.locator("#errors")).to_be_visible()
    expect(page.locator("input[name=phone]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("input[name=name]")).to_have_value("Jeanne Martin")
    assert not Appointment.objects.exists()
    page.locator("input[name=phone]").fill("06 12 34 56 78")
    page.locator("main form[method=post] button[type=submit]").click()

    # Step 4: the request recorded (the same page a refusal for the person's cap shows); the
    # reference and the personal link come by SMS.
    page.wait_for_url("**/rendez-vous/demande/**")
    appointment = Appointment.objects.get()
    assert appointment.slot_id == slots[0].pk and appointment.contact_phone == "+33612345678"
    expect(page.locator(".fr-stepper__steps")).to_have_attribute("data-fr-current-step", "4")
    local = timezone.localtime(appointment.starts_at, appointment.service_point.time_zone)
    expect(page.locator("[data-starts-at]")).to_contain_text(local.strftime("%H:%M"))
    page.screenshot(path=SCREENSHOT.format(label, "requested"), full_page=True)

    # The confirmation the SMS links to, with the reference and the personal link.
    page.goto(reverse("appointments:confirmation", args=[manage_token(appointment)]))
    expect(page.locator("[data-reference]").first).to_have_text(appointment.reference)
    with page.expect_download() as download:
        page.locator('main a[href$="/agenda.ics"]').first.click()
    assert download.value.suggested_filename == f"rendez-vous-{appointment.reference}.ics"
    page.locator("#manage-link").click()

    # The manage page: move to the third time (another day at the same counter).
    page.wait_for_url("**/rendez-vous/gerer/**")
    expect(page.locator("h1")).to_be_visible()
    move = page.locator("main form", has=page.locator("input[name=slot]"))
    expect(move.locator("input[name=slot]")).to_have_count(2)  # Villeurbanne is elsewhere
    target = move.locator(f'input[name=slot][value="{slots[2].pk}"]')
    move.locator(f'label[for="{target.get_attribute("id")}"]').click()
    expect(target).to_be_checked()
    move.locator("button[type=submit]").click()

    page.wait_for_url("**/rendez-vous/gerer/**")
    expect(page.locator(".fr-alert--success")).to_be_visible()
    new = Appointment.objects.get(status=Appointment.Status.BOOKED)
    assert new.slot_id == slots[2].pk and new.reference != appointment.reference
    expect(page.locator("[data-reference]")).to_have_text(new.reference)
    expect(page.locator("#history li")).to_have_count(2)  # booked, moved here

    # Cancel, after saying yes.
    page.locator('main a[href$="/annuler/"]').click()
    page.wait_for_url("**/annuler/")
    page.locator("main form[method=post] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/rendez-vous/gerer/[^/]+/$"))
    expect(page.locator('[data-status="cancelled"]')).to_be_visible()
    expect(page.locator('main a[href$="/annuler/"]')).to_have_count(0)
    expect(page.locator("#history li")).to_have_count(3)
    page.screenshot(path=SCREENSHOT.format(label, "cancelled"), full_page=True)
    new.refresh_from_db()
    assert new.status == Appointment.Status.CANCELLED
    assert [s.booked for s in Slot.objects.order_by("starts_at")] == [0, 0, 0, 0]


def test_a_tampered_link_shows_a_clear_page_and_changes_nothing(page_no_js):
    reason, slots = lyon_times()
    page = page_no_js
    page.goto(f"/rendez-vous/reserver/{slots[0].pk}/?reason={reason.pk}&q=69001")
    page.locator("input[name=name]").fill("Jeanne Martin")
    page.locator("input[name=phone]").fill("06 12 34 56 78")
    page.locator("main form[method=post] button[type=submit]").click()
    page.wait_for_url("**/rendez-vous/demande/**")
    # The manage link reaches the person by SMS and email only.
    manage = reverse("appointments:manage", args=[manage_token(Appointment.objects.get())])

    response = page.goto(
        manage.replace(manage[-5:-1], "AAAA" if manage[-5:-1] != "AAAA" else "BBBB")
    )

    assert response.status == 404
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(".fr-alert--error")).to_be_visible()
    expect(page.locator('main a[href$="/annuler/"]')).to_have_count(0)
    assert Appointment.objects.get().status == Appointment.Status.BOOKED


def test_without_javascript_a_lottery_reason_enters_the_draw_of_a_counter(page_no_js):
    reason = ReasonFactory(label="Renouvellement de titre de séjour", lottery=True)
    point = ServicePointFactory(name="Guichet Sathonay")
    opening_range = OpeningRangeFactory(service_point=point, reasons=[reason])
    Slot.objects.create(
        opening_range=opening_range,
        service_point=point,
        mode=Mode.ON_SITE,
        starts_at=soon(3),
        ends_at=soon(3) + timedelta(minutes=30),
        capacity=1,
    )
    page = page_no_js

    page.goto("/rendez-vous/")
    page.locator("main select[name=reason]").select_option(label=reason.label)
    page.locator("main input[name=q]").fill("69001")
    page.locator("main form button[type=submit]").click()

    page.wait_for_url("**/rendez-vous/creneaux/**")
    counters = page.locator("#points li[data-point]")
    expect(counters).to_have_count(1)
    expect(page.locator("#slots")).to_have_count(0)
    counters.first.locator("a.fr-btn").click()

    page.wait_for_url(f"**/rendez-vous/tirage/{reason.pk}/{point.pk}/**")
    form = page.locator("main form[method=post]")
    form.locator("input[name=name]").fill("Jeanne Martin")
    form.locator("input[name=phone]").fill("06 12 34 56 78")
    form.locator("button[type=submit]").click()

    # The entry counts once the phone is proven: the code sent by SMS, then the same form again.
    page.wait_for_url("**/rendez-vous/code/**")
    assert not LotteryRequest.objects.exists()
    sms = Message.objects.filter(to="+33612345678", dedup_key__startswith="phone-code:").get()
    page.locator("main input[name=code]").fill(re.search(r"\b(\d{6})\b", sms.body).group(1))
    page.locator("main form:has(input[name=code]) button[type=submit]").click()
    page.locator("main form[method=post] button[type=submit]").click()

    page.wait_for_url("**/rendez-vous/tirage/inscription/**")
    expect(page.locator(".fr-alert--success")).to_contain_text(point.name)
    entry = LotteryRequest.objects.get()
    assert entry.service_point == point and entry.contact_phone == "+33612345678"
    assert not Appointment.objects.exists()
