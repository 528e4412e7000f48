"""Forms of the proof of the phone (public) and of the switch of high demand (managers)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from continuite.core.forms import BaseForm

from .high_demand import MAX_MANUAL_HOURS


class CodeForm(BaseForm):
    """The six digits received by text message."""

    code = forms.CharField(
        label=_("Code received by text message"),
        max_length=12,
        help_text=_("6 digits. Example: 123456"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
        error_messages={"required": _("Type the code you received by text message.")},
    )


class NumberForm(BaseForm):
    """Another mobile number (or the same one) to send a new code to."""

    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=30,
        help_text=_("Example: 06 12 34 56 78"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        error_messages={"required": _("Give a mobile number where you can receive a code.")},
    )


class HighDemandForm(BaseForm):
    """Switch high demand on for a reason: why, and for how long."""

    note = forms.CharField(
        label=_("Why this reason needs a code to book"),
        max_length=300,
        help_text=_("Kept in the audit log. Example: new slots released, bookings by robots"),
        error_messages={"required": _("Say why this reason needs a code to book.")},
    )
    hours = forms.IntegerField(
        label=_("For how many hours"),
        min_value=1,
        max_value=MAX_MANUAL_HOURS,
        initial=24,
        error_messages={
            "required": _("Give a number of hours."),
            "min_value": _("Choose between 1 and 72 hours."),
            "max_value": _("Choose between 1 and 72 hours."),
            "invalid": _("Give a number of hours."),
        },
    )
