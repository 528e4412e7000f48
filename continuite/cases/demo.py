"""Synthetic cases for the demo: procedure types of the networks shown, and a few months of cases.

Every deadline comes from the one engine (`deadlines.compute_deadline`); the people behind the
cases are never named (a case holds a reference only).
"""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from continuite.accounts.models import User
from continuite.service_points.models import Network, ServicePoint

from .deadlines import compute_deadline
from .models import Case, CaseEvent, DeadlineUnit, ProcedureType, SilenceRule, StopRule

DEMO_SEED = 20201119
DAYS_OF_HISTORY = 120
CASES_PER_POINT = (15, 60)
POINTS = 40

PROCEDURES = [
    # network, code, label, amount, unit, silence, stop rule, minutes of work
    (
        "mairie",
        "etat-civil",
        "Demande d'acte d'état civil",
        10,
        DeadlineUnit.BUSINESS_DAYS,
        SilenceRule.NOTHING,
        StopRule.PAUSE,
        20,
    ),
    (
        "mairie",
        "declaration-prealable",
        "Déclaration préalable de travaux",
        1,
        DeadlineUnit.MONTHS,
        SilenceRule.ACCEPTANCE,
        StopRule.RESTART,
        90,
    ),
    (
        "mairie",
        "carte-identite",
        "Carte nationale d'identité",
        2,
        DeadlineUnit.MONTHS,
        SilenceRule.NOTHING,
        StopRule.PAUSE,
        30,
    ),
    (
        "france-services",
        "aide-logement",
        "Aide au logement (dossier accompagné)",
        2,
        DeadlineUnit.MONTHS,
        SilenceRule.REJECTION,
        StopRule.PAUSE,
        45,
    ),
    (
        "france-services",
        "complementaire-sante",
        "Complémentaire santé solidaire (dossier accompagné)",
        2,
        DeadlineUnit.MONTHS,
        SilenceRule.ACCEPTANCE,
        StopRule.PAUSE,
        40,
    ),
    (
        "france-services",
        "cheque-energie",
        "Réclamation chèque énergie",
        30,
        DeadlineUnit.CALENDAR_DAYS,
        SilenceRule.REJECTION,
        StopRule.PAUSE,
        25,
    ),
]


@transaction.atomic
def demo_cases(agent_username: str = "agent.lyon") -> str:
    """Procedure types, and cases at the demo's service points taking appointments; once."""
    types = _procedure_types()
    if Case.objects.exists():
        return "Cases already present: kept as they are."
    agent = User.objects.filter(username=agent_username).first()
    agent_points = set(agent.roles.values_list("service_point_id", flat=True)) if agent else set()
    rng = random.Random(DEMO_SEED)
    now = timezone.now()
    cases = []
    for point in _demo_points(agent_points):
        offered = [t for t in types if t.network_id == point.network_id]
        if not offered:
            continue
        for _index in range(rng.randint(*CASES_PER_POINT)):
            cases.append(
                _demo_case(
                    rng,
                    point=point,
                    procedure=rng.choice(offered),
                    number=len(cases) + 1,
                    agent=agent if point.pk in agent_points else None,
                    now=now,
                )
            )
    Case.objects.bulk_create(cases, batch_size=2000)
    CaseEvent.objects.bulk_create(
        [CaseEvent(case=case, kind="received", note="") for case in cases], batch_size=2000
    )
    open_count = sum(case.status in Case.OPEN for case in cases)
    return f"Cases: {len(types)} procedure types, {len(cases)} cases ({open_count} open)."


def _procedure_types() -> list[ProcedureType]:
    """The demo networks' procedure types, created on the first run and kept after."""
    types = []
    for network, code, label, amount, unit, silence, stop_rule, minutes in PROCEDURES:
        procedure, _created = ProcedureType.objects.get_or_create(
            network=Network.objects.get(slug=network),
            code=code,
            defaults={
                "label": label,
                "deadline_amount": amount,
                "deadline_unit": unit,
                "silence_rule": silence,
                "stop_rule": stop_rule,
                "expected_minutes": minutes,
            },
        )
        types.append(procedure)
    return types


def _demo_points(agent_points: set[int]) -> list[ServicePoint]:
    """The first town halls and France Services taking appointments, and the agent's points."""
    taking_appointments = (
        ServicePoint.objects.filter(
            opening_ranges__isnull=False, network__slug__in=["mairie", "france-services"]
        )
        .distinct()
        .order_by("pk")[:POINTS]
    )
    points = {p.pk: p for p in taking_appointments}
    points.update({p.pk: p for p in ServicePoint.objects.filter(pk__in=agent_points)})
    return list(points.values())


def _demo_case(rng, *, point, procedure, number: int, agent, now) -> Case:
    """One case received in the last months; older ones mostly decided, by its legal deadline."""
    received_at = now - timedelta(days=rng.randint(0, DAYS_OF_HISTORY), hours=rng.randint(0, 9))
    deadline = compute_deadline(
        procedure_type=procedure,
        departement_code=point.departement_id,
        received_at=received_at,
        stops=[],
        windows=[],
        now=now,
    )
    status, decided_at = _fate(rng, received_at, deadline.at, now)
    return Case(
        reference=f"{procedure.code[:3].upper()}-{received_at:%Y}-{number:05d}",
        network_id=point.network_id,
        procedure_type=procedure,
        service_point=point,
        received_at=received_at,
        assigned_to=agent if agent and rng.random() < 0.6 else None,
        status=status,
        decided_at=decided_at,
        deadline_at=deadline.at,
        deadline_explanation=deadline.explanation,
    )


def _fate(rng, received_at, deadline_at, now):
    """Older cases are mostly decided, a few of them late; recent ones are still open."""
    if deadline_at < now - timedelta(days=3) and rng.random() < 0.85:
        span = (deadline_at - received_at).total_seconds()
        decided_at = received_at + timedelta(seconds=span * rng.uniform(0.3, 1.15))
        decided_at = min(decided_at, now)
        return rng.choice([Case.Status.ACCEPTED] * 4 + [Case.Status.REJECTED]), decided_at
    return rng.choice(
        [Case.Status.RECEIVED, Case.Status.IN_PROGRESS, Case.Status.IN_PROGRESS]
    ), None
