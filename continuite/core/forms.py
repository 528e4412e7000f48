"""Form helpers shared by every app."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from dsfr.forms import DsfrBaseForm

from .converters import FIRST_YEAR, LAST_YEAR, MAX_ID, parse_id
from .text import forbidden_characters, normalize_text

# django-dsfr marks optional fields with this text and its own catalog has no French for it:
# ours gives it (« (facultatif) »).
gettext_noop("(Optional)")

OUT_OF_RANGE = _("Enter a date between %(first)s and %(last)s.")


def _check_year(value):
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            OUT_OF_RANGE, code="out_of_range", params={"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    return value


class BoundedDateField(forms.DateField):
    """A date from 1900 to 2100: the year 9999 or 0001 is a typing error, not a 500."""

    def to_python(self, value):
        return _check_year(super().to_python(value))


class BoundedDateTimeField(forms.DateTimeField):
    """A date and time from 1900 to 2100."""

    def to_python(self, value):
        return _check_year(super().to_python(value))


class IdField(forms.IntegerField):
    """A database id sent back by a form (hidden field): 1 to 2**63 - 1."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(**kwargs)


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several objects by id: a value that is no id (twenty digits) is an invalid choice; the
    database is not asked (SQLite cannot hold the number)."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        meta = self.queryset.model._meta
        field = meta.pk if key == "pk" else meta.get_field(key)
        if isinstance(field, models.IntegerField) and isinstance(value, list | tuple):
            for pk in value:
                if parse_id(str(pk)) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)


def optional_choice(label, queryset, empty_label) -> forms.ModelChoiceField:
    """A choice among objects that may stay empty; `empty_label` names the empty choice (for a
    filter: all of them)."""
    return forms.ModelChoiceField(
        label=label, queryset=queryset, required=False, empty_label=empty_label
    )


def optional_text(label, max_length: int, help_text="", **kwargs) -> forms.CharField:
    """A line of text the person may leave empty, with its hint."""
    return forms.CharField(
        label=label, max_length=max_length, required=False, help_text=help_text, **kwargs
    )


def add_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when it names one, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def form_apply(form, act) -> tuple[bool, object]:
    """Run `act(form.cleaned_data)` (one service call) when the form is valid; a ValidationError
    the service raises lands on the form. Gives whether the action went through, and its result."""
    if not form.is_valid():
        return False, None
    try:
        result = act(form.cleaned_data)
    except ValidationError as error:
        add_errors(form, error)
        return False, None
    return True, result


def form_call(form, service, **fixed) -> bool:
    """`form_apply` for a service that takes the form's fields as they are, with `fixed`
    arguments (the object acted on, the actor): whether it went through."""
    done, _result = form_apply(form, lambda data: service(**fixed, **data))
    return done


def form_errors_text(form) -> str:
    """All the form's errors on one line, those of the whole form first."""
    errors = [str(e) for e in form.non_field_errors()]
    errors += [str(e) for field in form for e in field.errors]
    return " ".join(errors)


NOTHING_CHANGED = _("Nothing was changed: %(errors)s")


def form_action(request, form, act, success, *, refused=NOTHING_CHANGED) -> bool:
    """A page's small POST action: `form_apply`, then its outcome as a message for the next page:
    `success(cleaned_data)` when it went through, else `refused` with the form's errors."""
    done, _result = form_apply(form, act)
    if done:
        messages.success(request, success(form.cleaned_data))
        return True
    messages.error(request, refused % {"errors": form_errors_text(form)})
    return False


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
