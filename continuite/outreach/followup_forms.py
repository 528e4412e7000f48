"""Forms of the follow-up page: book an appointment for the person, open a case.

Each carries a one-time key, so that a form sent twice books or opens once.
"""

import uuid

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from continuite.cases.models import ProcedureType
from continuite.core.forms import BaseForm


class _AnySlot(forms.TypedChoiceField):
    """A slot id among those offered when the page was shown: one taken since then is refused
    by the booking service, in its own clear words, rather than as an unknown choice."""

    def valid_value(self, value):
        return str(value).isdigit()


def slot_label(slot, time_zone) -> str:
    """A slot as read over the phone: « mardi 3 novembre 2020, 09:30 – 10:00 »."""
    starts, ends = (
        timezone.localtime(slot.starts_at, time_zone),
        timezone.localtime(slot.ends_at, time_zone),
    )
    return formats.date_format(starts, "l j F Y, H:i") + " – " + formats.time_format(ends, "H:i")


class FollowupAppointmentForm(BaseForm):
    """Choose one of the next free slots of the follow-up service point."""

    slot = _AnySlot(
        label=_("Free slots"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a slot.")},
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, slots, time_zone, **kwargs):
        kwargs.setdefault("auto_id", "appointment-%s")
        super().__init__(*args, **kwargs)
        self.slots_for(slots, time_zone)
        if not self.is_bound:
            self.initial["submission_key"] = uuid.uuid4()

    def slots_for(self, slots, time_zone) -> None:
        """Offer these slots (again after a refusal: the one just taken is no longer among them)."""
        self.fields["slot"].choices = [(slot.pk, slot_label(slot, time_zone)) for slot in slots]


class FollowupCaseForm(BaseForm):
    """Choose the procedure of the case, among those of the follow-up service point's network."""

    procedure_type = forms.ModelChoiceField(
        label=_("Procedure"),
        queryset=ProcedureType.objects.none(),
        empty_label=_("Choose a procedure"),
        help_text=_("The case is received today: its legal deadline is counted from now."),
        error_messages={
            "required": _("Choose the procedure."),
            "invalid_choice": _("Choose a procedure from the list."),
        },
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, network_id: int, **kwargs):
        kwargs.setdefault("auto_id", "case-%s")
        super().__init__(*args, **kwargs)
        self.fields["procedure_type"].queryset = ProcedureType.objects.filter(
            network_id=network_id, is_active=True
        ).order_by("label", "pk")
        if not self.is_bound:
            self.initial["submission_key"] = uuid.uuid4()
