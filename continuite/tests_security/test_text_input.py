"""Text typed into any form: stored in NFC; invisible and control characters refused with a message.

A right-to-left override in a name shows agents another name than the one typed (and hides what
follows it); zero-width characters make two identical-looking names differ.
"""

import importlib
import pkgutil

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

import continuite
from continuite.accounts.models import AuditLog
from continuite.appointments.models import Appointment
from continuite.appointments.public_forms import BookingForm
from continuite.appointments.tests.factories import ReasonFactory
from continuite.appointments.tests.test_public_booking import counter, post_booking, slot_at, soon
from continuite.core.forms import BaseForm, CleanTextMixin
from continuite.outreach.models import RegisteredPerson
from continuite.outreach.tests.test_pages import commune_a, form  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

REFUSED_FR = "Ce texte contient des caractères invisibles ou de contrôle"


def booking(client, name):
    reason = ReasonFactory()
    return post_booking(client, slot_at(counter(reason), soon(2)), reason, name=name)[0]


def test_a_right_to_left_override_in_a_name_is_refused_with_a_message(client):
    response = booking(client, "Jeanne \u202eNITRAM")
    assert response.status_code != 302
    assert not Appointment.objects.exists()
    with translation.override("fr"):
        assert "name" in response.context["form"].errors
    page = response.content.decode()
    assert REFUSED_FR in page and "U+202E" in page


@pytest.mark.parametrize("character", ["\u200b", "\u200d", "\u2067", "\ufeff", "\x07", "\x85"])
def test_a_zero_width_bidi_isolate_or_control_character_in_a_name_is_refused(client, character):
    response = booking(client, f"Jean{character}ne Martin")
    assert response.status_code != 302
    assert not Appointment.objects.exists()
    assert REFUSED_FR in response.content.decode()


def test_a_name_is_kept_in_nfc_so_a_combining_accent_becomes_one_letter():
    form = BookingForm(data={"name": "Rene\u0301e Martin"})
    form.is_valid()
    assert form.cleaned_data["name"] == "Ren\u00e9e Martin"


def test_an_agent_form_refuses_a_right_to_left_override_and_saves_nothing(client, commune_a):  # noqa: F811
    agent, register, _person = commune_a
    client.force_login(agent)
    before = (RegisteredPerson.objects.count(), AuditLog.objects.count())
    response = client.post(
        reverse("outreach:person_create", args=[register.pk]),
        form(last_name="Fictif\u202e", contact_name="Rose\u200bFictive"),
    )
    assert response.status_code == 400
    assert {"last_name", "contact_name"} <= set(response.context["form"].errors)
    assert REFUSED_FR in response.content.decode()
    assert (RegisteredPerson.objects.count(), AuditLog.objects.count()) == before


class _Sample(BaseForm):
    line = forms.CharField()
    note = forms.CharField(widget=forms.Textarea)
    secret = forms.CharField(widget=forms.PasswordInput)


def test_multiline_text_keeps_line_breaks_and_tabs_but_one_line_text_does_not():
    sample = _Sample(data={"line": "a\tb", "note": "a\r\n\tb", "secret": "x"})
    assert not sample.is_valid()
    assert list(sample.errors) == ["line"]
    assert sample.cleaned_data["note"] == "a\r\n\tb"


def test_a_password_is_kept_as_typed():
    sample = _Sample(data={"line": "a", "note": "b", "secret": "e\u0301\u200b"})
    assert sample.is_valid()
    assert sample.cleaned_data["secret"] == "e\u0301\u200b"


def test_a_field_added_in_init_is_checked_too():
    class Late(BaseForm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["late"] = forms.CharField()

    assert not Late(data={"late": "x\u202ey"}).is_valid()


def _project_forms():
    for module in pkgutil.walk_packages(continuite.__path__, "continuite."):
        if ".tests" in module.name or "migrations" in module.name or "tests_browser" in module.name:
            continue
        importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return {
        cls
        for cls in subclasses(forms.BaseForm)
        if cls.__module__.startswith("continuite.") and ".tests" not in cls.__module__
    }


def test_every_form_of_the_project_checks_its_text():
    project_forms = _project_forms()
    assert len(project_forms) > 30
    unchecked = sorted(
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in project_forms
        if not issubclass(cls, CleanTextMixin)
    )
    assert unchecked == [], "Base these forms on continuite.core.forms.BaseForm"
