"""The one way views load a register or a registered person for an agent: scoped by roles.

Out of scope and not existing answer alike (404), so ids cannot be probed.
"""

from django.http import Http404
from django.utils.translation import gettext as _

from .models import Register, RegisteredPerson


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
