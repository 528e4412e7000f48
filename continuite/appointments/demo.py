"""Synthetic appointment data for the demo: reasons, ranges, protocols, slots and some bookings."""

import random
from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import transaction

from continuite.service_points.models import Network, ServicePoint

from .models import HealthProtocol, Mode, OpeningRange, Reason, Slot
from .services import appointment_book
from .slots import slots_sync

DEMO_SEED = 2020
DEMO_DEPARTEMENTS = ("69", "13")

REASONS = [
    # network, label, minutes, on site, by phone, lottery
    (
        "france-services",
        "Aide aux démarches en ligne (CAF, impôts, retraite)",
        30,
        True,
        False,
        False,
    ),
    ("france-services", "Rendez-vous téléphonique avec un conseiller", 20, False, True, False),
    ("france-services", "Accès aux droits (santé, logement, emploi)", 30, True, False, False),
    ("mairie", "Carte nationale d'identité et passeport", 20, True, False, True),
    ("mairie", "État civil (actes, mariage, décès)", 15, True, False, False),
]

FIRST_NAMES = [
    "Marie",
    "Jean",
    "Fatima",
    "Pierre",
    "Nathalie",
    "Mohamed",
    "Isabelle",
    "Michel",
    "Sylvie",
    "Lucas",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
]


@transaction.atomic
def demo_appointments_setup() -> str:
    """Create the demo's appointment data once; a rerun finds it and changes nothing."""
    if Reason.objects.exists():
        return "Appointments already set up: kept as they are."
    reasons = _create_reasons()
    on_site_fs = [r for r in reasons.values() if r.network.slug == "france-services" and r.on_site]
    phone_fs = [r for r in reasons.values() if r.network.slug == "france-services" and r.by_phone]
    town_hall = [r for r in reasons.values() if r.network.slug == "mairie"]
    points = _demo_points()
    start = date(2020, 11, 2)
    for point in points:
        served = on_site_fs if point.network.slug == "france-services" else town_hall
        HealthProtocol.objects.create(
            service_point=point, max_people_present=3, buffer_minutes=5, emergency_share_percent=20
        )
        _open_on_site(point, served, start)
        if point.network.slug == "france-services":
            _open_by_phone(point, phone_fs, start)
        slots_sync(service_point=point, horizon_days=30)
    booked = _book_some(points, reasons)
    return f"Appointments: {len(reasons)} reasons, {len(points)} service points with slots, {booked} bookings."


def _create_reasons() -> dict[str, Reason]:
    """The demo's reasons, by label, in the France Services and town hall networks."""
    networks = {n.slug: n for n in Network.objects.filter(slug__in=["france-services", "mairie"])}
    return {
        label: Reason.objects.create(
            network=networks[slug],
            label=label,
            duration_minutes=minutes,
            on_site=on_site,
            by_phone=by_phone,
            lottery=lottery,
            min_notice_hours=2,
            max_horizon_days=60,
        )
        for slug, label, minutes, on_site, by_phone, lottery in REASONS
    }


def _demo_points() -> list[ServicePoint]:
    """The service points that take appointments: France Services of the demo départements, three town halls."""
    return list(
        ServicePoint.objects.filter(
            departement_id__in=DEMO_DEPARTEMENTS, network__slug="france-services"
        )
    ) + list(
        ServicePoint.objects.filter(
            network__slug="mairie", commune__code__in=["69381", "69123", "13055"]
        )
    )


def _open_on_site(point: ServicePoint, served: list[Reason], start: date) -> None:
    """Weekday mornings and afternoons at the counter, two agents, 30-minute slots."""
    for weekday in range(5):
        for opens, closes in ((time(9), time(12)), (time(13, 30), time(16, 30))):
            opening_range = OpeningRange.objects.create(
                service_point=point,
                weekday=weekday,
                opens_at=opens,
                closes_at=closes,
                starts_on=start,
                slot_minutes=30,
                agents_on_duty=2,
            )
            opening_range.reasons.set(served)


def _open_by_phone(point: ServicePoint, phone_reasons: list[Reason], start: date) -> None:
    """Tuesday and Thursday afternoons by phone, one agent, 20-minute slots."""
    for weekday in (1, 3):
        phone_range = OpeningRange.objects.create(
            service_point=point,
            weekday=weekday,
            opens_at=time(14),
            closes_at=time(16),
            starts_on=start,
            slot_minutes=20,
            mode=Mode.PHONE,
            agents_on_duty=1,
        )
        phone_range.reasons.set(phone_reasons)


def _book_some(points, reasons) -> int:
    """A third of the next ten days' seats taken, by synthetic people."""
    rng = random.Random(DEMO_SEED)
    booked = 0
    slots = (
        Slot.objects.bookable()
        .filter(service_point__in=points)
        .select_related("opening_range", "service_point")
    )
    for slot in slots.order_by("starts_at")[: 40 * len(points)]:
        if rng.random() > 0.33:
            continue
        reason = rng.choice(list(slot.opening_range.reasons.all()))
        if reason.lottery:
            continue
        phone = f"06{rng.randint(10000000, 99999999)}"
        try:
            appointment_book(
                slot_id=slot.pk,
                reason=reason,
                mode=slot.mode,
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                phone=phone,
                notify=False,
            )
        except ValidationError:
            continue
        booked += 1
    return booked
