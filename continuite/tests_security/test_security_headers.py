"""Every page carries a Content-Security-Policy without 'unsafe-inline' and a Permissions-Policy,
and no public page holds an inline script without the nonce, a <style> element, a style
attribute or an event-handler attribute (which the policy would refuse)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

import continuite
from continuite.accounts.tests.factories import RoleFactory
from continuite.appointments.links import manage_token
from continuite.appointments.models import Appointment
from continuite.appointments.tests.factories import ReasonFactory
from continuite.appointments.tests.helpers import counter, slot_at, soon
from continuite.appointments.tests.test_public_booking import book_url, post_booking

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def nonce_of(response) -> str:
    sources = policy(response)["script-src"]
    nonces = [s for s in sources if s.startswith("'nonce-")]
    assert len(nonces) == 1, sources
    return nonces[0][len("'nonce-") : -1]


class InlineFinder(HTMLParser):
    """What a policy without 'unsafe-inline' refuses, as found in the page."""

    def __init__(self, nonce: str | None):
        super().__init__()
        self.nonce = nonce
        self.refused: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.refused += [f"<{tag} {name}=…>" for name in attributes if name.startswith("on")]
        if "style" in attributes:
            self.refused.append(f'<{tag} style="{attributes["style"]}">')
        if tag == "style":
            self.refused.append("<style>")
        if (
            tag == "script"
            and "src" not in attributes
            and (self.nonce is None or attributes.get("nonce") != self.nonce)
        ):
            self.refused.append("<script> without the nonce")


def refused_inline(response) -> list[str]:
    """A page without a nonce in its policy (no script at all) may hold no inline script."""
    has_nonce = "'nonce-" in response["Content-Security-Policy"]
    finder = InlineFinder(nonce_of(response) if has_nonce else None)
    finder.feed(response.content.decode())
    return finder.refused


def assert_strict_headers(response):
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in value for values in directives.values() for value in values)
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert re.search(rf"\b{feature}=\(\)", permissions), permissions
    assert response["Referrer-Policy"] == "same-origin"


@pytest.fixture
def public_pages(client):
    """Every public page: search, counter, booking steps, its links, call-back, login."""
    reason = ReasonFactory()
    opening_range = counter(reason)
    point = opening_range.service_point
    slot = slot_at(opening_range, soon(2))
    slot_at(opening_range, soon(3))
    pages = {
        "search": reverse("service_points:search") + "?q=69001",
        "counter": reverse("service_points:detail", args=[point.pk]),
        "start": reverse("appointments:start"),
        "slots": reverse("appointments:slots") + f"?reason={reason.pk}&q=69001",
        "book": book_url(slot, reason),
        "callback": reverse("appointments:callback_request", args=[point.pk]),
        "login": reverse("accounts:login"),
    }
    responses = {name: client.get(url) for name, url in pages.items()}
    responses["book, refused"] = post_booking(client, slot, reason, name="")[0]
    booked = post_booking(client, slot, reason)[0]
    assert booked.status_code == 302
    token = manage_token(Appointment.objects.get())
    for name in ("confirmation", "manage", "cancel", "move"):
        responses[name] = client.get(reverse(f"appointments:{name}", args=[token]))
    responses["not found"] = client.get("/pas-de-page-ici/")
    return responses


def test_every_public_page_has_a_strict_policy_and_nothing_inline(public_pages):
    for name, response in public_pages.items():
        assert response.status_code in (200, 400, 404, 405), (name, response.status_code)
        if response.status_code == 405:
            continue
        assert_strict_headers(response)
        assert "text/html" in response["Content-Type"], name
        assert refused_inline(response) == [], name


def test_the_scripts_of_a_page_carry_the_nonce_of_its_policy(client):
    response = client.get(reverse("appointments:start"))
    nonce = nonce_of(response)
    scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert nonce_of(client.get(reverse("appointments:start"))) != nonce  # one per response


def test_an_agent_page_has_the_same_policy_and_nothing_inline(client):
    agent = RoleFactory(agent=True).user
    client.force_login(agent)
    response = client.get(reverse("service_points:manage_list"))
    assert response.status_code == 200
    assert_strict_headers(response)
    assert refused_inline(response) == []


def test_the_steering_maps_draw_their_legend_without_style_attributes(client):
    client.force_login(RoleFactory(steering=True).user)
    for name in ("dashboard:steering", "outreach:coverage_steering"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert "continuite-swatch" in response.content.decode(), name
        assert refused_inline(response) == [], name


def test_an_inline_style_attribute_is_found():
    """The finder itself: a page with a style attribute or bare inline script does not pass."""
    finder = InlineFinder("abc")
    finder.feed('<p style="color:red">x</p><script>1</script><script nonce="abc">2</script>')
    assert finder.refused == ['<p style="color:red">', "<script> without the nonce"]


def test_no_template_of_the_project_holds_an_inline_style_or_script():
    """Every template, agent pages included: what the policy refuses is not written at all."""
    root = Path(continuite.__file__).parent
    refused = re.compile(r"""<style\b|\sstyle=|\son[a-z]+=|<script\b(?![^>]*\bsrc=)""", re.I)
    found = [
        f"{path.relative_to(root)}: {match.group(0).strip()}"
        for path in root.glob("**/templates/**/*.html")
        for match in refused.finditer(path.read_text(encoding="utf-8"))
    ]
    assert len(list(root.glob("**/templates/**/*.html"))) > 50
    assert found == []
