"""Shared test fixtures: the territory loaded once per test database, a real Celery worker.

The suite runs on PostgreSQL (DATABASE_URL set) and on the embedded SQLite (unset, as the demo
runs). A test that only holds on one of them says so with its marker, `postgresql` or `sqlite`,
and is deselected on the other database here: the one place that decides it.
"""

import itertools
import os
import socket
import threading
import uuid
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from continuite.celery import app
from continuite.core.services import territory_load
from continuite.notifications.tasks import deliver_message

# Markers named after the database (connection.vendor) a test only holds on.
DATABASE_MARKERS = ("postgresql", "sqlite")


def pytest_collection_modifyitems(config, items):
    """Deselect the tests marked for the other database than the one this run is on."""
    from django.db import connection

    kept, deselected = [], []
    for item in items:
        only_on = {name for name in DATABASE_MARKERS if item.get_closest_marker(name)}
        (deselected if only_on and connection.vendor not in only_on else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, request):
    """On SQLite the test database is a file under var/ (named per xdist worker by
    pytest-django): make its directory, and drop the write-ahead log an interrupted run may have
    left beside it, which SQLite would otherwise replay into the new database."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return
    name = Path(database["TEST"]["NAME"])
    name.parent.mkdir(parents=True, exist_ok=True)
    if not request.config.getvalue("reuse_db"):
        for sidecar in (f"{name}-wal", f"{name}-shm"):
            Path(sidecar).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Communes, départements and regions are reference data: load them once, for every test."""
    with django_db_blocker.unblock():
        territory_load()


@pytest.fixture
def reference_data(transactional_db):
    """For tests whose data must be committed (live server, Celery worker): networks and territory.

    A transactional test empties every table when it ends, so each one reloads what it needs
    (pytest-django runs these tests after all the others).
    """
    from django.apps import apps as django_apps

    from continuite.core.models import Commune
    from continuite.service_points.migrations import _networks

    _networks.create_networks(django_apps, None)
    if not Commune.objects.exists():
        territory_load()


REDIS_URL = os.environ.get("REDIS_URL_TEST", "redis://127.0.0.1:6379/15")
# A queue of our own: another worker on the same Redis database (another test run, another
# app's worker test) must not take our tasks and run them against its own database.
QUEUE = f"continuite-test-{uuid.uuid4().hex[:12]}"
WORKER_SETTINGS = {
    "broker_url": REDIS_URL,
    "task_always_eager": False,
    "broker_connection_retry": False,
    "broker_connection_retry_on_startup": False,
    "task_default_queue": QUEUE,
    "task_routes": {"continuite.*": {"queue": QUEUE}},
}


def reset_producers() -> None:
    """Make the next published task use the current broker settings and routes.

    Celery keeps the producer pools of its first publication, and an eager delay() (any earlier
    test enqueuing a message) creates them for the default broker: tasks would silently go there,
    not to Redis. Celery has no public reset; this is what it does itself after a fork.
    """
    from continuite.notifications import publisher

    publisher.flush()  # what was gathered goes to the broker it was gathered for
    app._pool = None
    app.amqp._producer_pool = None
    app.amqp.flush_routes()


@pytest.fixture
def celery_worker(reference_data):
    """A Celery worker thread consuming this test run's own queue on Redis (tasks not eager).

    No result backend: the main thread may have cached a disabled one while tasks ran eagerly;
    tests observe finished tasks with the task_postrun signal instead.
    """
    previous = {key: app.conf[key] for key in WORKER_SETTINGS}
    app.conf.update(WORKER_SETTINGS)
    reset_producers()
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[QUEUE]
        ) as worker:
            yield worker
        # Leave nothing behind in the shared Redis database: the queue and kombu's bindings.
        with redis.Redis.from_url(REDIS_URL) as client:
            client.delete(QUEUE, f"_kombu.binding.{QUEUE}", f"_kombu.binding_permanent.{QUEUE}")
    finally:
        app.conf.update(previous)
        reset_producers()


class EnvelopeCollector:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it."""
    collector = EnvelopeCollector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield collector
    controller.stop()


@pytest.fixture
def finished_deliveries():
    """(message id, returned status) of each deliver_message task the worker has finished."""
    finished, lock = [], threading.Lock()

    def record(sender=None, args=(), retval=None, **kwargs):
        if sender is not None and sender.name == deliver_message.name:
            with lock:
                finished.append((args[0], retval))

    task_postrun.connect(record, weak=False)
    yield finished
    task_postrun.disconnect(record)


_rate_limit_windows = itertools.count(9 * 10**9)


@pytest.fixture(autouse=True)
def own_public_counters(monkeypatch):
    """Each test counts its public requests in a minute and a day of its own, and reads high
    demand from copies of its own: the cache outlives a test, so another test's requests (same
    test client address, same phone numbers) never count against its rate limits and SMS
    budgets, nor its high demand switch a later test's reason."""
    from continuite.appointments import high_demand
    from continuite.core import ratelimit
    from continuite.notifications import budget

    window = next(_rate_limit_windows)
    monkeypatch.setattr(ratelimit, "_window", lambda: window)
    monkeypatch.setattr(budget, "_day", lambda: window)
    # The cached copy of a reason's high demand too: rolled-back ids come back on SQLite.
    monkeypatch.setattr(
        high_demand, "_cache_key", lambda reason_id: f"high-demand:{window}:{reason_id}"
    )
