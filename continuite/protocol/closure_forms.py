from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from continuite.appointments.models import Reason
from continuite.core.forms import BaseForm, BoundedDateField, BoundedModelMultipleChoiceField
from continuite.service_points.forms import LocalDateTimeField, LocalTimesMixin

from .models import Closure, Incident


class IncidentForm(BaseForm):
    kind = forms.ChoiceField(label=_("Kind of incident"), choices=Incident.Kind.choices)
    occurred_on = BoundedDateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(
        label=_("What happened"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("No personal data: do not name the people concerned."),
    )

    def __init__(self, *args, time_zone, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("occurred_on", timezone.now().astimezone(time_zone).date())


class ClosureForm(LocalTimesMixin, BaseForm):
    """Declare a closure; times are read in the service point's own time zone."""

    scope = forms.ChoiceField(
        label=_("Closure"),
        choices=Closure.Scope.choices,
        widget=forms.RadioSelect,
        initial=Closure.Scope.FULL,
    )
    label = forms.CharField(
        label=_("Reason shown to the public"),
        max_length=300,
        help_text=_("For example: agents ill, the service point is closed until further notice"),
    )
    starts_at = LocalDateTimeField(label=_("From"), help_text=_("Local time of the service point"))
    ends_at = LocalDateTimeField(
        label=_("Until"), required=False, help_text=_("Leave empty if the end is not known")
    )
    reasons = BoundedModelMultipleChoiceField(
        label=_("Reasons closed (partial closure)"),
        queryset=Reason.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every reason, during the hours below."),
    )
    daily_from = forms.TimeField(
        label=_("Each day from (partial closure)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    daily_until = forms.TimeField(
        label=_("Each day until (partial closure)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("Leave both hours empty to close all day."),
    )
    incident = forms.ModelChoiceField(
        label=_("Incident that causes it"),
        queryset=Incident.objects.none(),
        required=False,
        empty_label=_("None"),
    )

    def __init__(self, *args, service_point, **kwargs):
        super().__init__(*args, time_zone=service_point.time_zone, **kwargs)
        self.fields["reasons"].queryset = Reason.objects.filter(
            network_id=service_point.network_id, is_active=True
        ).order_by("label")
        self.fields["incident"].queryset = Incident.objects.filter(service_point=service_point)


class RehomingRulesForm(BaseForm):
    convert_to_phone = forms.BooleanField(
        label=_("Convert to a phone appointment at the same time when the reason allows it"),
        required=False,
    )
    move_to_other_points = forms.BooleanField(
        label=_("Otherwise, move it to the nearest open service point of the network"),
        required=False,
    )
    max_distance_km = forms.IntegerField(
        label=_("At most this far (km)"),
        min_value=1,
        max_value=200,
        help_text=_("Beyond, the appointment is cancelled and the person called back."),
    )
    max_shift_days = forms.IntegerField(
        label=_("At most this many days earlier or later"),
        min_value=0,
        max_value=90,
    )
