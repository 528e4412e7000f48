"""The data migration that stores counters' phones in E.164, like people's."""

import importlib

import pytest
from django.apps import apps

from continuite.core.models import Departement
from continuite.service_points.tests.factories import ServicePointFactory

phones_in_e164 = importlib.import_module("continuite.service_points.migrations.0005_phones_in_e164")


@pytest.mark.django_db
def test_the_migration_stores_counters_phones_in_e164_and_back():
    national = ServicePointFactory(phone="04 72 00 00 01")
    overseas = ServicePointFactory(
        phone="0590 12 34 56", departement=Departement.objects.get(code="971")
    )
    text = ServicePointFactory(phone="Standard : 39 39")
    phones_in_e164.to_e164(apps, None)
    assert [p.phone for p in _reloaded(national, overseas, text)] == [
        "+33472000001",
        "+590590123456",
        "Standard : 39 39",
    ]
    phones_in_e164.to_national(apps, None)
    assert [p.phone for p in _reloaded(national, overseas, text)] == [
        "04 72 00 00 01",
        "0590 12 34 56",
        "Standard : 39 39",
    ]


def _reloaded(*points):
    for point in points:
        point.refresh_from_db()
    return points
