"""A network's procedure types, for its national managers."""

from functools import partial

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from continuite.core.forms import BaseForm, add_errors
from continuite.service_points.models import Network

from .models import DeadlineUnit, ProcedureType, SilenceRule, StopRule
from .procedures import procedure_type_create, procedure_type_update, procedures_manageable_by


class ProcedureTypeForm(BaseForm):
    label = forms.CharField(label=gettext_lazy("Procedure"), max_length=200)
    deadline_amount = forms.IntegerField(
        label=gettext_lazy("Legal deadline"), min_value=1, max_value=1000
    )
    deadline_unit = forms.ChoiceField(
        label=gettext_lazy("Counted in"), choices=DeadlineUnit.choices
    )
    silence_rule = forms.ChoiceField(
        label=gettext_lazy("At the deadline"), choices=SilenceRule.choices
    )
    stop_rule = forms.ChoiceField(
        label=gettext_lazy("When documents are requested"), choices=StopRule.choices
    )
    warn_days = forms.IntegerField(
        label=gettext_lazy("Warn this many days before the deadline"),
        initial=7,
        min_value=0,
        max_value=365,
    )
    expected_minutes = forms.IntegerField(
        label=gettext_lazy("Expected work per case (minutes)"),
        initial=60,
        min_value=1,
        max_value=6000,
    )
    is_active = forms.BooleanField(
        label=gettext_lazy("Offered for new cases"), required=False, initial=True
    )


def _network(user, slug) -> Network:
    network = get_object_or_404(Network, slug=slug)
    if not procedures_manageable_by(user, network):
        raise PermissionDenied(_("Only the network's national managers set its procedures."))
    return network


def _form_page(request, network, form, save, template: str, context: dict):
    """Save a valid posted form through `save(**cleaned_data)` and go back to the list, or show
    the page again (400 with the service's messages when it was refused)."""
    if request.method == "POST" and form.is_valid():
        try:
            save(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The procedure is recorded."))
            return redirect("cases:procedures", slug=network.slug)
    return render(
        request,
        template,
        {"network": network, "form": form, **context},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def procedures(request, slug: str):
    network = _network(request.user, slug)
    return _form_page(
        request,
        network,
        ProcedureTypeForm(request.POST or None),
        partial(procedure_type_create, network=network),
        "cases/procedures.html",
        {"procedures": ProcedureType.objects.filter(network=network).order_by("label")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def procedure(request, slug: str, procedure_id: int):
    network = _network(request.user, slug)
    current = get_object_or_404(ProcedureType, pk=procedure_id, network=network)
    initial = {name: getattr(current, name) for name in ProcedureTypeForm.base_fields}
    return _form_page(
        request,
        network,
        ProcedureTypeForm(request.POST or None, initial=initial),
        partial(procedure_type_update, procedure=current),
        "cases/procedure.html",
        {"procedure": current},
    )
