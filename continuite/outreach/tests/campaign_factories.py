"""Factories for call campaigns, callers and calls (synthetic data), with traits."""

from datetime import timedelta

import factory
from django.utils import timezone

from continuite.accounts.tests.factories import UserFactory
from continuite.appointments.tests.factories import ReasonFactory
from continuite.outreach.models import Call, CallCampaign, CallerProfile
from continuite.outreach.tests.factories import RegisteredPersonFactory, RegisterFactory, town_hall


class CallCampaignFactory(factory.django.DjangoModelFactory):
    """A weekly lockdown campaign of Lyon 1er's register, started today, still a draft.

    Traits: active (activated this morning), heatwave (daily).
    """

    class Meta:
        model = CallCampaign
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Campagne {n}")
    starts_on = factory.LazyFunction(timezone.localdate)
    alert_kind = CallCampaign.AlertKind.LOCKDOWN
    frequency_days = 7
    script = "Bonjour, ici la mairie. Comment allez-vous ?"
    followup_service_point = factory.LazyFunction(town_hall)
    followup_reason = factory.LazyAttribute(
        lambda c: ReasonFactory(network=c.followup_service_point.network)
    )

    class Params:
        active = factory.Trait(
            status=CallCampaign.Status.ACTIVE,
            activated_at=factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1)),
        )
        heatwave = factory.Trait(alert_kind=CallCampaign.AlertKind.HEATWAVE, frequency_days=1)

    @factory.post_generation
    def registers(obj, create, extracted, **kwargs):
        if create:
            obj.registers.set(extracted if extracted is not None else [RegisterFactory()])

    @factory.post_generation
    def communes(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.communes.set(extracted)


class CallerProfileFactory(factory.django.DjangoModelFactory):
    """A French-speaking caller of Lyon 1er, 40 calls a day."""

    class Meta:
        model = CallerProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    daily_cap = 40

    @factory.post_generation
    def communes(obj, create, extracted, **kwargs):
        from continuite.outreach.tests.factories import lyon_1er

        if create:
            obj.communes.set(extracted if extracted is not None else [lyon_1er()])


class CallFactory(factory.django.DjangoModelFactory):
    """An open call due today, at the first step of the ladder."""

    class Meta:
        model = Call

    campaign = factory.SubFactory(CallCampaignFactory, active=True)
    person = factory.SubFactory(RegisteredPersonFactory)
    due_on = factory.LazyFunction(timezone.localdate)
