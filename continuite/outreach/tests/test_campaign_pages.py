"""Managers' campaign pages through HTTP: the list, preparation with bad input refused and
nothing saved, activation and end, today's figures, and scoping by register (404 out of scope,
403 for agents)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from continuite.accounts.models import AuditLog, Role
from continuite.accounts.tests.factories import RoleFactory, UserFactory
from continuite.appointments.tests.factories import ReasonFactory
from continuite.core.models import Commune, Departement
from continuite.outreach.models import Call, CallCampaign, Criterion
from continuite.outreach.tests.campaign_factories import CallCampaignFactory, CallFactory
from continuite.outreach.tests.factories import (
    NetworkRegisterFactory,
    RegisteredPersonFactory,
    RegisterFactory,
    town_hall,
)
from continuite.service_points.models import Network

pytestmark = pytest.mark.django_db


@pytest.fixture
def point_a():
    return town_hall("69381")


@pytest.fixture
def manager_a(point_a):
    """The site manager of Lyon 1er's town hall: Lyon 1er's register is theirs."""
    return RoleFactory(service_point=point_a).user


@pytest.fixture
def register_a():
    return RegisterFactory()


@pytest.fixture
def register_b():
    return RegisterFactory(commune=Commune.objects.get(code="69382"))


@pytest.fixture
def campaign_a(register_a):
    return CallCampaignFactory(registers=[register_a], name="Canicule Lyon 1er")


@pytest.fixture
def campaign_b(register_b):
    return CallCampaignFactory(registers=[register_b], name="Canicule Lyon 2e")


def url(name, campaign=None):
    return reverse(f"outreach:{name}", args=[campaign.pk] if campaign else [])


def form_data(point, register, **changes):
    today = timezone.localdate()
    data = {
        "name": "Canicule juillet",
        "registers": [register.pk],
        "communes": "",
        "criteria": [Criterion.AGED_65],
        "frequency_days": "1",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=20)).isoformat(),
        "alert_kind": CallCampaign.AlertKind.HEATWAVE,
        "script": "Bonjour, ici la mairie.",
        "person_tries": "3",
        "window_hours": "6",
        "spacing_minutes": "120",
        "contact_tries": "2",
        "followup_service_point": str(point.pk),
        "followup_reason": str(ReasonFactory(network=point.network).pk),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_list_shows_the_managers_campaigns_only(client, manager_a, campaign_a, campaign_b):
    client.force_login(manager_a)
    page = client.get(url("campaigns"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="campaign-{campaign_a.pk}"' in html
    assert f'id="campaign-{campaign_b.pk}"' not in html
    assert reverse("outreach:campaign", args=[campaign_a.pk]) in html
    assert re.search(rf'id="new-campaign"\s+href="{url("campaign_create")}"', html)


def test_the_list_gives_people_to_reach_and_the_share_reached_within_24_hours(
    client, manager_a, campaign_a
):
    from continuite.outreach.models import Reach

    since = timezone.now() - timedelta(days=3)
    for hours in (1, 30, None, None):
        person = RegisteredPersonFactory(register=campaign_a.registers.get())
        Reach.objects.create(
            campaign=campaign_a,
            person=person,
            commune=person.commune,
            due_at=since,
            reached_at=since + timedelta(hours=hours) if hours else None,
        )
    client.force_login(manager_a)
    html = client.get(url("campaigns")).content.decode()
    row = re.search(rf'id="campaign-{campaign_a.pk}">(.*?)</tr>', html, re.S).group(1)
    assert re.search(r"data-people>4<", row)
    assert re.search(r"data-reached-24h>\s*25,0 %", row)


def test_agents_and_steering_teams_have_no_campaign_pages(client, point_a, campaign_a):
    agent = RoleFactory(service_point=point_a, agent=True).user
    steering = RoleFactory(steering=True).user
    for user in (agent, steering):
        client.force_login(user)
        listed = client.get(url("campaigns"))
        if user == steering:  # steering follows the coverage of all campaigns instead
            assert listed.status_code == 302
            assert listed.url == reverse("outreach:coverage_steering")
        else:
            assert listed.status_code == 403
        assert client.get(url("campaign_create")).status_code == 403
        assert client.get(url("campaign", campaign_a)).status_code == 404
        assert client.post(url("campaign_activate", campaign_a)).status_code == 404
    campaign_a.refresh_from_db()
    assert campaign_a.status == CallCampaign.Status.DRAFT


def test_anonymous_visitors_are_sent_to_the_login_page(client, campaign_a):
    for name in ("campaigns", "campaign_create"):
        assert client.get(url(name)).status_code == 302
    assert client.get(url("campaign", campaign_a)).status_code == 302


def test_a_manager_of_commune_a_never_sees_nor_changes_a_campaign_of_commune_b(
    client, manager_a, campaign_b
):
    client.force_login(manager_a)
    for name in ("campaign", "coverage", "coverage_csv", "coverage_unreached"):
        assert client.get(url(name, campaign_b)).status_code == 404, name
    assert client.post(url("campaign_activate", campaign_b)).status_code == 404
    assert (
        client.post(
            url("campaign_end", campaign_b), {"on": timezone.localdate().isoformat()}
        ).status_code
        == 404
    )
    campaign_b.refresh_from_db()
    assert campaign_b.status == CallCampaign.Status.DRAFT
    assert campaign_b.ends_on is None
    # Not existing answers the same.
    assert client.get(reverse("outreach:campaign", args=[campaign_b.pk + 1000])).status_code == 404


def test_a_campaign_of_communes_only_is_seen_by_who_reaches_a_register_of_them(
    client, manager_a, register_a, register_b
):
    lyon_1er = register_a.commune
    campaign = CallCampaignFactory(registers=[], communes=[lyon_1er])
    manager_b = RoleFactory(service_point=town_hall("69382")).user
    superuser = UserFactory(is_superuser=True)
    # A network manager of the CAF in the Rhône reaches the CAF's register of the Rhône.
    NetworkRegisterFactory()
    caf_rhone = RoleFactory(
        network_manager=True,
        network=Network.objects.get(slug="caf"),
        departement=Departement.objects.get(code="69"),
    ).user
    for user, status in ((manager_a, 200), (superuser, 200), (caf_rhone, 200), (manager_b, 404)):
        client.force_login(user)
        assert client.get(url("campaign", campaign)).status_code == status, user


def test_a_network_manager_sees_the_campaigns_of_the_networks_registers(client):
    register = NetworkRegisterFactory()
    campaign = CallCampaignFactory(registers=[register])
    other = CallCampaignFactory(registers=[RegisterFactory()])
    manager = RoleFactory(
        network_manager=True,
        network=Network.objects.get(slug="caf"),
        departement=Departement.objects.get(code="69"),
    ).user
    assert manager.roles.get().kind == Role.Kind.NETWORK_MANAGER
    client.force_login(manager)
    html = client.get(url("campaigns")).content.decode()
    assert f'id="campaign-{campaign.pk}"' in html
    assert f'id="campaign-{other.pk}"' not in html


def test_the_creation_form_offers_the_managers_registers_only(
    client, manager_a, register_a, register_b
):
    client.force_login(manager_a)
    page = client.get(url("campaign_create"))
    assert page.status_code == 200
    registers = page.context["form"].fields["registers"].queryset
    assert list(registers) == [register_a]
    assert page.context["form"]["starts_on"].value() == timezone.localdate()


def test_a_manager_prepares_a_campaign_as_a_draft(client, manager_a, point_a, register_a):
    client.force_login(manager_a)
    data = form_data(point_a, register_a, communes="69381, 69382")
    response = client.post(url("campaign_create"), data)
    campaign = CallCampaign.objects.get()
    assert response.status_code == 302
    assert response.url == url("campaign", campaign)
    assert campaign.name == "Canicule juillet"
    assert campaign.status == CallCampaign.Status.DRAFT
    assert list(campaign.registers.all()) == [register_a]
    assert sorted(campaign.communes.values_list("code", flat=True)) == ["69381", "69382"]
    assert campaign.criteria == [Criterion.AGED_65]
    assert campaign.frequency_days == 1
    assert campaign.ends_on == timezone.localdate() + timedelta(days=20)
    assert campaign.alert_kind == CallCampaign.AlertKind.HEATWAVE
    assert (campaign.person_tries, campaign.window_hours) == (3, 6)
    assert (campaign.spacing_minutes, campaign.contact_tries) == (120, 2)
    assert campaign.followup_service_point == point_a
    assert AuditLog.objects.filter(
        action="outreach.campaign.create", target_id=str(campaign.pk), actor=manager_a
    ).exists()
    page = client.get(response.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="activate-form"' in html and 'id="end-form"' in html
    assert re.search(rf'id="coverage-link"\s+href="{url("coverage", campaign)}"', html)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"registers": None}, "registers", "Choose at least one of your registers."),
        (
            {"ends_on": (timezone.localdate() - timedelta(days=1)).isoformat()},
            "ends_on",
            "The campaign cannot end before it starts.",
        ),
        ({"followup_reason": ""}, "followup_reason", "This field is required."),
        ({"name": "   "}, "name", "This field is required."),
        ({"frequency_days": "0"}, "frequency_days", "Call at least every day (1 or more)."),
        ({"person_tries": "0"}, "person_tries", "Try the person at least once."),
        (
            {"communes": "69381 99999"},
            "communes",
            ("No commune has these INSEE codes: %(codes)s.", {"codes": "99999"}),
        ),
        ({"criteria": ["martian"]}, "criteria", None),
        ({"alert_kind": "flood"}, "alert_kind", None),
    ],
)
def test_bad_input_is_refused_with_its_message_nothing_saved_and_values_kept(
    client, manager_a, point_a, register_a, changes, field, message
):
    client.force_login(manager_a)
    response = client.post(url("campaign_create"), form_data(point_a, register_a, **changes))
    assert response.status_code == 400
    assert not CallCampaign.objects.exists()
    assert not AuditLog.objects.filter(action="outreach.campaign.create").exists()
    form = response.context["form"]
    assert field in form.errors
    if isinstance(message, tuple):
        assert form.errors[field] == [gettext(message[0]) % message[1]]
    elif message:
        assert form.errors[field] == [gettext(message)]
    html = response.content.decode()
    assert 'id="errors"' in html
    assert "Bonjour, ici la mairie." in html
    if field != "name":
        assert 'value="Canicule juillet"' in html


def test_a_follow_up_reason_of_another_network_is_refused(client, manager_a, point_a, register_a):
    client.force_login(manager_a)
    other = ReasonFactory(network=Network.objects.get(slug="caf"))
    data = form_data(point_a, register_a, followup_reason=str(other.pk))
    response = client.post(url("campaign_create"), data)
    assert response.status_code == 400
    assert not CallCampaign.objects.exists()


def test_a_register_out_of_scope_cannot_be_chosen(client, manager_a, point_a, register_b):
    client.force_login(manager_a)
    response = client.post(url("campaign_create"), form_data(point_a, register_b))
    assert response.status_code == 400
    assert "registers" in response.context["form"].errors
    assert not CallCampaign.objects.exists()


def test_a_superuser_may_scope_a_campaign_by_communes_only(client, point_a, register_a):
    client.force_login(UserFactory(is_superuser=True))
    data = form_data(point_a, register_a, registers=None, communes="69381")
    response = client.post(url("campaign_create"), data)
    assert response.status_code == 302
    campaign = CallCampaign.objects.get()
    assert not campaign.registers.exists()
    assert list(campaign.communes.values_list("code", flat=True)) == ["69381"]


def test_activation_when_the_alert_plan_is_triggered(client, manager_a, campaign_a):
    client.force_login(manager_a)
    response = client.post(
        url("campaign_activate", campaign_a), {"alert_kind": CallCampaign.AlertKind.HEATWAVE}
    )
    assert response.status_code == 302
    assert response.url == url("campaign", campaign_a)
    campaign_a.refresh_from_db()
    assert campaign_a.status == CallCampaign.Status.ACTIVE
    assert campaign_a.alert_kind == CallCampaign.AlertKind.HEATWAVE
    assert campaign_a.activated_at is not None
    assert AuditLog.objects.filter(
        action="outreach.campaign.activate", target_id=str(campaign_a.pk)
    ).exists()
    # Once active, the page offers no activation; activating again changes nothing.
    html = client.get(url("campaign", campaign_a)).content.decode()
    assert 'id="activate-form"' not in html
    activated_at = campaign_a.activated_at
    response = client.post(url("campaign_activate", campaign_a), {}, follow=True)
    assert gettext("Only a draft campaign can be activated.") in response.content.decode()
    campaign_a.refresh_from_db()
    assert campaign_a.activated_at == activated_at


def test_activation_keeps_the_planned_alert_when_none_is_chosen(client, manager_a, campaign_a):
    client.force_login(manager_a)
    client.post(url("campaign_activate", campaign_a), {"alert_kind": ""})
    campaign_a.refresh_from_db()
    assert campaign_a.status == CallCampaign.Status.ACTIVE
    assert campaign_a.alert_kind == CallCampaign.AlertKind.LOCKDOWN


def test_an_unknown_alert_is_refused_and_the_campaign_stays_a_draft(client, manager_a, campaign_a):
    client.force_login(manager_a)
    response = client.post(url("campaign_activate", campaign_a), {"alert_kind": "flood"})
    assert response.status_code == 302
    campaign_a.refresh_from_db()
    assert campaign_a.status == CallCampaign.Status.DRAFT
    assert campaign_a.activated_at is None


def test_ending_an_active_campaign(client, manager_a, register_a):
    campaign = CallCampaignFactory(registers=[register_a], active=True)
    client.force_login(manager_a)
    today = timezone.localdate()
    response = client.post(url("campaign_end", campaign), {"on": today.isoformat()})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == CallCampaign.Status.ENDED
    assert campaign.ends_on == today
    assert AuditLog.objects.filter(action="outreach.campaign.end").count() == 1
    html = client.get(url("campaign", campaign)).content.decode()
    assert 'id="end-form"' not in html


@pytest.mark.parametrize("on", ["", "yesterday", "before"])
def test_a_bad_end_date_changes_nothing(client, manager_a, campaign_a, on):
    client.force_login(manager_a)
    if on == "before":
        on = (campaign_a.starts_on - timedelta(days=1)).isoformat()
    response = client.post(url("campaign_end", campaign_a), {"on": on}, follow=True)
    assert response.status_code == 200
    assert "fr-alert--error" in response.content.decode()
    campaign_a.refresh_from_db()
    assert campaign_a.ends_on is None
    assert campaign_a.status == CallCampaign.Status.DRAFT
    assert not AuditLog.objects.filter(action="outreach.campaign.end").exists()


def test_the_campaign_page_gives_todays_calls(client, manager_a, register_a):
    campaign = CallCampaignFactory(registers=[register_a], active=True)
    caller = UserFactory()
    now = timezone.now()
    yesterday = timezone.localdate() - timedelta(days=1)

    def person():
        return RegisteredPersonFactory(register=register_a)

    CallFactory(campaign=campaign, person=person())  # due today, open, unassigned
    CallFactory(campaign=campaign, person=person(), caller=caller)  # due today, open
    CallFactory(campaign=campaign, person=person(), due_on=yesterday)  # still open
    CallFactory(
        campaign=campaign,
        person=person(),
        caller=caller,
        status=Call.Status.RESOLVED,
        resolved_at=now,
    )  # due today, resolved today
    CallFactory(
        campaign=campaign,
        person=person(),
        due_on=yesterday,
        status=Call.Status.RESOLVED,
        resolved_at=now - timedelta(days=1),
    )  # resolved yesterday
    CallFactory(person=person())  # another campaign's
    client.force_login(manager_a)
    html = client.get(url("campaign", campaign)).content.decode()
    figures = dict(re.findall(r'id="today-(\w+)">(\d+)<', html))
    assert figures == {"due": "3", "open": "3", "resolved": "1", "unassigned": "2"}


def test_managers_find_the_campaigns_from_their_agents_area(client, manager_a, point_a):
    client.force_login(manager_a)
    html = client.get(reverse("service_points:manage_list")).content.decode()
    assert re.search(rf'id="campaigns-link"\s+href="{url("campaigns")}"', html)
    client.force_login(RoleFactory(service_point=point_a, agent=True).user)
    html = client.get(reverse("service_points:manage_list")).content.decode()
    assert 'id="campaigns-link"' not in html
