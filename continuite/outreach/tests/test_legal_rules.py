"""The register's legal rules: acknowledgment within 8 days, end of registration, purge."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from continuite.accounts.models import AuditLog
from continuite.outreach import services
from continuite.outreach.models import CallPlan, ContactPerson, RegisteredPerson
from continuite.outreach.tasks import purge_due_records
from continuite.outreach.tests.factories import (
    ContactPersonFactory,
    NetworkRegisterFactory,
    RegisteredPersonFactory,
)

pytestmark = pytest.mark.django_db


def test_a_third_partys_request_is_due_for_acknowledgment_within_8_days():
    received = date(2020, 11, 2)
    person = RegisteredPersonFactory(third_party=True, request_received_on=received)
    assert person.acknowledgment_due_on == date(2020, 11, 10)
    assert not person.acknowledgment_overdue(date(2020, 11, 10))
    assert person.acknowledgment_overdue(date(2020, 11, 11))
    overdue = RegisteredPerson.objects.acknowledgments_overdue
    assert list(overdue(date(2020, 11, 10))) == []
    assert list(overdue(date(2020, 11, 11))) == [person]


def test_the_overdue_list_leaves_out_acknowledged_self_and_ended_registrations():
    late = RegisteredPersonFactory(ack_overdue=True)
    RegisteredPersonFactory(ack_overdue=True, acknowledged_on=timezone.localdate())
    RegisteredPersonFactory()  # registered herself: nothing to acknowledge
    ended = RegisteredPersonFactory(ack_overdue=True)
    services.person_withdraw(person=ended, on=timezone.localdate(), actor=None)
    assert list(RegisteredPerson.objects.acknowledgments_overdue(timezone.localdate())) == [late]


def test_acknowledging_records_the_day_and_whether_it_was_late():
    person = RegisteredPersonFactory(ack_overdue=True)
    services.person_acknowledge(person=person, acknowledged_on=timezone.localdate(), actor=None)
    person.refresh_from_db()
    assert person.acknowledged_on == timezone.localdate()
    entry = AuditLog.objects.get(action="outreach.person.acknowledge")
    assert entry.details["late"] is True
    with pytest.raises(ValidationError):
        services.person_acknowledge(person=person, acknowledged_on=timezone.localdate(), actor=None)


def test_an_acknowledgment_cannot_precede_the_request_or_be_in_the_future():
    person = RegisteredPersonFactory(third_party=True)
    for day in (
        person.request_received_on - timedelta(days=1),
        timezone.localdate() + timedelta(days=1),
    ):
        with pytest.raises(ValidationError):
            services.person_acknowledge(person=person, acknowledged_on=day, actor=None)
    person.refresh_from_db()
    assert person.acknowledged_on is None


@pytest.mark.parametrize(
    ("status", "months"),
    [
        (RegisteredPerson.Status.WITHDRAWN, 0),
        (RegisteredPerson.Status.DECEASED, 3),
        (RegisteredPerson.Status.MOVED, 3),
    ],
)
def test_ending_a_registration_sets_the_purge_date_by_the_registers_rule(status, months):
    person = RegisteredPersonFactory(consent_on=date(2020, 1, 2))
    on = date(2020, 11, 30)
    services.person_end(person=person, status=status, on=on, actor=None)
    person.refresh_from_db()
    assert (person.status, person.status_on) == (status, on)
    assert person.purge_due_on == {0: on, 3: date(2021, 2, 28)}[months]


def test_a_network_register_has_its_own_retention_rule():
    register = NetworkRegisterFactory(retention_months_withdrawn=1)
    person = RegisteredPersonFactory(register=register, consent_on=date(2020, 1, 2))
    services.person_withdraw(person=person, on=date(2020, 3, 31), actor=None)
    assert person.purge_due_on == date(2020, 4, 30)


def test_withdrawal_stops_everything():
    person = RegisteredPersonFactory(third_party=True)
    services.person_withdraw(person=person, on=timezone.localdate(), actor=None)
    assert person not in RegisteredPerson.objects.active()
    for write in (
        lambda: services.person_update(person=person, actor=None, first_name="Autre"),
        lambda: services.person_acknowledge(
            person=person, acknowledged_on=timezone.localdate(), actor=None
        ),
        lambda: services.person_record_death(person=person, on=timezone.localdate(), actor=None),
    ):
        with pytest.raises(ValidationError, match="a pris fin"):
            write()
    person.refresh_from_db()
    assert (person.status, person.first_name, person.acknowledged_on) == (
        "withdrawn",
        "Paulette",
        None,
    )


def test_an_end_date_in_the_future_is_refused_and_nothing_changes():
    person = RegisteredPersonFactory()
    with pytest.raises(ValidationError):
        services.person_record_move(
            person=person, on=timezone.localdate() + timedelta(days=1), actor=None
        )
    person.refresh_from_db()
    assert person.is_active and person.purge_due_on is None


def test_the_purge_waits_for_the_end_of_the_retention_period():
    person = RegisteredPersonFactory(consent_on=date(2020, 1, 2))
    ContactPersonFactory(person=person)
    services.person_record_death(person=person, on=date(2020, 11, 30), actor=None)
    assert services.purge_due(today=date(2021, 2, 27)) == 0
    person.refresh_from_db()
    assert person.last_name and person.purged_on is None
    assert services.purge_due(today=date(2021, 2, 28)) == 1
    person.refresh_from_db()
    assert person.purged_on == date(2021, 2, 28)
    # Nothing identifying stays; the counts do.
    assert (person.last_name, person.first_name, person.born_on) == ("", "", None)
    assert (person.address, person.phone, person.match_key) == ("", "", "")
    assert not ContactPerson.objects.filter(person=person).exists()
    assert RegisteredPerson.objects.filter(status="deceased", purged_on__isnull=False).count() == 1
    entry = AuditLog.objects.get(action="outreach.purge")
    assert entry.details == {"deceased": 1}
    # Safe to run twice.
    assert services.purge_due(today=date(2021, 3, 1)) == 0


def test_active_people_are_never_purged_and_the_daily_task_purges_what_is_due():
    active = RegisteredPersonFactory()
    due = RegisteredPersonFactory(purge_due=True)
    assert purge_due_records.apply().result == 1
    active.refresh_from_db()
    due.refresh_from_db()
    assert active.purged_on is None and active.last_name
    assert due.purged_on == timezone.localdate() and due.last_name == ""


def test_a_purge_undoes_the_shared_call_plan_left_with_one_record():
    plan = CallPlan.objects.create()
    RegisteredPersonFactory(purge_due=True, call_plan=plan)
    other = RegisteredPersonFactory(register=NetworkRegisterFactory(), call_plan=plan)
    services.purge_due()
    other.refresh_from_db()
    assert other.call_plan is None
    assert not CallPlan.objects.exists()


def test_the_daily_purge_is_a_periodic_job_runnable_by_hand(settings):
    from django.core.management import call_command

    assert (
        settings.CELERY_BEAT_SCHEDULE["outreach-purge-due"]["task"]
        == "continuite.outreach.tasks.purge_due_records"
    )
    due = RegisteredPersonFactory(purge_due=True)
    call_command("run_job", "outreach-purge-due")
    due.refresh_from_db()
    assert due.purged_on is not None
