"""Prepare the demo: real directory, demo agents, and a synthetic crisis; safe to run again."""

import random
from datetime import timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from continuite.accounts.models import Role, User
from continuite.appointments.demo import demo_appointments_setup
from continuite.cases.demo import demo_cases
from continuite.core.models import Commune
from continuite.core.services import territory_load
from continuite.dashboard.models import OpenRateSnapshot
from continuite.dashboard.services import open_rate_snapshot_take
from continuite.outreach.demo import demo_campaigns, demo_registers
from continuite.protocol.demo import demo_closures, demo_self_assessments
from continuite.service_points.models import CrisisStatus, Network, ServicePoint, StatusChange

DEMO_PASSWORD = "demo-continuite-2020"
CRISIS_SEED = 20201119  # the charter's date: the same crisis at every run
HARD_HIT_DEPARTEMENT = "13"
DAYS_OF_HISTORY = 14

# (status, share in general, share in the hard-hit département, reasons people read)
CRISIS = [
    (
        CrisisStatus.CLOSED,
        0.025,
        0.12,
        [
            "Fermeture temporaire : agents placés à l'isolement",
            "Fermeture pour désinfection des locaux",
            "Fermé pendant le confinement, démarches en ligne ou par téléphone",
        ],
    ),
    (
        CrisisStatus.PHONE_ONLY,
        0.04,
        0.15,
        [
            "Accueil téléphonique uniquement pendant le confinement",
            "Agents en télétravail : appelez-nous",
        ],
    ),
    (
        CrisisStatus.APPOINTMENTS_ONLY,
        0.06,
        0.10,
        [
            "Accueil uniquement sur rendez-vous (jauge sanitaire)",
            "Sur rendez-vous pour limiter l'attente",
        ],
    ),
    (
        CrisisStatus.EMERGENCY_ONLY,
        0.01,
        0.04,
        ["Guichet ouvert pour les seules urgences des personnes isolées et vulnérables"],
    ),
]

DEMO_AGENTS = [
    # username, first name, last name, role kind, scope description
    ("pilotage", "Claire", "Martin", Role.Kind.STEERING, "national"),
    ("prefecture.rhone", "Hugo", "Bernard", Role.Kind.STEERING, "departement:69"),
    (
        "reseau.france-services",
        "Inès",
        "Petit",
        Role.Kind.NETWORK_MANAGER,
        "network:france-services",
    ),
    ("reseau.mairies.rhone", "Louis", "Durand", Role.Kind.NETWORK_MANAGER, "network:mairie/69"),
    ("site.lyon", "Nadia", "Leroy", Role.Kind.SITE_MANAGER, "sites:lyon"),
    ("agent.lyon", "Paul", "Moreau", Role.Kind.AGENT, "sites:lyon"),
]


class Command(BaseCommand):
    help = "Load the real directory, create demo agents and a synthetic crisis (idempotent)."

    def handle(self, *args, **options):
        if not Commune.objects.exists():
            self.stdout.write("Loading the territory (communes, départements, regions)...")
            territory_load()
        for source in ("france-services", "mairies"):
            call_command(
                "import_directory", source, wet_run=True, if_changed=True, stdout=self.stdout
            )
        self._crisis()
        self.stdout.write(demo_appointments_setup())
        agents = self._agents()
        self.stdout.write(demo_self_assessments())
        self.stdout.write(demo_closures())
        self.stdout.write(demo_cases())
        self.stdout.write(demo_registers())
        self.stdout.write(demo_campaigns())
        self._print_agents(agents)

    @transaction.atomic
    def _crisis(self):
        if StatusChange.objects.exists():
            self.stdout.write("Crisis statuses already present: kept as they are.")
            return
        rng = random.Random(CRISIS_SEED)
        now = timezone.now().replace(second=0, microsecond=0)
        changes = []
        points = ServicePoint.objects.order_by("id").values_list("id", "departement_id")
        for point_id, departement in points:
            draw = rng.random()
            for status, share, hard_share, reasons in CRISIS:
                share = hard_share if departement == HARD_HIT_DEPARTEMENT else share
                if draw < share:
                    starts_at = now - timedelta(
                        days=rng.randint(0, DAYS_OF_HISTORY), hours=rng.randint(0, 10)
                    )
                    ends_at = None
                    if rng.random() < 0.3:
                        ends_at = now + timedelta(days=rng.randint(2, 21))
                    changes.append(
                        StatusChange(
                            service_point_id=point_id,
                            status=status,
                            reason=rng.choice(reasons),
                            starts_at=starts_at,
                            ends_at=ends_at,
                        )
                    )
                    break
                draw -= share
        # A few reopenings already announced, to show statuses scheduled ahead.
        for change in changes[::25]:
            if change.status == CrisisStatus.CLOSED and change.ends_at is None:
                changes.append(
                    StatusChange(
                        service_point_id=change.service_point_id,
                        status=CrisisStatus.APPOINTMENTS_ONLY,
                        reason="Réouverture progressive, sur rendez-vous",
                        starts_at=now + timedelta(days=rng.randint(3, 10)),
                    )
                )
        StatusChange.objects.bulk_create(changes, batch_size=2000)
        # The trend is computed from the status history itself, one snapshot a day.
        if not OpenRateSnapshot.objects.exists():
            for days_ago in range(DAYS_OF_HISTORY, -1, -1):
                open_rate_snapshot_take(at=now - timedelta(days=days_ago))
        self.stdout.write(
            f"Synthetic crisis: {len(changes)} status changes over {DAYS_OF_HISTORY} days."
        )

    def _agents(self):
        lyon = ServicePoint.objects.filter(postcode__startswith="6900").order_by("name")
        lyon_sites = list(lyon.filter(network__slug="france-services")[:3]) + list(
            lyon.filter(network__slug="mairie", commune__code="69381")
        )
        agents = []
        for username, first_name, last_name, kind, scope in DEMO_AGENTS:
            user, _created = User.objects.get_or_create(
                username=username, defaults={"first_name": first_name, "last_name": last_name}
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            if scope.startswith("sites:"):
                targets = [{"service_point": point} for point in lyon_sites]
            elif scope.startswith("network:"):
                slug, _sep, departement = scope.removeprefix("network:").partition("/")
                targets = [
                    {
                        "network": Network.objects.get(slug=slug),
                        "departement_id": departement or None,
                    }
                ]
            elif scope.startswith("departement:"):
                targets = [{"departement_id": scope.removeprefix("departement:")}]
            else:
                targets = [{}]
            for target in targets:
                Role.objects.get_or_create(user=user, kind=kind, **target)
            agents.append(user)
        return agents

    def _print_agents(self, agents):
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo agents (password for all: {DEMO_PASSWORD})"))
        for user in agents:
            roles = list(user.roles.select_related("network", "departement", "service_point"))
            scope = (
                str(roles[0])
                if len(roles) == 1
                else f"{roles[0].get_kind_display()} ({len(roles)} sites)"
            )
            self.stdout.write(f"  {user.username:<24} {user.get_full_name():<16} {scope}")
        self.stdout.write("")
        self.stdout.write(
            "Second factor relaxed in the demo (required in production for managers)."
        )
        self.stdout.write(
            "Open http://127.0.0.1:8000 — agents' area: http://127.0.0.1:8000/compte/connexion/"
        )
