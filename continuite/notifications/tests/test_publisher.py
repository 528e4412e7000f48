"""Deliveries are published in batches gathered over a short window, from a thread."""

import threading

from continuite.notifications.publisher import Publisher


class Broker:
    """Records what the publisher sends, as a broker would receive it."""

    def __init__(self, fail: bool = False):
        self.batches: list[list[int]] = []
        self.fail = fail
        self.sent = threading.Event()

    def __call__(self, ids: list[int]) -> None:
        if self.fail:
            self.fail = False
            raise ConnectionError("broker unreachable")
        self.batches.append(ids)
        self.sent.set()


def test_ids_of_one_window_go_out_as_one_batch():
    broker = Broker()
    publisher = Publisher(window=0.2, send=broker)
    publisher.add([1])
    publisher.add([2, 3])
    assert broker.sent.wait(timeout=5)
    assert broker.batches == [[1, 2, 3]]


def test_a_later_window_is_another_batch():
    broker = Broker()
    publisher = Publisher(window=0.02, send=broker)
    publisher.add([1])
    assert broker.sent.wait(timeout=5)
    broker.sent.clear()
    publisher.add([2])
    assert broker.sent.wait(timeout=5)
    assert broker.batches == [[1], [2]]


def test_a_failed_publication_is_logged_and_the_next_ones_still_go(caplog):
    broker = Broker(fail=True)
    publisher = Publisher(window=0.02, send=broker)
    publisher.add([1])
    publisher.flush()
    assert "Could not queue the delivery of 1 messages" in caplog.text
    publisher.add([2])
    assert broker.sent.wait(timeout=5)
    assert broker.batches == [[2]]


def test_flush_sends_what_waits_at_once():
    broker = Broker()
    publisher = Publisher(window=60, send=broker)
    publisher.add([7, 8])
    publisher.flush()
    assert broker.batches == [[7, 8]]
