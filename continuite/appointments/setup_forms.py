from django import forms
from django.utils.translation import gettext_lazy as _

from continuite.core.forms import BaseForm, BoundedDateField, BoundedModelMultipleChoiceField

from .models import Mode, OpeningRange, Reason

WEEKDAYS = OpeningRange._meta.get_field("weekday").choices


class OpeningRangeForm(BaseForm):
    """A weekly range on one or several weekdays."""

    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days"), choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    opens_at = forms.TimeField(label=_("Opens at"), widget=forms.TimeInput(attrs={"type": "time"}))
    closes_at = forms.TimeField(
        label=_("Closes at"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    slot_minutes = forms.IntegerField(
        label=_("Slot length (minutes)"), min_value=5, max_value=240, initial=30
    )
    mode = forms.ChoiceField(label=_("Reception"), choices=Mode.choices, initial=Mode.ON_SITE)
    agents_on_duty = forms.IntegerField(
        label=_("Agents on duty"), min_value=1, max_value=50, initial=1
    )
    reasons = BoundedModelMultipleChoiceField(
        label=_("Reasons served"),
        queryset=Reason.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    starts_on = BoundedDateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = BoundedDateField(
        label=_("Valid until (inclusive)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, service_point, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reasons"].queryset = Reason.objects.filter(
            network=service_point.network, is_active=True
        )


class HealthProtocolForm(BaseForm):
    max_people_present = forms.IntegerField(
        label=_("People present at once, at most"), min_value=1, max_value=500
    )
    buffer_minutes = forms.IntegerField(
        label=_("Minutes between appointments"),
        min_value=0,
        max_value=240,
        help_text=_("Cleaning and airing."),
    )
    emergency_share_percent = forms.IntegerField(
        label=_("Share held back for emergencies (%)"),
        min_value=0,
        max_value=100,
        help_text=_("Released the day before for everyone."),
    )
