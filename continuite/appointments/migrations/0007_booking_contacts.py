"""Each appointment, call-back request and draw entry keeps its own contact (name, phone,
email), copied here from the person's row; the person keeps only the phone that groups their
history."""

import django.db.models.functions.text
from django.db import migrations, models

_CONTACT_FIELDS = [
    ("contact_name", models.CharField(default="", max_length=150, verbose_name="name")),
    (
        "contact_phone",
        models.CharField(default="", help_text="E.164", max_length=20, verbose_name="phone"),
    ),
    ("contact_email", models.EmailField(blank=True, default="", max_length=254, verbose_name="email")),
]
_MODELS = ["appointment", "callbackrequest", "lotteryrequest"]


def copy_contacts(apps, schema_editor):
    """Today's name, phone and email of each row's person, as the row's own contact."""
    Person = apps.get_model("appointments", "Person")
    for model_name in _MODELS:
        model = apps.get_model("appointments", model_name)
        for person in Person.objects.filter(
            pk__in=model.objects.values("person_id")
        ).iterator(chunk_size=2000):
            model.objects.filter(person_id=person.pk).update(
                contact_name=person.name, contact_phone=person.phone, contact_email=person.email
            )


def copy_back(apps, schema_editor):
    """Going back: a person's name and email from the latest thing booked with their phone."""
    Person = apps.get_model("appointments", "Person")
    Appointment = apps.get_model("appointments", "Appointment")
    for person in Person.objects.iterator(chunk_size=2000):
        latest = Appointment.objects.filter(person_id=person.pk).order_by("-created_at").first()
        if latest is not None:
            Person.objects.filter(pk=person.pk).update(
                name=latest.contact_name, email=latest.contact_email
            )


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0006_booking_refused_function"),
    ]

    operations = [
        *[
            migrations.AddField(
                model_name=model_name, name=name, field=field, preserve_default=False
            )
            for model_name in _MODELS
            for name, field in _CONTACT_FIELDS
        ],
        migrations.RunPython(copy_contacts, copy_back, elidable=True),
        migrations.RemoveIndex(model_name="person", name="person_email_upper"),
        migrations.RemoveField(model_name="person", name="email"),
        # A default first, so that going back can add the column again to existing rows.
        migrations.AlterField(
            model_name="person",
            name="name",
            field=models.CharField(default="", max_length=150, verbose_name="name"),
        ),
        migrations.RemoveField(model_name="person", name="name"),
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(
                condition=models.Q(("status__in", ["booked", "checked_in"])),
                fields=["contact_phone", "reason"],
                name="appointment_cap_phone",
            ),
        ),
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(
                django.db.models.functions.text.Upper("contact_email"),
                models.F("reason"),
                condition=models.Q(("status__in", ["booked", "checked_in"])),
                name="appointment_cap_email",
            ),
        ),
    ]
