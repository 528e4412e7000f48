"""Steering: the open rate nationally, by network and by département, as tables and a map."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from continuite.accounts.models import Role
from continuite.core.exports import csv_download
from continuite.core.maps import choropleth_svg, rate_class
from continuite.service_points.access import access_steering_scope

from .models import OpenRateSnapshot
from .queries import open_rates


@login_required
@require_GET
def steering(request):
    rates = open_rates(points=access_steering_scope(request.user))
    by_code = {r.key: r for r in rates.by_departement}
    trend = list(
        OpenRateSnapshot.objects.filter(scope=OpenRateSnapshot.Scope.NATIONAL).order_by(
            "-taken_at"
        )[:30]
    )[::-1]
    return render(
        request,
        "dashboard/steering.html",
        {
            "rates": rates,
            "map_svg": choropleth_svg(
                {code: r.rate for code, r in by_code.items()}, labels=by_code
            ),
            "legend": rate_class.legend(),
            "trend": trend,
            # Campaigns' coverage is for steering teams (network managers see open rates only).
            "steering_team": request.user.is_superuser
            or request.user.roles.filter(kind=Role.Kind.STEERING).exists(),
        },
    )


@login_required
@require_GET
def steering_csv(request):
    rates = open_rates(points=access_steering_scope(request.user))
    response, writer = csv_download("taux-ouverture.csv")
    writer.writerow(
        [
            "instant",
            "perimetre",
            "code",
            "libelle",
            "guichets",
            "guichets_non_fermes",
            "taux_ouverture",
        ]
    )
    rows = [("national", rates.national)] + [("reseau", r) for r in rates.by_network]
    rows += [("departement", r) for r in rates.by_departement]
    for scope, rate in rows:
        writer.writerow(
            [
                rates.at.isoformat(),
                scope,
                rate.key,
                rate.label,
                rate.total,
                rate.not_closed,
                "" if rate.rate is None else f"{rate.rate:.4f}",
            ]
        )
    return response
