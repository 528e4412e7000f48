"""Codes sent at once to one number, in PostgreSQL: never more than the number's share."""

import threading

import pytest
from django.db import connection

from continuite.appointments.models import PhoneCode
from continuite.appointments.verification import TooManyCodes, phone_code_send

pytestmark = pytest.mark.postgresql

PHONE = "+33612345678"


@pytest.mark.django_db(transaction=True)
def test_codes_asked_at_once_for_one_number_never_exceed_its_share():
    attempts = 12
    barrier = threading.Barrier(attempts)
    outcomes: list[object] = [None] * attempts

    def attempt(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            try:
                outcomes[index] = phone_code_send(phone=PHONE)
            except Exception as exc:  # the outcome under test, whatever it is
                outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert PhoneCode.objects.filter(phone=PHONE).count() == 3
    sent = [o for o in outcomes if isinstance(o, PhoneCode)]
    refused = [o for o in outcomes if isinstance(o, TooManyCodes)]
    assert (len(sent), len(refused)) == (3, attempts - 3)
