"""Synthetic protocol data for the demo: self-assessments of the service points taking appointments."""

import random
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from continuite.accounts.models import Role
from continuite.service_points.models import ServicePoint

from .checklist import MEASURES
from .models import SelfAssessment

DEMO_SEED = 20201119
SHARE_ASSESSED = 0.8  # of the service points taking appointments
# How often each measure is found in force: screens and ventilation lag behind, as in 2020.
IN_FORCE = {
    "masks": 0.98,
    "hand_gel": 0.97,
    "distancing_marks": 0.92,
    "screens": 0.8,
    "ventilation": 0.85,
    "cleaning": 0.9,
    "max_people": 0.93,
}
NOTES_WHEN_MISSING = [
    "Écrans de protection commandés, livraison attendue.",
    "Affichage de la jauge à refaire après travaux.",
    "Fenêtres bloquées dans la salle d'attente : signalé aux services techniques.",
    "Rupture de gel hydroalcoolique, réassort demandé.",
]


@transaction.atomic
def demo_self_assessments() -> str:
    """Give most service points taking appointments a few dated self-assessments, once.

    Idempotent: a service point that already has an assessment is left alone, and the choice of
    service points is seeded, so a rerun creates nothing more.
    """
    rng = random.Random(DEMO_SEED)
    points = list(
        ServicePoint.objects.filter(
            Q(health_protocol__isnull=False) | Q(receives_by_appointment=True)
        )
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = [pk for pk in points if rng.random() < SHARE_ASSESSED]
    done = set(
        SelfAssessment.objects.filter(service_point_id__in=chosen)
        .values_list("service_point_id", flat=True)
        .distinct()
    )
    managers = dict(
        Role.objects.filter(kind=Role.Kind.SITE_MANAGER, service_point_id__in=chosen)
        .order_by("service_point_id", "pk")
        .values_list("service_point_id", "user_id")
    )
    today = timezone.localdate()
    assessments = []
    for pk in chosen:
        # Draw for every chosen point, even one already done, so the draws stay the same.
        draws = _draw(rng, today)
        if pk in done:
            continue
        assessments += [
            SelfAssessment(service_point_id=pk, assessed_by_id=managers.get(pk), **fields)
            for fields in draws
        ]
    SelfAssessment.objects.bulk_create(assessments, batch_size=2000)
    return (
        f"Protocol: {len(assessments)} self-assessments for "
        f"{len(chosen) - len(done)} service points ({len(done)} already had some)."
    )


def _draw(rng: random.Random, today) -> list[dict]:
    """One to four assessments, a week or two apart, the latest within the last six weeks."""
    days_back = rng.randint(0, 42)
    drawn = []
    for _index in range(rng.randint(1, 4)):
        answers = {m: rng.random() < IN_FORCE[m] for m in MEASURES}
        note = "" if all(answers.values()) else rng.choice(NOTES_WHEN_MISSING)
        drawn.append({"assessed_on": today - timedelta(days=days_back), "note": note, **answers})
        days_back += rng.randint(7, 15)
    return drawn


def demo_closures(site_manager_username: str = "site.lyon") -> str:
    """An incident and a week's closure at one of the demo site manager's service points taking
    appointments, with its rehoming done; once (kept as they are when a closure exists)."""
    from continuite.accounts.models import User
    from continuite.appointments.tasks import sync_slots

    from .models import Closure, Incident, RehomingRun
    from .rehoming import rehoming_run
    from .services import closure_declare, incident_declare

    if Closure.objects.exists():
        return "Protocol: closures already present, kept as they are."
    manager = User.objects.filter(username=site_manager_username).first()
    points = list(
        ServicePoint.objects.filter(role__user=manager, opening_ranges__isnull=False)
        .distinct()
        .order_by("name")
    )
    if manager is None or len(points) < 2:
        return (
            "Protocol: no demo closure (the demo site manager has too few sites with appointments)."
        )
    point = points[-1]  # the first ones stay open, to book and to close by hand
    now = timezone.now()
    incident = incident_declare(
        service_point=point,
        kind=Incident.Kind.ILLNESS,
        occurred_on=timezone.localdate(),
        description="Deux agents placés à l'isolement (cas contacts).",
        actor=manager,
    )
    with transaction.atomic():
        _closure, run = closure_declare(
            service_point=point,
            scope=Closure.Scope.FULL,
            starts_at=now,
            ends_at=now + timedelta(days=7),
            label="Fermeture temporaire : agents placés à l'isolement",
            incident=incident,
            actor=manager,
        )
    run.refresh_from_db()
    if run.status == RehomingRun.Status.QUEUED:
        # Without a worker running now: the slot sync the closure queued, then its run.
        sync_slots(point.pk)
        rehoming_run(run.pk)
        run.refresh_from_db()
    return (
        f"Protocol: {point.name} closed for a week; {run.total} appointments rehomed "
        f"({run.phone} by phone, {run.moved} moved, {run.cancelled} cancelled with a call-back)."
    )
