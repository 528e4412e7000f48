"""A caller works today's call list: reserves a call, records a no-answer, then reaches the
person: a need heard becomes a call-back request, and an appointment is booked for it on the
follow-up page. With and without JavaScript."""

import pytest
from playwright.sync_api import expect

from continuite.accounts.tests.factories import RoleFactory
from continuite.appointments.models import CallbackRequest
from continuite.appointments.slots import slots_sync
from continuite.appointments.tests.factories import OpeningRangeFactory
from continuite.outreach.models import Call, CallAttempt, FollowUp
from continuite.outreach.tests.campaign_factories import CallerProfileFactory, CallFactory
from continuite.outreach.tests.factories import RegisteredPersonFactory, town_hall
from continuite.tests_browser.test_site_manager import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference_data")]

CALLS_URL = "/espace-agent/appels/"


def choose(form, name: str, value: str) -> None:
    """Tick a DSFR radio or checkbox through its label, as a person would."""
    box = form.locator(f"input[name={name}]" + (f"[value={value}]" if value else ""))
    form.locator(f'label[for="{box.get_attribute("id")}"]').click()
    expect(box).to_be_checked()


@pytest.mark.parametrize("page_fixture", ["page", "page_no_js"])
def test_a_caller_works_the_call_list_and_a_need_becomes_a_call_back(request, page_fixture):
    caller = RoleFactory(service_point=town_hall("69381"), agent=True).user
    CallerProfileFactory(user=caller)
    first = CallFactory(person=RegisteredPersonFactory(last_name="Alphafictive"), caller=caller)
    second = CallFactory(person=RegisteredPersonFactory(last_name="Betafictive"))
    # The town hall where needs are followed up receives the campaign's reason every morning.
    campaign = second.campaign
    for weekday in range(5):
        OpeningRangeFactory(
            service_point=campaign.followup_service_point,
            weekday=weekday,
            reasons=[campaign.followup_reason],
        )
    slots_sync(service_point=campaign.followup_service_point, horizon_days=14)
    page = request.getfixturevalue(page_fixture)

    # From the agent's space to the list of today's calls.
    log_in(page, caller.username)
    page.wait_for_url("**/espace-agent/")
    page.locator(f'main a[href="{CALLS_URL}"]').click()
    page.wait_for_url(f"**{CALLS_URL}")
    row = page.locator(f'[data-testid="call-{first.pk}"]')
    expect(row).to_contain_text("ALPHAFICTIVE")
    expect(page.locator(f'[data-testid="call-{second.pk}"]')).to_contain_text("BETAFICTIVE")

    # Reserve the first call, open its sheet: nobody answers.
    row.locator("button[type=submit]").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("appel vous est réservé")
    page.locator(f'[data-testid="call-{first.pk}"] a').click()
    expect(page.locator("h1")).to_contain_text("ALPHAFICTIVE")
    expect(page.locator("main")).to_contain_text(first.campaign.script)
    form = page.locator("main form", has=page.locator("[name=outcome]"))
    # Submitted without an answer: refused, nothing saved.
    form.locator("button[type=submit]").click()
    expect(page.locator("#errors")).to_be_visible()
    assert not CallAttempt.objects.exists()
    form = page.locator("main form", has=page.locator("[name=outcome]"))
    choose(form, "outcome", "no_answer")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**{CALLS_URL}")
    expect(page.locator(".fr-alert--success")).to_contain_text("appel est enregistré")
    first.refresh_from_db()
    assert first.status == Call.Status.OPEN and first.tries == 1

    # The second call: the person is reached, lives alone and needs medication.
    page.locator(f'[data-testid="call-{second.pk}"] a').click()
    expect(page.locator("h1")).to_contain_text("BETAFICTIVE")
    form = page.locator("main form", has=page.locator("[name=outcome]"))
    choose(form, "outcome", "reached")
    choose(form, "alone", "yes")
    choose(form, "needs_medication", "")
    form.locator("[name=other_need]").fill("courses")
    form.locator("button[type=submit]").click()
    # The needs' follow-up page: the call-back is made, an appointment can be booked too.
    page.wait_for_url(f"**{CALLS_URL}{second.pk}/suivi/?tentative=*")
    expect(page.locator(".fr-alert--info")).to_contain_text(
        "Les besoins recueillis deviennent une demande de rappel pour"
    )
    second.refresh_from_db()
    assert second.status == Call.Status.RESOLVED and second.caller == caller
    followup = FollowUp.objects.get()
    assert followup.person == second.person
    assert followup.callback_request.status == CallbackRequest.Status.OPEN
    assert "courses" in followup.callback_request.note
    expect(page.locator('[data-testid="followup-callback"]')).to_contain_text(
        followup.callback_request.reference
    )
    form = page.locator('[data-testid="appointment-form"]')
    box = form.locator("input[name=slot]").first
    slot = box.get_attribute("value")
    form.locator(f'label[for="{box.get_attribute("id")}"]').click()
    expect(box).to_be_checked()
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**{CALLS_URL}{second.pk}/suivi/?tentative=*")
    expect(page.locator(".fr-alert--success")).to_be_visible()
    appointment = FollowUp.objects.get(kind=FollowUp.Kind.APPOINTMENT).appointment
    assert appointment.slot_id == int(slot) and appointment.contact_phone == second.person.phone
    expect(page.locator('[data-testid="followup-appointment"]')).to_contain_text(
        appointment.reference
    )
