"""Factories for procedure types, cases, clock stops and suspension windows, with traits."""

from datetime import date, datetime, time, timedelta

import factory
from django.utils import timezone

from continuite.accounts.tests.factories import UserFactory
from continuite.cases.deadlines import compute_deadline
from continuite.cases.models import (
    Case,
    ClockStop,
    DeadlineUnit,
    ProcedureType,
    SilenceRule,
    StopRule,
    SuspensionWindow,
)
from continuite.service_points.models import Network
from continuite.service_points.tests.factories import ServicePointFactory


class ProcedureTypeFactory(factory.django.DjangoModelFactory):
    """A France Services procedure due in 30 calendar days, silence meaning acceptance."""

    class Meta:
        model = ProcedureType
        django_get_or_create = ("network", "code")

    network = factory.LazyFunction(lambda: Network.objects.get(slug="france-services"))
    code = factory.Sequence(lambda n: f"demarche-{n}")
    label = factory.Sequence(lambda n: f"Démarche {n}")
    deadline_amount = 30
    deadline_unit = DeadlineUnit.CALENDAR_DAYS
    silence_rule = SilenceRule.ACCEPTANCE
    stop_rule = StopRule.PAUSE
    warn_days = 7
    expected_minutes = 60

    class Params:
        business_days = factory.Trait(deadline_amount=10, deadline_unit=DeadlineUnit.BUSINESS_DAYS)
        months = factory.Trait(deadline_amount=2, deadline_unit=DeadlineUnit.MONTHS)
        restart = factory.Trait(stop_rule=StopRule.RESTART)


def _deadline(case):
    return compute_deadline(
        procedure_type=case.procedure_type,
        departement_code=case.service_point.departement_id,
        received_at=case.received_at,
        stops=[],
        windows=[],
    )


def _local_noon(case, days_ago: int) -> datetime:
    """Noon, local time at the case's service point, `days_ago` local dates before today.

    Whole local days, so a change of clocks in between, or a run near midnight, cannot move
    the deadline's date by one (30 days from 40 days ago is exactly 10 days late).
    """
    zone = case.service_point.time_zone
    day = timezone.localdate(timezone=zone) - timedelta(days=days_ago)
    return datetime.combine(day, time(12), tzinfo=zone)


class CaseFactory(factory.django.DjangoModelFactory):
    """A case received yesterday at a new Lyon service point, due in 29 days (no stop, no window).

    Traits: at_risk (due in 3 days), overdue (due 10 days ago), decided (accepted).
    """

    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"DOS-{n:06d}")
    service_point = factory.SubFactory(ServicePointFactory)
    network = factory.SelfAttribute("service_point.network")
    procedure_type = factory.SubFactory(
        ProcedureTypeFactory, network=factory.SelfAttribute("..network")
    )
    received_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    status = Case.Status.RECEIVED
    deadline_at = factory.LazyAttribute(lambda case: _deadline(case).at)
    deadline_explanation = factory.LazyAttribute(lambda case: _deadline(case).explanation)

    class Params:
        at_risk = factory.Trait(
            received_at=factory.LazyAttribute(lambda case: _local_noon(case, days_ago=27)),
            status=Case.Status.IN_PROGRESS,
        )
        overdue = factory.Trait(
            received_at=factory.LazyAttribute(lambda case: _local_noon(case, days_ago=40)),
            status=Case.Status.IN_PROGRESS,
        )
        decided = factory.Trait(
            status=Case.Status.ACCEPTED, decided_at=factory.LazyFunction(timezone.now)
        )


class ClockStopFactory(factory.django.DjangoModelFactory):
    """An open stop (documents requested) since the case was received."""

    class Meta:
        model = ClockStop

    case = factory.SubFactory(CaseFactory)
    reason = ClockStop.Reason.DOCUMENTS
    starts_at = factory.SelfAttribute("case.received_at")
    ends_at = None
    created_by = factory.SubFactory(UserFactory)


class SuspensionWindowFactory(factory.django.DjangoModelFactory):
    """The suspension of the ordinance of 25 March 2020, for every procedure and territory."""

    class Meta:
        model = SuspensionWindow
        skip_postgeneration_save = True

    label = "Ordonnance n° 2020-306 du 25 mars 2020"
    legal_basis = "Article 7 de l'ordonnance n° 2020-306"
    starts_on = date(2020, 3, 12)
    ends_on = date(2020, 6, 23)

    @factory.post_generation
    def procedure_types(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.procedure_types.set(extracted)

    @factory.post_generation
    def departements(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.departements.set(extracted)
