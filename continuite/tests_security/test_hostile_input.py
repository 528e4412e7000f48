"""Hostile input never answers 500: every page of the URLconf, every field of its forms.

The pages are listed from the URLconf (a new page is covered without being named here): each is
requested as a person without an account, a site manager and a network manager, with the ids of
real objects in its path. Every form the page shows is then sent again with one field at a time
replaced by each hostile value, and every page is asked with hostile query parameters and
hostile path arguments. Refused public input changes nothing in the database.
"""

from datetime import datetime
from html.parser import HTMLParser
from unittest import mock
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from continuite.accounts.tests.factories import RoleFactory
from continuite.appointments.links import manage_token
from continuite.appointments.models import Mode, Slot
from continuite.appointments.services import appointment_book
from continuite.appointments.slots import slots_sync
from continuite.appointments.tests.factories import OpeningRangeFactory, ReasonFactory
from continuite.cases.tests.factories import CaseFactory
from continuite.outreach.tests.factories import RegisteredPersonFactory
from continuite.service_points.models import Network

pytestmark = pytest.mark.django_db

# Tuesday 5 March 2030, 8:00 in Lyon: slots ahead, nothing depends on the day the test runs.
NOW = datetime(2030, 3, 5, 8, 0, tzinfo=ZoneInfo("Europe/Paris"))

HOSTILE = [
    "9" * 20,  # beyond any 64-bit id
    "9223372036854775808",  # 2**63
    "-1",
    "0",
    "-9223372036854775809",
    "1e309",
    "3.14",
    "NaN",
    "9999-12-31",
    "0001-01-01",
    "2030-02-31",
    "31/12/9999",
    "9999-12-31T23:59",
    "x" * 10_000,
    "a\x00b",
    "\u202egnp.exe\u202c",  # right-to-left override
    "a\u200bb\ufeff",  # zero-width space, byte order mark
    "²",  # a digit for str.isdigit(), not for int()
    "١٢٣",  # Arabic-Indic digits
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../../etc/passwd",
    "",
    " ",
]
# Agents' forms get the values most likely to break a number, a date or a column (the whole
# list takes minutes there): public forms get them all.
AGENT_FORM_VALUES = [
    "9" * 20,
    "-1",
    "0",
    "1e309",
    "9999-12-31",
    "0001-01-01",
    "x" * 10_000,
    "\u202egnp.exe\u202c",
    "²",
    "<script>alert(1)</script>",
]
# Query parameters agents' pages read beside their forms' fields.
QUERY_NAMES = ["page", "day", "week", "q", "reason", "commune", "status", "point", "tentative"]
# Forms that end the session or leave the site are not sent.
SKIPPED_ACTIONS = {"logout", "set_language"}
# What a refused public form must not create.
COUNTED = [
    "appointments.Appointment",
    "appointments.Person",
    "appointments.CallbackRequest",
    "appointments.LotteryRequest",
]

tried = {"requests": 0, "values": len(HOSTILE), "fields": set()}


class Forms(HTMLParser):
    """The forms of a page: method, action and each field's name with the value it holds."""

    def __init__(self):
        super().__init__()
        self.forms, self._select, self._textarea = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "method": (attrs.get("method") or "get").lower(),
                    "action": attrs.get("action") or "",
                    "fields": {},
                }
            )
        elif not self.forms:
            return
        fields = self.forms[-1]["fields"] if self.forms else {}
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                fields.setdefault(name, "")
                return
            fields[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            fields.setdefault(name, "")
        elif tag == "option" and self._select:
            if not fields.get(self._select) or "selected" in attrs:
                fields[self._select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


def patterns(resolvers=None, prefix=""):
    """(route, converters) of every URL pattern but the admin's."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.pattern.converters


# Which object an id of the path names (by the argument's name); others get 1.
ARGUMENT_MODELS = {
    "point_id": "service_points.ServicePoint",
    "slot_id": "appointments.Slot",
    "reason_id": "appointments.Reason",
    "appointment_id": "appointments.Appointment",
    "request_id": "appointments.CallbackRequest",
    "range_id": "appointments.OpeningRange",
    "ticket_id": "appointments.QueueTicket",
    "case_id": "cases.Case",
    "procedure_id": "cases.ProcedureType",
    "register_id": "outreach.Register",
    "person_id": "outreach.RegisteredPerson",
}


def fill(route: str, values: dict[str, str]) -> str:
    """The route with each <converter:name> replaced by its value."""
    for name, value in values.items():
        start = route.index("<")
        end = route.index(">", start)
        assert route[start + 1 : end].endswith(f":{name}") or route[start + 1 : end] == name
        route = route[:start] + value + route[end + 1 :]
    return "/" + route


def real_values(converters: dict, token: str, slug: str) -> dict[str, str]:
    values = {}
    for name in converters:
        if name in ARGUMENT_MODELS:
            model = apps.get_model(ARGUMENT_MODELS[name])
            values[name] = str(model.objects.order_by("pk").values_list("pk", flat=True).first())
        elif name == "slug":
            values[name] = slug
        elif name == "token":
            values[name] = token
        else:
            values[name] = "1"
    return values


def counts() -> list[int]:
    return [apps.get_model(label).objects.count() for label in COUNTED]


def send(client, method: str, url: str, data) -> None:
    tried["requests"] += 1
    response = getattr(client, method)(url, data)
    assert response.status_code < 500, (method, url, {k: str(v)[:40] for k, v in data.items()})


@pytest.fixture
def world(settings):
    settings.RATE_LIMIT_BOOKINGS_PER_MINUTE = settings.RATE_LIMIT_SEARCHES_PER_MINUTE = 10**9
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        network = Network.objects.get(slug="france-services")
        reason = ReasonFactory()
        opening_range = OpeningRangeFactory(agents_on_duty=2, reasons=[reason])
        point = opening_range.service_point
        slots_sync(service_point=point, now=NOW, horizon_days=7)
        slot = Slot.objects.filter(service_point=point).order_by("starts_at").first()
        appointment = appointment_book(
            slot_id=slot.pk,
            reason=reason,
            mode=Mode.ON_SITE,
            name="Ada Martin",
            phone="06 12 34 56 78",
            email="ada@example.org",
            now=NOW,
        )
        CaseFactory(service_point=point)
        RegisteredPersonFactory()
        site_manager = RoleFactory(service_point=point).user
        network_manager = RoleFactory(network_manager=True).user
        yield {
            "token": manage_token(appointment),
            "slug": network.slug,
            "users": [None, site_manager, network_manager],
        }


def test_hostile_values_in_every_field_and_parameter_never_answer_500(client, world):
    public_refusals, sent_forms = 0, set()
    for user in world["users"]:
        client.logout()
        if user is not None:
            client.force_login(user)
        for route, converters in patterns():
            url = fill(route, real_values(converters, world["token"], world["slug"]))
            if user is None:  # a path is resolved before any view: once is enough
                for name in converters:
                    for value in HOSTILE[:14]:
                        hostile = real_values(converters, world["token"], world["slug"])
                        hostile[name] = quote(value or "-", safe="")
                        tried["fields"].add(f"path:{name}")
                        send(client, "get", fill(route, hostile), {})
            response = client.get(url)
            tried["requests"] += 1
            assert response.status_code < 500, url
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for value in HOSTILE:
                send(client, "get", url, dict.fromkeys(QUERY_NAMES, value))
            send(client, "get", url, {f"{name}[]": ["1", "2"] for name in QUERY_NAMES})
            tried["fields"].update(f"query:{name}" for name in QUERY_NAMES)
            parser = Forms()
            parser.feed(response.content.decode())
            for form in parser.forms:
                action = urlsplit(form["action"]).path or url
                try:
                    if resolve(action).url_name in SKIPPED_ACTIONS:
                        continue
                except Resolver404:
                    continue
                method = "post" if form["method"] == "post" else "get"
                for field in form["fields"]:
                    # Each field of each form once, by the first user who sees it.
                    if (method, action, field) in sent_forms:
                        continue
                    sent_forms.add((method, action, field))
                    tried["fields"].add(f"{action}:{field}")
                    values = HOSTILE if user is None else AGENT_FORM_VALUES
                    for value in [*values, ["1", "2"]]:
                        data = {**form["fields"], field: value}
                        before = counts() if user is None and method == "post" else None
                        tried["requests"] += 1
                        response = getattr(client, method)(action, data)
                        assert response.status_code < 500, (method, action, field, str(value)[:40])
                        if before is not None and response.status_code >= 400:
                            public_refusals += 1
                            assert counts() == before, (action, field, str(value)[:40])
    print(
        f"\n{tried['values']} hostile values, {len(tried['fields'])} fields and parameters, "
        f"{tried['requests']} requests, {public_refusals} refused public forms checked unchanged"
    )
    assert public_refusals > 0  # the public forms were reached
