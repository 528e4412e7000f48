"""At-risk and overdue cases of a service point and of a network; intake at a service point."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from continuite.core.forms import add_errors
from continuite.service_points.access import access_service_point_by_id

from . import services
from .forms import CaseCreateForm
from .models import Case
from .queries import at_risk, cases_visible_to, overdue
from .views import access_network_by_slug, with_risk

# Rows shown in each list; the queue, filtered, shows them all.
LIST_LIMIT = 100


def _lists(cases, now) -> dict:
    """Overdue cases, then those at risk (not yet overdue), with their counts."""
    related = ("procedure_type", "service_point", "assigned_to")
    late, risky = overdue(cases, now), at_risk(cases, now)
    overdue_cases = list(late.select_related(*related).order_by("deadline_at", "pk")[:LIST_LIMIT])
    risky_cases = list(risky.select_related(*related).order_by("deadline_at", "pk")[:LIST_LIMIT])
    with_risk(overdue_cases + risky_cases, now)
    return {
        "overdue_cases": overdue_cases,
        "overdue_count": late.count(),
        "at_risk_cases": risky_cases,
        "at_risk_count": risky.count(),
        "open_count": cases.filter(status__in=Case.OPEN).count(),
        "limit": LIST_LIMIT,
    }


@login_required
@require_http_methods(["GET"])
def point_cases(request, point_id: int):
    """A service point's overdue and at-risk cases, and the intake of a new case."""
    point = access_service_point_by_id(request.user, point_id)
    return _point_page(request, point)


def _point_page(request, point, *, form=None):
    now = timezone.now()
    cases = cases_visible_to(request.user).filter(service_point=point)
    context = {
        "point": point,
        "form": form or CaseCreateForm(service_point=point),
        **_lists(cases, now),
    }
    return render(
        request, "cases/point_cases.html", context, status=400 if form is not None else 200
    )


@login_required
@require_POST
def case_create(request, point_id: int):
    """Intake: an agent records a case received at their service point."""
    point = access_service_point_by_id(request.user, point_id)
    form = CaseCreateForm(request.POST, service_point=point)
    if form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_create(
                procedure_type=data["procedure_type"],
                service_point=point,
                reference=data["reference"],
                received_at=data["received_at"],
                actor=request.user,
                assigned_to=request.user if data["assign_to_me"] else None,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("The case %(reference)s is recorded.") % {"reference": case.reference},
            )
            return redirect("cases:case", case_id=case.pk)
    return _point_page(request, point, form=form)


@login_required
@require_http_methods(["GET"])
def network_cases(request, slug: str):
    """A network's overdue and at-risk cases, with the service points that have the most."""
    network = access_network_by_slug(request.user, slug)
    now = timezone.now()
    cases = cases_visible_to(request.user).filter(network=network)
    by_point = (
        overdue(cases, now)
        .values("service_point", "service_point__name")
        .annotate(overdue=Count("pk"))
        .order_by("-overdue", "service_point__name")[:20]
    )
    return render(
        request,
        "cases/network_cases.html",
        {"network": network, "by_point": by_point, **_lists(cases, now)},
    )
