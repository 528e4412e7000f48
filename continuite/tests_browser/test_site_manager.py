"""A site manager closes their counter: the public stops seeing it, steering sees the rate drop.

Three visitors, each in their own browser context: the site manager, an anonymous member of the
public, and a steering agent. The database is checked for the history and the audit trail.
"""

import re

import pytest
from playwright.sync_api import expect

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import PASSWORD, RoleFactory, UserFactory
from continuite.service_points.models import CrisisStatus, StatusChange
from continuite.service_points.tests.factories import ServicePointFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference_data")]

REASON = "Agents absents pour cause de crise sanitaire"


def log_in(page, username: str, *, next_url: str = "") -> None:
    """Log in through the form (no second factor outside production)."""
    page.goto(f"/compte/connexion/?next={next_url}" if next_url else "/compte/connexion/")
    form = page.locator("main form")
    form.locator("[name=username]").fill(username)
    form.locator("[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()


def test_a_site_manager_closes_a_counter_and_the_public_sees_it(new_page):
    counter = ServicePointFactory(name="Guichet Sathonay")
    other = ServicePointFactory(name="Guichet Villeurbanne", latitude=45.7719, longitude=4.8902)
    manager = UserFactory()
    RoleFactory(user=manager, service_point=counter)
    steering = UserFactory()
    RoleFactory(user=steering, steering=True)

    # The site manager logs in, finds their counter and closes it.
    page = new_page()
    log_in(page, manager.username)
    page.wait_for_url("**/espace-agent/")
    status_url = f"/espace-agent/guichets/{counter.pk}/"
    expect(page.locator(f'main a[href="/guichets/{counter.pk}/"]')).to_have_text(counter.name)
    page.locator(f'main a[href="{status_url}"]').click()
    page.wait_for_url(f"**{status_url}")
    expect(page.locator("h1")).to_have_text(counter.name)

    form = page.locator("main form", has=page.locator("[name=reason]"))
    closed = form.locator("input[name=status][value=closed]")
    form.locator(f'label[for="{closed.get_attribute("id")}"]').click()
    expect(closed).to_be_checked()
    form.locator("[name=reason]").fill(REASON)
    expect(form.locator("[name=starts_at]")).not_to_have_value("")
    form.locator("button[type=submit]").click()

    expect(page.locator(".fr-alert--success")).to_be_visible()
    expect(page.locator(".fr-alert--success")).to_contain_text(counter.name)
    assert page.url.endswith(status_url)
    expect(page.locator("main p [data-status]")).to_have_attribute("data-status", "closed")
    history = page.locator("main table tbody tr")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text(REASON)
    expect(history.first).to_contain_text(str(manager))

    # The public no longer finds it: closed counters are left out of the search.
    public = new_page()
    public.goto("/")
    public.locator("form[role=search] [name=q]").fill("69001")
    public.locator("form[role=search] button[type=submit]").click()
    results = public.locator("#results li.continuite-result")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text(other.name)
    expect(public.locator("#results")).not_to_contain_text(counter.name)
    # Its own page still exists, and says why it is closed.
    public.goto(f"/guichets/{counter.pk}/")
    expect(public.locator("main [data-status]").first).to_have_attribute("data-status", "closed")
    expect(public.locator("main")).to_contain_text(REASON)

    # The history and the audit trail were written.
    change = StatusChange.objects.get(service_point=counter)
    assert (change.status, change.reason, change.set_by, change.ends_at) == (
        CrisisStatus.CLOSED,
        REASON,
        manager,
        None,
    )
    audit = AuditLog.objects.get(action="service_point.status_set")
    assert audit.actor == manager
    assert (audit.target_type, audit.target_id) == ("service_points.servicepoint", str(counter.pk))
    assert audit.details["status"] == CrisisStatus.CLOSED
    assert audit.details["status_change"] == change.pk

    # Steering (a national role: the whole country) sees one counter closed out of two.
    steer = new_page()
    log_in(steer, steering.username, next_url="/pilotage/")
    steer.wait_for_url("**/pilotage/")
    national_rate = steer.locator("[data-testid=national-rate]")
    expect(national_rate, "a national steering role must see every counter").to_have_text(
        re.compile(r"^\s*50[.,]0\s*%")
    )
    row = steer.locator('tr[data-code="69"]')
    expect(row).to_have_count(1)
    cells = row.locator("td")
    expect(cells.nth(0)).to_have_text("2")
    expect(cells.nth(1)).to_have_text("1")
    expect(cells.nth(2)).to_have_text(re.compile(r"^\s*50[.,]0\s*%"))
    expect(steer.locator('svg path[data-code="69"]')).to_have_count(1)
