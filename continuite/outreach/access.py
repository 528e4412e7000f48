"""The one way views load a register, a registered person or a campaign call for an agent,
scoped by roles.

Out of scope and not existing answer alike (404), so ids cannot be probed.
"""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from continuite.accounts.models import Role

from .models import (
    TOWN_HALL_NETWORK,
    Call,
    CallCampaign,
    CallerProfile,
    MatchRequest,
    Register,
    RegisteredPerson,
)
from .services import matches_for


def register_reader_required(view):
    """Every page that reads the register or a call: logged in and, when settings require it
    (OTP_REQUIRED_FOR_REGISTER), past the second factor; else sent to the second-factor page."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if settings.OTP_REQUIRED_FOR_REGISTER and not request.user.is_verified():
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:second_factor')}?{query}")
        return view(request, *args, **kwargs)

    return wrapped


def registers_controlled_by(user):
    """The registers whose managers (controllers) the agent is: the site managers of the town
    hall holding a commune's register, the network managers over a network's register (narrowed
    to their département if they are), superusers. They read its audit log and answer the
    requests of other social action centres."""
    if not user.is_authenticated or not user.is_active:
        return Register.objects.none()
    if user.is_superuser:
        return Register.objects.all()
    q = Q(pk__in=[])
    roles = user.roles.filter(
        kind__in=(Role.Kind.SITE_MANAGER, Role.Kind.NETWORK_MANAGER)
    ).select_related("service_point__network")
    for role in roles:
        point = role.service_point
        if point is not None:
            if point.network.slug == TOWN_HALL_NETWORK and point.commune_id:
                q |= Q(commune_id=point.commune_id)
        elif role.network_id:
            scope = {"network_id": role.network_id}
            if role.departement_id:
                scope["departement_id"] = role.departement_id
            q |= Q(**scope)
    return Register.objects.filter(q)


def access_register_as_controller(user, register_id: int) -> Register:
    """A register the agent controls (404 out of reach, 403 read but not controlled)."""
    register = access_register_by_id(user, register_id)
    if not registers_controlled_by(user).filter(pk=register.pk).exists():
        raise PermissionDenied(_("This page is for the register's managers."))
    return register


def access_match_request_by_id(user, register_id: int, request_id: int) -> MatchRequest:
    """A request received by a register the agent controls (404 otherwise)."""
    register = access_register_as_controller(user, register_id)
    request = (
        MatchRequest.objects.filter(to_register=register, pk=request_id)
        .select_related("person")
        .first()
    )
    if request is None:
        raise Http404(_("No such request for this register."))
    return request


def access_register_by_id(user, register_id: int) -> Register:
    """The register if the agent's roles reach it (404 otherwise)."""
    register = (
        Register.objects.visible_to(user)
        .select_related("commune", "network", "departement")
        .filter(pk=register_id)
        .first()
    )
    if register is None:
        raise Http404(_("No such register in your scope."))
    return register


def access_person_by_id(user, register_id: int, person_id: int) -> RegisteredPerson:
    """A person of a register the agent reaches, not purged (404 otherwise)."""
    register = access_register_by_id(user, register_id)
    person = (
        register.people.not_purged()
        .select_related("commune", "register", "call_plan")
        .filter(pk=person_id)
        .first()
    )
    if person is None:
        raise Http404(_("No such person in this register."))
    person.register = register
    return person


def matches_visible_to(user, person: RegisteredPerson):
    """The same person's records in the other registers the agent may read, and only those:
    a record elsewhere is neither shown nor linkable (ask its social action centre instead)."""
    return matches_for(person).filter(register__in=Register.objects.visible_to(user))


def calls_visible_to(user):
    """The calls a caller may work: of people in their register scope, assigned to them,
    reserved by them, or unassigned in the communes they serve."""
    people = RegisteredPerson.objects.visible_to(user).not_purged()
    communes = CallerProfile.objects.filter(user=user, is_active=True).values("communes")
    return Call.objects.filter(person__in=people).filter(
        Q(caller=user) | Q(reserved_by=user) | Q(caller__isnull=True, person__commune__in=communes)
    )


def access_call_by_id(user, call_id: int):
    """A call the caller may work (404 otherwise, out of scope or not existing alike)."""
    call = (
        calls_visible_to(user)
        .select_related("campaign", "person__commune", "person__register", "reserved_by")
        .filter(pk=call_id)
        .first()
    )
    if call is None:
        raise Http404(_("No such call in your list."))
    return call


# Who prepares, activates and ends campaigns, and follows their coverage by name.
CAMPAIGN_MANAGER_KINDS = (Role.Kind.SITE_MANAGER, Role.Kind.NETWORK_MANAGER)


def manages_campaigns(user) -> bool:
    """Superusers, site managers and network managers (never agents nor steering alone)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.roles.filter(kind__in=CAMPAIGN_MANAGER_KINDS).exists()


def campaigns_visible_to(user):
    """Campaigns a manager follows: one of their registers is in the agent's register scope;
    a campaign of communes only (no register), when the agent reaches a register of one of its
    communes (that commune's, or a network's register covering its département)."""
    if not manages_campaigns(user):
        return CallCampaign.objects.none()
    return _campaigns_in_scope(user)


def _campaigns_in_scope(user):
    if user.is_superuser:
        return CallCampaign.objects.all()
    registers = Register.objects.visible_to(user)
    campaign_registers = CallCampaign.registers.through.objects.filter(
        callcampaign_id=OuterRef("pk")
    )
    reached_communes = CallCampaign.communes.through.objects.filter(
        callcampaign_id=OuterRef("pk")
    ).filter(
        Exists(
            registers.filter(
                Q(commune_id=OuterRef("commune_id"))
                | Q(commune__isnull=True, departement__isnull=True)
                | Q(commune__isnull=True, departement_id=OuterRef("commune__departement_id"))
            )
        )
    )
    return CallCampaign.objects.filter(
        Exists(campaign_registers.filter(register__in=registers))
        | (~Exists(campaign_registers) & Exists(reached_communes))
    )


def access_campaigns(user):
    """The campaigns of a manager's pages (403 for everyone else)."""
    if not manages_campaigns(user):
        raise PermissionDenied(_("Call campaigns are for site managers and network managers."))
    return _campaigns_in_scope(user)


def access_campaign_by_id(user, campaign_id: int) -> CallCampaign:
    """A campaign the manager follows (404 otherwise, out of scope or not existing alike)."""
    campaign = (
        campaigns_visible_to(user)
        .select_related("followup_service_point", "followup_reason")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None:
        raise Http404(_("No such campaign in your scope."))
    return campaign


def access_coverage_steering(user) -> set[str] | None:
    """The départements whose campaign coverage a steering team sees (None: the whole country);
    403 for anyone but steering teams and superusers."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied
    if user.is_superuser:
        return None
    roles = list(
        user.roles.filter(kind=Role.Kind.STEERING).values_list("departement_id", flat=True)
    )
    if not roles:
        raise PermissionDenied(_("The coverage of all campaigns is for steering teams."))
    if None in roles:
        return None
    return set(roles)
