"""The one way views load a service point for an agent: scoped by the agent's roles."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from continuite.accounts.models import Role

from .models import Network, ServicePoint


def access_service_point_by_id(user, point_id: int, *, manage: bool = False) -> ServicePoint:
    """The service point if the agent may see it (404 otherwise) and, with manage, change it (403)."""
    point = (
        ServicePoint.objects.visible_to(user)
        .with_status_at()
        .select_related("network", "departement", "commune")
        .filter(pk=point_id)
        .first()
    )
    if point is None:
        raise Http404(_("No such service point in your scope."))
    if manage and not ServicePoint.objects.manageable_by(user).filter(pk=point_id).exists():
        raise PermissionDenied(_("Your role does not let you change this service point."))
    return point


def access_staff_of_service_point_by_id(user, point_id: int) -> ServicePoint:
    """The service point if the agent may invite and manage its agents (404 unseen, 403 not allowed)."""
    point = access_service_point_by_id(user, point_id)
    if not ServicePoint.objects.staffable_by(user).filter(pk=point_id).exists():
        raise PermissionDenied(
            _("Your role does not let you manage the agents of this service point.")
        )
    return point


def access_network_staff_by_slug(user, slug: str) -> tuple[Network, set[str] | None]:
    """A network whose département managers the agent may appoint, and in which départements.

    A network manager of the whole network appoints managers of any of its départements (None);
    one narrowed to a département, only in that one. Steering never does (least privilege).
    """
    network = Network.objects.filter(slug=slug).first()
    if network is None or not (user.is_authenticated and user.is_active):
        raise Http404(_("No such network."))
    if user.is_superuser:
        return network, None
    departements = set(
        user.roles.filter(kind=Role.Kind.NETWORK_MANAGER, network=network).values_list(
            "departement_id", flat=True
        )
    )
    if not departements:
        raise PermissionDenied(
            _("Your role does not let you appoint the managers of this network.")
        )
    return network, None if None in departements else departements


def access_steering_scope(user):
    """The service points whose indicators this agent may see (steering and network managers).

    Read by the open-rate dashboard, the cases' statistics and forecast, and the protocol's
    checklist figures (403 for anyone else).
    """
    if not user.is_authenticated:
        raise PermissionDenied
    if user.is_superuser:
        return ServicePoint.objects.all()
    if not user.roles.filter(kind__in=[Role.Kind.STEERING, Role.Kind.NETWORK_MANAGER]).exists():
        raise PermissionDenied(_("The indicators are for steering teams and network managers."))
    # A network manager's figures are narrowed to their network (and département), a
    # préfecture's to its département.
    return ServicePoint.objects.in_figures_of(user)
