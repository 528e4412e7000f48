"""Form helpers shared by every app."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop

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
