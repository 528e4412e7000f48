"""The same person in two registers is matched, and one call plan is shared."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from continuite.core.models import Commune
from continuite.outreach import services
from continuite.outreach.models import CallPlan
from continuite.outreach.tests.factories import (
    NetworkRegisterFactory,
    RegisteredPersonFactory,
    RegisterFactory,
)

pytestmark = pytest.mark.django_db

BORN = date(1938, 5, 17)


@pytest.fixture
def registers():
    town = RegisterFactory()
    caf = NetworkRegisterFactory()
    villeurbanne = RegisterFactory(commune=Commune.objects.get(code="69266"))
    return town, caf, villeurbanne


def test_the_same_name_and_date_of_birth_match_across_registers(registers):
    town, caf, _other = registers
    a = RegisteredPersonFactory(
        register=town, last_name="Dupré-Lefèvre", first_name="Éliane", born_on=BORN
    )
    b = RegisteredPersonFactory(
        register=caf, last_name="DUPRE LEFEVRE", first_name="eliane", born_on=BORN
    )
    assert list(services.matches_for(a)) == [b]
    assert list(services.matches_for(b)) == [a]


def test_the_same_phone_and_date_of_birth_match_even_under_another_name(registers):
    town, caf, _other = registers
    a = RegisteredPersonFactory(register=town, born_on=BORN, phone="+33199000001")
    b = RegisteredPersonFactory(
        register=caf,
        last_name="Nom-de-naissance",
        born_on=BORN,
        phone="+33426000000",
        other_phone="+33199000001",
    )
    assert list(services.matches_for(a)) == [b]


def test_no_match_without_the_same_date_of_birth_nor_within_the_register_nor_once_ended(registers):
    town, caf, _other = registers
    a = RegisteredPersonFactory(register=town, last_name="Fictive", born_on=BORN)
    RegisteredPersonFactory(register=caf, last_name="Fictive", born_on=date(1938, 5, 18))
    RegisteredPersonFactory(register=town, phone=a.phone, born_on=BORN)
    ended = RegisteredPersonFactory(register=caf, last_name="Fictive", born_on=BORN)
    services.person_withdraw(person=ended, on=timezone.localdate(), actor=None)
    assert list(services.matches_for(a)) == []


def test_sharing_links_two_records_and_merges_existing_plans(registers):
    town, caf, villeurbanne = registers
    a, b, c = (
        RegisteredPersonFactory(register=r, last_name="Fictive", born_on=BORN) for r in registers
    )
    plan = services.share_call_plan(first=a, second=b, actor=None)
    assert {p.pk for p in plan.people.all()} == {a.pk, b.pk}
    # Twice changes nothing.
    assert services.share_call_plan(first=b, second=a, actor=None) == plan
    other = services.share_call_plan(
        first=c,
        second=RegisteredPersonFactory(
            register=RegisterFactory(commune=Commune.objects.get(code="69382")),
            last_name="Fictive",
            born_on=BORN,
        ),
        actor=None,
    )
    merged = services.share_call_plan(first=a, second=c, actor=None)
    assert merged.people.count() == 4
    assert CallPlan.objects.count() == 1
    assert not CallPlan.objects.filter(pk=other.pk).exists() or other.pk == merged.pk


def test_sharing_is_refused_between_records_that_do_not_match(registers):
    town, caf, _other = registers
    a = RegisteredPersonFactory(register=town, born_on=BORN)
    b = RegisteredPersonFactory(register=caf, born_on=date(1940, 1, 1))
    with pytest.raises(ValidationError, match="pas la même personne"):
        services.share_call_plan(first=a, second=b, actor=None)
    assert not CallPlan.objects.exists()
