"""Shared test fixtures: the real territory is loaded once per test database."""

import pytest

from continuite.core.services import territory_load


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
