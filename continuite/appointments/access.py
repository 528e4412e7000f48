"""The one way views load a reason for an agent who changes it: its network's managers only."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from continuite.accounts.models import Role

from .models import Reason


def reasons_managed_by(user):
    """Reasons an agent may switch (superusers: all; network managers of a whole network: its)."""
    if not (user.is_authenticated and user.is_active):
        return Reason.objects.none()
    if user.is_superuser:
        return Reason.objects.all()
    networks = user.roles.filter(kind=Role.Kind.NETWORK_MANAGER, departement__isnull=True).values(
        "network"
    )
    return Reason.objects.filter(network__in=networks)


def access_reasons_managed(user):
    """The reasons of the high-demand page (403 for agents who manage no network's reasons)."""
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied
    if (
        not user.is_superuser
        and not user.roles.filter(kind=Role.Kind.NETWORK_MANAGER, departement__isnull=True).exists()
    ):
        raise PermissionDenied(_("High demand is switched on by the managers of a whole network."))
    return reasons_managed_by(user)


def access_reason_by_id(user, reason_id: int) -> Reason:
    """The reason if the agent manages its network (403 otherwise; 404 if there is none)."""
    reason = Reason.objects.select_related("network").filter(pk=reason_id).first()
    if reason is None:
        raise Http404(_("No such reason."))
    if not reasons_managed_by(user).filter(pk=reason_id).exists():
        raise PermissionDenied(_("Only the managers of this reason's network may change it."))
    return reason
