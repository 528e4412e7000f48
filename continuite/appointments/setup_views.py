"""Site managers set how their service point receives by appointment: ranges and protocol."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from continuite.core.forms import form_call
from continuite.service_points.access import access_service_point_by_id

from . import setup
from .models import HealthProtocol, OpeningRange, Slot
from .setup_forms import HealthProtocolForm, OpeningRangeForm


@login_required
@require_http_methods(["GET", "POST"])
def appointment_settings(request, point_id: int):
    point = access_service_point_by_id(request.user, point_id, manage=True)
    protocol = HealthProtocol.objects.filter(service_point=point).first()
    range_form = OpeningRangeForm(
        request.POST if "add_range" in request.POST else None,
        service_point=point,
        initial={"starts_on": timezone.now().astimezone(point.time_zone).date()},
    )
    protocol_form = HealthProtocolForm(
        request.POST if "set_protocol" in request.POST else None,
        initial={"max_people_present": 1, "buffer_minutes": 0, "emergency_share_percent": 0}
        if protocol is None
        else {
            "max_people_present": protocol.max_people_present,
            "buffer_minutes": protocol.buffer_minutes,
            "emergency_share_percent": protocol.emergency_share_percent,
        },
    )
    form = range_form if "add_range" in request.POST else protocol_form
    if request.method == "POST":
        record = setup.opening_range_add if form is range_form else setup.health_protocol_set
        if form_call(form, record, service_point=point, actor=request.user):
            messages.success(request, _("Saved. The slots are being recomputed."))
            return redirect("appointments:settings", point_id=point.pk)
    context = {
        "point": point,
        "protocol": protocol,
        "ranges": point.opening_ranges.filter(ended_at__isnull=True).prefetch_related("reasons"),
        "range_form": range_form,
        "protocol_form": protocol_form,
        "over_capacity": Slot.objects.filter(
            service_point=point, over_capacity=True, starts_at__gt=timezone.now()
        ).count(),
        "upcoming_slots": Slot.objects.filter(
            service_point=point, starts_at__gt=timezone.now()
        ).count(),
    }
    return render(
        request,
        "appointments/setup/settings.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def opening_range_end(request, point_id: int, range_id: int):
    point = access_service_point_by_id(request.user, point_id, manage=True)
    opening_range = get_object_or_404(OpeningRange, pk=range_id, service_point=point)
    try:
        setup.opening_range_end(opening_range=opening_range, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The range is ended; booked appointments are kept."))
    return redirect("appointments:settings", point_id=point.pk)
