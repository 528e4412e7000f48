"""Counters' phone numbers stored in E.164, like people's (they were in the national format).

A number that does not parse (a short number, a text) is kept as it was.
"""

from django.db import migrations

from continuite.core.phones import display_phone, stored_phone

BATCH = 2000


def _rewrite(apps, convert) -> None:
    ServicePoint = apps.get_model("service_points", "ServicePoint")
    changed = []
    for point in ServicePoint.objects.exclude(phone="").only("pk", "phone", "departement_id"):
        phone = convert(point)
        if phone != point.phone:
            point.phone = phone
            changed.append(point)
    ServicePoint.objects.bulk_update(changed, ["phone"], batch_size=BATCH)


def to_e164(apps, schema_editor) -> None:
    _rewrite(apps, lambda point: stored_phone(point.phone, departement_code=point.departement_id))


def to_national(apps, schema_editor) -> None:
    _rewrite(apps, lambda point: display_phone(point.phone))


class Migration(migrations.Migration):
    dependencies = [("service_points", "0004_date_fields_named_by_kind")]

    operations = [migrations.RunPython(to_e164, to_national, elidable=True)]
