"""Case workers' pages through HTTP: the queue, a case and its forms, lists, intake, scoping."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from continuite.accounts.models import User
from continuite.accounts.tests.factories import RoleFactory
from continuite.cases.models import Case, CaseEvent, ClockStop
from continuite.cases.tests.factories import CaseFactory, ClockStopFactory, ProcedureTypeFactory
from continuite.service_points.models import Network, ServicePoint
from continuite.service_points.tests.factories import ServicePointFactory

pytestmark = pytest.mark.django_db

LOCAL = "%Y-%m-%dT%H:%M"


@dataclass
class Site:
    point: ServicePoint
    other: ServicePoint  # same network, same département: another team's cases
    agent: User
    procedure: object
    on_time: Case
    at_risk: Case
    overdue: Case
    elsewhere: Case


@pytest.fixture
def site():
    point = ServicePointFactory(name="France services Sathonay")
    other = ServicePointFactory(name="France services Croix-Rousse")
    agent = RoleFactory(service_point=point, agent=True).user
    procedure = ProcedureTypeFactory(label="Aide au logement")
    return Site(
        point=point,
        other=other,
        agent=agent,
        procedure=procedure,
        on_time=CaseFactory(service_point=point, procedure_type=procedure, reference="A-ON-TIME"),
        at_risk=CaseFactory(
            service_point=point, procedure_type=procedure, reference="A-AT-RISK", at_risk=True
        ),
        overdue=CaseFactory(
            service_point=point, procedure_type=procedure, reference="A-OVERDUE", overdue=True
        ),
        elsewhere=CaseFactory(service_point=other, procedure_type=procedure, reference="B-OTHER"),
    )


def local(point, moment) -> str:
    return moment.astimezone(point.time_zone).strftime(LOCAL)


def snapshot():
    """Everything a refused form could have written."""
    return (
        sorted(
            Case.objects.values_list(
                "pk", "status", "deadline_at", "assigned_to", "service_point", "decided_at"
            )
        ),
        ClockStop.objects.count(),
        CaseEvent.objects.count(),
    )


def rows(html: str) -> list[str]:
    return [ref for ref in ("A-OVERDUE", "A-AT-RISK", "A-ON-TIME", "B-OTHER") if ref in html]


# The queue


def test_a_case_worker_sees_only_the_cases_of_their_service_point_most_at_risk_first(client, site):
    client.force_login(site.agent)
    response = client.get(reverse("cases:queue"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "B-OTHER" not in html
    order = [html.index(ref) for ref in ("A-OVERDUE", "A-AT-RISK", "A-ON-TIME")]
    assert order == sorted(order)
    assert 'data-risk="overdue"' in html and 'data-risk="at_risk"' in html
    assert 'data-risk="on_time"' in html
    assert "10 jours de retard" in html
    assert "Aide au logement" in html


def test_the_queue_filters_by_assignee_procedure_and_status(client, site):
    Case.objects.filter(pk=site.at_risk.pk).update(assigned_to=site.agent)
    other_procedure = ProcedureTypeFactory(label="Carte grise")
    CaseFactory(service_point=site.point, procedure_type=other_procedure, reference="A-CARTE")
    CaseFactory(
        service_point=site.point, procedure_type=site.procedure, reference="A-DONE", decided=True
    )
    client.force_login(site.agent)
    url = reverse("cases:queue")

    mine = client.get(url, {"mine": "on"}).content.decode()
    assert rows(mine) == ["A-AT-RISK"]
    by_procedure = client.get(url, {"procedure_type": other_procedure.pk}).content.decode()
    assert "A-CARTE" in by_procedure and rows(by_procedure) == []
    default = client.get(url).content.decode()
    assert "A-DONE" not in default
    decided = client.get(url, {"status": "accepted"}).content.decode()
    assert "A-DONE" in decided and rows(decided) == []
    # A service point outside the agent's scope is not a valid filter: it is ignored, and it
    # shows nothing of that service point; the other filters still apply.
    foreign = client.get(url, {"point": site.other.pk, "mine": "on"}).content.decode()
    assert rows(foreign) == ["A-AT-RISK"]


def test_the_queue_reads_a_constant_number_of_queries(client, site, django_assert_max_num_queries):
    for _ in range(30):
        CaseFactory(service_point=site.point, procedure_type=site.procedure, assigned_to=site.agent)
    client.force_login(site.agent)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("cases:queue"))
    assert response.status_code == 200
    assert response.content.decode().count("data-case=") == 33


def test_the_queue_is_paginated_and_keeps_its_filters(client, site):
    for n in range(55):
        CaseFactory(service_point=site.point, procedure_type=site.procedure, reference=f"P-{n:03d}")
    client.force_login(site.agent)
    first = client.get(reverse("cases:queue"), {"procedure_type": site.procedure.pk})
    html = first.content.decode()
    assert html.count("data-case=") == 50
    assert f"procedure_type={site.procedure.pk}&amp;page=2" in html
    second = client.get(reverse("cases:queue"), {"procedure_type": site.procedure.pk, "page": 2})
    assert second.content.decode().count("data-case=") == 8


def test_the_queue_needs_a_login(client):
    response = client.get(reverse("cases:queue"))
    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


# A case and its scope


def test_the_case_page_explains_the_deadline_and_shows_the_history(client, site):
    client.force_login(site.agent)
    response = client.get(reverse("cases:case", args=[site.at_risk.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert site.at_risk.deadline_explanation in html
    assert "délai de 30 jours calendaires" in html
    assert 'data-risk="at_risk"' in html
    assert "Suspendre le délai" in html
    # Only managers transfer.
    assert "Transférer vers un autre guichet" not in html


def test_the_case_page_reads_a_bounded_number_of_queries(
    client, site, django_assert_max_num_queries
):
    for days in (9, 6, 3):
        ClockStopFactory(
            case=site.at_risk,
            starts_at=timezone.now() - timedelta(days=days),
            ends_at=timezone.now() - timedelta(days=days - 1),
        )
    client.force_login(site.agent)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("cases:case", args=[site.at_risk.pk]))
    assert response.status_code == 200


def test_a_case_outside_the_agents_scope_is_not_found_and_nothing_is_written(client, site):
    client.force_login(site.agent)
    case = site.elsewhere
    before = snapshot()
    assert client.get(reverse("cases:case", args=[case.pk])).status_code == 404
    now = timezone.now()
    posts = {
        "cases:clock_stop": {"reason": "documents", "starts_at": local(case.service_point, now)},
        "cases:clock_resume": {"ends_at": local(case.service_point, now)},
        "cases:status": {"status": "accepted"},
        "cases:assign": {"agent": site.agent.pk},
        "cases:transfer": {"service_point": site.point.pk},
    }
    for name, data in posts.items():
        assert client.post(reverse(name, args=[case.pk]), data).status_code == 404, name
    assert client.get(reverse("cases:case", args=[999_999])).status_code == 404
    assert client.get(reverse("cases:point_cases", args=[site.other.pk])).status_code == 404
    assert snapshot() == before


def test_a_network_manager_sees_every_case_of_the_network(client, site):
    manager = RoleFactory(network_manager=True).user
    client.force_login(manager)
    html = client.get(reverse("cases:queue")).content.decode()
    assert rows(html) == ["A-OVERDUE", "A-AT-RISK", "A-ON-TIME", "B-OTHER"]
    assert client.get(reverse("cases:case", args=[site.elsewhere.pk])).status_code == 200
    caf = RoleFactory(network_manager=True, network=Network.objects.get(slug="caf")).user
    client.force_login(caf)
    assert rows(client.get(reverse("cases:queue")).content.decode()) == []
    assert client.get(reverse("cases:case", args=[site.elsewhere.pk])).status_code == 404


# Clock stops


def test_pausing_the_clock_moves_the_deadline_and_says_why(client, site):
    case = site.at_risk
    client.force_login(site.agent)
    starts = timezone.now() - timedelta(days=5)
    response = client.post(
        reverse("cases:clock_stop", args=[case.pk]),
        {
            "reason": "documents",
            "starts_at": local(site.point, starts),
            "ends_at": "",
            "note": "Justificatif de domicile demandé",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case", args=[case.pk])
    stop = ClockStop.objects.get(case=case)
    assert stop.ends_at is None and stop.created_by == site.agent
    assert stop.note == "Justificatif de domicile demandé"
    before = case.deadline_at
    case.refresh_from_db()
    assert case.status == Case.Status.WAITING
    assert case.deadline_at - before == timedelta(days=5)
    page = client.get(response["Location"]).content.decode()
    assert "Le délai est suspendu. L’échéance a été recalculée." in page
    assert "délai suspendu 5 jours" in page and "délai suspendu depuis" in page
    assert "Faire reprendre le délai" in page
    assert "Justificatif de domicile demandé" in page
    assert CaseEvent.objects.filter(case=case, kind="deadline_moved").exists()


@pytest.mark.parametrize(
    ("shift_start", "shift_end", "message"),
    [
        (-2, -3, "La fin doit être postérieure au début."),  # already translated
        (5, None, "Le délai ne peut pas être suspendu plus d’un jour à l’avance"),
        (-60, None, "Le délai ne peut pas être suspendu avant la réception du dossier."),
    ],
)
def test_a_bad_clock_stop_is_refused_with_a_message_and_nothing_changes(
    client, site, shift_start, shift_end, message
):
    case = site.at_risk
    client.force_login(site.agent)
    now = timezone.now()
    before = snapshot()
    response = client.post(
        reverse("cases:clock_stop", args=[case.pk]),
        {
            "reason": "documents",
            "starts_at": local(site.point, now + timedelta(days=shift_start)),
            "ends_at": local(site.point, now + timedelta(days=shift_end))
            if shift_end is not None
            else "",
        },
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_a_clock_stop_on_a_decided_case_is_refused(client, site):
    case = CaseFactory(service_point=site.point, procedure_type=site.procedure, decided=True)
    client.force_login(site.agent)
    before = snapshot()
    response = client.post(
        reverse("cases:clock_stop", args=[case.pk]),
        {"reason": "documents", "starts_at": local(site.point, timezone.now())},
    )
    assert response.status_code == 400
    assert "Ce dossier est décidé ou clos\u202f: son délai ne peut pas être suspendu." in (
        response.content.decode()
    )
    assert snapshot() == before


def test_an_unreadable_date_is_refused(client, site):
    client.force_login(site.agent)
    before = snapshot()
    response = client.post(
        reverse("cases:clock_stop", args=[site.on_time.pk]),
        {"reason": "documents", "starts_at": "hier"},
    )
    assert response.status_code == 400
    assert snapshot() == before


def test_resuming_the_clock_ends_the_stop(client, site):
    case = site.at_risk
    stop = ClockStopFactory(case=case, starts_at=timezone.now() - timedelta(days=3))
    Case.objects.filter(pk=case.pk).update(status=Case.Status.WAITING)
    client.force_login(site.agent)
    ends = timezone.now() - timedelta(hours=1)
    response = client.post(
        reverse("cases:clock_resume", args=[case.pk]), {"ends_at": local(site.point, ends)}
    )
    assert response.status_code == 302
    stop.refresh_from_db()
    case.refresh_from_db()
    assert stop.ends_at == ends.replace(second=0, microsecond=0)
    assert case.status == Case.Status.IN_PROGRESS
    page = client.get(response["Location"]).content.decode()
    assert "Le délai court de nouveau." in page


def test_resuming_a_clock_that_runs_is_refused(client, site):
    client.force_login(site.agent)
    before = snapshot()
    response = client.post(
        reverse("cases:clock_resume", args=[site.on_time.pk]),
        {"ends_at": local(site.point, timezone.now())},
    )
    assert response.status_code == 400
    assert "Le délai de ce dossier n’est pas suspendu." in response.content.decode()
    assert snapshot() == before


# Status, assignment, transfer


def test_a_case_worker_decides_a_case(client, site):
    client.force_login(site.agent)
    response = client.post(
        reverse("cases:status", args=[site.on_time.pk]),
        {"status": "accepted", "note": "Pièces complètes"},
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=site.on_time.pk)
    assert case.status == "accepted" and case.decided_at is not None
    page = client.get(response["Location"]).content.decode()
    assert "Le statut du dossier est modifié." in page and "Pièces complètes" in page


def test_a_decided_case_is_never_reopened(client, site):
    case = CaseFactory(service_point=site.point, procedure_type=site.procedure, decided=True)
    client.force_login(site.agent)
    before = snapshot()
    response = client.post(reverse("cases:status", args=[case.pk]), {"status": "in_progress"})
    assert response.status_code == 400
    assert (
        "Ce dossier est décidé ou clos\u202f: il ne peut pas être rouvert."
        in response.content.decode()
    )
    waiting = client.post(reverse("cases:status", args=[site.on_time.pk]), {"status": "waiting"})
    assert waiting.status_code == 400
    assert snapshot() == before


def test_a_case_worker_takes_a_case_or_gives_it_to_a_colleague(client, site):
    colleague = RoleFactory(service_point=site.point, agent=True).user
    stranger = RoleFactory(service_point=site.other, agent=True).user
    client.force_login(site.agent)
    url = reverse("cases:assign", args=[site.on_time.pk])
    page = client.get(reverse("cases:case", args=[site.on_time.pk])).content.decode()
    assert "Me l’attribuer" in page
    assert client.post(url, {"agent": site.agent.pk}).status_code == 302
    assert Case.objects.get(pk=site.on_time.pk).assigned_to == site.agent
    assert client.post(url, {"agent": colleague.pk}).status_code == 302
    assert Case.objects.get(pk=site.on_time.pk).assigned_to == colleague
    before = snapshot()
    refused = client.post(url, {"agent": stranger.pk})
    assert refused.status_code == 400
    assert snapshot() == before


def test_a_site_manager_transfers_a_case_and_its_deadline_is_kept(client, site):
    manager = RoleFactory(service_point=site.point).user
    RoleFactory(user=manager, service_point=site.other)
    case = site.at_risk
    client.force_login(manager)
    page = client.get(reverse("cases:case", args=[case.pk])).content.decode()
    assert "Transférer vers un autre guichet" in page
    response = client.post(
        reverse("cases:transfer", args=[case.pk]),
        {"service_point": site.other.pk, "note": "Renfort"},
    )
    assert response.status_code == 302
    moved = Case.objects.get(pk=case.pk)
    assert moved.service_point == site.other and moved.deadline_at == case.deadline_at
    assert CaseEvent.objects.filter(case=case, kind="transferred").exists()


def test_a_transfer_is_for_managers_and_within_the_network(client, site):
    client.force_login(site.agent)
    before = snapshot()
    url = reverse("cases:transfer", args=[site.on_time.pk])
    assert client.post(url, {"service_point": site.other.pk}).status_code == 403
    manager = RoleFactory(service_point=site.point).user
    caf = ServicePointFactory(network=Network.objects.get(slug="caf"))
    client.force_login(manager)
    refused = client.post(url, {"service_point": caf.pk})
    assert refused.status_code == 400
    assert snapshot() == before


# Lists per service point and network, intake


def test_the_service_point_lists_its_overdue_and_at_risk_cases(client, site):
    client.force_login(site.agent)
    response = client.get(reverse("cases:point_cases", args=[site.point.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 en retard" in html and "1 à risque" in html and "3 dossiers en cours" in html
    assert html.index("A-OVERDUE") < html.index("A-AT-RISK")
    assert "A-ON-TIME" not in html and "B-OTHER" not in html


def test_a_network_manager_lists_the_networks_cases_and_others_may_not(client, site):
    network = site.point.network
    url = reverse("cases:network_cases", args=[network.slug])
    client.force_login(site.agent)
    assert client.get(url).status_code == 403
    client.force_login(
        RoleFactory(network_manager=True, network=Network.objects.get(slug="caf")).user
    )
    assert client.get(url).status_code == 403
    CaseFactory(
        service_point=site.other, procedure_type=site.procedure, overdue=True, reference="B-LATE"
    )
    client.force_login(RoleFactory(network_manager=True).user)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 en retard" in html and "1 à risque" in html
    assert "A-OVERDUE" in html and "B-LATE" in html
    assert site.point.name in html and site.other.name in html
    assert client.get(reverse("cases:network_cases", args=["nope"])).status_code == 404


def test_an_agent_records_a_case_received(client, site):
    client.force_login(site.agent)
    received = timezone.now() - timedelta(hours=2)
    response = client.post(
        reverse("cases:case_create", args=[site.point.pk]),
        {
            "procedure_type": site.procedure.pk,
            "reference": " NEW-001 ",
            "received_at": local(site.point, received),
            "assign_to_me": "on",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(reference="NEW-001")
    assert response["Location"] == reverse("cases:case", args=[case.pk])
    assert case.service_point == site.point and case.assigned_to == site.agent
    assert case.received_at == received.replace(second=0, microsecond=0)
    assert case.deadline_explanation.startswith("Reçu le")
    page = client.get(response["Location"]).content.decode()
    assert "Le dossier NEW-001 est enregistré." in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"received_at": "future"}, "Un dossier ne peut pas être reçu à une date future."),
        ({"reference": "A-ON-TIME"}, "Un dossier portant la référence A-ON-TIME existe déjà"),
        ({"reference": ""}, "Ce champ est obligatoire."),  # Django's own words
        ({"procedure_type": "other-network"}, "Sélectionnez un choix valide."),
    ],
)
def test_a_bad_intake_is_refused_with_a_message(client, site, overrides, message):
    client.force_login(site.agent)
    data = {
        "procedure_type": site.procedure.pk,
        "reference": "NEW-002",
        "received_at": local(site.point, timezone.now() - timedelta(hours=1)),
        **overrides,
    }
    if data["received_at"] == "future":
        data["received_at"] = local(site.point, timezone.now() + timedelta(days=2))
    if data["procedure_type"] == "other-network":
        data["procedure_type"] = ProcedureTypeFactory(network=Network.objects.get(slug="caf")).pk
    before = snapshot()
    response = client.post(reverse("cases:case_create", args=[site.point.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_intake_is_scoped_to_the_agents_service_points(client, site):
    client.force_login(site.agent)
    response = client.post(
        reverse("cases:case_create", args=[site.other.pk]),
        {
            "procedure_type": site.procedure.pk,
            "reference": "NEW-003",
            "received_at": local(site.point, timezone.now()),
        },
    )
    assert response.status_code == 404
    assert not Case.objects.filter(reference="NEW-003").exists()


def test_the_list_of_service_points_links_to_their_cases(client, site):
    client.force_login(site.agent)
    html = client.get(reverse("service_points:manage_list")).content.decode()
    assert reverse("cases:point_cases", args=[site.point.pk]) in html
