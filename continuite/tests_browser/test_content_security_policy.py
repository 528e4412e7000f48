"""Under the Content-Security-Policy, DSFR's and htmx's scripts run and the browser refuses nothing.

The HTTP tests read the header and the markup; only a browser says whether a script or a style
the page needs is refused (it logs a violation and the feature silently stops working).
"""

import pytest
from playwright.sync_api import expect

from continuite.service_points.tests.factories import ServicePointFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference_data")]


def test_the_search_runs_dsfr_and_htmx_with_no_policy_violation(page):
    ServicePointFactory(name="Guichet Sathonay", latitude=45.7675, longitude=4.8345)
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    page.goto("/")
    expect(page.locator("html")).to_have_attribute("data-fr-js", "true")  # DSFR's script ran
    page.evaluate("window.stillTheSamePage = true")
    page.locator("form[role=search] [name=q]").fill("69001")
    page.locator("form[role=search] button[type=submit]").click()
    expect(page.locator("#results li.continuite-result")).to_have_count(1)
    assert page.evaluate("window.stillTheSamePage") is True  # swapped by htmx, not reloaded

    page.goto("/rendez-vous/")
    expect(page.locator("html")).to_have_attribute("data-fr-js", "true")
    assert refused == []
