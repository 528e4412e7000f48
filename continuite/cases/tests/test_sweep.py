"""The daily sweep: silence outcomes recorded once, digests written once a day per recipient."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from continuite.accounts.tests.factories import RoleFactory, UserFactory
from continuite.cases import sweep
from continuite.cases.models import Case, CaseEvent, SilenceRule
from continuite.cases.sweep import daily_sweep
from continuite.cases.tests.factories import CaseFactory, ProcedureTypeFactory
from continuite.notifications.models import Message
from continuite.service_points.tests.factories import ServicePointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def point():
    return ServicePointFactory()


def _agent(point, name="agent"):
    user = UserFactory(email=f"{name}@example.org")
    RoleFactory(user=user, agent=True, service_point=point)
    return user


@pytest.mark.parametrize(
    "rule", [SilenceRule.ACCEPTANCE, SilenceRule.REJECTION, SilenceRule.NOTHING]
)
def test_the_silence_rule_is_recorded_once_the_deadline_has_passed(point, rule):
    procedure = ProcedureTypeFactory(silence_rule=rule)
    late = CaseFactory(overdue=True, service_point=point, procedure_type=procedure)
    now = timezone.now()
    report = daily_sweep(now=now)
    late.refresh_from_db()
    assert (late.silence_outcome, late.silence_recorded_at) == (rule, now)
    assert late.status == Case.Status.IN_PROGRESS  # recorded, not decided: the agent acts
    assert report.silence_recorded == 1
    event = CaseEvent.objects.get(case=late, kind="silence_outcome")
    assert str(rule.label) in event.note and event.previous_deadline_at == late.deadline_at


def test_a_second_run_changes_nothing(point):
    late = CaseFactory(overdue=True, service_point=point)
    first = timezone.now()
    daily_sweep(now=first)
    report = daily_sweep(now=first + timedelta(hours=1))
    late.refresh_from_db()
    assert report.silence_recorded == 0
    assert late.silence_recorded_at == first
    assert CaseEvent.objects.filter(case=late, kind="silence_outcome").count() == 1


def test_the_portable_path_records_the_same_outcomes(point, monkeypatch):
    """SQLite (the demo) records outcomes and history through the ORM, not one SQL statement."""
    monkeypatch.setattr(sweep, "on_postgresql", lambda: False)
    late = CaseFactory(overdue=True, service_point=point)
    CaseFactory(service_point=point)
    now = timezone.now()
    assert daily_sweep(now=now).silence_recorded == 1
    assert daily_sweep(now=now).silence_recorded == 0
    late.refresh_from_db()
    assert (late.silence_outcome, late.silence_recorded_at) == (SilenceRule.ACCEPTANCE, now)
    assert CaseEvent.objects.filter(kind="silence_outcome").count() == 1


def test_cases_not_due_waiting_or_decided_are_left_alone(point):
    on_time = CaseFactory(service_point=point)
    at_risk = CaseFactory(at_risk=True, service_point=point)
    waiting = CaseFactory(overdue=True, service_point=point, status=Case.Status.WAITING)
    decided = CaseFactory(
        overdue=True,
        service_point=point,
        status=Case.Status.ACCEPTED,
        decided_at=timezone.now() - timedelta(days=20),
    )
    assert daily_sweep().silence_recorded == 0
    for case in (on_time, at_risk, waiting, decided):
        case.refresh_from_db()
        assert (case.silence_outcome, case.silence_recorded_at) == ("", None)
    assert not CaseEvent.objects.filter(kind="silence_outcome").exists()


@pytest.fixture
def workload(point):
    busy = _agent(point, "busy")
    calm = _agent(point, "calm")
    late = [
        CaseFactory(overdue=True, service_point=point, assigned_to=busy, reference=f"LATE-{i}")
        for i in range(2)
    ]
    risky = CaseFactory(at_risk=True, service_point=point, assigned_to=busy, reference="RISK-1")
    CaseFactory(service_point=point, assigned_to=calm)  # on time
    manager = UserFactory(email="site@example.org")
    RoleFactory(user=manager, service_point=point)
    network_manager = UserFactory(email="network@example.org")
    RoleFactory(user=network_manager, network_manager=True)
    return {"busy": busy, "calm": calm, "late": late, "risky": risky}


def test_each_agent_with_cases_at_risk_gets_a_digest(workload):
    report = daily_sweep()
    assert report.agent_digests == 1
    digest = Message.objects.get(to="busy@example.org")
    assert "2" in digest.subject and "1" in digest.subject
    for reference in ("LATE-0", "LATE-1", "RISK-1"):
        assert reference in digest.body
    assert digest.body.index("LATE-0") < digest.body.index("RISK-1")  # overdue first
    assert not Message.objects.filter(to="calm@example.org").exists()


def test_site_and_network_managers_get_a_digest_of_their_scope(workload):
    report = daily_sweep()
    assert report.manager_digests == 2
    for address in ("site@example.org", "network@example.org"):
        body = Message.objects.get(to=address).body
        assert "2." in body and "1." in body  # 2 overdue, 1 at risk


def test_digests_are_written_once_a_day(workload):
    now = timezone.now()
    daily_sweep(now=now)
    count = Message.objects.count()
    again = daily_sweep(now=now + timedelta(minutes=30))
    assert Message.objects.count() == count == 3
    assert (again.agent_digests, again.manager_digests, again.already_sent) == (0, 0, 3)
    keys = set(Message.objects.values_list("dedup_key", flat=True))
    day = timezone.localdate(now).isoformat()
    assert f"cases-digest:{day}:agent:{workload['busy'].pk}" in keys
    daily_sweep(now=now + timedelta(days=1))
    assert Message.objects.count() == 6


def test_agents_without_an_email_address_are_skipped(point):
    silent = UserFactory(email="")
    RoleFactory(user=silent, agent=True, service_point=point)
    CaseFactory(overdue=True, service_point=point, assigned_to=silent)
    assert daily_sweep().agent_digests == 0


def _sweep_queries(now) -> int:
    with CaptureQueriesContext(connection) as queries:
        daily_sweep(now=now)
    return len(queries)


def test_the_sweep_runs_a_fixed_number_of_queries_whatever_the_number_of_cases(point):
    """Set-based: more cases (and more agents) never mean more queries."""
    agent = _agent(point, "first")
    CaseFactory(overdue=True, service_point=point, assigned_to=agent)
    few = _sweep_queries(timezone.now())
    Message.objects.all().delete()
    for index in range(10):
        other = _agent(point, f"other{index}")
        CaseFactory(overdue=True, service_point=point, assigned_to=other)
        CaseFactory(at_risk=True, service_point=point, assigned_to=other)
    many = _sweep_queries(timezone.now() + timedelta(seconds=1))
    assert many == few
    assert Message.objects.filter(dedup_key__contains=":agent:").count() == 11


def test_the_sweep_is_a_periodic_job(point, capsys):
    CaseFactory(overdue=True, service_point=point)
    call_command("run_job", "cases-daily-sweep")
    assert "silence_recorded" in capsys.readouterr().out
    assert Case.objects.filter(silence_recorded_at__isnull=False).count() == 1
