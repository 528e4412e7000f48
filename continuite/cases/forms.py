"""Forms of the case workers' pages: filters, intake, clock stops, status, assignment, transfer.

Dates and times are typed in the service point's own time zone (overseas territories included).
"""

from datetime import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from continuite.core.forms import BaseForm, optional_choice, optional_text
from continuite.service_points.forms import LOCAL_DATETIME, LocalDateTimeField
from continuite.service_points.models import ServicePoint

from .importer import decode_upload
from .models import Case, ClockStop, ProcedureType

# Above this many service points in scope (a network manager), the queue filter is a plain
# identifier field rather than a list nobody could scroll.
MAX_POINT_CHOICES = 200
MAX_IMPORT_BYTES = 20 * 1024 * 1024


class _LocalTimes:
    """Read the form's datetime fields as local times of the service point."""

    local_fields: tuple[str, ...] = ()

    def _local_init(self, time_zone, default_now: tuple[str, ...] = ()):
        self.time_zone = time_zone
        if not self.is_bound:
            now = timezone.now().astimezone(time_zone).strftime(LOCAL_DATETIME)
            for name in default_now:
                self.initial.setdefault(name, now)

    def _aware(self, cleaned: dict) -> dict:
        for name in self.local_fields:
            value: datetime | None = cleaned.get(name)
            if value is not None:
                cleaned[name] = value.replace(tzinfo=None).replace(tzinfo=self.time_zone)
        return cleaned


class QueueFilterForm(BaseForm):
    """The queue's filters (GET): every field optional, bad values are ignored."""

    ALL = "all"

    point = optional_choice(
        _("Service point"), ServicePoint.objects.none(), _("All my service points")
    )
    procedure_type = optional_choice(
        _("Procedure"), ProcedureType.objects.none(), _("All procedures")
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    mine = forms.BooleanField(label=_("Only the cases assigned to me"), required=False)

    def __init__(self, *args, points, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = points.order_by("name")
        if points.count() > MAX_POINT_CHOICES:
            self.fields["point"].widget = forms.HiddenInput()
        self.fields["procedure_type"].queryset = ProcedureType.objects.filter(
            network__in=points.values("network_id").distinct()
        ).select_related("network")
        self.fields["status"].choices = [
            ("", _("Open cases")),
            *Case.Status.choices,
            (self.ALL, _("All cases")),
        ]


class CaseCreateForm(BaseForm, _LocalTimes):
    """Intake of a case received at a service point."""

    local_fields = ("received_at",)

    procedure_type = forms.ModelChoiceField(
        label=_("Procedure"), queryset=ProcedureType.objects.none(), empty_label=None
    )
    reference = forms.CharField(
        label=_("Reference"),
        max_length=40,
        help_text=_("The case's reference in the network, unique within the network"),
    )
    received_at = LocalDateTimeField(
        label=_("Received at"), help_text=_("Local time of the service point")
    )
    assign_to_me = forms.BooleanField(label=_("Assign it to me"), required=False)

    def __init__(self, *args, service_point, **kwargs):
        super().__init__(*args, auto_id="intake_%s", **kwargs)
        self.fields["procedure_type"].queryset = ProcedureType.objects.filter(
            network_id=service_point.network_id, is_active=True
        )
        self._local_init(service_point.time_zone, default_now=("received_at",))

    def clean_reference(self):
        return self.cleaned_data["reference"].strip()

    def clean(self):
        cleaned = self._aware(super().clean())
        received = cleaned.get("received_at")
        if received is not None and received > timezone.now():
            self.add_error("received_at", _("A case cannot be received in the future."))
        return cleaned


class ClockStopForm(BaseForm, _LocalTimes):
    """Pause the clock: documents requested from the person, from a time, until one if known."""

    local_fields = ("starts_at", "ends_at")

    reason = forms.ChoiceField(
        label=_("Reason"), choices=ClockStop.Reason.choices, initial=ClockStop.Reason.DOCUMENTS
    )
    starts_at = LocalDateTimeField(label=_("From"), help_text=_("Local time of the service point"))
    ends_at = LocalDateTimeField(
        label=_("Until"),
        required=False,
        help_text=_("Leave empty until the documents arrive; then resume the clock."),
    )
    note = optional_text(_("Note"), 300, _("For example: proof of address requested by letter"))

    def __init__(self, *args, time_zone, **kwargs):
        super().__init__(*args, auto_id="stop_%s", **kwargs)
        self._local_init(time_zone, default_now=("starts_at",))

    def clean(self):
        cleaned = self._aware(super().clean())
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must come after the start."))
        return cleaned


class ClockResumeForm(BaseForm, _LocalTimes):
    """Resume the clock: the documents arrived."""

    local_fields = ("ends_at",)

    ends_at = LocalDateTimeField(
        label=_("Documents received at"), help_text=_("Local time of the service point")
    )

    def __init__(self, *args, time_zone, **kwargs):
        super().__init__(*args, auto_id="resume_%s", **kwargs)
        self._local_init(time_zone, default_now=("ends_at",))

    def clean(self):
        return self._aware(super().clean())


class StatusForm(BaseForm):
    """Move a case on, or decide it."""

    # Waiting for the person is a clock stop, not a status one picks.
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[c for c in Case.Status.choices if c[0] != Case.Status.WAITING],
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="status_%s", **kwargs)


def site_agents(service_point: ServicePoint):
    """The agents of a service point (any role held there): the people its cases may be given to."""
    return (
        get_user_model()
        .objects.filter(is_active=True, roles__service_point=service_point)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class AssignForm(BaseForm):
    agent = forms.ModelChoiceField(
        label=_("Case worker"), queryset=get_user_model().objects.none(), empty_label=None
    )

    def __init__(self, *args, service_point, **kwargs):
        super().__init__(*args, auto_id="assign_%s", **kwargs)
        self.fields["agent"].queryset = site_agents(service_point)


class TransferForm(BaseForm):
    """Transfer a case to another service point of its network; the deadline is kept."""

    service_point = forms.ModelChoiceField(
        label=_("Service point"), queryset=ServicePoint.objects.none()
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, auto_id="transfer_%s", **kwargs)
        # The same département: a list one can read; a transfer further away goes through the
        # network's managers, who see the forecast's suggestions.
        self.fields["service_point"].queryset = (
            ServicePoint.objects.filter(
                network_id=case.network_id, departement_id=case.service_point.departement_id
            )
            .exclude(pk=case.service_point_id)
            .order_by("name")
        )


class ImportForm(BaseForm):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 or Windows encoding, comma or semicolon separated, 20 MB at most"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB: split it."))
        text = decode_upload(upload.read())
        if "\x00" in text or not text.strip():
            raise forms.ValidationError(_("The file is empty or is not a CSV file."))
        self.content = text
        return upload
