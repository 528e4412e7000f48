"""Coverage of campaigns: exact shares reached within 24 hours, 7 days and at all, rolled up
from communes to départements, as pages, maps and CSV; the list of people not reached yet
(names only in scope, every read logged); the steering view without names; query counts that
do not grow with the number of people."""

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import RoleFactory, UserFactory
from continuite.core.maps import rate_class
from continuite.core.models import Commune, Departement
from continuite.outreach.coverage import Coverage, active_campaigns_coverage, campaign_coverage
from continuite.outreach.coverage_views import reach_class
from continuite.outreach.models import CallCampaign, Reach
from continuite.outreach.tests.campaign_factories import CallCampaignFactory, CallFactory
from continuite.outreach.tests.factories import RegisteredPersonFactory, RegisterFactory, town_hall

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def commune(code):
    return Commune.objects.get(code=code)


@pytest.fixture
def manager():
    """The site manager of Lyon 1er's town hall."""
    return RoleFactory(service_point=town_hall("69381")).user


@pytest.fixture
def t0():
    return timezone.now() - timedelta(days=10)


def reach(campaign, commune_code, since, after=None, *, register=None, **person):
    """A person of the commune to reach since `since`, reached `after` later (None: not yet)."""
    place = commune(commune_code)
    register = register or RegisterFactory(commune=place)
    person = RegisteredPersonFactory(register=register, commune=place, **person)
    return Reach.objects.create(
        campaign=campaign,
        person=person,
        commune=place,
        due_at=since,
        reached_at=None if after is None else since + after,
    )


@pytest.fixture
def campaign(t0):
    """An active campaign of Lyon 1er's register with seven people to reach:

    Lyon 1er: reached after 2 h, after exactly 24 h, never.
    Lyon 2e: reached after 3 days, after 7 days and a minute.
    Paris 1er (another register): reached after 1 h, never (waiting the longest).
    """
    campaign = CallCampaignFactory(registers=[RegisterFactory()], active=True, name="Canicule")
    reach(campaign, "69381", t0, timedelta(hours=2))
    reach(campaign, "69381", t0, timedelta(hours=24))
    reach(campaign, "69381", t0 + timedelta(hours=1), last_name="Unreachedfictive")
    reach(campaign, "69382", t0, timedelta(days=3))
    reach(campaign, "69382", t0, timedelta(days=7, minutes=1))
    reach(campaign, "75101", t0, timedelta(hours=1))
    reach(campaign, "75101", t0 - timedelta(days=1), last_name="Parisfictive")
    return campaign


def figures(c: Coverage):
    return (c.people, c.reached_24h, c.reached_7d, c.reached)


def test_coverage_is_exact_nationally_by_departement_and_by_commune(campaign):
    report = campaign_coverage(campaign, departement="69")
    assert figures(report.national) == (7, 3, 4, 5)
    assert report.national.not_reached == 2
    assert report.national.percent_24h == round(300 / 7, 1)
    by_departement = {c.key: figures(c) for c in report.by_departement}
    assert by_departement == {"69": (5, 2, 3, 4), "75": (2, 1, 1, 1)}
    assert [c.label for c in report.by_departement] == [
        Departement.objects.get(code="69").name,
        Departement.objects.get(code="75").name,
    ]
    assert {c.key: figures(c) for c in report.by_commune} == {
        "69381": (3, 2, 2, 2),
        "69382": (2, 0, 1, 2),
    }
    assert report.departement.key == "69"
    assert figures(report.departement) == (5, 2, 3, 4)


def test_a_campaign_without_anyone_to_reach_has_no_rates(campaign):
    other = CallCampaignFactory()
    report = campaign_coverage(other)
    assert figures(report.national) == (0, 0, 0, 0)
    assert report.national.rate_24h is None
    assert report.by_departement == report.by_commune == []


def test_the_coverage_page_shows_the_figures_map_and_tables(client, manager, campaign):
    client.force_login(manager)
    response = client.get(reverse("outreach:coverage", args=[campaign.pk]))
    assert response.status_code == 200
    assert figures(response.context["report"].national) == (7, 3, 4, 5)
    html = response.content.decode()
    assert re.search(r'id="national-people">7<', html)
    assert re.search(r'id="national-reached-24h">\s*42,9 %', html)
    rows = re.findall(r'<tr data-code="(\w+)">', html)
    assert rows == ["69", "75"]  # no département chosen: no commune table
    assert 'id="by-commune"' not in html
    assert reverse("outreach:coverage_unreached", args=[campaign.pk]) in html
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    root = ET.fromstring(svg)
    fills = {p.get("data-code"): p.get("fill") for p in root.iter(f"{SVG}path")}
    assert fills["69"] == reach_class.color(2 / 5)
    assert fills["75"] == reach_class.color(1 / 2)
    assert fills["13"] == reach_class.no_data_color


def test_the_communes_of_a_departement_are_listed_when_chosen(client, manager, campaign):
    client.force_login(manager)
    response = client.get(reverse("outreach:coverage", args=[campaign.pk]), {"departement": "69"})
    assert response.status_code == 200
    html = response.content.decode()
    table = re.search(r'id="by-commune">(.*?)</table>', html, re.S).group(1)
    assert re.findall(r'<tr data-code="(\w+)">', table) == ["69381", "69382"]
    assert re.search(r'data-code="69382">.*?data-reached-7d>\s*1\s+\(50,0 %\)', table, re.S)


def test_an_unknown_departement_is_refused_with_a_message(client, manager, campaign):
    client.force_login(manager)
    response = client.get(reverse("outreach:coverage", args=[campaign.pk]), {"departement": "XX"})
    assert response.status_code == 400
    assert response.context["report"].departement is None
    assert 'role="alert"' in response.content.decode()


def test_the_csv_gives_national_departement_and_commune_rows(client, manager, campaign):
    client.force_login(manager)
    response = client.get(reverse("outreach:coverage_csv", args=[campaign.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_key = {(row["perimetre"], row["code"]): row for row in rows}
    national = by_key[("national", "")]
    assert [
        national[k] for k in ("personnes_a_joindre", "jointes_24h", "jointes_7j", "jointes")
    ] == [
        "7",
        "3",
        "4",
        "5",
    ]
    assert national["taux_24h"] == f"{3 / 7:.4f}"
    assert by_key[("departement", "75")]["taux_jointes"] == "0.5000"
    lyon_2e = by_key[("commune", "69382")]
    assert lyon_2e["departement"] == "69"
    assert (lyon_2e["jointes_24h"], lyon_2e["jointes_7j"], lyon_2e["jointes"]) == ("0", "1", "2")
    assert {key for key in by_key if key[0] == "commune"} == {
        ("commune", "69381"),
        ("commune", "69382"),
        ("commune", "75101"),
    }
    # No names nor phones in figures.
    assert "fictive" not in response.content.decode().lower()


def test_the_csv_of_a_departement_lists_its_communes_only(client, manager, campaign):
    client.force_login(manager)
    response = client.get(
        reverse("outreach:coverage_csv", args=[campaign.pk]), {"departement": "75"}
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["code"] for row in rows if row["perimetre"] == "commune"] == ["75101"]


def test_the_unreached_list_waits_longest_first_names_in_scope_only_and_is_logged(
    client, manager, campaign
):
    unreached = list(
        Reach.objects.filter(campaign=campaign, reached_at__isnull=True)
        .order_by("due_at")
        .select_related("person")
    )
    paris, lyon = unreached
    call = CallFactory(campaign=campaign, person=lyon.person)
    client.force_login(manager)
    response = client.get(reverse("outreach:coverage_unreached", args=[campaign.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'<tr id="reach-(\d+)">', html) == [str(paris.pk), str(lyon.pk)]
    # Lyon 1er is the manager's register: name, phone, record and call; Paris is not.
    assert "UNREACHEDFICTIVE" in html
    assert reverse("outreach:person", args=[lyon.person.register_id, lyon.person_id]) in html
    assert lyon.person.phone[-4:] in html.replace(" ", "")
    assert "PARISFICTIVE" not in html
    assert paris.person.phone[-8:] not in html.replace(" ", "")
    assert reverse("outreach:person", args=[paris.person.register_id, paris.person_id]) not in html
    row = re.search(rf'<tr id="reach-{lyon.pk}">(.*?)</tr>', html, re.S).group(1)
    assert call.get_step_display() in row
    log = AuditLog.objects.get(action="outreach.coverage.unreached.read")
    assert log.actor == manager
    assert (log.target_type, log.target_id) == ("outreach.callcampaign", str(campaign.pk))
    assert log.details["people"] == [paris.person_id, lyon.person_id]


def test_a_communes_people_not_reached_are_listed_from_its_row(client, manager, campaign):
    client.force_login(manager)
    page = client.get(reverse("outreach:coverage", args=[campaign.pk]), {"departement": "69"})
    url = reverse("outreach:coverage_unreached", args=[campaign.pk])
    html = page.content.decode()
    lyon_1er = re.search(r'<tr data-code="69381">(.*?)</tr>', html, re.S).group(1)
    assert f"{url}?commune=69381" in lyon_1er
    # Lyon 2e: everybody reached, nothing to list.
    assert url not in re.search(r'<tr data-code="69382">(.*?)</tr>', html, re.S).group(1)
    listed = client.get(url, {"commune": "69381"})
    assert listed.status_code == 200
    lyon = Reach.objects.get(campaign=campaign, commune_id="69381", reached_at__isnull=True)
    assert re.findall(r'<tr id="reach-(\d+)">', listed.content.decode()) == [str(lyon.pk)]
    assert 'id="commune-filter"' in listed.content.decode()
    log = AuditLog.objects.get(action="outreach.coverage.unreached.read")
    assert (log.details["people"], log.details["commune"]) == ([lyon.person_id], "69381")
    # An unknown code filters nothing out: the whole list, without the filter's line.
    everyone = client.get(url, {"commune": "99999"}).content.decode()
    assert len(re.findall(r'<tr id="reach-', everyone)) == 2
    assert 'id="commune-filter"' not in everyone


def test_the_steering_view_links_to_no_list_of_people(client, campaign):
    client.force_login(RoleFactory(steering=True).user)
    html = client.get(reverse("outreach:coverage_steering"), {"departement": "69"}).content
    assert b"non-joints" not in html


def test_the_unreached_list_is_paginated_by_50(client, manager, t0):
    campaign = CallCampaignFactory(registers=[RegisterFactory()], active=True)
    register = RegisterFactory()
    for i in range(51):
        reach(campaign, "69381", t0 + timedelta(minutes=i), register=register)
    client.force_login(manager)
    url = reverse("outreach:coverage_unreached", args=[campaign.pk])
    first = client.get(url).content.decode()
    assert len(re.findall(r'<tr id="reach-', first)) == 50
    second = client.get(url, {"page": 2}).content.decode()
    assert len(re.findall(r'<tr id="reach-', second)) == 1
    logs = AuditLog.objects.filter(action="outreach.coverage.unreached.read").order_by("pk")
    assert [len(log.details["people"]) for log in logs] == [50, 1]
    # Pages of one commune keep the commune.
    of_lyon = client.get(url, {"commune": "69381"}).content.decode()
    assert "?commune=69381&amp;page=2" in of_lyon


def test_a_manager_of_another_commune_sees_neither_coverage_nor_unreached_list(client, campaign):
    other = RoleFactory(service_point=town_hall("69382")).user
    client.force_login(other)
    for name in ("coverage", "coverage_csv", "coverage_unreached"):
        assert client.get(reverse(f"outreach:{name}", args=[campaign.pk])).status_code == 404
    assert not AuditLog.objects.filter(action="outreach.coverage.unreached.read").exists()


def test_the_steering_view_adds_active_campaigns_and_shows_no_names(client, campaign, t0):
    second = CallCampaignFactory(active=True)
    reach(second, "13201", t0, timedelta(hours=3))
    draft = CallCampaignFactory()
    reach(draft, "13201", t0)
    ended = CallCampaignFactory(status=CallCampaign.Status.ENDED, activated_at=t0)
    reach(ended, "13201", t0)
    client.force_login(RoleFactory(steering=True).user)
    response = client.get(reverse("outreach:coverage_steering"), {"departement": "13"})
    assert response.status_code == 200
    report = response.context["report"]
    assert figures(report.national) == (8, 4, 5, 6)
    assert {c.key: figures(c) for c in report.by_departement}["13"] == (1, 1, 1, 1)
    assert [c.key for c in report.by_commune] == ["13201"]
    html = response.content.decode()
    assert "fictive" not in html.lower()
    assert "<svg" in html
    csv_response = client.get(reverse("outreach:coverage_steering_csv"))
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode())))
    assert rows[0]["perimetre"] == "national" and rows[0]["personnes_a_joindre"] == "8"
    assert "fictive" not in csv_response.content.decode().lower()


def test_a_departements_steering_team_sees_its_departement_only(client, campaign):
    paris = Departement.objects.get(code="75")
    client.force_login(RoleFactory(steering=True, departement=paris).user)
    response = client.get(reverse("outreach:coverage_steering"))
    assert response.status_code == 200
    report = response.context["report"]
    assert [c.key for c in report.by_departement] == ["75"]
    assert figures(report.national) == (2, 1, 1, 1)
    assert (
        client.get(reverse("outreach:coverage_steering"), {"departement": "69"}).status_code == 400
    )


def test_the_steering_view_is_for_steering_teams_and_superusers(client, manager, campaign):
    agent = RoleFactory(service_point=town_hall("69381"), agent=True).user
    for user, status in ((manager, 403), (agent, 403), (UserFactory(is_superuser=True), 200)):
        client.force_login(user)
        assert client.get(reverse("outreach:coverage_steering")).status_code == status
        assert client.get(reverse("outreach:coverage_steering_csv")).status_code == status


def test_active_campaigns_coverage_ignores_drafts(campaign, t0):
    draft = CallCampaignFactory()
    reach(draft, "69381", t0, timedelta(hours=1))
    assert figures(active_campaigns_coverage().national) == (7, 3, 4, 5)


def test_the_map_of_coverage_uses_its_own_classes_and_tooltips(client, manager, campaign):
    client.force_login(manager)
    html = client.get(reverse("outreach:coverage", args=[campaign.pk])).content.decode()
    root = ET.fromstring(re.search(r"<svg.*?</svg>", html, re.S).group(0))
    titles = {p.get("data-code"): p.find(f"{SVG}title").text for p in root.iter(f"{SVG}path")}
    assert "(2 " in titles["69"] and " 5)" in titles["69"]
    description = root.find(f"{SVG}desc").text
    assert "24" in description and "%(summary)s" not in description
    assert description.endswith(".")
    assert reach_class.colors == rate_class.colors
    assert reach_class.bounds != rate_class.bounds


def more_people(campaign, t0, count):
    """People in communes and départements not seen yet, half of them reached."""
    codes = list(
        Commune.objects.exclude(departement_id__in=["69", "75"])
        .order_by("code")
        .values_list("code", flat=True)[:count]
    )
    for i, code in enumerate(codes):
        reach(campaign, code, t0, timedelta(hours=i) if i % 2 else None)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("outreach:coverage", {}),
        ("outreach:coverage", {"departement": "69"}),
        ("outreach:coverage_csv", {}),
        ("outreach:coverage_unreached", {}),
    ],
)
def test_the_coverage_pages_run_a_constant_number_of_queries(
    client, manager, campaign, t0, name, params
):
    client.force_login(manager)
    url = reverse(name, args=[campaign.pk])
    client.get(url, params)  # warms the maps of communes and départements

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, params).status_code == 200
        return len(queries)

    small = count()
    more_people(campaign, t0, 30)
    assert count() == small
    assert small <= 12


def test_the_steering_page_runs_a_constant_number_of_queries(client, campaign, t0):
    client.force_login(RoleFactory(steering=True).user)
    url = reverse("outreach:coverage_steering")
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    more_people(campaign, t0, 30)
    assert count() == small
    assert small <= 8


def test_steering_teams_find_the_coverage_from_the_steering_page(client):
    client.force_login(RoleFactory(steering=True).user)
    html = client.get(reverse("dashboard:steering")).content.decode()
    assert reverse("outreach:coverage_steering") in html
