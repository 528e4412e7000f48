"""Form helpers shared by every app."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from dsfr.forms import DsfrBaseForm

from .text import forbidden_characters, normalize_text

# django-dsfr marks optional fields with this text and its own catalog has no French for it:
# ours gives it (« (facultatif) »).
gettext_noop("(Optional)")


def add_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when it names one, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _checked_text(to_python, *, multiline: bool):
    def to_python_checked(value):
        value = to_python(value)
        if not isinstance(value, str):  # UUIDField, JSONField: not text once parsed
            return value
        refused = forbidden_characters(value, multiline=multiline)
        if refused:
            raise ValidationError(
                _(
                    "This text contains invisible or control characters (%(characters)s): "
                    "type it again without them."
                ),
                code="forbidden_characters",
                params={"characters": ", ".join(refused)},
            )
        return normalize_text(value)

    return to_python_checked


class CleanTextMixin:
    """Every text field of the form is stored in NFC and refuses invisible or control characters.

    Applied when the form cleans, so fields added in a subclass's __init__ are covered too.
    Passwords are left as typed. Multi-line fields (textareas) keep line breaks and tabs.
    """

    def full_clean(self):
        for field in self.fields.values():
            if (
                isinstance(field, forms.CharField)
                and not isinstance(field.widget, forms.PasswordInput)
                and not getattr(field, "_text_checked", False)
            ):
                multiline = isinstance(field.widget, forms.Textarea)
                field.to_python = _checked_text(field.to_python, multiline=multiline)
                field._text_checked = True
        super().full_clean()


class BaseForm(CleanTextMixin, DsfrBaseForm):
    """The base of the project's forms: the State design system, and text checked as above."""
