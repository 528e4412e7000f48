"""Agents present: recorded by the site manager, and on-site seats follow them."""

import pytest
from django.urls import reverse

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import RoleFactory
from continuite.appointments.models import Slot
from continuite.appointments.slots import slots_sync
from continuite.service_points.models import AgentPresence

from .factories import OpeningRangeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(client):
    """A site manager and two agents at a point open on Mondays with 3 agents on duty."""
    opening_range = OpeningRangeFactory(agents_on_duty=3)
    point = opening_range.service_point
    manager = RoleFactory(service_point=point)
    agents = [RoleFactory(service_point=point, agent=True).user for _ in range(2)]
    slots_sync(service_point=point)
    client.force_login(manager.user)
    return point, manager.user, agents


def first_day(point):
    slot = Slot.objects.filter(service_point=point).order_by("starts_at").first()
    return slot.starts_at.astimezone(point.time_zone).date()


def test_seats_on_site_follow_the_agents_on_site(client, team, django_capture_on_commit_callbacks):
    point, manager, (first, second) = team
    day = first_day(point)
    url = reverse("service_points:presences", args=[point.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"day": day.isoformat(), "agent": first.pk, "status": "on_site"})
        response = client.post(url, {"day": day.isoformat(), "agent": second.pk, "status": "sick"})
    assert response.status_code == 302
    seats = {
        s.capacity
        for s in Slot.objects.filter(service_point=point)
        if s.starts_at.astimezone(point.time_zone).date() == day
    }
    assert seats == {1}
    assert AuditLog.objects.filter(action="service_point.presence_set").count() == 2


def test_an_agent_marked_twice_is_refused_and_nothing_changes(client, team):
    point, manager, (first, _second) = team
    day = first_day(point)
    url = reverse("service_points:presences", args=[point.pk])
    client.post(url, {"day": day.isoformat(), "agent": first.pk, "status": "on_site"})
    response = client.post(url, {"day": day.isoformat(), "agent": first.pk, "status": "telework"})
    assert response.status_code == 400 and response.context["form"].non_field_errors()
    assert list(AgentPresence.objects.values_list("status", flat=True)) == ["on_site"]


def test_removing_a_line_gives_the_seats_back(client, team, django_capture_on_commit_callbacks):
    point, manager, (first, _second) = team
    day = first_day(point)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("service_points:presences", args=[point.pk]),
            {"day": day.isoformat(), "agent": first.pk, "status": "sick"},
        )
    assert not [
        s
        for s in Slot.objects.filter(service_point=point)
        if s.starts_at.astimezone(point.time_zone).date() == day
    ]
    presence = AgentPresence.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("service_points:presence_remove", args=[point.pk, presence.pk]))
    assert {
        s.capacity
        for s in Slot.objects.filter(service_point=point)
        if s.starts_at.astimezone(point.time_zone).date() == day
    } == {3}


def test_agents_cannot_record_presences_and_others_cannot_be_recorded(client, team):
    point, manager, (first, _second) = team
    stranger = RoleFactory().user
    response = client.post(
        reverse("service_points:presences", args=[point.pk]),
        {"day": first_day(point).isoformat(), "agent": stranger.pk, "status": "on_site"},
    )
    assert response.status_code == 400 and not AgentPresence.objects.exists()
    client.force_login(first)
    assert client.get(reverse("service_points:presences", args=[point.pk])).status_code == 403
