"""Managers' pages of call campaigns: the list, preparation, a campaign with today's figures,
activation when the alert plan is triggered, and its end."""

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from continuite.accounts.models import Role
from continuite.core.forms import add_errors, form_action

from . import campaigns as services
from .access import access_campaign_by_id, access_campaigns, manages_campaigns
from .campaign_forms import ActivateForm, CampaignForm, EndForm
from .coverage import campaigns_totals
from .models import Call, CallCampaign, Criterion

CAMPAIGNS_PER_PAGE = 50
COMMUNES_SHOWN = 50


@login_required
@require_http_methods(["GET"])
def campaigns(request):
    """The campaigns the manager follows, the latest first, with their coverage within 24 h.

    A steering team, which follows figures rather than campaigns, goes to the coverage of all.
    """
    if (
        not manages_campaigns(request.user)
        and request.user.roles.filter(kind=Role.Kind.STEERING).exists()
    ):
        return redirect("outreach:coverage_steering")
    page = Paginator(
        access_campaigns(request.user).order_by("-starts_on", "-pk"), CAMPAIGNS_PER_PAGE
    ).get_page(request.GET.get("page"))
    totals = campaigns_totals(campaign.pk for campaign in page.object_list)
    for campaign in page.object_list:
        campaign.coverage = totals.get(campaign.pk)
    return render(request, "outreach/campaigns.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request):
    """Prepare a campaign (a draft); it starts calling once activated."""
    access_campaigns(request.user)
    form = CampaignForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                campaign = services.campaign_create(actor=request.user, **form.service_values())
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The campaign is prepared. Activate it when the alert plan is triggered."),
                )
                return redirect("outreach:campaign", campaign_id=campaign.pk)
        status = 400
    return render(request, "outreach/campaign_form.html", {"form": form}, status=status)


def _today_tiles(campaign: CallCampaign) -> list[tuple[str, int, str]]:
    """Calls due today, still open, resolved today and open without a caller: one query."""
    today = timezone.localdate()
    day_start = timezone.make_aware(datetime.combine(today, time.min))
    is_open = Q(status=Call.Status.OPEN, due_on__lte=today)
    figures = campaign.calls.aggregate(
        due=Count("pk", filter=Q(due_on=today)),
        open=Count("pk", filter=is_open),
        resolved=Count("pk", filter=Q(status=Call.Status.RESOLVED, resolved_at__gte=day_start)),
        unassigned=Count("pk", filter=is_open & Q(caller__isnull=True)),
    )
    labels = {
        "due": _("Calls due today"),
        "open": _("Open calls"),
        "resolved": _("Resolved today"),
        "unassigned": _("Open calls without a caller"),
    }
    return [(key, figures[key], label) for key, label in labels.items()]


@login_required
@require_http_methods(["GET"])
def campaign_detail(request, campaign_id: int):
    """A campaign: its scope, ladder, script and status, its actions and today's calls."""
    campaign = access_campaign_by_id(request.user, campaign_id)
    registers = list(campaign.registers.select_related("commune", "network", "departement"))
    communes = campaign.communes.order_by("name")
    return render(
        request,
        "outreach/campaign.html",
        {
            "campaign": campaign,
            "registers": registers,
            "communes": list(communes[:COMMUNES_SHOWN]),
            "communes_count": communes.count(),
            "criteria": [Criterion(c).label for c in campaign.criteria],
            "followup_service_point": campaign.followup_service_point,
            "followup_reason": campaign.followup_reason,
            "is_draft": campaign.status == CallCampaign.Status.DRAFT,
            "is_ended": campaign.status == CallCampaign.Status.ENDED,
            "today_tiles": _today_tiles(campaign),
            "activate_form": ActivateForm(),
            "end_form": EndForm(),
        },
    )


def _action(request, campaign_id: int, form_class, action, success: str):
    """Run an action from the campaign's page, then show the page again with its outcome."""
    campaign = access_campaign_by_id(request.user, campaign_id)
    form_action(
        request,
        form_class(request.POST),
        lambda data: action(campaign, data),
        lambda _data: success,
    )
    return redirect("outreach:campaign", campaign_id=campaign.pk)


@login_required
@require_POST
def campaign_activate(request, campaign_id: int):
    """The alert plan is triggered: the campaign's calls are generated from now on."""
    return _action(
        request,
        campaign_id,
        ActivateForm,
        lambda campaign, data: services.campaign_activate(
            campaign=campaign, actor=request.user, alert_kind=data["alert_kind"] or None
        ),
        _("The campaign is active: its calls are generated every day."),
    )


@login_required
@require_POST
def campaign_end(request, campaign_id: int):
    """End the campaign on a day: no new calls after it."""
    return _action(
        request,
        campaign_id,
        EndForm,
        lambda campaign, data: services.campaign_end(
            campaign=campaign, actor=request.user, on=data["on"]
        ),
        _("The campaign ends on the day chosen: no new calls after it."),
    )
