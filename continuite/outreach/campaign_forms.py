"""Forms of the campaign pages: preparation, activation, end, and the coverage's département.

The forms parse what is typed; the rules (dates, ladder, follow-ups) are `campaigns.py`'s and come
back as its messages.
"""

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from continuite.appointments.models import Reason
from continuite.core.forms import BaseForm, BoundedDateField, BoundedModelMultipleChoiceField
from continuite.core.models import Commune
from continuite.service_points.models import ServicePoint

from .forms import DATE_INPUT
from .models import CallCampaign, Criterion, Register

# Beyond this many service points a select cannot be read: the point's number is typed instead.
MAX_POINT_CHOICES = 300
MAX_COMMUNES = 500


def _date(label, required=True):
    return BoundedDateField(label=label, required=required, widget=DATE_INPUT)


def _count(label, maximum, help_text=""):
    # No minimum here: the service says what each setting needs, in its own words.
    return forms.IntegerField(label=label, min_value=0, max_value=maximum, help_text=help_text)


class CampaignForm(BaseForm):
    """A campaign to prepare: scope, calendar, script, attempt ladder, follow-ups."""

    name = forms.CharField(label=_("Name of the campaign"), max_length=200)
    registers = BoundedModelMultipleChoiceField(
        label=_("Registers"),
        queryset=Register.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    communes = forms.CharField(
        label=_("Communes"),
        required=False,
        max_length=4000,
        help_text=_(
            "To call only the people of some communes: their INSEE codes, separated by commas "
            "or spaces (69381, 69382). Empty: every commune of the registers."
        ),
    )
    criteria = forms.MultipleChoiceField(
        label=_("Criteria of registration"),
        choices=Criterion.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: the people of every criterion."),
    )
    frequency_days = _count(
        _("Call every (days)"), 365, help_text=_("1 in a heatwave, 7 in a lockdown.")
    )
    starts_on = _date(_("First day"))
    ends_on = _date(_("Last day"), required=False)
    alert_kind = forms.ChoiceField(
        label=_("Alert"), choices=CallCampaign.AlertKind.choices, widget=forms.RadioSelect
    )
    script = forms.CharField(
        label=_("Call script"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What callers say and ask; shown on every call sheet."),
    )
    person_tries = _count(_("Tries of the person"), 20)
    window_hours = _count(
        _("Within (hours)"), 72, help_text=_("The tries of the person fit in this many hours.")
    )
    spacing_minutes = _count(_("Between two tries (minutes)"), 1440)
    contact_tries = _count(
        _("Tries of the contact person"),
        20,
        help_text=_("When the person does not answer, their contact person is called."),
    )
    followup_service_point = forms.ModelChoiceField(
        label=_("Service point of the follow-ups"),
        queryset=ServicePoint.objects.none(),
        help_text=_("The needs heard during calls become call-back requests there."),
    )
    followup_reason = forms.ModelChoiceField(
        label=_("Reason of the call-backs"), queryset=Reason.objects.none()
    )

    SCOPE = ("name", "registers", "communes", "criteria")
    CALENDAR = ("alert_kind", "frequency_days", "starts_on", "ends_on")
    LADDER = ("person_tries", "window_hours", "spacing_minutes", "contact_tries")
    FOLLOW_UPS = ("followup_service_point", "followup_reason")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registers"].queryset = Register.objects.visible_to(user).select_related(
            "commune", "network", "departement"
        )
        if not user.is_superuser:
            # Communes only narrow a manager's registers: a campaign of communes alone would
            # call people of registers beyond theirs.
            self.fields["registers"].required = True
            self.fields["registers"].error_messages["required"] = _(
                "Choose at least one of your registers."
            )
        points = ServicePoint.objects.manageable_by(user).order_by("name", "pk")
        point_field = self.fields["followup_service_point"]
        point_field.queryset = points
        if points.count() > MAX_POINT_CHOICES:
            point_field.widget = forms.NumberInput()
            point_field.help_text = _(
                "The number of the service point (in the address of its page). The needs heard "
                "during calls become call-back requests there."
            )
        self.fields["followup_reason"].queryset = (
            Reason.objects.filter(is_active=True, network__in=points.values("network"))
            .select_related("network")
            .order_by("network__short_name", "label")
        )
        self.fields["followup_reason"].label_from_instance = lambda reason: (
            f"{reason.network.short_name} — {reason.label}"
        )
        defaults = CallCampaign()
        for name in ("frequency_days", *self.LADDER):
            self.initial.setdefault(name, getattr(defaults, name))
        self.initial.setdefault("starts_on", timezone.localdate())

    def fieldsets(self):
        """(legend, fields) in reading order."""
        groups = [
            (_("Scope"), self.SCOPE),
            (_("Alert and calendar"), self.CALENDAR),
            (_("Call script"), ("script",)),
            (_("Attempt ladder"), self.LADDER),
            (_("Follow-ups of the needs heard"), self.FOLLOW_UPS),
        ]
        return [(legend, [self[name] for name in names]) for legend, names in groups]

    def clean_communes(self):
        codes = [c.upper() for c in re.split(r"[\s,;]+", self.cleaned_data["communes"]) if c]
        codes = list(dict.fromkeys(codes))
        if len(codes) > MAX_COMMUNES:
            raise forms.ValidationError(
                _("Choose %(max)s communes at most.") % {"max": MAX_COMMUNES}
            )
        found = list(Commune.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {commune.code for commune in found})
        if unknown:
            raise forms.ValidationError(
                _("No commune has these INSEE codes: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return found

    def service_values(self) -> dict:
        """The keyword arguments of `campaign_create`."""
        return dict(self.cleaned_data)


class ActivateForm(BaseForm):
    """The alert plan is triggered: the campaign starts, for that alert or the one planned."""

    alert_kind = forms.ChoiceField(
        label=_("Alert triggered"),
        required=False,
        choices=[("", _("The alert planned")), *CallCampaign.AlertKind.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="activate_%s", **kwargs)


class EndForm(BaseForm):
    """The last day of a campaign."""

    on = _date(_("Last day of calls"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="end_%s", **kwargs)
        self.initial.setdefault("on", timezone.localdate())


class DepartementForm(BaseForm):
    """The département whose communes the coverage page lists (GET)."""

    departement = forms.ChoiceField(label=_("Communes of the département"), required=False)

    def __init__(self, *args, departements: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].choices = [
            ("", _("Choose a département")),
            *((code, f"{code} — {name}") for code, name in sorted(departements.items())),
        ]
