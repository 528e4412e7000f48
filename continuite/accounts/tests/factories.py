"""Factories for agents and their roles."""

import factory

from continuite.accounts.models import Role, User
from continuite.service_points.models import Network

PASSWORD = "correct-horse-battery-2020"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"agent{n}")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Agent{n}")
    password = factory.django.Password(PASSWORD)


class RoleFactory(factory.django.DjangoModelFactory):
    """A role; by default a site manager of a new service point."""

    class Meta:
        model = Role

    user = factory.SubFactory(UserFactory)
    kind = Role.Kind.SITE_MANAGER
    service_point = factory.SubFactory(
        "continuite.service_points.tests.factories.ServicePointFactory"
    )

    class Params:
        steering = factory.Trait(kind=Role.Kind.STEERING, service_point=None)
        agent = factory.Trait(kind=Role.Kind.AGENT)
        network_manager = factory.Trait(
            kind=Role.Kind.NETWORK_MANAGER,
            service_point=None,
            network=factory.LazyFunction(lambda: Network.objects.get(slug="france-services")),
        )
