from datetime import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from continuite.core.forms import (
    BaseForm,
    BoundedDateField,
    BoundedDateTimeField,
    optional_choice,
    optional_text,
)

from .models import AgentPresence, CrisisStatus, Network

LOCAL_DATETIME = "%Y-%m-%dT%H:%M"


class SearchForm(BaseForm):
    """The public search: a place, and optional filters."""

    q = optional_text(_("Postcode or commune"), 100, _("For example: 69001, Saint-Denis, Brest"))
    network = optional_choice(_("Network"), Network.objects.all(), _("All networks"))
    status = forms.ChoiceField(
        label=_("Reception"),
        required=False,
        choices=[("", _("Any reception"))]
        + [c for c in CrisisStatus.choices if c[0] != CrisisStatus.CLOSED],
    )
    open_now = forms.BooleanField(label=_("Open now"), required=False)
    commune = forms.CharField(required=False, widget=forms.HiddenInput, max_length=5)


class LocalDateTimeField(BoundedDateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_DATETIME)
    input_formats = [LOCAL_DATETIME, "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


class LocalTimesMixin:
    """Reads `starts_at` and `ends_at` in the service point's own time zone (overseas too), and
    offers now as the start. The form takes `time_zone=`."""

    def __init__(self, *args, time_zone, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone
        if not self.is_bound:
            self.initial.setdefault(
                "starts_at", timezone.now().astimezone(time_zone).strftime(LOCAL_DATETIME)
            )

    def _aware(self, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=None).replace(tzinfo=self.time_zone)

    def clean(self):
        cleaned = super().clean()
        for name in ("starts_at", "ends_at"):
            if cleaned.get(name):
                cleaned[name] = self._aware(cleaned[name])
        return cleaned


class StatusForm(LocalTimesMixin, BaseForm):
    """Set or schedule a crisis status; times are read in the service point's own time zone."""

    status = forms.ChoiceField(
        label=_("Status"), choices=CrisisStatus.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason shown to the public"),
        max_length=300,
        help_text=_("For example: agents absent, reception by phone at the number below"),
    )
    starts_at = LocalDateTimeField(label=_("From"), help_text=_("Local time of the service point"))
    ends_at = LocalDateTimeField(
        label=_("Until"), required=False, help_text=_("Leave empty if the end is not known")
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("starts_at")
            and cleaned.get("ends_at")
            and cleaned["ends_at"] <= cleaned["starts_at"]
        ):
            self.add_error("ends_at", _("The end must come after the start."))
        return cleaned


class OpeningExceptionForm(BaseForm):
    """Exceptional closure or hours for a range of dates."""

    start_on = BoundedDateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end_on = BoundedDateField(
        label=_("Until (inclusive)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    closed = forms.BooleanField(label=_("Closed all day"), required=False, initial=True)
    opens_at = forms.TimeField(
        label=_("Opens at"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    closes_at = forms.TimeField(
        label=_("Closes at"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    label = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("start_on")
            and cleaned.get("end_on")
            and cleaned["end_on"] < cleaned["start_on"]
        ):
            self.add_error("end_on", _("The last day must not come before the first."))
        if not cleaned.get("closed"):
            opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
            if not opens or not closes or closes <= opens:
                self.add_error("closes_at", _("Give opening hours that end after they start."))
        return cleaned


class PresenceForm(BaseForm):
    """Where one of the service point's agents is on a day."""

    day = BoundedDateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    agent = forms.ModelChoiceField(label=_("Agent"), queryset=None)
    status = forms.ChoiceField(label=_("Presence"), choices=AgentPresence.Status.choices)

    def __init__(self, *args, service_point, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = (
            get_user_model()
            .objects.filter(roles__service_point=service_point)
            .distinct()
            .order_by("last_name")
        )
