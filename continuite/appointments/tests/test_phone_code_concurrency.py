"""Codes sent at once to one number, in PostgreSQL: never more than the number's share."""

import pytest

from continuite.appointments.models import PhoneCode
from continuite.appointments.verification import TooManyCodes, phone_code_send

from .helpers import all_at_once

pytestmark = pytest.mark.postgresql

PHONE = "+33612345678"


@pytest.mark.django_db(transaction=True)
def test_codes_asked_at_once_for_one_number_never_exceed_its_share():
    attempts = 12
    outcomes = all_at_once(attempts, lambda: phone_code_send(phone=PHONE))

    assert PhoneCode.objects.filter(phone=PHONE).count() == 3
    sent = [o for o in outcomes if isinstance(o, PhoneCode)]
    refused = [o for o in outcomes if isinstance(o, TooManyCodes)]
    assert (len(sent), len(refused)) == (3, attempts - 3)
