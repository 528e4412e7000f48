"""The match key ignores how a name is typed, never the date of birth; the database refuses two
active registrations of one person in a register."""

from datetime import date

import pytest
from django.db import IntegrityError
from hypothesis import given
from hypothesis import strategies as st

from continuite.outreach.models import match_key
from continuite.outreach.tests.factories import RegisteredPersonFactory

names = st.lists(
    st.sampled_from(["Dupré", "Lefèvre", "Marie", "Éliane", "Ngô", "Saint-Just", "O'Neil"]),
    min_size=2,
    max_size=3,
    unique=True,
)


@given(names, st.dates(min_value=date(1900, 1, 1), max_value=date(2008, 1, 1)))
def test_the_match_key_ignores_case_accents_hyphens_and_order(words, born):
    last, first = words[0], " ".join(words[1:])
    key = match_key(last, first, born)
    assert match_key(last.upper(), first.lower(), born) == key
    assert match_key(first, last, born) == key
    assert match_key(last.replace("-", " "), first, born) == key
    assert match_key(last, first, date(born.year - 1, 1, 1)) != key


@pytest.mark.django_db
def test_the_database_refuses_two_active_records_of_one_person_in_a_register():
    person = RegisteredPersonFactory()
    with pytest.raises(IntegrityError):
        RegisteredPersonFactory(
            register=person.register,
            last_name=person.last_name,
            born_on=person.born_on,
        )
