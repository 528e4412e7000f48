"""Coverage pages: a campaign's (figures, map, tables, CSV, and the people not reached yet, a
logged read) for its managers, and every active campaign's figures for steering teams."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from continuite.accounts.audit import audit_record
from continuite.core.exports import csv_download
from continuite.core.maps import RateClasses, choropleth_svg, rate_class
from continuite.core.models import Commune
from continuite.core.phones import display_phone

from .access import (
    access_campaign_by_id,
    access_coverage_steering,
    calls_visible_to,
    register_reader_required,
)
from .campaign_forms import DepartementForm
from .coverage import (
    CoverageReport,
    active_campaigns_coverage,
    campaign_coverage,
    departement_names,
    unreached,
)
from .models import Call, RegisteredPerson

UNREACHED_PER_PAGE = 50

# The share reached within 24 hours, red to green (the open rate's colours, lower bounds).
reach_class = RateClasses(
    bounds=(0.50, 0.70, 0.85, 0.95),
    colors=rate_class.colors,
    no_data_color=rate_class.no_data_color,
)


def _departement(request, names: dict[str, str]) -> tuple[DepartementForm, str | None]:
    """The département chosen (?departement=69), if it is one the page may show."""
    form = DepartementForm(request.GET or None, departements=names)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["departement"] or None
    return form, None


def _map(report: CoverageReport, id_prefix: str):
    by_code = {c.key: c for c in report.by_departement}

    def tooltip(code: str, name: str, rate: float | None) -> str:
        if rate is None:
            return _("%(name)s (%(code)s): nobody to reach") % {"name": name, "code": code}
        figures = by_code[code]
        return _(
            "%(name)s (%(code)s): %(percent)s%% reached within 24 hours (%(reached)s of %(people)s)"
        ) % {
            "name": name,
            "code": code,
            "percent": number_format(round(100 * rate, 1), 1),
            "reached": number_format(figures.reached_24h),
            "people": number_format(figures.people),
        }

    return choropleth_svg(
        {code: c.rate_24h for code, c in by_code.items()},
        title=_("Share of the people reached within 24 hours, by département"),
        id_prefix=id_prefix,
        classes=reach_class,
        shape_title=tooltip,
        description=_(
            "Map of France coloured by the share of the people to reach who were reached within "
            "24 hours, in each département; overseas départements are shown in boxes on the "
            "left. %(summary)s."
        ),
    )


def _figures(request, report: CoverageReport, form: DepartementForm, csv_url: str) -> dict:
    query = request.GET.urlencode()
    national = report.national
    return {
        "report": report,
        "national_tiles": [
            (
                "reached-24h",
                national.percent_24h,
                national.reached_24h,
                _("Reached within 24 hours"),
            ),
            ("reached-7d", national.percent_7d, national.reached_7d, _("Reached within 7 days")),
            ("reached", national.percent, national.reached, _("Reached")),
        ],
        "form": form,
        "map_svg": _map(report, "coverage-map"),
        "legend": reach_class.legend(),
        "csv_url": f"{csv_url}?{query}" if query else csv_url,
    }


def _csv(report: CoverageReport, filename: str) -> HttpResponse:
    response, writer = csv_download(filename)
    writer.writerow(
        [
            "perimetre",
            "code",
            "libelle",
            "departement",
            "personnes_a_joindre",
            "jointes_24h",
            "jointes_7j",
            "jointes",
            "taux_24h",
            "taux_7j",
            "taux_jointes",
        ]
    )
    rows = [("national", report.national)]
    rows += [("departement", c) for c in report.by_departement]
    rows += [("commune", c) for c in report.by_commune]
    for scope, c in rows:
        writer.writerow(
            [
                scope,
                c.key,
                c.label,
                c.departement or (c.key if scope == "departement" else ""),
                c.people,
                c.reached_24h,
                c.reached_7d,
                c.reached,
                *(
                    "" if rate is None else f"{rate:.4f}"
                    for rate in (c.rate_24h, c.rate_7d, c.rate)
                ),
            ]
        )
    return response


@login_required
@require_GET
def coverage(request, campaign_id: int):
    """A campaign's coverage nationally, by département (map and table) and by commune."""
    campaign = access_campaign_by_id(request.user, campaign_id)
    form, code = _departement(request, departement_names())
    report = campaign_coverage(campaign, departement=code)
    context = _figures(request, report, form, reverse("outreach:coverage_csv", args=[campaign.pk]))
    return render(
        request,
        "outreach/coverage.html",
        {
            "campaign": campaign,
            "unreached_url": reverse("outreach:coverage_unreached", args=[campaign.pk]),
            **context,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def coverage_csv(request, campaign_id: int):
    """The campaign's coverage: national, every département, and the communes (of the
    département chosen, or all)."""
    campaign = access_campaign_by_id(request.user, campaign_id)
    _form, code = _departement(request, departement_names())
    report = campaign_coverage(campaign, departement=code, all_communes=code is None)
    return _csv(report, f"couverture-campagne-{campaign.pk}.csv")


@register_reader_required
@require_GET
def coverage_unreached(request, campaign_id: int):
    """The people the campaign has not reached yet, waiting the longest first. Names and phones
    only for the people of the manager's registers; the read is logged."""
    campaign = access_campaign_by_id(request.user, campaign_id)
    people = unreached(campaign).select_related("person", "commune")
    # ?commune=69381: the people of one commune (from the coverage's table of communes).
    commune = request.GET.get("commune", "").strip().upper()
    commune = Commune.objects.filter(pk=commune).first() if commune else None
    if commune is not None:
        people = people.filter(commune=commune)
    page = Paginator(people, UNREACHED_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    person_ids = [reach.person_id for reach in rows]
    visible = set(
        RegisteredPerson.objects.visible_to(request.user)
        .not_purged()
        .filter(pk__in=person_ids)
        .values_list("pk", flat=True)
    )
    open_calls = {
        call.person_id: call
        for call in Call.objects.filter(
            campaign=campaign, person_id__in=person_ids, status=Call.Status.OPEN
        ).select_related("caller")
    }
    workable = set(
        calls_visible_to(request.user)
        .filter(pk__in=[call.pk for call in open_calls.values()])
        .values_list("pk", flat=True)
    )
    for reach in rows:
        reach.visible = reach.person_id in visible
        reach.phone = (
            display_phone(reach.person.phone) if reach.visible and reach.person.phone else ""
        )
        reach.open_call = open_calls.get(reach.person_id)
        reach.workable = reach.open_call is not None and reach.open_call.pk in workable
    audit_record(
        actor=request.user,
        action="outreach.coverage.unreached.read",
        target=campaign,
        people=person_ids,
        page=page.number,
        commune=commune.pk if commune else "",
    )
    return render(
        request,
        "outreach/coverage_unreached.html",
        {
            "campaign": campaign,
            "page": page,
            "commune": commune,
            "params": urlencode({"commune": commune.pk}) if commune else "",
        },
    )


def _steering_names(within: set[str] | None) -> dict[str, str]:
    names = departement_names()
    return names if within is None else {c: n for c, n in names.items() if c in within}


@login_required
@require_GET
def coverage_steering(request):
    """Every active campaign's coverage together, figures only (no names), for steering."""
    within = access_coverage_steering(request.user)
    form, code = _departement(request, _steering_names(within))
    report = active_campaigns_coverage(departement=code, within=within)
    context = _figures(request, report, form, reverse("outreach:coverage_steering_csv"))
    return render(
        request,
        "outreach/coverage_steering.html",
        context,
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def coverage_steering_csv(request):
    within = access_coverage_steering(request.user)
    _form, code = _departement(request, _steering_names(within))
    report = active_campaigns_coverage(departement=code, all_communes=code is None, within=within)
    return _csv(report, "couverture-appels.csv")
