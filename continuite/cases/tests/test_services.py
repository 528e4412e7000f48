"""Services on cases: good input writes the case, its history and the audit; bad input nothing."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import RoleFactory, UserFactory
from continuite.cases import services
from continuite.cases.deadlines import case_deadline, case_deadline_refresh
from continuite.cases.events import EventKind
from continuite.cases.models import Case, CaseEvent, ClockStop, SuspensionWindow
from continuite.cases.tests.factories import (
    CaseFactory,
    ClockStopFactory,
    ProcedureTypeFactory,
    SuspensionWindowFactory,
)
from continuite.core import territory
from continuite.core.models import Departement
from continuite.service_points.models import Network
from continuite.service_points.tests.factories import ServicePointFactory

pytestmark = pytest.mark.django_db
PARIS = territory.time_zone("69")


def counts():
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        ClockStop.objects.count(),
        SuspensionWindow.objects.count(),
        AuditLog.objects.count(),
    )


def refused(call, message: str, **kwargs):
    """The service raises a ValidationError containing message, and writes nothing."""
    before = counts()
    with pytest.raises(ValidationError) as error:
        call(**kwargs)
    assert message in " ".join(error.value.messages)
    assert counts() == before


def kinds(case) -> list[str]:
    return list(case.events.order_by("id").values_list("kind", flat=True))


@pytest.fixture(autouse=True)
def english():
    """Messages are checked by their English msgids, whatever French translations exist."""
    with translation.override("en"):
        yield


@pytest.fixture
def worker():
    return RoleFactory(agent=True).user


@pytest.fixture
def point(worker):
    return worker.roles.get().service_point


def days_ago(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)


# case_create


def test_case_create_stores_the_deadline_the_first_event_and_an_audit_record(worker, point):
    procedure = ProcedureTypeFactory()
    received_at = days_ago(3)
    case = services.case_create(
        procedure_type=procedure,
        service_point=point,
        reference=" CAF-2020-001 ",
        received_at=received_at,
        actor=worker,
        assigned_to=worker,
    )
    assert case.reference == "CAF-2020-001"
    assert case.network_id == point.network_id
    assert case.status == Case.Status.RECEIVED
    assert case.deadline_at == received_at + timedelta(days=30)
    assert case.deadline_explanation == case_deadline(case).explanation
    assert kinds(case) == [EventKind.RECEIVED, EventKind.ASSIGNED]
    assert AuditLog.objects.filter(action="cases.create", target_id=str(case.pk)).exists()


def test_case_create_counts_the_suspension_windows_in_force(worker, point):
    procedure = ProcedureTypeFactory()
    received_at = days_ago(10)
    today = timezone.localdate()
    SuspensionWindowFactory(starts_on=today - timedelta(days=5), ends_on=today - timedelta(days=2))
    case = services.case_create(
        procedure_type=procedure,
        service_point=point,
        reference="A-1",
        received_at=received_at,
        actor=worker,
    )
    assert case.deadline_at == received_at + timedelta(days=34)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reference": "  "}, "reference"),
        ({"reference": "X" * 41}, "too long"),
        ({"received_at": "tomorrow"}, "future"),
        ({"procedure_type": "other network"}, "network"),
        ({"procedure_type": "inactive"}, "no longer in use"),
        ({"assigned_to": "stranger"}, "does not work at this service point"),
    ],
)
def test_case_create_refuses_bad_input_and_writes_nothing(worker, point, change, message):
    values = {
        "procedure_type": ProcedureTypeFactory(),
        "service_point": point,
        "reference": "A-1",
        "received_at": days_ago(1),
        "actor": worker,
    }
    special = {
        "tomorrow": timezone.now() + timedelta(days=1),
        "other network": ProcedureTypeFactory(network=Network.objects.get(slug="caf")),
        "inactive": ProcedureTypeFactory(is_active=False),
        "stranger": UserFactory(),
    }
    values.update({key: special.get(value, value) for key, value in change.items()})
    refused(services.case_create, message, **values)


def test_case_create_refuses_a_reference_already_used_in_the_network(worker, point):
    existing = CaseFactory(reference="DUP-1", service_point=ServicePointFactory())
    assert existing.network_id == point.network_id
    refused(
        services.case_create,
        "DUP-1 already exists",
        procedure_type=ProcedureTypeFactory(),
        service_point=point,
        reference="DUP-1",
        received_at=days_ago(1),
        actor=worker,
    )


def test_the_same_reference_may_exist_in_another_network(worker):
    CaseFactory(reference="SAME-1")
    caf_point = ServicePointFactory(network=Network.objects.get(slug="caf"))
    case = services.case_create(
        procedure_type=ProcedureTypeFactory(network=caf_point.network),
        service_point=caf_point,
        reference="SAME-1",
        received_at=days_ago(1),
        actor=worker,
    )
    assert case.pk


# case_assign


def test_case_assign_gives_the_case_to_a_worker_of_its_service_point(worker, point):
    case = CaseFactory(service_point=point)
    services.case_assign(case=case, agent=worker, actor=worker)
    case.refresh_from_db()
    assert case.assigned_to == worker
    assert kinds(case) == [EventKind.ASSIGNED]
    assert AuditLog.objects.filter(action="cases.assign").count() == 1


def test_case_assign_refuses_an_agent_of_another_service_point(worker):
    case = CaseFactory()
    refused(
        services.case_assign,
        "does not work at this service point",
        case=case,
        agent=worker,
        actor=worker,
    )
    case.refresh_from_db()
    assert case.assigned_to is None


# case_set_status


def test_a_decision_sets_decided_at_and_is_recorded(worker):
    case = CaseFactory()
    services.case_set_status(case=case, status="in_progress", actor=worker)
    services.case_set_status(case=case, status="rejected", actor=worker, note="Pièces fausses")
    case.refresh_from_db()
    assert case.status == Case.Status.REJECTED
    assert case.decided_at is not None
    assert kinds(case) == [EventKind.STATUS_CHANGED, EventKind.STATUS_CHANGED]
    assert "Pièces fausses" in case.events.last().note
    assert AuditLog.objects.filter(action="cases.set_status").count() == 2


@pytest.mark.parametrize("decided", ["accepted", "rejected", "closed"])
def test_a_decided_or_closed_case_cannot_be_reopened(worker, decided):
    case = CaseFactory()
    services.case_set_status(case=case, status=decided, actor=worker)
    for status in ("received", "in_progress"):
        refused(
            services.case_set_status, "cannot be reopened", case=case, status=status, actor=worker
        )


def test_closing_an_undecided_case_leaves_no_decision_date(worker):
    case = CaseFactory()
    services.case_set_status(case=case, status="closed", actor=worker)
    case.refresh_from_db()
    assert case.decided_at is None


def test_waiting_goes_through_a_clock_stop_and_unknown_statuses_are_refused(worker):
    case = CaseFactory()
    refused(services.case_set_status, "stop the clock", case=case, status="waiting", actor=worker)
    refused(services.case_set_status, "Unknown status", case=case, status="lost", actor=worker)
    services.case_set_status(case=case, status="in_progress", actor=worker)
    refused(
        services.case_set_status,
        "cannot go from",
        case=case,
        status="received",
        actor=worker,
    )


def test_deciding_a_waiting_case_ends_its_clock_stop(worker):
    case = CaseFactory(received_at=days_ago(5))
    services.clock_stop_add(case=case, reason="documents", starts_at=days_ago(2), actor=worker)
    services.case_set_status(case=case, status="accepted", actor=worker)
    assert not case.clock_stops.filter(ends_at__isnull=True).exists()


# clock stops


def test_an_open_clock_stop_makes_the_case_wait_and_moves_its_deadline(worker):
    case = CaseFactory(received_at=days_ago(10))
    original = case.deadline_at
    stop = services.clock_stop_add(
        case=case, reason="documents", starts_at=days_ago(4), note="RIB", actor=worker
    )
    case.refresh_from_db()
    assert stop.ends_at is None
    assert case.status == Case.Status.WAITING
    assert case.deadline_at == original + timedelta(days=4)
    assert "provisional" in case.deadline_explanation
    moved = case.events.get(kind=EventKind.DEADLINE_MOVED)
    assert (moved.previous_deadline_at, moved.new_deadline_at) == (original, case.deadline_at)
    assert kinds(case) == [EventKind.CLOCK_STOPPED, EventKind.DEADLINE_MOVED]
    assert AuditLog.objects.filter(action="cases.clock_stop").count() == 1


def test_resuming_the_clock_moves_the_deadline_by_the_stop_length(worker):
    tz = PARIS
    received_at = datetime.combine(timezone.localdate() - timedelta(days=20), time(10), tzinfo=tz)
    case = CaseFactory(received_at=received_at)
    original = case.deadline_at
    starts_at = received_at + timedelta(days=3, hours=1)
    stop = services.clock_stop_add(case=case, reason="documents", starts_at=starts_at, actor=worker)
    services.clock_stop_end(stop=stop, ends_at=starts_at + timedelta(days=6, hours=2), actor=worker)
    case.refresh_from_db()
    assert case.status == Case.Status.IN_PROGRESS
    assert case.deadline_at == original + timedelta(days=6)
    assert case.deadline_explanation == case_deadline(case).explanation
    assert EventKind.CLOCK_RESUMED in kinds(case)
    assert AuditLog.objects.filter(action="cases.clock_resume").count() == 1


def test_a_stop_with_an_end_keeps_the_case_in_progress(worker):
    case = CaseFactory(received_at=days_ago(10), status=Case.Status.IN_PROGRESS)
    services.clock_stop_add(
        case=case, reason="other", starts_at=days_ago(8), ends_at=days_ago(6), actor=worker
    )
    case.refresh_from_db()
    assert case.status == Case.Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"starts_at": -3, "ends_at": -4}, "ends before it starts"),
        ({"starts_at": -3, "ends_at": -3}, "ends before it starts"),
        ({"starts_at": -20}, "before the case was received"),
        ({"starts_at": 2}, "more than a day ahead"),
        ({"starts_at": -3, "reason": "holidays"}, "reason"),
    ],
)
def test_a_bad_clock_stop_is_refused_and_nothing_is_written(worker, values, message):
    case = CaseFactory(received_at=days_ago(10))
    arguments = {"case": case, "reason": values.get("reason", "documents"), "actor": worker}
    now = timezone.now()
    arguments["starts_at"] = now + timedelta(days=values["starts_at"])
    if "ends_at" in values:
        arguments["ends_at"] = now + timedelta(days=values["ends_at"])
    deadline = case.deadline_at
    refused(services.clock_stop_add, message, **arguments)
    case.refresh_from_db()
    assert (case.deadline_at, case.status) == (deadline, Case.Status.RECEIVED)


def test_no_clock_stop_on_a_decided_case(worker):
    case = CaseFactory(received_at=days_ago(10), decided=True)
    refused(
        services.clock_stop_add,
        "decided or closed",
        case=case,
        reason="documents",
        starts_at=days_ago(1),
        actor=worker,
    )


def test_a_stop_overlapping_the_open_stop_is_refused(worker):
    case = CaseFactory(received_at=days_ago(10))
    services.clock_stop_add(case=case, reason="documents", starts_at=days_ago(5), actor=worker)
    refused(
        services.clock_stop_add,
        "already stopped",
        case=case,
        reason="documents",
        starts_at=days_ago(2),
        actor=worker,
    )
    refused(
        services.clock_stop_add,
        "already stopped",
        case=case,
        reason="other",
        starts_at=days_ago(8),
        ends_at=days_ago(4),
        actor=worker,
    )
    # Before the open stop: allowed.
    services.clock_stop_add(
        case=case, reason="other", starts_at=days_ago(8), ends_at=days_ago(6), actor=worker
    )


def test_a_stop_cannot_end_twice_nor_before_it_starts(worker):
    case = CaseFactory(received_at=days_ago(10))
    stop = services.clock_stop_add(
        case=case, reason="documents", starts_at=days_ago(5), actor=worker
    )
    refused(
        services.clock_stop_end,
        "ends before it starts",
        stop=stop,
        ends_at=days_ago(6),
        actor=worker,
    )
    services.clock_stop_end(stop=stop, ends_at=days_ago(1), actor=worker)
    refused(services.clock_stop_end, "already ended", stop=stop, ends_at=days_ago(0), actor=worker)


# transfers


def test_a_transfer_keeps_receipt_deadline_and_history_and_clears_the_assignee(worker, point):
    case = CaseFactory(service_point=point, received_at=days_ago(10))
    services.case_assign(case=case, agent=worker, actor=worker)
    services.clock_stop_add(
        case=case, reason="other", starts_at=days_ago(8), ends_at=days_ago(6), actor=worker
    )
    case.refresh_from_db()
    before = (case.received_at, case.deadline_at, case.deadline_explanation)
    history = kinds(case)
    target = ServicePointFactory(name="France services de Villeurbanne")
    services.case_transfer(case=case, service_point=target, actor=worker, note="Renfort")
    case.refresh_from_db()
    assert case.service_point == target
    assert case.assigned_to is None
    assert (case.received_at, case.deadline_at, case.deadline_explanation) == before
    assert kinds(case) == [*history, EventKind.TRANSFERRED]
    transferred = case.events.last()
    assert str(point) in transferred.note and str(target) in transferred.note
    assert "Renfort" in transferred.note
    assert AuditLog.objects.get(action="cases.transfer").details["to_point"] == target.pk


def test_a_transfer_stays_within_the_network(worker, point):
    case = CaseFactory(service_point=point)
    caf_point = ServicePointFactory(network=Network.objects.get(slug="caf"))
    refused(services.case_transfer, "own network", case=case, service_point=caf_point, actor=worker)
    refused(services.case_transfer, "already at", case=case, service_point=point, actor=worker)


# suspension windows


def declare(actor, **values):
    arguments = {
        "label": "Ordonnance n° 2020-306",
        "legal_basis": "Article 7",
        "starts_on": timezone.localdate() - timedelta(days=6),
        "ends_on": timezone.localdate() - timedelta(days=2),
        "procedure_types": [],
        "departements": [],
        "actor": actor,
    }
    arguments.update(values)
    return services.suspension_window_declare(**arguments)


def test_a_retroactive_window_moves_the_deadlines_it_covers_with_history(
    worker, django_capture_on_commit_callbacks
):
    procedure = ProcedureTypeFactory()
    covered = CaseFactory(procedure_type=procedure, received_at=days_ago(20))
    decided = CaseFactory(procedure_type=procedure, received_at=days_ago(20), decided=True)
    other_type = CaseFactory(received_at=days_ago(20))
    elsewhere = CaseFactory(
        procedure_type=procedure,
        received_at=days_ago(20),
        service_point=ServicePointFactory(departement=Departement.objects.get(code="75")),
    )
    received_after = CaseFactory(procedure_type=procedure, received_at=days_ago(1))
    old = CaseFactory(procedure_type=procedure, received_at=days_ago(200))
    originals = {c.pk: c.deadline_at for c in Case.objects.all()}
    with django_capture_on_commit_callbacks(execute=True):
        window = declare(worker, procedure_types=[procedure], departements=["69"])
    assert set(window.departements.values_list("pk", flat=True)) == {"69"}
    moved = {c.pk: c.deadline_at - originals[c.pk] for c in Case.objects.all()}
    assert moved[covered.pk] == moved[decided.pk] == timedelta(days=5)
    for unchanged in (other_type, elsewhere, received_after, old):
        assert moved[unchanged.pk] == timedelta(0)
    event = covered.events.get(kind=EventKind.DEADLINE_MOVED)
    assert event.previous_deadline_at == originals[covered.pk]
    assert event.actor == worker
    assert "2020-306" in event.note
    covered.refresh_from_db()
    assert covered.deadline_explanation == case_deadline(covered).explanation
    assert AuditLog.objects.filter(action="cases.suspension_declare").count() == 1


def test_applying_a_window_in_small_batches_twice_moves_each_deadline_once(
    worker, django_capture_on_commit_callbacks
):
    cases = CaseFactory.create_batch(5, received_at=days_ago(20))
    with django_capture_on_commit_callbacks(execute=True):
        window = declare(worker)
    assert services.suspension_window_apply(window=window, batch_size=2) == 0
    for case in cases:
        assert case.events.filter(kind=EventKind.DEADLINE_MOVED).count() == 1
    # A second window in small batches.
    window = SuspensionWindowFactory(
        starts_on=timezone.localdate() - timedelta(days=15),
        ends_on=timezone.localdate() - timedelta(days=14),
    )
    assert services.suspension_window_apply(window=window, batch_size=2) == 5
    for case in cases:
        before = case.deadline_at
        case.refresh_from_db()
        assert case.deadline_at - before == timedelta(days=7)


def test_the_task_tolerates_a_window_that_no_longer_exists():
    from continuite.cases.tasks import apply_suspension_window

    assert apply_suspension_window.delay(987654).get() == 0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"ends_on": date(2020, 3, 1), "starts_on": date(2020, 3, 12)}, "ends before it starts"),
        ({"label": " "}, "name"),
        ({"legal_basis": ""}, "legal basis"),
        ({"departements": ["999"]}, "Unknown département"),
        ({"procedure_types": [987654]}, "Unknown procedure type"),
    ],
)
def test_a_bad_window_is_refused_and_nothing_is_written(
    worker, values, message, django_capture_on_commit_callbacks
):
    CaseFactory(received_at=days_ago(20))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        refused(declare, message, actor=worker, **values)
    assert callbacks == []


# case_deadline_refresh


def test_refresh_records_a_move_only_when_the_date_changes(worker):
    case = CaseFactory(received_at=days_ago(10))
    assert case_deadline_refresh(case, actor=worker) is False
    assert not case.events.exists()
    ClockStopFactory(case=case, starts_at=days_ago(5), ends_at=days_ago(3))
    assert case_deadline_refresh(case, actor=worker, note="Correction") is True
    event = case.events.get()
    assert (event.kind, event.note, event.actor) == (EventKind.DEADLINE_MOVED, "Correction", worker)
    assert event.new_deadline_at - event.previous_deadline_at == timedelta(days=2)


def test_the_daily_refresh_moves_provisional_deadlines_without_history(worker):
    case = CaseFactory(received_at=days_ago(10))
    services.clock_stop_add(case=case, reason="documents", starts_at=days_ago(2), actor=worker)
    case.refresh_from_db()
    provisional, events = case.deadline_at, case.events.count()
    other = CaseFactory(received_at=days_ago(10))
    later = timezone.now() + timedelta(days=3)
    assert services.waiting_deadlines_refresh(now=later, batch_size=1) == 1
    case.refresh_from_db()
    assert case.deadline_at == provisional + timedelta(days=3)
    assert case.events.count() == events
    assert Case.objects.get(pk=other.pk).deadline_at == other.deadline_at
    assert services.waiting_deadlines_refresh(now=later) == 0


# Transactions: a page calls the services outside any transaction (autocommit), as the
# browser test of a clock stop does; the tests above all run inside one.


@pytest.mark.django_db(transaction=True)
def test_creating_a_case_and_stopping_its_clock_open_their_own_transaction(reference_data):
    worker = RoleFactory(agent=True).user
    point = worker.roles.get().service_point
    case = services.case_create(
        procedure_type=ProcedureTypeFactory(network=point.network),
        service_point=point,
        reference="TX-1",
        received_at=days_ago(3),
        actor=worker,
    )
    stop = services.clock_stop_add(
        case=case, reason="documents", starts_at=days_ago(1), actor=worker
    )
    case.refresh_from_db()
    assert stop.ends_at is None and case.status == Case.Status.WAITING
