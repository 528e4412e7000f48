"""Forms of public booking: what and where, who, and the choice of another slot."""

import uuid
from itertools import groupby

from django import forms
from django.utils.translation import gettext_lazy as _

from continuite.core.forms import BaseForm, IdField

from .models import Mode, Slot
from .queries import public_reasons


def online_reasons():
    """Reasons the public books online: by choosing a slot, or by entering a draw (lottery)."""
    return public_reasons()


class StartForm(BaseForm):
    """Step 1: the reason, then a postcode or commune (a homonym is chosen by its INSEE code)."""

    reason = forms.ModelChoiceField(
        label=_("Reason for the appointment"),
        queryset=online_reasons(),
        empty_label=_("Choose a reason"),
        error_messages={
            "required": _("Choose the reason for your appointment."),
            "invalid_choice": _("This reason cannot be booked online. Choose another one."),
        },
    )
    q = forms.CharField(
        label=_("Postcode or commune"),
        max_length=100,
        help_text=_("For example: 69001, Saint-Denis, Brest"),
        error_messages={"required": _("Enter a postcode or the name of a commune.")},
    )
    commune = forms.CharField(required=False, widget=forms.HiddenInput, max_length=5)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        field.queryset = online_reasons()
        # Shown grouped by network; validation still goes through the queryset.
        reasons = list(field.queryset)
        field.choices = [("", field.empty_label)] + [
            (network.name, [(r.pk, r.label) for r in group])
            for network, group in groupby(reasons, key=lambda r: r.network)
        ]


class BookingForm(BaseForm):
    """Step 3: who comes, how to reach them; the slot is in the address, the rest hidden."""

    name = forms.CharField(
        label=_("First name and last name"),
        max_length=150,
        help_text=_("Of the person who will come or be called."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Give the name of the person who will come.")},
    )
    phone = forms.CharField(
        label=_("Mobile or landline phone"),
        max_length=30,
        help_text=_("To receive the confirmation by text message. Example: 06 12 34 56 78"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        error_messages={"required": _("Give a phone number where you can be reached.")},
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        max_length=254,
        help_text=_("To receive the confirmation and the calendar file. Format: name@example.fr"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    reason = IdField()
    mode = forms.ChoiceField(choices=Mode.choices, widget=forms.HiddenInput)
    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    # Where the person searched from, to take them back to the same list of slots.
    q = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
    commune = forms.CharField(required=False, max_length=5, widget=forms.HiddenInput)

    @staticmethod
    def initial_for(slot: Slot, reason_id: int, *, q: str = "", commune: str = "") -> dict:
        """A fresh form's hidden values, with a new one-time key for this display of the form."""
        return {
            "reason": reason_id,
            "mode": slot.mode,
            "submission_key": uuid.uuid4(),
            "q": q,
            "commune": commune,
        }


class LotteryEntryForm(BaseForm):
    """Enter the draw of a service point for a lottery reason: who, and how to reach them."""

    name = BookingForm.base_fields["name"]
    phone = forms.CharField(
        label=_("Mobile or landline phone"),
        max_length=30,
        help_text=_("The result of the draw is sent by text message. Example: 06 12 34 56 78"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        error_messages={"required": _("Give a phone number where you can be reached.")},
    )
    email = BookingForm.base_fields["email"]
    q = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
    commune = forms.CharField(required=False, max_length=5, widget=forms.HiddenInput)


class ContactForm(BaseForm):
    """On the manage page: who the appointment is for and how to reach them, checked as at booking."""

    name = BookingForm.base_fields["name"]
    phone = BookingForm.base_fields["phone"]
    email = BookingForm.base_fields["email"]


class MoveForm(BaseForm):
    """Choose another slot of the same reason at the same service point."""

    slot = forms.TypedChoiceField(
        label=_("New time"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the new time."),
            "invalid_choice": _("This time is no longer free. Choose another one."),
        },
    )

    def __init__(self, *args, choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = choices
