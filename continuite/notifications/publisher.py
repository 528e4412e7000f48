"""Queuing deliveries for the workers in batches, off the path of the request that wrote them.

Publishing a task to the broker costs a web process more than the booking's own statements.
Once a transaction that wrote messages commits, their ids are handed to a thread of the
process, which publishes what arrived within a short window as one task (one message's
delivery itself, or `queue_deliveries` fanning a batch out from a worker). The messages are
already committed in the outbox: ids lost with a stopped process, or a broker that cannot be
reached, are queued again by the deliver_pending sweep.

Eager Celery (no broker: the tests, a bare development server), a window of 0
(OUTBOX_PUBLISH_WINDOW_MS) and Celery tasks publish at once, in the committing thread.
"""

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable

from celery import current_app, current_task
from django.conf import settings

logger = logging.getLogger(__name__)


def publish(ids: list[int]) -> None:
    """Queue the delivery of these messages: one publication to the broker for them all."""
    from .tasks import deliver_message, queue_deliveries

    if len(ids) == 1:
        deliver_message.delay(ids[0])
    else:
        queue_deliveries.delay(ids)


class Publisher:
    """Gathers ids for `window` seconds, then hands them to `send` at once, from its thread."""

    def __init__(self, window: float, send: Callable[[list[int]], None] = publish):
        self.window, self.send = window, send
        self._reset()

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._ids: list[int] = []
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, ids: list[int]) -> None:
        with self._lock:
            self._ids.extend(ids)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="outbox-publisher", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def flush(self) -> None:
        """Publish what is waiting now (the thread's loop; and at the process's exit)."""
        with self._lock:
            ids, self._ids = self._ids, []
        if not ids:
            return
        try:
            self.send(ids)
        except Exception:  # the deliver_pending sweep queues them again
            logger.exception("Could not queue the delivery of %d messages", len(ids))

    def _run(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(self.window)
            self._wake.clear()
            self.flush()


_publisher = Publisher(window=0.2)
atexit.register(_publisher.flush)
# A forked process (a web or benchmark worker) starts with none of its parent's ids or thread.
os.register_at_fork(after_in_child=_publisher._reset)


def flush() -> None:
    """Publish the ids waiting in this process now (tests, before they change brokers)."""
    _publisher.flush()


def deliveries_publish(ids: list[int]) -> None:
    """Queue the delivery of committed messages: now when eager, else in the next batch."""
    window = getattr(settings, "OUTBOX_PUBLISH_WINDOW_MS", 200) / 1000
    # A task (a rehoming batch...) publishes at once: a worker can be stopped at any moment, and
    # what it committed must not wait for the sweep; its own writes are batched already.
    if current_app.conf.task_always_eager or window <= 0 or current_task:
        publish(ids)
        return
    _publisher.window = window
    _publisher.add(ids)
