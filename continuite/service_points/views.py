"""Public search and service point pages; the agents' area for statuses and exceptions."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from continuite.accounts.models import Role
from continuite.core.converters import parse_day
from continuite.core.forms import form_call
from continuite.core.models import Commune
from continuite.core.ratelimit import SEARCHES, rate_limit
from continuite.core.text import normalize_name

from . import services
from .access import access_service_point_by_id
from .forms import OpeningExceptionForm, PresenceForm, SearchForm, StatusForm
from .models import AgentPresence, CrisisStatus, ServicePoint, StatusChange
from .queries import Place, PlaceLookup, nearest_service_points, place_lookup, week_hours

RESULTS_PER_SEARCH = 20


# The home page itself is not counted (the 429 page links to it): only the searches made.
@rate_limit("search", SEARCHES, when=lambda request: bool(request.GET))
def search(request):
    """« Trouver un guichet ouvert »: by postcode or commune, nearest first, with JavaScript or not."""
    form = SearchForm(request.GET or None)
    context = {"form": form, "searched": False, "now": timezone.now()}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        lookup = _lookup(data)
        context.update(searched=True, lookup=lookup)
        if lookup.place:
            context["results"] = nearest_service_points(
                lookup.place.latitude,
                lookup.place.longitude,
                limit=RESULTS_PER_SEARCH,
                network_id=data["network"].pk if data["network"] else None,
                status=data["status"] or None,
                open_now=data["open_now"],
                at=context["now"],
            )
        elif lookup.choices:
            query = request.GET.copy()
            context["choice_links"] = []
            for commune in lookup.choices:
                query["commune"] = commune.code
                context["choice_links"].append((commune, query.urlencode()))
    template = "service_points/_results.html" if request.htmx else "service_points/search.html"
    return render(request, template, context)


def _lookup(data) -> PlaceLookup:
    """The commune chosen among homonyms, as long as the query still names it; else the query."""
    if data["commune"]:
        commune = Commune.objects.filter(code=data["commune"], latitude__isnull=False).first()
        if commune and commune.search_name == normalize_name(data["q"]):
            return PlaceLookup(
                place=Place(
                    f"{commune.name} ({commune.departement_id})",
                    commune.latitude,
                    commune.longitude,
                )
            )
    return place_lookup(data["q"])


def detail(request, point_id: int):
    """A service point's public page: status, the week's hours, how it receives, how to reach it."""
    point = get_object_or_404(
        ServicePoint.objects.with_status_at().select_related("network", "departement", "commune"),
        pk=point_id,
    )
    now = timezone.now()
    current = (
        point.status_changes.filter(starts_at__lte=now)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .order_by("-starts_at", "-id")
        .first()
    )
    upcoming = point.status_changes.filter(starts_at__gt=now).order_by("starts_at")[:5]
    context = {
        "point": point,
        "status": CrisisStatus(point.status_in_force),
        "current": current,
        "upcoming": upcoming,
        "week": week_hours(point, now),
        "local_now": point.local_now(now),
    }
    return render(request, "service_points/detail.html", context)


@login_required
def manage_list(request):
    """The agent's service points, with their status now."""
    points = (
        ServicePoint.objects.visible_to(request.user)
        .with_status_at()
        .select_related("network", "departement")
        .order_by("name", "id")
    )
    query = request.GET.get("q", "").strip()
    if query:
        points = points.filter(
            Q(name__icontains=query)
            | Q(commune_name__icontains=query)
            | Q(postcode__startswith=query)
        )
    page = Paginator(points, 50).get_page(request.GET.get("page"))
    manageable = set(
        ServicePoint.objects.manageable_by(request.user)
        .filter(pk__in=[p.pk for p in page])
        .values_list("pk", flat=True)
    )
    roles = list(request.user.roles.all())
    # Staffing scopes are the manager scopes without steering's: the same set unless steering.
    staffable = manageable
    if any(role.kind == Role.Kind.STEERING for role in roles):
        staffable = set(
            ServicePoint.objects.staffable_by(request.user)
            .filter(pk__in=[p.pk for p in page])
            .values_list("pk", flat=True)
        )
    return render(
        request,
        "service_points/manage_list.html",
        {
            "page": page,
            "query": query,
            "params": urlencode({"q": query}) if query else "",
            "manageable": manageable,
            "staffable": staffable,
            "can_manage_staff": request.user.is_superuser
            or any(role.kind in Role.SITE_MANAGER_KINDS for role in roles),
            "roles": roles,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage_status(request, point_id: int):
    """Change or schedule the crisis status of a service point, and see its history."""
    point = access_service_point_by_id(request.user, point_id, manage=True)
    form = StatusForm(request.POST or None, time_zone=point.time_zone)
    if request.method == "POST":
        recorded = form_call(
            form, services.service_point_set_status, service_point=point, actor=request.user
        )
        if recorded:
            messages.success(
                request, _("The status of %(name)s is recorded.") % {"name": point.name}
            )
            return redirect("service_points:manage_status", point_id=point.pk)
    return _status_page(request, point, form, OpeningExceptionForm())


@login_required
@require_http_methods(["POST"])
def manage_exception(request, point_id: int):
    """Add a dated closure or exceptional hours."""
    point = access_service_point_by_id(request.user, point_id, manage=True)
    form = OpeningExceptionForm(request.POST)
    added = form_call(form, services.opening_exception_add, service_point=point, actor=request.user)
    if added:
        messages.success(request, _("The exception is recorded."))
        return redirect("service_points:manage_status", point_id=point.pk)
    return _status_page(request, point, StatusForm(time_zone=point.time_zone), form)


def _status_page(request, point, form, exception_form):
    """The status page, with the history; 400 when one of its forms was refused."""
    refused = any(f.is_bound and f.errors for f in (form, exception_form))
    return render(
        request,
        "service_points/manage_status.html",
        {
            "point": point,
            "form": form,
            "history": StatusChange.objects.filter(service_point=point).select_related("set_by"),
            "exception_form": exception_form,
            "exceptions": point.opening_exceptions.all(),
        },
        status=400 if refused else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage_presences(request, point_id: int):
    """Agents present, teleworking or absent, day by day: on-site seats follow."""
    point = access_service_point_by_id(request.user, point_id, manage=True)
    today = point.local_now().date()
    day = parse_day(request.GET.get("day")) or today
    form = PresenceForm(request.POST or None, service_point=point, initial={"day": day})
    if request.method == "POST":
        recorded = form_call(
            form, services.agent_presence_set, service_point=point, actor=request.user
        )
        if recorded:
            messages.success(
                request, _("The presence is recorded; the slots are being recomputed.")
            )
            return redirect(
                f"{reverse('service_points:presences', args=[point.pk])}?day={form.cleaned_data['day']}"
            )
    presences = point.presences.filter(presence_on=day).select_related("agent")
    return render(
        request,
        "service_points/presences.html",
        {"point": point, "form": form, "day": day, "presences": presences},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["POST"])
def remove_presence(request, point_id: int, presence_id: int):
    point = access_service_point_by_id(request.user, point_id, manage=True)
    presence = get_object_or_404(AgentPresence, pk=presence_id, service_point=point)
    services.agent_presence_remove(presence=presence, actor=request.user)
    messages.success(request, _("The line is removed."))
    return redirect(
        f"{reverse('service_points:presences', args=[point.pk])}?day={presence.presence_on}"
    )
