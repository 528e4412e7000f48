"""The hourly snapshot runs on a real Celery worker over Redis, and twice changes nothing."""

import pytest
from django.utils import timezone

from continuite.dashboard.models import OpenRateSnapshot
from continuite.dashboard.tasks import snapshot_open_rates
from continuite.service_points.tests.factories import ServicePointFactory
from continuite.testing import wait_until

pytestmark = [pytest.mark.celery]


def test_a_real_worker_takes_the_snapshot_and_a_retry_changes_nothing(celery_worker):
    ServicePointFactory.create_batch(2)
    ServicePointFactory(closed=True)
    at = timezone.now().replace(second=0, microsecond=0).isoformat()
    snapshot_open_rates.delay(at)
    assert wait_until(lambda: OpenRateSnapshot.objects.filter(scope="national").exists())
    national = OpenRateSnapshot.objects.get(scope="national")
    assert (national.total, national.not_closed) == (3, 2)
    count = OpenRateSnapshot.objects.count()
    snapshot_open_rates.delay(at)
    snapshot_open_rates.delay(at)
    # The queue is worked in order: once a later task has run, both retries have.
    ServicePointFactory()
    snapshot_open_rates.delay(timezone.now().replace(second=0, microsecond=0).isoformat())
    assert wait_until(lambda: OpenRateSnapshot.objects.filter(scope="national", total=4).exists())
    assert OpenRateSnapshot.objects.filter(taken_at=national.taken_at).count() == count
