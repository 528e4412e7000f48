"""Steering pages of the cases: statistics with charts and CSV, and the 8-week forecast."""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from continuite.core.charts import Bar, Layout, bars_svg
from continuite.core.exports import csv_download
from continuite.core.forms import BaseForm, BoundedDateField
from continuite.service_points.access import access_steering_scope
from continuite.service_points.models import Network, ServicePoint

from . import forecast as forecasting
from . import statistics
from .models import Case
from .queries import cases_visible_to, open_cases
from .services import case_transfer

DEFAULT_PERIOD_DAYS = 90
# Cases moved by one press of a suggested transfer's button, at most.
MAX_TRANSFER = 500


class PeriodForm(BaseForm):
    """The period of the statistics: cases decided from the first day to the last, inclusive."""

    start_on = BoundedDateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end_on = BoundedDateField(
        label=gettext_lazy("To (inclusive)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["end_on"] = data.get("end_on") or today
        data["start_on"] = data.get("start_on") or data["end_on"] - timedelta(
            days=DEFAULT_PERIOD_DAYS - 1
        )
        if data["end_on"] < data["start_on"]:
            raise ValidationError(_("The period ends before it starts."))
        return data

    def bounds(self) -> tuple[datetime, datetime]:
        start_on, end_on = self.cleaned_data["start_on"], self.cleaned_data["end_on"]
        start = timezone.make_aware(datetime.combine(start_on, time()))
        end = timezone.make_aware(datetime.combine(end_on + timedelta(days=1), time()))
        return start, end


def _scoped_cases(user):
    """The cases of the service points whose indicators this agent may see (403 otherwise)."""
    points = access_steering_scope(user)
    return Case.objects.filter(service_point__in=points.values("pk")), points


def _period(request) -> PeriodForm:
    # Always bound: an empty form gives the default period.
    form = PeriodForm(request.GET)
    form.is_valid()
    return form


def _figures(cases, form: PeriodForm) -> dict:
    start, end = form.bounds()
    tables = []
    for by, (_key, _label, title) in statistics.DIMENSIONS.items():
        rows = statistics.processing_statistics(cases, by=by, start=start, end=end)
        tables.append({"by": by, "title": title, "rows": rows, "chart": durations_svg(rows)})
    return {"overall": statistics.overall(cases, start=start, end=end), "tables": tables}


@login_required
@require_http_methods(["GET"])
def statistics_page(request):
    """Processing times (median, 90th percentile) and deadlines kept, by network, procedure, territory."""
    cases, _points = _scoped_cases(request.user)
    form = _period(request)
    context = {"form": form}
    if form.is_valid():
        context.update(_figures(cases, form))
    return render(request, "cases/steering/statistics.html", context)


@login_required
@require_http_methods(["GET"])
def statistics_csv(request):
    cases, _points = _scoped_cases(request.user)
    form = _period(request)
    if not form.is_valid():
        return HttpResponse(" ".join(form.non_field_errors()), status=400)
    start, end = form.bounds()
    response, writer = csv_download("delais-de-traitement.csv")
    writer.writerow(
        [
            "debut",
            "fin",
            "perimetre",
            "code",
            "libelle",
            "dossiers_decides",
            "decides_dans_le_delai",
            "part_dans_le_delai",
            "mediane_jours",
            "p90_jours",
        ]
    )
    rows = [("tout", statistics.overall(cases, start=start, end=end))]
    for by in statistics.DIMENSIONS:
        rows += [
            (by, row)
            for row in statistics.processing_statistics(cases, by=by, start=start, end=end)
        ]
    for scope, row in rows:
        writer.writerow(
            [
                form.cleaned_data["start_on"].isoformat(),
                form.cleaned_data["end_on"].isoformat(),
                scope,
                row.key,
                row.label,
                row.decided,
                row.in_time,
                _fixed(row.in_time_share, 4),
                _fixed(row.p50_days, 2),
                _fixed(row.p90_days, 2),
            ]
        )
    return response


def _fixed(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _networks_in(points):
    return Network.objects.filter(pk__in=points.values("network_id")).order_by("name")


@login_required
@require_http_methods(["GET"])
def forecast_index(request):
    """The networks whose forecast this agent may see."""
    _cases, points = _scoped_cases(request.user)
    return render(request, "cases/steering/forecast_index.html", {"networks": _networks_in(points)})


def _network_in_scope(user, slug: str):
    """The network and the ids of its service points in the agent's scope (None: all of them)."""
    _cases, points = _scoped_cases(user)
    network = _networks_in(points).filter(slug=slug).first()
    if network is None:
        raise Http404(_("No such network in your scope."))
    mine = points.filter(network=network)
    if mine.count() == network.service_points.count():
        return network, None
    return network, list(mine.values_list("pk", flat=True))


@login_required
@require_http_methods(["GET"])
def forecast_page(request, slug: str):
    """The backlog of the next 8 weeks, the cases likely to breach, suggested transfers."""
    network, point_ids = _network_in_scope(request.user, slug)
    result = forecasting.network_forecast(network, point_ids=point_ids)
    weeks = result.weeks
    return render(
        request,
        "cases/steering/forecast.html",
        {
            "network": network,
            "forecast": result,
            "weeks": weeks,
            "final_week": weeks[-1],
            "backlog_chart": backlog_svg(weeks),
            "points": result.points[:50],
            "horizon_weeks": forecasting.HORIZON_WEEKS,
            # Steering teams read the forecast; the network's managers open and move its cases.
            "manages_cases": _manages_cases(request.user, network),
        },
    )


def _manages_cases(user, network) -> bool:
    return ServicePoint.objects.manageable_by(user).filter(network=network).exists()


@login_required
@require_POST
def forecast_transfer(request, slug: str):
    """Apply a suggested transfer: move the listed cases, each keeping its deadline and history."""
    network, point_ids = _network_in_scope(request.user, slug)
    if not _manages_cases(request.user, network):
        raise PermissionDenied(_("Only the network's managers move its cases."))
    try:
        source = int(request.POST.get("source", ""))
        target = int(request.POST.get("target", ""))
        case_ids = [int(pk) for pk in request.POST.getlist("case")][:MAX_TRANSFER]
    except ValueError:
        messages.error(request, _("This transfer is not valid any more: reload the forecast."))
        return redirect("cases_steering:forecast", slug=network.slug)
    in_scope = network.service_points.all()
    if point_ids is not None:
        in_scope = in_scope.filter(pk__in=point_ids)
    destination = in_scope.filter(pk=target).first()
    if destination is None or source == target or not in_scope.filter(pk=source).exists():
        messages.error(request, _("This transfer is not valid any more: reload the forecast."))
        return redirect("cases_steering:forecast", slug=network.slug)
    cases = open_cases(cases_visible_to(request.user)).filter(
        pk__in=case_ids, network=network, service_point_id=source
    )
    moved = 0
    for case in cases.select_related("service_point"):
        try:
            with transaction.atomic():
                case_transfer(
                    case=case,
                    service_point=destination,
                    actor=request.user,
                    note=_("Suggested by the forecast"),
                )
        except ValidationError:
            continue
        moved += 1
    messages.success(
        request,
        _("%(moved)s of %(asked)s cases moved to %(target)s; their deadlines are unchanged.")
        % {"moved": moved, "asked": len(case_ids), "target": destination.name},
    )
    return redirect("cases_steering:forecast", slug=network.slug)


# Charts: horizontal bars (core.charts), the values also written as text and in the tables.
LAYOUT = Layout(label_width=210, bar_width=300, value_width=150, row_height=26, bar_height=18)


def _bars(rows: list[tuple[str, float, str]], *, title: str) -> SafeString:
    """(label, value, value as text) per row, the longest bar the largest value."""
    largest = max((value for _label, value, _text in rows), default=0) or 1
    return bars_svg(
        [Bar(label, max(value, 0) / largest, text) for label, value, text in rows],
        title=title,
        layout=LAYOUT,
    )


def durations_svg(rows: list[statistics.Row]) -> SafeString:
    """Median processing time per group, in days (the largest groups first, 15 at most)."""
    shown = [row for row in rows if row.p50_days is not None][:15]
    return _bars(
        [
            (
                row.label,
                row.p50_days,
                _("%(days)s d (in time: %(share)s%%)")
                % {
                    "days": number_format(row.p50_days, 1),
                    "share": number_format(row.in_time_percent, 1),
                },
            )
            for row in shown
        ],
        title=_("Median processing time, in days"),
    )


def backlog_svg(weeks: list[forecasting.Week]) -> SafeString:
    """The network's expected backlog at the end of each of the next weeks."""
    return _bars(
        [
            (
                _("Week of %(day)s") % {"day": week.starts_on.strftime("%d/%m")},
                week.backlog,
                number_format(round(week.backlog), 0, force_grouping=True),
            )
            for week in weeks
        ],
        title=_("Expected backlog at the end of each week (open cases)"),
    )
