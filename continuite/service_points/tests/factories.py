"""Factories for service points, with traits for their crisis status."""

from datetime import time, timedelta

import factory
from django.utils import timezone

from continuite.core.models import Commune, Departement
from continuite.service_points.models import (
    CrisisStatus,
    Network,
    OpeningHours,
    ServicePoint,
    StatusChange,
)


class StatusChangeFactory(factory.django.DjangoModelFactory):
    """A crisis status in force since yesterday, with no end."""

    class Meta:
        model = StatusChange

    service_point = factory.SubFactory(
        "continuite.service_points.tests.factories.ServicePointFactory"
    )
    status = CrisisStatus.CLOSED
    reason = "Agents absents"
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    ends_at = None


class ServicePointFactory(factory.django.DjangoModelFactory):
    """A France Services counter in Lyon 1er, open Monday to Friday 9:00–12:00 and 13:30–17:00."""

    class Meta:
        model = ServicePoint
        skip_postgeneration_save = True

    network = factory.LazyFunction(lambda: Network.objects.get(slug="france-services"))
    external_id = factory.Sequence(lambda n: f"test-{n}")
    name = factory.Sequence(lambda n: f"France services de test {n}")
    address = "2 place Sathonay, 69001 Lyon"
    postcode = "69001"
    commune = factory.LazyFunction(lambda: Commune.objects.get(code="69381"))
    commune_name = "Lyon"
    departement = factory.LazyFunction(lambda: Departement.objects.get(code="69"))
    latitude = 45.7675
    longitude = 4.8345
    phone = "+33472000000"

    class Params:
        closed = factory.Trait(
            status_change=factory.RelatedFactory(
                StatusChangeFactory, "service_point", status=CrisisStatus.CLOSED
            )
        )
        phone_only = factory.Trait(
            status_change=factory.RelatedFactory(
                StatusChangeFactory, "service_point", status=CrisisStatus.PHONE_ONLY
            )
        )

    @factory.post_generation
    def hours(obj, create, extracted, **kwargs):
        """Weekly ranges, Monday to Friday; pass hours=[] for none."""
        if not create:
            return
        ranges = (
            extracted if extracted is not None else [(time(9), time(12)), (time(13, 30), time(17))]
        )
        OpeningHours.objects.bulk_create(
            OpeningHours(service_point=obj, weekday=day, opens_at=o, closes_at=c)
            for day in range(5)
            for o, c in ranges
        )
