"""Fixtures for outbox tests."""

import pytest


@pytest.fixture
def delivery_worker(celery_worker):
    """The shared real Celery worker (continuite/conftest.py), under the name these tests use."""
    return celery_worker
