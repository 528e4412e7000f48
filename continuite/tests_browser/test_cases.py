"""A case worker opens their queue, pauses a case's clock, and sees the new deadline explained.

With JavaScript and without: the queue, the case page and its forms are plain links and forms.
"""

from datetime import timedelta

import pytest
from django.utils import dateformat, timezone, translation
from playwright.sync_api import expect

from continuite.accounts.tests.factories import RoleFactory
from continuite.cases.models import Case, ClockStop
from continuite.cases.tests.factories import CaseFactory, ProcedureTypeFactory
from continuite.service_points.tests.factories import ServicePointFactory

from .test_site_manager import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference_data")]


def shown(case: Case) -> str:
    """The deadline as the case page writes it, in French and the service point's time."""
    with translation.override("fr"):
        return dateformat.format(
            case.deadline_at.astimezone(case.service_point.time_zone), "l j F Y, H:i"
        )


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_case_worker_pauses_the_clock_and_sees_the_new_deadline(new_page, javascript):
    point = ServicePointFactory(name="France services Sathonay")
    other = ServicePointFactory(name="France services Croix-Rousse")
    procedure = ProcedureTypeFactory(label="Aide au logement")
    urgent = CaseFactory(
        service_point=point, procedure_type=procedure, reference="LOG-URGENT", at_risk=True
    )
    CaseFactory(service_point=point, procedure_type=procedure, reference="LOG-CALME")
    CaseFactory(service_point=other, procedure_type=procedure, reference="LOG-AILLEURS")
    agent = RoleFactory(service_point=point, agent=True).user
    before = shown(urgent)

    page = new_page(java_script_enabled=javascript)
    log_in(page, agent.username, next_url="/espace-agent/dossiers/")
    page.wait_for_url("**/espace-agent/dossiers/")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(2)  # not the other service point's case
    expect(rows.first).to_contain_text("LOG-URGENT")  # the most at risk first
    expect(rows.first.locator("[data-risk]")).to_have_attribute("data-risk", "at_risk")
    expect(page.locator("main")).not_to_contain_text("LOG-AILLEURS")

    rows.first.get_by_role("link", name="LOG-URGENT").click()
    page.wait_for_url(f"**/espace-agent/dossiers/{urgent.pk}/")
    expect(page.get_by_test_id("deadline-at")).to_have_text(before)
    expect(page.get_by_test_id("deadline-explanation")).not_to_contain_text("délai suspendu")

    # Documents were requested four days ago and have not come back yet.
    requested = timezone.now() - timedelta(days=4)
    local = requested.astimezone(point.time_zone).strftime("%Y-%m-%dT%H:%M")
    form = page.locator("main form[action$='/suspendre/']")
    form.locator("[name=reason]").select_option("documents")
    form.locator("[name=starts_at]").fill(local)
    form.locator("[name=note]").fill("Avis d'imposition demandé")
    form.locator("button[type=submit]").click()

    page.wait_for_url(f"**/espace-agent/dossiers/{urgent.pk}/")
    expect(page.locator(".fr-alert--success")).to_contain_text("Le délai est suspendu.")
    urgent.refresh_from_db()
    assert urgent.status == Case.Status.WAITING
    after = shown(urgent)
    assert after != before
    expect(page.get_by_test_id("deadline-at")).to_have_text(after)
    explanation = page.get_by_test_id("deadline-explanation")
    expect(explanation).to_have_text(urgent.deadline_explanation)
    expect(explanation).to_contain_text("délai suspendu 4 jours")
    expect(explanation).to_contain_text("délai suspendu depuis")
    expect(page.get_by_test_id("case-status")).to_have_text("En attente de la personne")
    expect(page.get_by_role("heading", name="Faire reprendre le délai")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Avis d'imposition demandé")
    stop = ClockStop.objects.get(case=urgent)
    assert stop.created_by == agent and stop.ends_at is None
