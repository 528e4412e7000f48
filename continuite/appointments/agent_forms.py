"""Forms of the agents' agenda, queue and call-backs, and of the public call-back request."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from continuite.core.forms import (
    BaseForm,
    BoundedDateField,
    CleanTextMixin,
    optional_choice,
    optional_text,
)
from continuite.service_points.models import ServicePoint

from .models import Appointment, CallbackAttempt, CallbackRequest, QueueTicket, Reason


def network_reasons(service_point: ServicePoint):
    """The active reasons of the service point's network, the ones people may ask about."""
    return Reason.objects.filter(network_id=service_point.network_id, is_active=True).order_by(
        "label"
    )


class CallbackRequestForm(BaseForm):
    """« Être rappelé »: the public form, without an account."""

    reason = forms.ModelChoiceField(
        label=_("What is it about?"),
        queryset=Reason.objects.none(),
        empty_label=_("Choose a subject"),
    )
    name = forms.CharField(label=_("Your name"), max_length=150)
    phone = forms.CharField(
        label=_("Phone number to call"),
        max_length=30,
        help_text=_("For example: 06 12 34 56 78"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_("If the agent needs to send you documents"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    preferred_window = forms.ChoiceField(
        label=_("When do you prefer to be called?"),
        choices=CallbackRequest.Window.choices,
        initial=CallbackRequest.Window.ANY,
        widget=forms.RadioSelect,
    )
    note = optional_text(
        _("A few words about your request"), 500, widget=forms.Textarea(attrs={"rows": 3})
    )
    # One key per displayed form: sending it twice finds the first request.
    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, service_point: ServicePoint, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = network_reasons(service_point)
        self.fields["name"].widget.attrs.setdefault("autocomplete", "name")
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())


class CallbackAttemptForm(BaseForm):
    """One call made for a call-back request."""

    outcome = forms.ChoiceField(
        label=_("Outcome of the call"), choices=CallbackAttempt.Outcome.choices
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class QueueTicketForm(BaseForm):
    """A person arriving at the counter without an appointment."""

    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=QueueTicket.Priority.choices,
        coerce=int,
        initial=QueueTicket.Priority.WALK_IN,
        widget=forms.RadioSelect,
    )
    label = optional_text(
        _("Name or description"), 150, _("As the person wishes to be called, or a description")
    )
    reason = optional_choice(_("Reason"), Reason.objects.none(), _("Not stated"))

    def __init__(self, *args, service_point: ServicePoint, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = network_reasons(service_point)


class QueueCloseForm(CleanTextMixin, forms.Form):
    """How a waiting ticket ends."""

    status = forms.ChoiceField(
        choices=[
            (QueueTicket.Status.SERVED.value, QueueTicket.Status.SERVED.label),
            (QueueTicket.Status.GONE.value, QueueTicket.Status.GONE.label),
        ]
    )


class AgendaForm(CleanTextMixin, forms.Form):
    """Which day (and whether the week around it) the agenda shows."""

    day = BoundedDateField(required=False, input_formats=["%Y-%m-%d"])
    week = forms.BooleanField(required=False)


class AppointmentStatusForm(CleanTextMixin, forms.Form):
    """Arrived, done, or did not come (cancelling has its own form, with a reason)."""

    status = forms.ChoiceField(
        choices=[
            (s.value, s.label)
            for s in (
                Appointment.Status.CHECKED_IN,
                Appointment.Status.DONE,
                Appointment.Status.NO_SHOW,
            )
        ]
    )


class AppointmentCancelForm(CleanTextMixin, forms.Form):
    """Cancelling by an agent always says why; the person is told."""

    note = forms.CharField(label=_("Reason for cancelling"), max_length=300)

    def clean_note(self):
        note = " ".join(self.cleaned_data["note"].split())
        if not note:
            raise forms.ValidationError(_("Give the reason for cancelling."))
        return note
