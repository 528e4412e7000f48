"""The demo's synthetic register."""

import pytest
from django.utils import timezone

from continuite.outreach.demo import DEMO_PEOPLE, demo_registers
from continuite.outreach.models import MINIMUM_AGE, Register

pytestmark = pytest.mark.django_db


def test_the_demo_register_holds_about_200_valid_synthetic_people_once():
    demo_registers()
    register = Register.objects.get(commune__code="69381")
    people = list(register.people.all())
    assert len(people) == DEMO_PEOPLE
    today = timezone.localdate()
    assert all(p.age(today) >= MINIMUM_AGE[p.criterion] for p in people)
    assert all(p.phone.startswith("+3319900") for p in people)  # the range kept for fiction
    assert len({p.match_key for p in people}) == DEMO_PEOPLE
    assert any(not p.is_active and p.purge_after for p in people)
    assert "unchanged" in demo_registers()
    assert register.people.count() == DEMO_PEOPLE
