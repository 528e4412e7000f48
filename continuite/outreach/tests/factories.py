"""Factories for registers and registered people (synthetic people only), with traits."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from continuite.core.models import Commune, Departement
from continuite.outreach.models import (
    ContactPerson,
    Criterion,
    Register,
    RegisteredPerson,
    match_key,
)
from continuite.service_points.models import Network, ServicePoint


def lyon_1er():
    return Commune.objects.get(code="69381")


class RegisterFactory(factory.django.DjangoModelFactory):
    """The social action centre's register of Lyon 1er (one per commune: get or create)."""

    class Meta:
        model = Register
        django_get_or_create = ("commune",)

    name = factory.LazyAttribute(lambda r: f"Registre du CCAS — {r.commune.name}")
    commune = factory.LazyFunction(lyon_1er)


class NetworkRegisterFactory(factory.django.DjangoModelFactory):
    """A network's register for a département (CAF of the Rhône by default)."""

    class Meta:
        model = Register
        django_get_or_create = ("network", "departement")

    name = "Registre CAF du Rhône"
    network = factory.LazyFunction(lambda: Network.objects.get(slug="caf"))
    departement = factory.LazyFunction(lambda: Departement.objects.get(code="69"))


def town_hall(commune_code: str = "69381") -> ServicePoint:
    """A town hall service point of the commune (the holder of its register)."""
    from continuite.service_points.tests.factories import ServicePointFactory

    commune = Commune.objects.get(code=commune_code)
    return ServicePointFactory(
        network=Network.objects.get(slug="mairie"),
        name=f"Mairie de {commune.name}",
        commune=commune,
        commune_name=commune.name,
        departement=commune.departement,
    )


class RegisteredPersonFactory(factory.django.DjangoModelFactory):
    """An active person of 80, registered herself by phone a month ago (synthetic).

    Traits: third_party (a written request received 3 days ago, not acknowledged),
    ack_overdue (received 10 days ago), withdrawn, purge_due (moved, retention over).
    """

    class Meta:
        model = RegisteredPerson

    register = factory.SubFactory(RegisterFactory)
    last_name = factory.Sequence(lambda n: f"Testeuse{n}")
    first_name = "Paulette"
    born_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=80 * 365))
    address = "1 rue Fictive"
    postcode = "69001"
    commune = factory.LazyFunction(lyon_1er)
    phone = factory.Sequence(lambda n: f"+3319900{n % 10000:04d}")
    criterion = Criterion.AGED_65
    registered_by = RegisteredPerson.RegisteredBy.SELF
    consent_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    consent_form = RegisteredPerson.ConsentForm.PHONE
    status = RegisteredPerson.Status.ACTIVE
    status_on = factory.SelfAttribute("consent_on")
    match_key = factory.LazyAttribute(lambda p: match_key(p.last_name, p.first_name, p.born_on))

    class Params:
        third_party = factory.Trait(
            registered_by=RegisteredPerson.RegisteredBy.THIRD_PARTY,
            requester_name="Jean Voisin",
            requester_relation="voisin",
            request_received_on=factory.LazyFunction(
                lambda: timezone.localdate() - timedelta(days=3)
            ),
            consent_form=RegisteredPerson.ConsentForm.THIRD_PARTY_REQUEST,
        )
        ack_overdue = factory.Trait(
            third_party=True,
            request_received_on=factory.LazyFunction(
                lambda: timezone.localdate() - timedelta(days=10)
            ),
        )
        withdrawn = factory.Trait(
            status=RegisteredPerson.Status.WITHDRAWN,
            status_on=factory.LazyFunction(timezone.localdate),
            purge_due_on=factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=1)),
        )
        purge_due = factory.Trait(
            status=RegisteredPerson.Status.MOVED,
            status_on=date(2020, 1, 15),
            purge_due_on=date(2020, 4, 15),
        )


class ContactPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPerson

    person = factory.SubFactory(RegisteredPersonFactory)
    name = "Lucie Fictive"
    relation = "fille"
    phone = "+33199009999"


def twins_in_lyon(last_name: str, **theirs) -> tuple[RegisteredPerson, RegisteredPerson]:
    """The same person in Lyon 1er's register and in Lyon 2e's (`theirs`: more of the second)."""
    mine = RegisteredPersonFactory(register=RegisterFactory(), last_name=last_name)
    lyon_2 = Commune.objects.get(code="69382")
    other = RegisteredPersonFactory(
        register=RegisterFactory(commune=lyon_2),
        last_name=last_name,
        born_on=mine.born_on,
        commune=lyon_2,
        postcode="69002",
        **theirs,
    )
    return mine, other
