"""Site managers' incidents and closures, and the progress and report of each rehoming run."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from continuite.accounts.audit import audit_record
from continuite.core.exports import SPREADSHEET, csv_download
from continuite.core.forms import add_errors
from continuite.notifications.models import Message
from continuite.service_points.access import access_service_point_by_id
from continuite.service_points.models import Network, ServicePoint

from . import services
from .closure_forms import ClosureForm, IncidentForm, RehomingRulesForm
from .models import Closure, Incident, RehomingOutcome, RehomingRules, RehomingRun
from .rehoming import rehoming_request

FAILED_CONTACT = (Message.Status.FAILED,)


def _can_manage(user, point) -> bool:
    return ServicePoint.objects.manageable_by(user).filter(pk=point.pk).exists()


@login_required
@require_http_methods(["GET"])
def closures(request, point_id: int):
    """Incidents, closures (scheduled, in force, over) and rehoming runs of a service point."""
    point = access_service_point_by_id(request.user, point_id)
    return _closures_page(request, point)


def _closures_page(request, point, *, incident_form=None, closure_form=None):
    now = timezone.now()
    manage = _can_manage(request.user, point)
    closures_list = list(
        Closure.objects.filter(service_point=point)
        .select_related("incident", "declared_by")
        .prefetch_related("reasons")
    )
    for closure in closures_list:
        closure.state = closure.state_at(now)
    refused = any(f is not None and f.is_bound and f.errors for f in (incident_form, closure_form))
    return render(
        request,
        "protocol/closures.html",
        {
            "point": point,
            "manage": manage,
            "incident_form": incident_form or IncidentForm(time_zone=point.time_zone),
            "closure_form": closure_form or ClosureForm(service_point=point),
            "incidents": Incident.objects.filter(service_point=point).select_related("declared_by")[
                :50
            ],
            "closures": closures_list,
            "runs": RehomingRun.objects.filter(service_point=point).select_related("closure")[:20],
        },
        status=400 if refused else 200,
    )


@login_required
@require_POST
def incident_declare(request, point_id: int):
    point = access_service_point_by_id(request.user, point_id, manage=True)
    form = IncidentForm(request.POST, time_zone=point.time_zone)
    if form.is_valid():
        try:
            services.incident_declare(service_point=point, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The incident is recorded."))
            return redirect("protocol:closures", point_id=point.pk)
    return _closures_page(request, point, incident_form=form)


@login_required
@require_POST
def closure_declare(request, point_id: int):
    """Declare a closure; the rehoming of the appointments it affects starts at once."""
    point = access_service_point_by_id(request.user, point_id, manage=True)
    form = ClosureForm(request.POST, service_point=point)
    if form.is_valid():
        data = form.cleaned_data
        try:
            closure, run = services.closure_declare(
                service_point=point,
                scope=data["scope"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                label=data["label"],
                reasons=list(data["reasons"]),
                daily_from=data["daily_from"],
                daily_until=data["daily_until"],
                incident=data["incident"],
                actor=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("The closure is recorded. The appointments it affects are being rehomed."),
            )
            return redirect("protocol:run", point_id=point.pk, run_id=run.pk)
    return _closures_page(request, point, closure_form=form)


@login_required
@require_POST
def closure_reopen(request, point_id: int, closure_id: int):
    point = access_service_point_by_id(request.user, point_id, manage=True)
    closure = get_object_or_404(Closure, pk=closure_id, service_point=point)
    try:
        services.closure_reopen(closure=closure, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The service point is reopened; its slots are being regenerated.")
        )
    return redirect("protocol:closures", point_id=point.pk)


@login_required
@require_POST
def run_start(request, point_id: int):
    """Look again for appointments the service point can no longer hold, and rehome them."""
    point = access_service_point_by_id(request.user, point_id, manage=True)
    with transaction.atomic():
        run = rehoming_request(
            service_point=point, trigger=RehomingRun.Trigger.MANUAL, actor=request.user
        )
    return redirect("protocol:run", point_id=point.pk, run_id=run.pk)


@login_required
@require_http_methods(["GET"])
def run_detail(request, point_id: int, run_id: int):
    """A run's progress (refreshed by htmx while it works) and, once finished, its report.

    The report lists the people whose message could not be delivered, to call them: site
    managers only, and each reading of it is audited.
    """
    point = access_service_point_by_id(request.user, point_id, manage=True)
    run = get_object_or_404(
        RehomingRun.objects.select_related("closure"), pk=run_id, service_point=point
    )
    context = {"point": point, "run": run}
    if request.htmx:
        if not run.finished:
            return render(request, "protocol/_run_progress.html", context)
        # Finished while the page was polling: the whole page, with the report.
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    if run.finished:
        outcomes = _outcomes(run)
        to_call = list(outcomes.filter(message__status__in=FAILED_CONTACT))
        page = Paginator(outcomes, 100).get_page(request.GET.get("page"))
        audit_record(
            actor=request.user,
            action="protocol.rehoming_report_read",
            target=point,
            run=run.pk,
            page=page.number,
        )
        context.update(to_call=to_call, page=page, pending_messages=_pending(run))
    return render(request, "protocol/run.html", context)


def _outcomes(run: RehomingRun):
    """What a run did, appointment by appointment, with the people and messages it concerns."""
    return (
        RehomingOutcome.objects.filter(run=run)
        .select_related(
            "appointment__person",
            "appointment__reason",
            "new_appointment__service_point",
            "callback",
            "message",
        )
        .order_by("appointment__starts_at", "id")
    )


def _pending(run: RehomingRun) -> int:
    return RehomingOutcome.objects.filter(run=run, message__status=Message.Status.PENDING).count()


@login_required
@require_http_methods(["GET"])
def run_csv(request, point_id: int, run_id: int):
    """Every appointment the run handled, with its person's contact, for the agents who call."""
    point = access_service_point_by_id(request.user, point_id, manage=True)
    run = get_object_or_404(RehomingRun, pk=run_id, service_point=point)
    outcomes = _outcomes(run)
    audit_record(actor=request.user, action="protocol.rehoming_csv_read", target=point, run=run.pk)
    response, writer = csv_download(f"relogement-{run.pk}.csv", dialect=SPREADSHEET)
    writer.writerow(
        [
            _("Reference"),
            _("Name"),
            _("Phone"),
            _("Reason"),
            _("Planned for"),
            _("Outcome"),
            _("New appointment"),
            _("Call-back request"),
            _("Message"),
        ]
    )
    tz = point.time_zone
    for outcome in outcomes:
        appointment = outcome.appointment
        new = outcome.new_appointment
        writer.writerow(
            [
                appointment.reference,
                appointment.contact_name,
                appointment.contact_phone,
                appointment.reason.label,
                appointment.starts_at.astimezone(tz).strftime("%d/%m/%Y %H:%M"),
                outcome.get_outcome_display(),
                f"{new.reference} {new.service_point.name} "
                f"{new.starts_at.astimezone(tz):%d/%m/%Y %H:%M}"
                if new
                else "",
                outcome.callback.reference if outcome.callback else "",
                outcome.message.get_status_display() if outcome.message else "",
            ]
        )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def rules(request, slug: str):
    """A network's rehoming rules, set by its national managers."""
    network = get_object_or_404(Network, slug=slug)
    if not services.rules_manageable_by(request.user, network):
        raise PermissionDenied(_("Only the network's national managers set these rules."))
    current = RehomingRules.for_network(network)
    form = RehomingRulesForm(
        request.POST or None,
        initial={
            "convert_to_phone": current.convert_to_phone,
            "move_to_other_points": current.move_to_other_points,
            "max_distance_km": current.max_distance_km,
            "max_shift_days": current.max_shift_days,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.rehoming_rules_set(network=network, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The rehoming rules are recorded."))
            return redirect("protocol:rules", slug=network.slug)
    return render(
        request,
        "protocol/rules.html",
        {"network": network, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )
