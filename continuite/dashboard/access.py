"""Who may see the steering indicators, and over which service points."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from continuite.accounts.models import Role
from continuite.service_points.models import ServicePoint


def access_steering_scope(user):
    """The service points whose open rate this agent may see (steering and network managers)."""
    if not user.is_authenticated:
        raise PermissionDenied
    if user.is_superuser:
        return ServicePoint.objects.all()
    if not user.roles.filter(kind__in=[Role.Kind.STEERING, Role.Kind.NETWORK_MANAGER]).exists():
        raise PermissionDenied(_("The indicators are for steering teams and network managers."))
    # A network manager's figures are narrowed to their network (and département), a
    # préfecture's to its département.
    return ServicePoint.objects.in_figures_of(user)
