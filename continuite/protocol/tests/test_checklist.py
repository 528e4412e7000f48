"""The health protocol checklist: recording self-assessments, scoping, compliance, pages and CSV."""

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import factory
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import RoleFactory, UserFactory
from continuite.appointments.models import HealthProtocol
from continuite.core.models import Departement
from continuite.protocol.checklist import (
    MEASURES,
    compliance,
    latest_self_assessments,
    self_assessment_record,
)
from continuite.protocol.demo import demo_self_assessments
from continuite.protocol.models import SelfAssessment
from continuite.service_points.models import Network
from continuite.service_points.tests.factories import ServicePointFactory

pytestmark = pytest.mark.django_db

# A fixed instant: "tomorrow" and "32 days ago" must not move while the suite runs (a run once
# crossed midnight in Paris between collecting the cases and running them).
NOON = datetime(2025, 3, 12, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture(autouse=True)
def clock():
    with mock.patch("django.utils.timezone.now", return_value=NOON):
        yield


class SelfAssessmentFactory(factory.django.DjangoModelFactory):
    """An assessment made today with every measure in force; pass screens=False etc."""

    class Meta:
        model = SelfAssessment

    service_point = factory.SubFactory(ServicePointFactory)
    masks = hand_gel = distancing_marks = screens = ventilation = cleaning = max_people = True

    class Params:
        days_ago = 0
        stale = factory.Trait(days_ago=40)

    @factory.lazy_attribute
    def assessed_on(self):
        return timezone.localdate() - timedelta(days=self.days_ago)


def checklist_form(**overrides):
    data = dict.fromkeys(MEASURES, "yes")
    data.update(assessed_on=timezone.localdate().isoformat(), note="")
    data.update(overrides)
    if isinstance(data["assessed_on"], timedelta):  # days from today, read under the test's clock
        data["assessed_on"] = (timezone.localdate() + data["assessed_on"]).isoformat()
    return {key: value for key, value in data.items() if value is not None}


def all_yes():
    return dict.fromkeys(MEASURES, True)


# Recording


def test_a_site_manager_records_a_self_assessment(client):
    role = RoleFactory()
    client.force_login(role.user)
    url = reverse("protocol:checklist", args=[role.service_point.pk])
    response = client.post(url, checklist_form(screens="no", note="Écrans commandés"))
    assert response.status_code == 302 and response["Location"] == url
    assessment = SelfAssessment.objects.get(service_point=role.service_point)
    assert assessment.screens is False and assessment.masks is True
    assert assessment.assessed_by == role.user and assessment.note == "Écrans commandés"
    audit = AuditLog.objects.get(action="protocol.self_assessment_recorded")
    assert audit.actor == role.user and audit.details["missing"] == ["screens"]
    page = client.get(url)
    content = page.content.decode()
    assert "auto-évaluation est enregistrée." in content
    assert 'data-testid="measures-missing"' in content
    assert "Écrans de protection aux guichets" in content
    assert "Écrans commandés" in content


def test_a_compliant_assessment_is_shown_as_such(client):
    role = RoleFactory()
    client.force_login(role.user)
    url = reverse("protocol:checklist", args=[role.service_point.pk])
    assert client.post(url, checklist_form()).status_code == 302
    content = client.get(url).content.decode()
    assert "Toutes les mesures du protocole sont appliquées." in content
    assert 'data-testid="measures-missing"' not in content


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"masks": None}, "masks"),
        ({"ventilation": "maybe"}, "ventilation"),
        ({"assessed_on": None}, "assessed_on"),
        ({"assessed_on": "pas une date"}, "assessed_on"),
        ({"assessed_on": timedelta(days=1)}, "assessed_on"),
        ({"assessed_on": timedelta(days=-32)}, "assessed_on"),
        ({"note": "x" * 1001}, "note"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(client, overrides, field):
    role = RoleFactory()
    client.force_login(role.user)
    url = reverse("protocol:checklist", args=[role.service_point.pk])
    response = client.post(url, checklist_form(**{"note": "Gardé", **overrides}))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert "été enregistrée : corrigez" in response.content.decode()
    assert not SelfAssessment.objects.exists() and not AuditLog.objects.exists()


def test_the_service_refuses_missing_answers_and_bad_dates():
    point = ServicePointFactory()
    today = timezone.localdate()
    answers = all_yes()
    del answers["cleaning"]
    with pytest.raises(ValidationError) as error:
        self_assessment_record(
            service_point=point, assessed_on=today, answers=answers, note="", actor=None
        )
    assert "cleaning" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        self_assessment_record(
            service_point=point,
            assessed_on=today + timedelta(days=3),
            answers={**all_yes(), "masks": "yes"},  # not a boolean
            note="",
            actor=None,
        )
    assert set(error.value.error_dict) == {"assessed_on", "masks"}
    assert not SelfAssessment.objects.exists() and not AuditLog.objects.exists()


def test_an_assessment_dated_31_days_back_is_accepted():
    point = ServicePointFactory()
    on = point.local_now().date() - timedelta(days=31)
    assessment = self_assessment_record(
        service_point=point, assessed_on=on, answers=all_yes(), note=" ", actor=None
    )
    assert assessment.assessed_on == on and assessment.note == ""


# Scoping


def test_a_manager_of_another_site_can_neither_read_nor_record(client):
    role = RoleFactory()
    other = ServicePointFactory()
    client.force_login(role.user)
    url = reverse("protocol:checklist", args=[other.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, checklist_form()).status_code == 404
    assert not SelfAssessment.objects.exists() and not AuditLog.objects.exists()


def test_an_agent_of_the_site_reads_but_cannot_record(client):
    role = RoleFactory(agent=True)
    SelfAssessmentFactory(service_point=role.service_point, screens=False)
    client.force_login(role.user)
    url = reverse("protocol:checklist", args=[role.service_point.pk])
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Écrans de protection aux guichets" in content
    assert 'name="masks"' not in content  # no form
    assert reverse("appointments:settings", args=[role.service_point.pk]) not in content
    assert client.post(url, checklist_form()).status_code == 403
    assert SelfAssessment.objects.count() == 1 and not AuditLog.objects.exists()


def test_anonymous_people_are_sent_to_the_login_page(client):
    point = ServicePointFactory()
    response = client.post(reverse("protocol:checklist", args=[point.pk]), checklist_form())
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert not SelfAssessment.objects.exists()


def test_the_page_links_to_the_protocol_numbers_and_shows_them(client):
    role = RoleFactory()
    HealthProtocol.objects.create(
        service_point=role.service_point,
        max_people_present=4,
        buffer_minutes=10,
        emergency_share_percent=20,
    )
    client.force_login(role.user)
    response = client.get(reverse("protocol:checklist", args=[role.service_point.pk]))
    content = response.content.decode()
    assert reverse("appointments:settings", args=[role.service_point.pk]) in content
    assert "Au plus 4 personnes présentes à la fois" in content
    assert response.context["form"].initial["assessed_on"] == role.service_point.local_now().date()


def test_the_page_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    role = RoleFactory()
    for days_ago in range(20):
        SelfAssessmentFactory(service_point=role.service_point, days_ago=days_ago)
    client.force_login(role.user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("protocol:checklist", args=[role.service_point.pk]))
    assert len(response.context["history"]) == 20


# Compliance


@pytest.fixture
def assessed():
    """Five France Services in the Rhône, two town halls in the Bouches-du-Rhône."""
    town_halls = Network.objects.get(slug="mairie")
    bdr = Departement.objects.get(code="13")
    compliant, missing_screens, stale, never, recovered = ServicePointFactory.create_batch(5)
    SelfAssessmentFactory(service_point=compliant)
    SelfAssessmentFactory(service_point=missing_screens, days_ago=3, screens=False)
    SelfAssessmentFactory(service_point=stale, stale=True)
    # The latest counts: same day, the one recorded last.
    SelfAssessmentFactory(service_point=recovered, days_ago=10, ventilation=False)
    SelfAssessmentFactory(service_point=recovered, days_ago=2, masks=False)
    SelfAssessmentFactory(service_point=recovered, days_ago=2)
    town_hall = ServicePointFactory(network=town_halls, departement=bdr)
    ServicePointFactory(network=town_halls, departement=bdr)
    SelfAssessmentFactory(service_point=town_hall, days_ago=29, max_people=False)
    return {"compliant": compliant, "recovered": recovered, "town_hall": town_hall}


def test_the_latest_assessment_of_each_point_is_found_in_one_query(
    assessed, django_assert_num_queries
):
    with django_assert_num_queries(1):
        latest = {a.service_point_id: a for a in latest_self_assessments()}
    assert len(latest) == 5
    assert latest[assessed["recovered"].pk].compliant


def test_compliance_by_network(assessed, django_assert_num_queries):
    with django_assert_num_queries(2):
        report = compliance(by="network")
    groups = {g.key: (g.points, g.assessed, g.compliant) for g in report.groups}
    assert groups == {"france-services": (5, 3, 2), "mairie": (2, 1, 0)}
    fs = next(g for g in report.groups if g.key == "france-services")
    assert fs.share_compliant == pytest.approx(2 / 3)
    assert fs.share_assessed == pytest.approx(3 / 5)
    shares = dict(fs.measure_shares())
    assert shares["screens"] == pytest.approx(2 / 3) and shares["masks"] == 1
    assert (report.total.points, report.total.assessed, report.total.compliant) == (7, 4, 2)
    assert report.total.share_compliant == 0.5


def test_compliance_by_departement_and_region(assessed):
    by_departement = {
        g.key: (g.assessed, g.percent_compliant) for g in compliance(by="departement").groups
    }
    assert by_departement == {"13": (1, 0.0), "69": (3, 66.7)}
    by_region = {g.key: g.points for g in compliance(by="region").groups}
    assert by_region == {"84": 5, "93": 2}


def test_a_group_with_no_assessment_has_no_share():
    ServicePointFactory.create_batch(2)
    (group,) = compliance(by="network").groups
    assert (group.points, group.assessed, group.share_compliant) == (2, 0, None)


def test_compliance_is_limited_to_the_points_given(assessed):
    report = compliance(
        ServicePointFactory._meta.model.objects.filter(network__slug="mairie"), by="network"
    )
    assert [(g.key, g.assessed) for g in report.groups] == [("mairie", 1)]


# Steering page and CSV


def test_steering_sees_compliance_by_network_with_a_chart(client, assessed):
    client.force_login(RoleFactory(steering=True).user)
    response = client.get(reverse("protocol:compliance"))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="national-compliance"' in content
    assert response.context["report"].total.percent_compliant == 50.0
    assert 'role="img"' in content and "<svg" in content
    assert 'data-key="france-services"' in content
    assert reverse("protocol:compliance_csv") in content


def test_steering_groups_by_departement_or_region(client, assessed):
    client.force_login(RoleFactory(steering=True).user)
    content = client.get(reverse("protocol:compliance"), {"par": "departement"}).content.decode()
    assert 'data-key="69"' in content and 'data-key="13"' in content
    content = client.get(reverse("protocol:compliance"), {"par": "region"}).content.decode()
    assert 'data-key="84"' in content


@pytest.mark.parametrize("par", ["commune", ""])
def test_an_unknown_grouping_is_refused_with_a_message(client, assessed, par):
    client.force_login(RoleFactory(steering=True).user)
    response = client.get(reverse("protocol:compliance"), {"par": par})
    assert response.status_code == 400
    assert "Ce regroupement n" in response.content.decode()
    assert response.context["report"].by == "network"
    assert client.get(reverse("protocol:compliance_csv"), {"par": par}).status_code == 400


def test_a_network_manager_sees_only_their_network(client, assessed):
    client.force_login(RoleFactory(network_manager=True).user)
    report = client.get(reverse("protocol:compliance")).context["report"]
    assert [g.key for g in report.groups] == ["france-services"]
    assert report.total.points == 5


@pytest.mark.parametrize("role", ["agent", "site_manager", None])
def test_other_agents_cannot_see_compliance(client, assessed, role):
    user = RoleFactory(agent=role == "agent").user if role else UserFactory()
    client.force_login(user)
    assert client.get(reverse("protocol:compliance")).status_code == 403
    assert client.get(reverse("protocol:compliance_csv")).status_code == 403


def test_the_csv_gives_the_national_row_and_every_group(client, assessed):
    client.force_login(RoleFactory(steering=True).user)
    response = client.get(reverse("protocol:compliance_csv"), {"par": "departement"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("date,perimetre,code,libelle,guichets,guichets_evalues")
    assert lines[0].endswith("part_max_people")
    assert any(",national,,Total,7,4,2,0.5714,0.5000," in line for line in lines)
    rhone = next(line for line in lines if ",departement,69," in line)
    assert ",5,3,2,0.6000,0.6667," in rhone


def test_the_steering_dashboard_links_to_compliance(client):
    client.force_login(RoleFactory(steering=True).user)
    response = client.get(reverse("dashboard:steering"))
    assert reverse("protocol:compliance") in response.content.decode()


# Demo


def test_the_demo_assessments_are_created_once():
    takes_appointments = ServicePointFactory.create_batch(10, receives_by_appointment=True)
    ServicePointFactory.create_batch(3)  # no appointments: never assessed
    demo_self_assessments()
    created = SelfAssessment.objects.count()
    assert created > 0
    assert set(SelfAssessment.objects.values_list("service_point_id", flat=True)) <= {
        p.pk for p in takes_appointments
    }
    demo_self_assessments()
    assert SelfAssessment.objects.count() == created
