"""National steering declares legal suspensions of deadlines (as the ordinance of 25 March 2020)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from continuite.core.forms import (
    BaseForm,
    BoundedDateField,
    BoundedModelMultipleChoiceField,
    add_errors,
)
from continuite.core.models import Departement

from .models import ProcedureType, SuspensionWindow
from .services import suspension_window_declare


class SuspensionWindowForm(BaseForm):
    label = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=200,
        help_text=gettext_lazy("For example: state of health emergency, first lockdown"),
    )
    legal_basis = forms.CharField(
        label=gettext_lazy("Legal basis"),
        max_length=300,
        help_text=gettext_lazy("For example: ordinance no. 2020-306 of 25 March 2020, article 7"),
    )
    starts_on = BoundedDateField(
        label=gettext_lazy("Deadlines suspended from"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("May be in the past: the deadlines already computed move."),
    )
    ends_on = BoundedDateField(
        label=gettext_lazy("Until (inclusive)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    procedure_types = BoundedModelMultipleChoiceField(
        label=gettext_lazy("Procedure types"),
        queryset=ProcedureType.objects.select_related("network").order_by("network__name", "label"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every procedure."),
    )
    departements = BoundedModelMultipleChoiceField(
        label=gettext_lazy("Départements"),
        queryset=Departement.objects.order_by("code"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=gettext_lazy("None chosen: the whole country."),
    )


def _national_steering(user) -> bool:
    if not user.is_authenticated:
        return False
    return (
        user.is_superuser
        or user.roles.filter(
            Q(kind="steering", network__isnull=True, departement__isnull=True)
        ).exists()
    )


@login_required
@require_http_methods(["GET", "POST"])
def suspensions(request):
    """The suspensions declared, and the form to declare one (national steering only)."""
    if not _national_steering(request.user):
        raise PermissionDenied(_("Only national steering declares suspensions of deadlines."))
    form = SuspensionWindowForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            window = suspension_window_declare(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("The suspension “%(label)s” is recorded; the deadlines it covers are moving.")
                % {"label": window.label},
            )
            return redirect("cases_steering:suspensions")
    windows = SuspensionWindow.objects.select_related("declared_by").prefetch_related(
        "procedure_types", "departements"
    )
    return render(
        request,
        "cases/steering/suspensions.html",
        {"form": form, "windows": windows},
        status=400 if form.is_bound and form.errors else 200,
    )
