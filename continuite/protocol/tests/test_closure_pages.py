"""Site managers declare incidents and closures, follow the rehoming and read its report."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import RoleFactory
from continuite.notifications.models import Message
from continuite.protocol.models import Closure, Incident, RehomingRun
from continuite.service_points.models import StatusChange

pytestmark = pytest.mark.django_db

LOCAL = "%Y-%m-%dT%H:%M"


def closure_form(point, **overrides):
    now = timezone.now().astimezone(point.time_zone)
    return {
        "scope": "full",
        "label": "Agents malades",
        "starts_at": now.strftime(LOCAL),
        "ends_at": (now + timedelta(days=30)).strftime(LOCAL),
        **overrides,
    }


@pytest.fixture
def manager(scene):
    return RoleFactory(service_point=scene.point).user


def test_a_site_manager_declares_a_closure_and_reads_the_report(
    client, scene, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    page = client.get(reverse("protocol:closures", args=[scene.point.pk]))
    assert page.status_code == 200 and "Déclarer une fermeture" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("protocol:closure_declare", args=[scene.point.pk]), closure_form(scene.point)
        )
    run = RehomingRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("protocol:run", args=[scene.point.pk, run.pk])
    run.refresh_from_db()
    assert run.status == "done" and run.total == 9
    assert StatusChange.objects.get(service_point=scene.point).status == "closed"
    report = client.get(response["Location"]).content.decode()
    assert "aucun perdu" in report
    for appointment in scene.appointments:
        assert appointment.reference in report
    assert AuditLog.objects.filter(action="protocol.rehoming_report_read", actor=manager).exists()
    assert AuditLog.objects.filter(action="protocol.closure_declared", actor=manager).exists()
    csv = client.get(reverse("protocol:run_csv", args=[scene.point.pk, run.pk]))
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode("utf-8-sig").count("\n") == 1 + 9
    # Failed deliveries are the people to call.
    failed = Message.objects.order_by("pk").first()
    Message.objects.filter(pk=failed.pk).update(status=Message.Status.FAILED)
    report = client.get(response["Location"]).content.decode()
    assert failed.to in report


def test_progress_is_polled_by_htmx_while_the_run_works(client, scene, manager):
    client.force_login(manager)
    run = RehomingRun.objects.create(
        service_point=scene.point, trigger="manual", status="running", total=10, processed=4
    )
    url = reverse("protocol:run", args=[scene.point.pk, run.pk])
    page = client.get(url).content.decode()
    assert 'value="40"' in page and "4 rendez-vous traités sur 10" in page
    partial = client.get(url, headers={"HX-Request": "true"})
    assert partial.status_code == 200 and 'hx-trigger="every 2s"' in partial.content.decode()
    RehomingRun.objects.filter(pk=run.pk).update(status="done", processed=10)
    finished = client.get(url, headers={"HX-Request": "true"})
    assert finished["HX-Refresh"] == "true"


def test_a_closure_ending_before_it_starts_is_refused_and_changes_nothing(client, scene, manager):
    client.force_login(manager)
    now = timezone.now().astimezone(scene.point.time_zone)
    response = client.post(
        reverse("protocol:closure_declare", args=[scene.point.pk]),
        closure_form(scene.point, ends_at=(now - timedelta(days=1)).strftime(LOCAL)),
    )
    assert response.status_code == 400
    assert "après son début" in response.content.decode()
    assert not Closure.objects.exists() and not StatusChange.objects.exists()
    assert not RehomingRun.objects.exists()


def test_another_sites_manager_can_neither_see_nor_close(client, scene):
    stranger = RoleFactory().user
    client.force_login(stranger)
    assert client.get(reverse("protocol:closures", args=[scene.point.pk])).status_code == 404
    response = client.post(
        reverse("protocol:closure_declare", args=[scene.point.pk]), closure_form(scene.point)
    )
    assert response.status_code == 404
    incident = client.post(
        reverse("protocol:incident_declare", args=[scene.point.pk]),
        {"kind": "illness", "occurred_on": timezone.localdate(), "description": "x"},
    )
    assert incident.status_code == 404
    assert not Closure.objects.exists() and not Incident.objects.exists()


def test_an_agent_reads_closures_but_cannot_declare_or_read_the_people(client, scene):
    agent = RoleFactory(service_point=scene.point, agent=True).user
    client.force_login(agent)
    page = client.get(reverse("protocol:closures", args=[scene.point.pk]))
    assert page.status_code == 200 and "Déclarer une fermeture" not in page.content.decode()
    response = client.post(
        reverse("protocol:closure_declare", args=[scene.point.pk]), closure_form(scene.point)
    )
    assert response.status_code == 403 and not Closure.objects.exists()
    run = RehomingRun.objects.create(service_point=scene.point, trigger="manual", status="done")
    assert client.get(reverse("protocol:run", args=[scene.point.pk, run.pk])).status_code == 403


def test_an_incident_then_a_partial_closure_then_a_reopening(
    client, scene, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    response = client.post(
        reverse("protocol:incident_declare", args=[scene.point.pk]),
        {
            "kind": "building",
            "occurred_on": timezone.localdate().isoformat(),
            "description": "Panne de chauffage",
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("protocol:closure_declare", args=[scene.point.pk]),
            closure_form(
                scene.point,
                scope="partial",
                reasons=[scene.moved_reason.pk],
                incident=incident.pk,
                ends_at="",
            ),
        )
    assert response.status_code == 302
    closure = Closure.objects.get()
    assert closure.incident == incident and list(closure.reasons.all()) == [scene.moved_reason]
    assert RehomingRun.objects.get().moved == 3
    page = client.get(reverse("protocol:closures", args=[scene.point.pk])).content.decode()
    assert "Panne de chauffage" in page and "Carte grise" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("protocol:closure_reopen", args=[scene.point.pk, closure.pk]))
    closure.refresh_from_db()
    assert closure.reopened_at is not None and closure.reopened_by == manager


def test_a_national_network_manager_sets_the_rehoming_rules(client, scene):
    from continuite.protocol.models import RehomingRules

    network = scene.point.network
    manager = RoleFactory(network_manager=True, network=network, service_point=None).user
    client.force_login(manager)
    listing = client.get(reverse("service_points:manage_list")).content.decode()
    url = reverse("protocol:rules", args=[network.slug])
    assert url in listing
    assert client.get(url).status_code == 200
    refused = client.post(
        url, {"convert_to_phone": "on", "max_distance_km": "0", "max_shift_days": "7"}
    )
    assert refused.status_code == 400 and not RehomingRules.objects.exists()
    response = client.post(
        url, {"convert_to_phone": "on", "max_distance_km": "12", "max_shift_days": "7"}
    )
    assert response.status_code == 302
    rules = RehomingRules.objects.get(network=network)
    assert (rules.convert_to_phone, rules.move_to_other_points, rules.max_distance_km) == (
        True,
        False,
        12,
    )
    assert AuditLog.objects.filter(action="protocol.rehoming_rules_set", actor=manager).exists()
    # A site manager may not.
    client.force_login(RoleFactory(service_point=scene.point).user)
    assert client.post(url, {"max_distance_km": "50", "max_shift_days": "7"}).status_code == 403
    assert RehomingRules.objects.get(network=network).max_distance_km == 12
