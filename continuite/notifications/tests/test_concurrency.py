"""Two workers delivering the same message at the same moment send it once (PostgreSQL locks)."""

import threading

import pytest
from django.db import connection, connections

from continuite.notifications.backends import SmsBackend
from continuite.notifications.delivery import message_deliver
from continuite.notifications.tests.helpers import sms
from continuite.testing import wait_until


class GatedSmsBackend(SmsBackend):
    """Counts sends, and holds each one until the test opens the gate."""

    sends: list[str] = []
    sending = threading.Event()
    gate = threading.Event()

    def send(self, *, to: str, body: str, reference: str) -> str:
        type(self).sends.append(reference)
        type(self).sending.set()
        type(self).gate.wait(timeout=30)
        return f"gated-{len(type(self).sends)}"


@pytest.fixture
def gated_sms(settings):
    settings.SMS_BACKEND = f"{__name__}.GatedSmsBackend"
    GatedSmsBackend.sends = []
    GatedSmsBackend.sending, GatedSmsBackend.gate = threading.Event(), threading.Event()
    yield GatedSmsBackend
    GatedSmsBackend.gate.set()


def blocked_on_a_row_lock() -> bool:
    """Whether another session of this database is waiting for a lock (our row lock)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.postgresql  # watches the other session wait in pg_stat_activity
@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_message_at_once_send_it_once(gated_sms):
    message = sms()
    start, outcomes = threading.Barrier(2), []

    def worker():
        try:
            start.wait(timeout=10)
            outcomes.append(message_deliver(message_id=message.pk).status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    # One worker is sending while holding the row; the other must be waiting for it, not sending.
    assert gated_sms.sending.wait(timeout=10)
    assert wait_until(lambda: blocked_on_a_row_lock() or len(gated_sms.sends) > 1, timeout=10)
    gated_sms.gate.set()
    for thread in threads:
        thread.join(timeout=30)

    assert gated_sms.sends == ["reminder:1:sms"]
    assert outcomes == ["sent", "sent"]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.provider_id) == ("sent", 1, "gated-1")
