"""The one way views load a register, a registered person or a campaign call for an agent,
scoped by roles.

Out of scope and not existing answer alike (404), so ids cannot be probed.
"""

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from .models import Call, CallerProfile, Register, RegisteredPerson


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
