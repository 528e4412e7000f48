"""A site's agents and managers, managed by the site's and the network's managers."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from continuite.accounts import services as account_services
from continuite.accounts.forms import NetworkManagerInviteForm, RoleKindForm, StaffInviteForm
from continuite.accounts.models import Role
from continuite.core.forms import form_apply

from .access import access_network_staff_by_slug, access_staff_of_service_point_by_id
from .models import ServicePoint


def _invited(request, form, invite, role_label) -> bool:
    """Invite with the form's data; when it went through, say who has which role now
    (`role_label(role)` names the role)."""
    done, role = form_apply(form, invite)
    if done:
        messages.success(
            request,
            _("%(name)s now has the role %(role)s here.")
            % {"name": role.user.email, "role": role_label(role)},
        )
    return done


@login_required
@require_http_methods(["GET", "POST"])
def staff(request, point_id: int):
    """List the site's agents and managers; invite one (or give a role to an existing account)."""
    point = access_staff_of_service_point_by_id(request.user, point_id)
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and _invited(
        request,
        form,
        lambda data: account_services.agent_invite(actor=request.user, service_point=point, **data),
        lambda role: role.get_kind_display(),
    ):
        return redirect("service_points:staff", point.pk)
    roles = (
        Role.objects.filter(service_point=point, kind__in=Role.POINT_KINDS)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "kind")
    )
    return render(
        request,
        "service_points/staff.html",
        {"point": point, "form": form, "roles": roles},
        status=400 if form.is_bound and form.errors else 200,
    )


def _site_role(point, role_id: int) -> Role:
    return get_object_or_404(Role, pk=role_id, service_point=point, kind__in=Role.POINT_KINDS)


def _staff_role(request, point_id: int, role_id: int):
    """The service point whose staff the user manages, and one of its site roles."""
    point = access_staff_of_service_point_by_id(request.user, point_id)
    return point, _site_role(point, role_id)


@login_required
@require_http_methods(["POST"])
def staff_role_remove(request, point_id: int, role_id: int):
    point, role = _staff_role(request, point_id, role_id)
    account_services.role_remove(actor=request.user, role=role)
    messages.success(request, _("The role is removed."))
    return redirect("service_points:staff", point.pk)


@login_required
@require_http_methods(["POST"])
def staff_role_change(request, point_id: int, role_id: int):
    point, role = _staff_role(request, point_id, role_id)
    form = RoleKindForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose agent or site manager."))
    else:
        account_services.role_change_kind(
            actor=request.user, role=role, kind=form.cleaned_data["kind"]
        )
        messages.success(request, _("The role is changed."))
    return redirect("service_points:staff", point.pk)


@login_required
@require_http_methods(["POST"])
def staff_deactivate(request, point_id: int, user_id: int):
    point = access_staff_of_service_point_by_id(request.user, point_id)
    role = get_object_or_404(
        Role.objects.select_related("user"),
        user_id=user_id,
        service_point=point,
        kind__in=Role.POINT_KINDS,
    )
    done = account_services.agent_deactivate(
        actor=request.user,
        user=role.user,
        staffable_points=ServicePoint.objects.staffable_by(request.user),
    )
    if done:
        messages.success(request, _("The account is deactivated."))
    else:
        messages.error(
            request,
            _(
                "This account has roles outside your scope (or is yours): remove the role here "
                "instead, or ask an administrator."
            ),
        )
    return redirect("service_points:staff", point.pk)


@login_required
@require_http_methods(["GET", "POST"])
def network_staff(request, slug: str):
    """A network's managers by département; appoint one within one's own scope."""
    network, departements = access_network_staff_by_slug(request.user, slug)
    form = NetworkManagerInviteForm(request.POST or None, departements=departements)
    if request.method == "POST" and _invited(
        request,
        form,
        lambda data: account_services.agent_invite(
            actor=request.user, kind=Role.Kind.NETWORK_MANAGER, network=network, **data
        ),
        str,
    ):
        return redirect("service_points:network_staff", network.slug)
    roles = _network_roles(network, departements).order_by(
        "departement_id", "user__last_name", "user__first_name"
    )
    return render(
        request,
        "service_points/network_staff.html",
        {"network": network, "form": form, "roles": roles},
        status=400 if form.is_bound and form.errors else 200,
    )


def _network_roles(network, departements):
    """The network's département managers the agent may remove (never whole-network ones)."""
    roles = Role.objects.filter(
        kind=Role.Kind.NETWORK_MANAGER, network=network, departement__isnull=False
    ).select_related("user", "departement")
    if departements is not None:
        roles = roles.filter(departement_id__in=departements)
    return roles


@login_required
@require_http_methods(["POST"])
def network_staff_remove(request, slug: str, role_id: int):
    network, departements = access_network_staff_by_slug(request.user, slug)
    role = get_object_or_404(_network_roles(network, departements), pk=role_id)
    account_services.role_remove(actor=request.user, role=role)
    messages.success(request, _("The role is removed."))
    return redirect("service_points:network_staff", network.slug)


@login_required
@require_http_methods(["GET"])
def staff_overview(request):
    """Every agent and site manager of the sites whose agents the agent manages, searchable."""
    if not (
        request.user.is_superuser
        or request.user.roles.filter(kind__in=Role.SITE_MANAGER_KINDS).exists()
    ):
        raise PermissionDenied(_("Your role does not let you manage agents."))
    roles = (
        Role.objects.filter(
            kind__in=Role.POINT_KINDS,
            service_point__in=ServicePoint.objects.staffable_by(request.user),
        )
        .select_related("user", "service_point")
        .order_by("user__last_name", "user__first_name", "service_point__name", "pk")
    )
    query = request.GET.get("q", "").strip()[:100]
    if query:
        roles = roles.filter(
            Q(user__last_name__icontains=query)
            | Q(user__first_name__icontains=query)
            | Q(user__email__icontains=query)
            | Q(service_point__name__icontains=query)
        )
    page = Paginator(roles, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "service_points/staff_overview.html",
        {"page": page, "query": query, "params": urlencode({"q": query}) if query else ""},
    )
