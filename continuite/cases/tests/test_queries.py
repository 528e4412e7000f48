"""Reads on cases: the queue's risk order, at-risk and overdue lists, and who sees which cases."""

import re
from datetime import timedelta

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.utils import timezone

from continuite.accounts.tests.factories import RoleFactory, UserFactory
from continuite.cases.models import Case
from continuite.cases.queries import at_risk, cases_visible_to, overdue, risk_ordered
from continuite.cases.tests.factories import CaseFactory, ProcedureTypeFactory
from continuite.core.models import Departement
from continuite.service_points.models import Network
from continuite.service_points.tests.factories import ServicePointFactory

pytestmark = pytest.mark.django_db


def due_in(days: float, **kwargs) -> Case:
    return CaseFactory(deadline_at=timezone.now() + timedelta(days=days), **kwargs)


def test_risk_order_puts_the_least_slack_first_and_leaves_decided_cases_out():
    quick = ProcedureTypeFactory(expected_minutes=30)
    long_work = ProcedureTypeFactory(expected_minutes=3 * 24 * 60)
    relaxed = due_in(10, procedure_type=quick)
    heavy = due_in(4, procedure_type=long_work)  # 1 day of slack
    soon = due_in(2, procedure_type=quick)  # 2 days minus 30 minutes
    late = due_in(-1, procedure_type=quick)
    due_in(0.5, procedure_type=quick, decided=True)
    now = timezone.now()
    ordered = list(risk_ordered(Case.objects.all(), now))
    assert ordered == [late, heavy, soon, relaxed]
    assert ordered[1].slack == ordered[1].latest_start_at - now
    assert timedelta(hours=23) < ordered[1].slack < timedelta(days=1)
    assert ordered[0].slack < timedelta(0)
    assert ordered[2].expected_work == timedelta(minutes=30)


def test_risk_order_pages_without_overlap():
    cases = [due_in(5, procedure_type=ProcedureTypeFactory()) for _ in range(5)]
    pages = Paginator(risk_ordered(Case.objects.all(), timezone.now()), 2)
    seen = [case for number in pages.page_range for case in pages.page(number)]
    assert sorted(c.pk for c in seen) == sorted(c.pk for c in cases)


def test_at_risk_uses_each_procedure_type_warning_and_overdue_the_past_deadlines():
    short_warning = ProcedureTypeFactory(warn_days=3)
    long_warning = ProcedureTypeFactory(warn_days=10)
    warned = due_in(5, procedure_type=long_warning)
    not_yet = due_in(5, procedure_type=short_warning)
    close = due_in(2, procedure_type=short_warning)
    far = due_in(12, procedure_type=long_warning)
    late = due_in(-2, procedure_type=short_warning)
    later = due_in(-1, procedure_type=long_warning)
    due_in(1, procedure_type=long_warning, decided=True)
    due_in(-1, procedure_type=long_warning, status=Case.Status.CLOSED)
    waiting = due_in(4, procedure_type=long_warning, status=Case.Status.WAITING)
    now = timezone.now()
    assert list(at_risk(Case.objects.all(), now)) == [close, waiting, warned]
    assert list(overdue(Case.objects.all(), now)) == [late, later]
    assert not_yet not in at_risk(Case.objects.all(), now)
    assert far not in at_risk(Case.objects.all(), now)


@pytest.mark.postgresql  # the plans are PostgreSQL's
def test_at_risk_of_one_network_reads_a_partial_index_of_open_cases_by_deadline():
    # On a small table the planner may pick the (deadline_at) or (network, deadline_at) index;
    # what matters is that the query's conditions let it use one of them on a deadline range.
    case = due_in(3)
    now = timezone.now()
    query = at_risk(Case.objects.filter(network_id=case.network_id), now)
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert re.search(r"Index Scan (using|on) case_open_(by_network|deadline)", plan), plan
    assert re.search(r"Index Cond: .*deadline_at >", plan), plan
    assert list(query) == [case]


@pytest.fixture
def spread():
    """Cases at two France Services points (Rhône) and one in Paris, and one CAF case."""
    lyon, villeurbanne = ServicePointFactory(), ServicePointFactory()
    paris = ServicePointFactory(departement=Departement.objects.get(code="75"))
    caf = ServicePointFactory(network=Network.objects.get(slug="caf"))
    return {
        "lyon": CaseFactory(service_point=lyon),
        "villeurbanne": CaseFactory(service_point=villeurbanne),
        "paris": CaseFactory(service_point=paris),
        "caf": CaseFactory(service_point=caf),
    }


def visible(user, spread) -> set[str]:
    pks = set(cases_visible_to(user).values_list("pk", flat=True))
    return {name for name, case in spread.items() if case.pk in pks}


def test_a_case_worker_sees_only_the_cases_of_their_service_points(spread):
    role = RoleFactory(agent=True, service_point=spread["lyon"].service_point)
    assert visible(role.user, spread) == {"lyon"}
    RoleFactory(user=role.user, service_point=spread["paris"].service_point)
    assert visible(role.user, spread) == {"lyon", "paris"}


def test_network_managers_see_their_network_narrowed_to_their_departement(spread):
    network = RoleFactory(network_manager=True)
    assert visible(network.user, spread) == {"lyon", "villeurbanne", "paris"}
    rhone = RoleFactory(network_manager=True, departement=Departement.objects.get(code="69"))
    assert visible(rhone.user, spread) == {"lyon", "villeurbanne"}


def test_steering_opens_no_case_national_or_departemental(spread):
    """Steering teams count cases in their statistics; they open none (the README's role model)."""
    assert visible(RoleFactory(steering=True).user, spread) == set()
    prefecture = RoleFactory(steering=True, departement=Departement.objects.get(code="75"))
    assert visible(prefecture.user, spread) == set()


def test_agents_without_roles_or_inactive_see_nothing(spread):
    assert visible(UserFactory(), spread) == set()
    role = RoleFactory(agent=True, service_point=spread["lyon"].service_point)
    role.user.is_active = False
    role.user.save()
    assert visible(role.user, spread) == set()
