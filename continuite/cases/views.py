"""Case workers' pages: the queue ordered by risk, and a case with its deadline, history and forms."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from continuite.accounts.models import Role
from continuite.core.forms import add_errors
from continuite.core.paging import paginated
from continuite.service_points.models import Network, ServicePoint

from . import services
from .events import EventKind
from .forms import (
    AssignForm,
    ClockResumeForm,
    ClockStopForm,
    QueueFilterForm,
    StatusForm,
    TransferForm,
)
from .models import Case
from .queries import at_risk, cases_visible_to, overdue, risk_ordered

CASES_PER_PAGE = 50


def access_case_by_id(user, case_id: int) -> Case:
    """The case if the agent may see it (404 otherwise, whether it exists or not)."""
    case = (
        cases_visible_to(user)
        .select_related("procedure_type", "service_point", "network", "assigned_to")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise Http404(_("No such case in your scope."))
    return case


def access_network_by_slug(user, slug: str) -> Network:
    """A network whose cases the agent manages: a network manager of it (steering teams open no
    case: they read the statistics)."""
    network = Network.objects.filter(slug=slug).first()
    if network is None:
        raise Http404(_("No such network."))
    if not (user.is_authenticated and user.is_active):
        raise Http404(_("No such network."))
    if user.is_superuser:
        return network
    if user.roles.filter(kind=Role.Kind.NETWORK_MANAGER, network=network).exists():
        return network
    raise PermissionDenied(_("Your role does not let you manage the cases of this network."))


def with_risk(cases: list[Case], now) -> list[Case]:
    """Give each case its days left, in its service point's calendar, and its risk band."""
    ids = [case.pk for case in cases if case.is_open]
    late = set(overdue(Case.objects.filter(pk__in=ids), now).values_list("pk", flat=True))
    risky = set(at_risk(Case.objects.filter(pk__in=ids), now).values_list("pk", flat=True))
    for case in cases:
        tz = case.service_point.time_zone
        case.days_left = (case.deadline_at.astimezone(tz).date() - now.astimezone(tz).date()).days
        case.days_late = -case.days_left
        if not case.is_open:
            case.risk = "done"
        elif case.pk in late:
            case.risk = "overdue"
        elif case.pk in risky:
            case.risk = "at_risk"
        else:
            case.risk = "on_time"
    return cases


@login_required
@require_http_methods(["GET"])
def queue(request):
    """A case worker's queue: the open cases in their scope, the most at risk first."""
    now = timezone.now()
    points = ServicePoint.objects.visible_to(request.user)
    form = QueueFilterForm(request.GET or None, points=points)
    cases = cases_visible_to(request.user)
    data = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data  # the valid filters; a bad value is shown and ignored
    if data.get("point"):
        cases = cases.filter(service_point=data["point"])
    if data.get("procedure_type"):
        cases = cases.filter(procedure_type=data["procedure_type"])
    if data.get("mine"):
        cases = cases.filter(assigned_to=request.user)
    status = data.get("status", "")
    if status == "":
        cases = risk_ordered(cases.filter(status__in=Case.OPEN), now)
    elif status in Case.OPEN:
        cases = risk_ordered(cases.filter(status=status), now)
    elif status == QueueFilterForm.ALL:
        cases = cases.order_by("deadline_at", "pk")
    else:
        cases = cases.filter(status=status).order_by("-decided_at", "-pk")
    cases = cases.select_related("procedure_type", "service_point", "assigned_to")
    page, query = paginated(request, cases, CASES_PER_PAGE)
    with_risk(page.object_list, now)
    return render(
        request,
        "cases/queue.html",
        {"form": form, "page": page, "query": query, "now": now},
    )


def _case_page(request, case, *, status=200, **forms):
    now = timezone.now()
    tz = case.service_point.time_zone
    with_risk([case], now)
    events = list(case.events.select_related("actor"))
    for event in events:
        # A kind another module adds later is shown as it is stored.
        event.label = EventKind(event.kind).label if event.kind in EventKind.values else event.kind
    stops = list(case.clock_stops.select_related("created_by"))
    open_stop = next((stop for stop in reversed(stops) if stop.ends_at is None), None)
    can_transfer = (
        ServicePoint.objects.manageable_by(request.user).filter(pk=case.service_point_id).exists()
    )
    refused = next((form for form in forms.values() if form is not None), None)
    context = {
        "refused": refused,
        "case": case,
        "point": case.service_point,
        "events": events,
        "stops": stops,
        "open_stop": open_stop,
        "can_transfer": can_transfer,
        "works_here": Role.objects.filter(
            user=request.user, service_point_id=case.service_point_id
        ).exists(),
        "stop_form": forms.get("stop_form") or ClockStopForm(time_zone=tz),
        "resume_form": forms.get("resume_form") or ClockResumeForm(time_zone=tz),
        "status_form": forms.get("status_form") or StatusForm(initial={"status": case.status}),
        "assign_form": forms.get("assign_form")
        or AssignForm(service_point=case.service_point, initial={"agent": case.assigned_to_id}),
        "transfer_form": forms.get("transfer_form") or TransferForm(case=case),
    }
    return render(request, "cases/case.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def case_detail(request, case_id: int):
    """A case: its deadline explained in words, its clock stops, its history, what can be done."""
    case = access_case_by_id(request.user, case_id)
    return _case_page(request, case)


def _attempt(request, case, form, name: str, call, success: str):
    """Validate the form, call the service; 400 with the messages and nothing changed otherwise."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, success)
            return redirect("cases:case", case_id=case.pk)
    case.refresh_from_db()
    return _case_page(request, case, status=400, **{name: form})


@login_required
@require_POST
def clock_stop(request, case_id: int):
    """Pause the clock while waiting for the person's documents."""
    case = access_case_by_id(request.user, case_id)
    form = ClockStopForm(request.POST, time_zone=case.service_point.time_zone)
    return _attempt(
        request,
        case,
        form,
        "stop_form",
        lambda data: services.clock_stop_add(case=case, actor=request.user, **data),
        _("The clock is paused. The deadline has been computed again."),
    )


@login_required
@require_POST
def clock_resume(request, case_id: int):
    """Resume the clock: the documents arrived."""
    case = access_case_by_id(request.user, case_id)
    form = ClockResumeForm(request.POST, time_zone=case.service_point.time_zone)
    stop = case.clock_stops.filter(ends_at__isnull=True).order_by("-starts_at", "-pk").first()
    if stop is None:
        form.is_valid()
        form.add_error(None, _("The clock of this case is not paused."))
        return _case_page(request, case, status=400, resume_form=form)
    return _attempt(
        request,
        case,
        form,
        "resume_form",
        lambda data: services.clock_stop_end(
            stop=stop, ends_at=data["ends_at"], actor=request.user
        ),
        _("The clock is running again. The deadline has been computed again."),
    )


@login_required
@require_POST
def status_set(request, case_id: int):
    """Move the case on, or decide it."""
    case = access_case_by_id(request.user, case_id)
    form = StatusForm(request.POST)
    return _attempt(
        request,
        case,
        form,
        "status_form",
        lambda data: services.case_set_status(
            case=case, status=data["status"], actor=request.user, note=data["note"]
        ),
        _("The status of the case is changed."),
    )


@login_required
@require_POST
def assign(request, case_id: int):
    """Give the case to an agent of its service point, or to oneself."""
    case = access_case_by_id(request.user, case_id)
    form = AssignForm(request.POST, service_point=case.service_point)
    return _attempt(
        request,
        case,
        form,
        "assign_form",
        lambda data: services.case_assign(case=case, agent=data["agent"], actor=request.user),
        _("The case is assigned."),
    )


@login_required
@require_POST
def transfer(request, case_id: int):
    """Transfer the case to another service point of the network (managers); the deadline is kept."""
    case = access_case_by_id(request.user, case_id)
    if (
        not ServicePoint.objects.manageable_by(request.user)
        .filter(pk=case.service_point_id)
        .exists()
    ):
        raise PermissionDenied(_("Only the managers of the service point may transfer its cases."))
    form = TransferForm(request.POST, case=case)
    if form.is_valid():
        target = form.cleaned_data["service_point"]
        try:
            services.case_transfer(
                case=case, service_point=target, actor=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_errors(form, error)
            case.refresh_from_db()
        else:
            messages.success(
                request,
                _("The case is transferred to %(name)s; its deadline is kept.")
                % {"name": target.name},
            )
            if cases_visible_to(request.user).filter(pk=case.pk).exists():
                return redirect("cases:case", case_id=case.pk)
            return redirect("cases:queue")
    return _case_page(request, case, status=400, transfer_form=form)
