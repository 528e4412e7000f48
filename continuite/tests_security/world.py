"""The data the role × URL matrix walks: one world in every role's scope, one outside it.

"In" is Lyon 1er's town hall (network "mairie", Rhône): the site roles work there, the
network manager manages its network, the préfecture's steering team has the Rhône. "Out" is a
CPAM counter in Paris (another network, another département), with the same kinds of objects.
Each world gives the value of every URL keyword the URLconf uses.
"""

from dataclasses import dataclass, field
from datetime import time, timedelta

from django.core import signing
from django.utils import timezone

from continuite.accounts.models import Role, User
from continuite.accounts.services import invitation_send
from continuite.accounts.tests.factories import RoleFactory, UserFactory
from continuite.appointments.agent_views import _CONFIRMATION_SALT as CALLBACK_CONFIRMATION_SALT
from continuite.appointments.callbacks import callback_request_create
from continuite.appointments.links import manage_token
from continuite.appointments.models import LotteryRequest, Mode, QueueTicket, Slot
from continuite.appointments.public_views import LOTTERY_ENTRY_SALT, REQUESTED_SALT
from continuite.appointments.services import appointment_book
from continuite.appointments.slots import slots_sync
from continuite.appointments.tests.factories import OpeningRangeFactory, ReasonFactory
from continuite.cases.models import CaseImport
from continuite.cases.tests.factories import CaseFactory, ProcedureTypeFactory
from continuite.core.models import Commune, Departement
from continuite.outreach.models import CallAttempt, MatchRequest
from continuite.outreach.tests.campaign_factories import (
    CallCampaignFactory,
    CallerProfileFactory,
    CallFactory,
)
from continuite.outreach.tests.factories import RegisteredPersonFactory, RegisterFactory
from continuite.protocol.models import Closure, RehomingRun
from continuite.service_points.models import AgentPresence, Network
from continuite.service_points.tests.factories import ServicePointFactory

# The roles of the README's role model, in the order of the matrix.
ROLES = (
    "anonymous",
    "counter_agent",
    "site_manager",
    "network_manager",
    "prefecture_steering",
    "national_steering",
    "register_caller",
    "administrator",
)


@dataclass
class World:
    """The value of each URL keyword for the objects of one world."""

    kwargs: dict = field(default_factory=dict)
    # Secret links whose token is not the booking's manage link, by URL name.
    tokens: dict = field(default_factory=dict)
    # Keywords whose object differs for one URL name (a role of the network, a request...).
    overrides: dict = field(default_factory=dict)

    def kwargs_for(self, name: str, keywords) -> dict:
        values = {
            **self.kwargs,
            "token": self.tokens.get(name, self.kwargs["token"]),
            **self.overrides.get(name, {}),
        }
        return {keyword: values[keyword] for keyword in keywords}


def _world(*, commune_code: str, neighbour_code: str, network_slug: str, tag: str) -> World:
    commune = Commune.objects.get(code=commune_code)
    network = Network.objects.get(slug=network_slug)
    point = ServicePointFactory(
        network=network,
        name=f"Guichet {tag}",
        commune=commune,
        commune_name=commune.name,
        postcode=commune_code[:2] + "001",
        departement=commune.departement,
    )
    reason = ReasonFactory(network=network, label=f"Motif {tag}", by_phone=True)
    # Scarce slots given by a draw: its entry page is open while the point has free slots.
    lottery_reason = ReasonFactory(network=network, label=f"Tirage {tag}", lottery=True)
    opening = None
    for weekday in range(7):
        opening = OpeningRangeFactory(service_point=point, weekday=weekday, reasons=[reason])
        OpeningRangeFactory(
            service_point=point,
            weekday=weekday,
            opens_at=time(14),
            closes_at=time(16),
            reasons=[lottery_reason],
        )
    slots_sync(service_point=point)
    slot = Slot.objects.filter(
        service_point=point, mode=Mode.ON_SITE, opening_range__reasons=reason
    ).order_by("starts_at")[3]
    appointment = appointment_book(
        slot_id=slot.pk,
        reason=reason,
        mode=Mode.ON_SITE,
        name=f"Personne Fictive {tag}",
        phone="06 12 34 56 78",
        notify=False,
    )
    callback = callback_request_create(
        service_point=point,
        reason=reason,
        name=f"Rappel Fictif {tag}",
        phone="06 98 76 54 32",
        preferred_window="any",
    )
    ticket = QueueTicket.objects.create(
        service_point=point,
        number=1,
        issued_on=timezone.localdate(timezone=point.time_zone),
        label=f"Ticket {tag}",
    )
    presence = AgentPresence.objects.create(
        service_point=point,
        presence_on=timezone.localdate(),
        agent=UserFactory(),
        status=AgentPresence.Status.ON_SITE,
    )
    now = timezone.now()
    closure = Closure.objects.create(
        service_point=point,
        scope=Closure.Scope.FULL,
        starts_at=now + timedelta(days=20),
        ends_at=now + timedelta(days=21),
        label=f"Fermeture {tag}",
    )
    run = RehomingRun.objects.create(service_point=point, trigger="manual", status="done")
    procedure = ProcedureTypeFactory(network=network)
    case = CaseFactory(service_point=point, procedure_type=procedure)
    case_import = CaseImport.objects.create(network=network, file_name="dossiers.csv", content="")
    register = RegisterFactory(commune=commune)
    person = RegisteredPersonFactory(
        register=register, commune=commune, postcode=point.postcode, last_name=f"Inscrite{tag}"
    )
    campaign = CallCampaignFactory(registers=[register], followup_service_point=point)
    call = CallFactory(person=person, campaign=campaign)
    # A try that heard a need, so that the call has a follow-up page.
    CallAttempt.objects.create(
        call=call, called_at=now, step="person", outcome="reached", alone=True, needs_food=True
    )
    lottery_entry = LotteryRequest.objects.create(
        reason=lottery_reason,
        service_point=point,
        person=appointment.person,
        draw_on=timezone.localdate() + timedelta(days=1),
    )
    # A site's agent, managed from the site's staff pages; a network manager narrowed to the
    # département, managed from the network's page.
    staff_role = RoleFactory(agent=True, service_point=point)
    network_role = RoleFactory(
        kind=Role.Kind.NETWORK_MANAGER,
        service_point=None,
        network=network,
        departement=commune.departement,
    )
    # Another commune's social action centre asks this register whether it holds a person.
    neighbour = Commune.objects.get(code=neighbour_code)
    asking = RegisteredPersonFactory(register=RegisterFactory(commune=neighbour), commune=neighbour)
    match_request = MatchRequest.objects.create(person=asking, to_register=register)
    secret = tag == "in"  # outside, links that were never given
    invitation = (
        invitation_send(user=staff_role.user, invited_by=None).rstrip("/").rsplit("/", 1)[1]
        if secret
        # a link never given, of the form of one
        else "lien-jamais-donne-0123456789"
    )
    return World(
        tokens={
            "appointments:callback_confirmation": signing.Signer(
                salt=CALLBACK_CONFIRMATION_SALT
            ).sign_object(
                {
                    "point": point.pk,
                    "reason": reason.pk,
                    "window": "any",
                    "due_on": callback.due_at.date().isoformat(),
                }
            )
            if secret
            else "lien-inconnu",
            "appointments:lottery_entered": signing.Signer(salt=LOTTERY_ENTRY_SALT).sign_object(
                {
                    "reason": lottery_reason.pk,
                    "point": point.pk,
                    "draw_on": lottery_entry.draw_on.isoformat(),
                }
            )
            if secret
            else "lien-inconnu",
            "accounts:invitation": invitation,
            "appointments:requested": signing.Signer(salt=REQUESTED_SALT).sign_object(
                {"slot": slot.pk, "reason": reason.pk, "mode": Mode.ON_SITE}
            )
            if secret
            else "lien-inconnu",
        },
        overrides={
            "service_points:network_staff_remove": {"role_id": network_role.pk},
            "outreach:match_request_reply": {"request_id": match_request.pk},
        },
        kwargs={
            "point_id": point.pk,
            "presence_id": presence.pk,
            "appointment_id": appointment.pk,
            "ticket_id": ticket.pk,
            "request_id": callback.pk,
            "range_id": opening.pk,
            "closure_id": closure.pk,
            "run_id": run.pk,
            "slug": network.slug,
            "case_id": case.pk,
            "import_id": case_import.pk,
            "procedure_id": procedure.pk,
            "register_id": register.pk,
            "person_id": person.pk,
            "call_id": call.pk,
            "campaign_id": campaign.pk,
            "slot_id": slot.pk,
            "reason_id": lottery_reason.pk,
            "pending_id": "codeinconnu0",
            "role_id": staff_role.pk,
            "user_id": staff_role.user.pk,
            "uidb64": "MQ",
            # A secret link: the real one in scope; outside, a link that was never given.
            "token": manage_token(appointment) if secret else "lien-inconnu",
        },
    )


def build() -> tuple[dict[str, World], dict[str, User | None]]:
    """Both worlds and one user per role (None: anonymous)."""
    inside = _world(commune_code="69381", neighbour_code="69382", network_slug="mairie", tag="in")
    outside = _world(commune_code="75101", neighbour_code="75102", network_slug="cpam", tag="out")
    point_id = inside.kwargs["point_id"]
    rhone = Departement.objects.get(code="69")
    caller = RoleFactory(agent=True, service_point_id=point_id).user
    CallerProfileFactory(user=caller, communes=[Commune.objects.get(code="69381")])
    users = {
        "anonymous": None,
        "counter_agent": RoleFactory(agent=True, service_point_id=point_id).user,
        "site_manager": RoleFactory(service_point_id=point_id).user,
        "network_manager": RoleFactory(
            kind=Role.Kind.NETWORK_MANAGER,
            service_point=None,
            network=Network.objects.get(slug="mairie"),
        ).user,
        "prefecture_steering": RoleFactory(steering=True, departement=rhone).user,
        "national_steering": RoleFactory(steering=True).user,
        "register_caller": caller,
        "administrator": UserFactory(is_superuser=True, is_staff=True),
    }
    assert tuple(users) == ROLES
    return {"in": inside, "out": outside}, users
