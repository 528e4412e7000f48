"""Helpers for tests that wait on other threads or processes."""

import time


def wait_until(condition, *, timeout: float = 30, interval: float = 0.05) -> bool:
    """Poll condition() until it is true or timeout seconds have passed; returns its last value."""
    deadline = time.monotonic() + timeout
    while not (result := condition()) and time.monotonic() < deadline:
        time.sleep(interval)
    return bool(result)
