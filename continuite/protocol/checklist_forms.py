"""Forms of the protocol checklist: a site manager's self-assessment, the steering grouping."""

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.widgets import InlineRadioSelect

from continuite.core.forms import BaseForm, BoundedDateField

from .checklist import MEASURES
from .models import SelfAssessment

YES_NO = [("yes", _("Yes, in force")), ("no", _("No, not in force"))]


class SelfAssessmentForm(BaseForm):
    """Each measure of the protocol answered yes or no, the date of the check and a comment."""

    assessed_on = BoundedDateField(
        label=_("Date of the assessment"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: screens ordered, delivery expected next week"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for measure in MEASURES:
            self.fields[measure] = forms.ChoiceField(
                label=SelfAssessment._meta.get_field(measure).verbose_name,
                choices=YES_NO,
                widget=InlineRadioSelect,
                error_messages={"required": _("Say whether this measure is in force.")},
            )
        # The measures first, in reading order, then the date and the comment.
        self.order_fields([*MEASURES, "assessed_on", "note"])

    def measure_fields(self):
        return [self[measure] for measure in MEASURES]

    def answers(self) -> dict[str, bool]:
        return {measure: self.cleaned_data[measure] == "yes" for measure in MEASURES}


class ComplianceGroupingForm(BaseForm):
    """How the steering page groups the service points."""

    par = forms.ChoiceField(
        label=_("Group by"),
        choices=[
            ("network", _("Network")),
            ("departement", _("Département")),
            ("region", _("Region")),
        ],
        widget=InlineRadioSelect,
    )

    def grouping(self) -> str:
        return self.cleaned_data["par"] if self.is_valid() else "network"
