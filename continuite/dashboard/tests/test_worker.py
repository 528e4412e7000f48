"""The hourly snapshot runs on a real Celery worker over Redis, and twice changes nothing."""

import os

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from continuite.celery import app
from continuite.dashboard.models import OpenRateSnapshot
from continuite.dashboard.tasks import snapshot_open_rates
from continuite.service_points.tests.factories import ServicePointFactory

REDIS_URL = os.environ.get("REDIS_URL_TEST", "redis://127.0.0.1:6379/15")

pytestmark = [pytest.mark.celery]


@pytest.fixture
def worker(reference_data):
    app.conf.update(
        broker_url=REDIS_URL,
        result_backend=REDIS_URL,
        task_always_eager=False,
        broker_connection_retry=False,
    )
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield
    app.conf.update(task_always_eager=True)


def test_a_real_worker_takes_the_snapshot_and_a_retry_changes_nothing(worker):
    ServicePointFactory.create_batch(2)
    ServicePointFactory(closed=True)
    at = timezone.now().replace(second=0, microsecond=0).isoformat()
    assert snapshot_open_rates.delay(at).get(timeout=30) > 0
    national = OpenRateSnapshot.objects.get(scope="national")
    assert (national.total, national.not_closed) == (3, 2)
    count = OpenRateSnapshot.objects.count()
    snapshot_open_rates.delay(at).get(timeout=30)
    assert OpenRateSnapshot.objects.count() == count
