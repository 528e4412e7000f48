"""Factories for reasons, opening ranges, protocols and bookable slots."""

from datetime import date, time

import factory

from continuite.appointments.models import HealthProtocol, Mode, OpeningRange, Reason
from continuite.service_points.models import Network
from continuite.service_points.tests.factories import ServicePointFactory


class ReasonFactory(factory.django.DjangoModelFactory):
    """A public, on-site reason of France Services, 30 minutes, one active appointment per person."""

    class Meta:
        model = Reason

    network = factory.LazyFunction(lambda: Network.objects.get(slug="france-services"))
    label = factory.Sequence(lambda n: f"Démarche de test {n}")
    duration_minutes = 30
    min_notice_hours = 0
    max_horizon_days = 90

    class Params:
        phone = factory.Trait(on_site=False, by_phone=True)
        agents_only = factory.Trait(public_booking=False)


class OpeningRangeFactory(factory.django.DjangoModelFactory):
    """Mondays to Fridays need one range each; by default Monday 9:00–12:00, 30-minute slots, 2 agents."""

    class Meta:
        model = OpeningRange
        skip_postgeneration_save = True

    service_point = factory.SubFactory(ServicePointFactory)
    weekday = 0
    opens_at = time(9)
    closes_at = time(12)
    starts_on = date(2020, 1, 1)
    slot_minutes = 30
    mode = Mode.ON_SITE
    agents_on_duty = 2

    @factory.post_generation
    def reasons(obj, create, extracted, **kwargs):
        if create:
            obj.reasons.set(extracted if extracted is not None else [ReasonFactory()])


class HealthProtocolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HealthProtocol

    service_point = factory.SubFactory(ServicePointFactory)
    max_people_present = 3
    buffer_minutes = 0
    emergency_share_percent = 0
