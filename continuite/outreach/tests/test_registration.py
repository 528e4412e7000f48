"""Registering a person: the legal rules, and bad input refused with nothing written."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from continuite.accounts.models import AuditLog
from continuite.outreach import services
from continuite.outreach.models import ContactPerson, Criterion, RegisteredPerson
from continuite.outreach.services import Contact
from continuite.outreach.tests.factories import RegisteredPersonFactory, RegisterFactory, lyon_1er

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def years_ago(years: int, days: int = 0):
    return today().replace(year=today().year - years) - timedelta(days=days)


def values(**overrides):
    """A valid self-registration of a synthetic person of 78."""
    return {
        "last_name": "Fictif",
        "first_name": "Marcel",
        "born_on": years_ago(78),
        "address": "3 rue Imaginaire",
        "postcode": "69001",
        "commune": lyon_1er(),
        "phone": "01 99 00 12 34",
        "criterion": Criterion.AGED_65,
        "registered_by": RegisteredPerson.RegisteredBy.SELF,
        "consent_on": today(),
        "consent_form": RegisteredPerson.ConsentForm.WRITTEN,
        "contacts": [Contact("Anne Fictive", "fille", "01 99 00 43 21")],
        **overrides,
    }


def written():
    return (
        RegisteredPerson.objects.count(),
        ContactPerson.objects.count(),
        AuditLog.objects.count(),
    )


def refused(register, field: str, fragment: str, **overrides):
    before = written()
    with pytest.raises(ValidationError) as caught:
        services.person_register(register=register, actor=None, **values(**overrides))
    messages = caught.value.message_dict[field]
    assert any(fragment in message for message in messages), messages
    assert written() == before


def test_it_registers_a_person_with_normalised_phones_and_a_contact():
    register = RegisterFactory()
    person = services.person_register(register=register, actor=None, **values())
    assert person.phone == "+33199001234"
    assert person.match_key == f"fictif marcel|{person.born_on.isoformat()}"
    assert person.is_active and person.purge_due_on is None
    [contact] = person.contacts.all()
    assert (contact.name, contact.phone) == ("Anne Fictive", "+33199004321")
    assert AuditLog.objects.filter(
        action="outreach.person.register", target_id=str(person.pk)
    ).exists()


def test_an_overseas_number_is_read_in_its_own_numbering_plan():
    from continuite.core.models import Commune

    pointe = Commune.objects.get(code="97120")
    register = RegisterFactory(commune=pointe)
    person = services.person_register(
        register=register,
        actor=None,
        **values(commune=pointe, postcode="97110", phone="0690 00 00 01", contacts=[]),
    )
    assert person.phone == "+590690000001"


def test_it_refuses_a_date_of_birth_in_the_future():
    refused(
        RegisterFactory(),
        "born_on",
        "dans le futur",
        born_on=today() + timedelta(days=1),
    )


def test_it_refuses_a_phone_that_is_not_a_phone():
    refused(RegisterFactory(), "phone", "pas un numéro de téléphone", phone="12 34")


def test_it_refuses_a_contact_whose_phone_is_not_a_phone():
    refused(
        RegisterFactory(),
        "contact_phone",
        "pas un numéro de téléphone",
        contacts=[Contact("Anne Fictive", "fille", "bonjour")],
    )


def test_it_refuses_a_third_party_request_without_the_requester():
    refused(
        RegisterFactory(),
        "requester_name",
        "nom du demandeur",
        registered_by=RegisteredPerson.RegisteredBy.THIRD_PARTY,
        request_received_on=today(),
        consent_form=RegisteredPerson.ConsentForm.THIRD_PARTY_REQUEST,
    )


def test_it_refuses_a_registration_without_consent():
    refused(RegisterFactory(), "consent_on", "consent", consent_on=None, consent_form="")


def test_it_refuses_a_duplicate_registration_in_the_same_register():
    register = RegisterFactory()
    services.person_register(register=register, actor=None, **values())
    # The same person typed differently: case, accents, order of the names.
    refused(register, "last_name", "déjà inscrite", last_name="FICTIF", first_name="marcel")
    refused(register, "last_name", "déjà inscrite", last_name="Marcel", first_name="Fictif")


@pytest.mark.parametrize(
    ("criterion", "age", "accepted"),
    [
        (Criterion.AGED_65, 65, True),
        (Criterion.AGED_65, 64, False),
        (Criterion.UNFIT_60, 60, True),
        (Criterion.UNFIT_60, 59, False),
        (Criterion.DISABLED, 18, True),
        (Criterion.DISABLED, 17, False),
    ],
)
def test_the_age_criteria_are_checked_against_the_date_of_birth(criterion, age, accepted):
    register = RegisterFactory()
    # One day short of the next birthday: the person is exactly `age`.
    born = years_ago(age + 1, days=-1)
    if accepted:
        person = services.person_register(
            register=register, actor=None, **values(criterion=criterion, born_on=born)
        )
        assert person.age(today()) == age
    else:
        refused(register, "criterion", "ce critère demande", criterion=criterion, born_on=born)


def test_every_error_is_given_at_once():
    with pytest.raises(ValidationError) as caught:
        services.person_register(
            register=RegisterFactory(),
            actor=None,
            **values(last_name="", phone="x", consent_on=None),
        )
    assert {"last_name", "phone", "consent_on"} <= set(caught.value.message_dict)


def test_an_update_is_checked_like_a_registration_and_changes_nothing_when_refused():
    person = RegisteredPersonFactory()
    with pytest.raises(ValidationError):
        services.person_update(person=person, actor=None, phone="pas un numéro")
    person.refresh_from_db()
    assert person.phone.startswith("+33199")
    services.person_update(person=person, actor=None, phone="04 26 00 00 00")
    person.refresh_from_db()
    assert person.phone == "+33426000000"


def test_a_communes_register_holds_the_people_living_in_that_commune():
    from continuite.core.models import Commune

    refused(
        RegisterFactory(),
        "commune",
        "Ce registre est celui de",
        commune=Commune.objects.get(code="69382"),
        postcode="69002",
    )
