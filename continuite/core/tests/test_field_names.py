"""The project's models name their date fields by kind: datetimes end in `_at`, dates in `_on`."""

from django.apps import apps
from django.contrib.auth.models import AbstractUser
from django.db import models

# Fields the project inherits from Django rather than declares.
INHERITED = {field.name for field in AbstractUser._meta.fields}


def misnamed_date_fields() -> list[str]:
    misnamed = []
    for config in apps.get_app_configs():
        if not config.name.startswith("continuite."):
            continue
        for model in config.get_models():
            for field in model._meta.concrete_fields:
                if issubclass(model, AbstractUser) and field.name in INHERITED:
                    continue
                if isinstance(field, models.DateTimeField):
                    suffix = "_at"
                elif isinstance(field, models.DateField):
                    suffix = "_on"
                else:
                    continue
                if not field.name.endswith(suffix):
                    misnamed.append(f"{model._meta.label}.{field.name} (ends in {suffix})")
    return misnamed


def test_datetimes_end_in_at_and_dates_in_on():
    assert misnamed_date_fields() == []
