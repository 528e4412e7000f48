"""The protocol checklist: a site's self-assessments, and compliance for steering teams."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from continuite.appointments.models import HealthProtocol
from continuite.core.exports import csv_download
from continuite.core.forms import add_errors
from continuite.service_points.access import access_service_point_by_id, access_steering_scope
from continuite.service_points.models import ServicePoint

from .checklist import (
    MEASURE_SHORT_LABELS,
    MEASURES,
    VALID_DAYS,
    compliance,
    self_assessment_record,
)
from .checklist_chart import compliance_bars_svg
from .checklist_forms import ComplianceGroupingForm, SelfAssessmentForm
from .models import SelfAssessment

HISTORY_LENGTH = 50


@login_required
@require_http_methods(["GET", "POST"])
def checklist(request, point_id: int):
    """The checklist of a service point: its managers record, its agents read."""
    point = access_service_point_by_id(request.user, point_id, manage=request.method == "POST")
    can_manage = (
        request.method == "POST"
        or ServicePoint.objects.manageable_by(request.user).filter(pk=point.pk).exists()
    )
    form = SelfAssessmentForm(
        request.POST or None, initial={"assessed_on": point.local_now().date()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            self_assessment_record(
                service_point=point,
                assessed_on=form.cleaned_data["assessed_on"],
                answers=form.answers(),
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The self-assessment is recorded."))
            return redirect("protocol:checklist", point_id=point.pk)
    history = list(point.self_assessments.select_related("assessed_by")[:HISTORY_LENGTH])
    latest = history[0] if history else None
    today = point.local_now().date()
    return render(
        request,
        "protocol/checklist/checklist.html",
        {
            "point": point,
            "form": form,
            "can_manage": can_manage,
            "latest": latest,
            "latest_measures": _measures(latest) if latest else [],
            "latest_is_stale": latest is not None
            and latest.assessed_on < today - timedelta(days=VALID_DAYS),
            "valid_days": VALID_DAYS,
            "history": [(a, [getattr(a, m) for m in MEASURES]) for a in history],
            "measure_labels": [MEASURE_SHORT_LABELS[m] for m in MEASURES],
            "health_protocol": HealthProtocol.objects.filter(service_point=point).first(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _measures(assessment: SelfAssessment) -> list[tuple[str, bool]]:
    """(long label, in force) for every measure, in reading order."""
    return [
        (SelfAssessment._meta.get_field(m).verbose_name, getattr(assessment, m)) for m in MEASURES
    ]


def _grouping(request) -> tuple[ComplianceGroupingForm, str]:
    data = request.GET.copy()
    data.setdefault("par", "network")
    form = ComplianceGroupingForm(data)
    return form, form.grouping()


@login_required
@require_GET
def compliance_page(request):
    """Compliance with the protocol by network, département or region, for steering teams."""
    points = access_steering_scope(request.user)
    form, by = _grouping(request)
    report = compliance(points, by=by)
    return render(
        request,
        "protocol/checklist/compliance.html",
        {
            "form": form,
            "report": report,
            "valid_days": VALID_DAYS,
            "measure_labels": [MEASURE_SHORT_LABELS[m] for m in MEASURES],
            "chart": compliance_bars_svg(
                report.groups, title=_("Share of assessed service points meeting every measure")
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def compliance_csv(request):
    points = access_steering_scope(request.user)
    form, by = _grouping(request)
    if form.errors:
        return HttpResponse(
            _("Unknown grouping: choose network, departement or region."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    report = compliance(points, by=by)
    response, writer = csv_download(f"protocole-sanitaire-{by}.csv")
    writer.writerow(
        [
            "date",
            "perimetre",
            "code",
            "libelle",
            "guichets",
            "guichets_evalues",
            "guichets_conformes",
            "part_evalues",
            "part_conformes",
            *[f"part_{measure}" for measure in MEASURES],
        ]
    )
    rows = [("national", report.total)] + [(by, group) for group in report.groups]
    for scope, group in rows:
        writer.writerow(
            [
                report.on.isoformat(),
                scope,
                group.key,
                group.label,
                group.points,
                group.assessed,
                group.compliant,
                _share(group.share_assessed),
                _share(group.share_compliant),
                *[_share(share) for _measure, share in group.measure_shares()],
            ]
        )
    return response


def _share(share: float | None) -> str:
    return "" if share is None else f"{share:.4f}"
