"""A Celery worker killed (SIGKILL) in the middle of a rehoming: the job finishes on another one,
no appointment is lost or handled twice, no message is sent twice."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count, F
from django.utils import timezone

from continuite.appointments.models import Appointment, CallbackRequest, Slot
from continuite.celery import app
from continuite.conftest import QUEUE, REDIS_URL, WORKER_SETTINGS, reset_producers
from continuite.notifications.models import Message
from continuite.protocol.models import Closure, RehomingOutcome, RehomingRun
from continuite.protocol.services import closure_declare
from continuite.testing import wait_until

from .conftest import build_scene

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

LEASE_SECONDS = 2


def start_worker(sms_log: Path, log: Path, *, pause_ms: int) -> subprocess.Popen:
    """A real worker process on this run's queue, against the test database."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        database_url = f"sqlite:///{database['NAME']}"
    else:
        database_url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": "",
        "CELERY_QUEUE": QUEUE,
        "REHOMING_LEASE_SECONDS": str(LEASE_SECONDS),
        "REHOMING_BATCH_SIZE": "10",
        "REHOMING_BATCH_PAUSE_MS": str(pause_ms),
        "SMS_FILE_PATH": str(sms_log),
        "SMS_BACKEND": "continuite.notifications.backends.FileSmsBackend",
    }
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "continuite",
            "worker",
            "--pool=solo",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-Q",
            QUEUE,
            "-l",
            "info",
        ],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@pytest.fixture
def publisher(reference_data):
    """This test process publishes to the test run's own queue on Redis."""
    previous = {key: app.conf[key] for key in WORKER_SETTINGS}
    app.conf.update(WORKER_SETTINGS)
    reset_producers()
    yield
    app.conf.update(previous)
    reset_producers()
    import redis

    with redis.Redis.from_url(REDIS_URL) as client:
        client.delete(QUEUE, f"_kombu.binding.{QUEUE}", f"_kombu.binding_permanent.{QUEUE}")


def test_a_killed_worker_leaves_nothing_lost_or_doubled(publisher, tmp_path):
    scene = build_scene(per_reason=30)
    originals = [a.pk for a in scene.appointments]
    sms_log, log = tmp_path / "sms.log", tmp_path / "worker.log"
    first = start_worker(sms_log, log, pause_ms=400)
    second = None
    try:
        _closure, run = closure_declare(
            service_point=scene.point,
            scope=Closure.Scope.FULL,
            starts_at=timezone.now(),
            ends_at=None,
            label="Agents malades",
            actor=None,
        )
        # Killed once some batches are committed, well before the last one.
        assert wait_until(lambda: RehomingRun.objects.get(pk=run.pk).processed >= 20, timeout=60), (
            f"the rehoming never started; worker log:\n{log.read_text()}"
        )
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        stopped = RehomingRun.objects.get(pk=run.pk)
        assert stopped.status == RehomingRun.Status.RUNNING
        assert 20 <= stopped.processed < len(originals)

        second = start_worker(sms_log, log, pause_ms=0)
        time.sleep(LEASE_SECONDS + 0.5)
        # What celery beat does every minute: take over the runs whose lease has passed.
        app.send_task("continuite.protocol.tasks.resume_rehoming", queue=QUEUE)
        assert wait_until(
            lambda: RehomingRun.objects.get(pk=run.pk).status == RehomingRun.Status.DONE,
            timeout=60,
        ), f"the rehoming did not finish; worker log:\n{log.read_text()}"
        messages = Message.objects.filter(dedup_key__startswith=f"rehoming:{run.pk}:")
        assert wait_until(
            lambda: not messages.exclude(status=Message.Status.SENT).exists(), timeout=60
        ), f"messages were not all sent; worker log:\n{log.read_text()}"
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=20)

    run.refresh_from_db()
    assert run.starts == 2
    assert run.processed == run.total == len(originals)
    assert run.phone + run.moved + run.cancelled == len(originals)
    # Each appointment handled exactly once, and still accounted for.
    handled = RehomingOutcome.objects.filter(appointment_id__in=originals)
    assert handled.count() == len(originals)
    assert not handled.values("appointment_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    for appointment in Appointment.objects.filter(pk__in=originals).select_related("moved_to"):
        if appointment.status == "booked":
            assert appointment.mode == "phone" and not appointment.takes_seat
        elif appointment.status == "moved":
            assert appointment.moved_to.status == "booked"
        else:
            assert appointment.status == "cancelled"
            assert CallbackRequest.objects.filter(person=appointment.person).count() == 1
    # One message per person in the outbox, each SMS written once to the provider.
    assert messages.count() == len(originals)
    sent = [json.loads(line)["to"] for line in sms_log.read_text().splitlines()]
    assert sorted(sent) == sorted(messages.values_list("to", flat=True))
    assert not Slot.objects.filter(booked__gt=F("capacity"), over_capacity=False).exists()
