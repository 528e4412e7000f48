"""The public search « Trouver un guichet ouvert » and a service point's page, in a real browser.

With JavaScript the form is sent by htmx and the results are swapped in place; without it the
same form is a plain GET and the server renders the results. Both must lead to the same answer.
"""

import re

import pytest
from playwright.sync_api import expect

from continuite.core.models import Commune, Departement
from continuite.service_points.tests.factories import ServicePointFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference_data")]

RESULT = "li.continuite-result"
DISTANCE = re.compile(r"(\d+(?:[.,]\d+)?)\s*km")
SCREENSHOT = "/tmp/browser-search.png"


def lyon_counters():
    """Around the centre of Lyon 1er (69001): a near and a far open counter, a nearer closed one."""
    near = ServicePointFactory(name="Guichet Sathonay", latitude=45.7675, longitude=4.8345)
    far = ServicePointFactory(name="Guichet Villeurbanne", latitude=45.7719, longitude=4.8902)
    closed = ServicePointFactory(
        name="Guichet Terreaux fermé", latitude=45.7700, longitude=4.8290, closed=True
    )
    return near, far, closed


def distances_km(results) -> list[float]:
    """The distance shown on each result, in the order shown."""
    values = []
    for text in results.all_inner_texts():
        match = DISTANCE.search(text)
        assert match, f"no distance in km in {text!r}"
        values.append(float(match.group(1).replace(",", ".")))
    return values


def submit_search(page, query: str, *, press_enter: bool = False) -> None:
    field = page.locator("form[role=search] [name=q]")
    field.fill(query)
    if press_enter:
        field.press("Enter")
    else:
        page.locator("form[role=search] button[type=submit]").click()


def test_the_public_finds_open_counters_nearest_first_and_opens_one(page):
    near, far, closed = lyon_counters()

    page.goto("/")
    # A mark on the window survives an htmx swap, not a full page load.
    page.evaluate("window.stillTheSamePage = true")
    submit_search(page, "69001")

    results = page.locator(f"#results {RESULT}")
    expect(results).to_have_count(2)
    assert page.evaluate("window.stillTheSamePage === true"), "the search reloaded the page"
    expect(results.nth(0)).to_contain_text(near.name)
    expect(results.nth(1)).to_contain_text(far.name)
    expect(page.locator("#results")).not_to_contain_text(closed.name)
    first, second = distances_km(results)
    assert first < second
    expect(results.locator("[data-status]")).to_have_count(2)
    expect(results.locator("[data-status=open]")).to_have_count(2)
    # htmx pushes the search into the address bar, so it can be shared or reloaded.
    page.wait_for_url(re.compile(r"/\?q=69001(&|$)"))
    page.screenshot(path=SCREENSHOT, full_page=True)

    results.nth(0).locator('a[href^="/guichets/"]').click()

    page.wait_for_url(f"**/guichets/{near.pk}/")
    expect(page.locator("h1")).to_have_text(near.name)
    expect(page.locator("main table tbody tr")).to_have_count(7)


def test_a_counter_page_shows_its_name_phone_and_the_weeks_hours(page):
    point = ServicePointFactory(name="Guichet de la Croix-Rousse")

    page.goto(f"/guichets/{point.pk}/")

    expect(page.locator("h1")).to_have_text(point.name)
    expect(page.locator("main [data-status]").first).to_have_attribute("data-status", "open")
    phone = page.locator('main a[href^="tel:"]')
    expect(phone).to_have_count(1)
    expect(phone).to_have_attribute("href", "tel:+33472000000")
    expect(phone).to_have_text(point.phone_display)
    days = page.locator("main table tbody tr")
    expect(days).to_have_count(7)
    expect(page.locator('main table tbody tr[aria-current="date"]')).to_have_count(1)


def test_without_javascript_the_search_is_a_plain_get_rendered_by_the_server(page_no_js):
    near, far, closed = lyon_counters()
    page = page_no_js

    page.goto("/")
    submit_search(page, "69001", press_enter=True)

    page.wait_for_url(re.compile(r"/\?q=69001(&|$)"))
    results = page.locator(f"#results {RESULT}")
    expect(results).to_have_count(2)
    expect(results.nth(0)).to_contain_text(near.name)
    expect(results.nth(1)).to_contain_text(far.name)
    expect(page.locator("#results")).not_to_contain_text(closed.name)
    first, second = distances_km(results)
    assert first < second
    expect(page.locator("form[role=search] [name=q]")).to_have_value("69001")


def test_without_javascript_an_ambiguous_name_offers_communes_to_choose_from(page_no_js):
    saint_denis_93 = ServicePointFactory(
        name="Guichet de Saint-Denis (Seine-Saint-Denis)",
        latitude=48.9356,
        longitude=2.3539,
        postcode="93200",
        address="2 place Victor Hugo, 93200 Saint-Denis",
        commune=Commune.objects.get(code="93066"),
        commune_name="Saint-Denis",
        departement=Departement.objects.get(code="93"),
    )
    lyon = ServicePointFactory(name="Guichet Sathonay")
    page = page_no_js

    page.goto("/")
    submit_search(page, "Saint-Denis")

    page.wait_for_url(re.compile(r"/\?q=Saint-Denis(&|$)"))
    choices = page.locator("#results ul.continuite-choices a")
    expect(choices.first).to_be_visible()
    assert choices.count() >= 2
    expect(page.locator(f"#results {RESULT}")).to_have_count(0)
    in_93 = page.locator('#results ul.continuite-choices a[href*="commune=93"]')
    expect(in_93).to_have_count(1)

    in_93.click()

    page.wait_for_url(re.compile(r"[?&]commune=93\d{3}(&|$)"))
    results = page.locator(f"#results {RESULT}")
    expect(results.first).to_be_visible()
    expect(results.nth(0)).to_contain_text(saint_denis_93.name)
    expect(results.nth(0).locator("a").first).to_have_attribute(
        "href", f"/guichets/{saint_denis_93.pk}/"
    )
    # Lyon is far from Saint-Denis: listed, if at all, after the counter next door.
    expect(results.nth(0)).not_to_contain_text(lyon.name)
