"""The crisis status in force: one rule, history kept, statuses scheduled ahead."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import UserFactory
from continuite.service_points.models import (
    CrisisStatus,
    ServicePoint,
    StatusChange,
    status_among,
)
from continuite.service_points.services import service_point_set_status

from .factories import ServicePointFactory, StatusChangeFactory

pytestmark = pytest.mark.django_db


def test_a_point_without_status_is_open():
    assert ServicePointFactory().status_at() == CrisisStatus.OPEN


def test_a_scheduled_status_takes_effect_at_its_start_and_ends_at_its_end():
    point = ServicePointFactory()
    now = timezone.now()
    StatusChangeFactory(
        service_point=point,
        status="closed",
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=5),
    )
    assert point.status_at(now) == "open"
    assert point.status_at(now + timedelta(days=3)) == "closed"
    assert point.status_at(now + timedelta(days=6)) == "open"


def test_a_later_start_wins_and_the_earlier_status_resumes_after_it():
    point = ServicePointFactory()
    now = timezone.now()
    StatusChangeFactory(
        service_point=point, status="phone_only", starts_at=now - timedelta(days=10)
    )
    StatusChangeFactory(
        service_point=point,
        status="closed",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
    )
    assert point.status_at(now) == "closed"
    assert point.status_at(now + timedelta(days=2)) == "phone_only"


def test_setting_a_status_keeps_the_history_and_writes_the_audit_log():
    point, manager = ServicePointFactory(), UserFactory()
    now = timezone.now()
    service_point_set_status(
        service_point=point,
        status="closed",
        reason="Désinfection",
        starts_at=now,
        ends_at=None,
        actor=manager,
    )
    service_point_set_status(
        service_point=point,
        status="open",
        reason="Réouverture",
        starts_at=now + timedelta(minutes=1),
        ends_at=None,
        actor=manager,
    )
    assert point.status_changes.count() == 2
    log = AuditLog.objects.filter(action="service_point.status_set", target_id=str(point.pk))
    assert log.count() == 2 and log.first().actor == manager


@pytest.mark.parametrize(
    ("status", "reason", "starts", "ends", "field"),
    [
        ("closed", "x", 0, -1, "ends_at"),
        ("closed", "x", -10, -5, "ends_at"),
        ("closed", "  ", 0, None, "reason"),
        ("bogus", "x", 0, None, "status"),
    ],
)
def test_bad_status_input_is_refused_and_changes_nothing(status, reason, starts, ends, field):
    point = ServicePointFactory()
    now = timezone.now()
    with pytest.raises(ValidationError) as error:
        service_point_set_status(
            service_point=point,
            status=status,
            reason=reason,
            starts_at=now + timedelta(hours=starts),
            ends_at=None if ends is None else now + timedelta(hours=ends),
            actor=None,
        )
    assert field in error.value.error_dict
    assert not StatusChange.objects.exists() and not AuditLog.objects.exists()


window = st.tuples(
    st.sampled_from(CrisisStatus.values),
    st.integers(-100, 100),
    st.one_of(st.none(), st.integers(1, 100)),
)


class StatusInForceProperties(TestCase):
    @settings(max_examples=40, deadline=None)
    @given(windows=st.lists(window, max_size=6), probe=st.integers(-120, 220))
    def test_the_database_rule_matches_the_plain_definition(self, windows, probe):
        point = ServicePointFactory()
        base = timezone.now().replace(microsecond=0)
        changes = []
        for status, start, length in windows:
            changes.append(
                StatusChange.objects.create(
                    service_point=point,
                    status=status,
                    reason="p",
                    starts_at=base + timedelta(hours=start),
                    ends_at=None if length is None else base + timedelta(hours=start + length),
                )
            )
        at = base + timedelta(hours=probe)
        covering = [
            c for c in changes if c.starts_at <= at and (c.ends_at is None or c.ends_at > at)
        ]
        expected = max(covering, key=lambda c: (c.starts_at, c.id)).status if covering else "open"
        assert ServicePoint.objects.with_status_at(at).get(pk=point.pk).status_in_force == expected
        # The same rule in Python, as slot planning reads it from one fetch of the history.
        assert status_among(changes, at) == expected
