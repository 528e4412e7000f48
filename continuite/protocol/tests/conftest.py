"""A closed service point with appointments across three reasons, and a neighbour of its network."""

from dataclasses import dataclass
from datetime import time

import pytest

from continuite.appointments.models import Appointment, Mode, Reason, Slot
from continuite.appointments.services import appointment_book
from continuite.appointments.slots import slots_sync
from continuite.appointments.tests.factories import OpeningRangeFactory, ReasonFactory
from continuite.service_points.models import ServicePoint
from continuite.service_points.tests.factories import ServicePointFactory


@dataclass
class Scene:
    point: ServicePoint
    neighbour: ServicePoint
    far: ServicePoint
    phone_reason: Reason  # can be served by phone: converted
    moved_reason: Reason  # served by the neighbour: moved
    lonely_reason: Reason  # served nowhere else: cancelled with a call-back
    appointments: list[Appointment]


def weekday_ranges(point, reasons, *, agents=2, mode=Mode.ON_SITE, opens=time(9), closes=time(12)):
    for weekday in range(5):
        OpeningRangeFactory(
            service_point=point,
            weekday=weekday,
            reasons=reasons,
            agents_on_duty=agents,
            mode=mode,
            opens_at=opens,
            closes_at=closes,
        )


def book(point, reason, index: int, *, nth_slot: int | None = None) -> Appointment:
    slots = Slot.objects.filter(service_point=point, mode=Mode.ON_SITE).order_by("starts_at")
    slot = slots[nth_slot if nth_slot is not None else index * 3]
    return appointment_book(
        slot_id=slot.pk,
        reason=reason,
        mode=Mode.ON_SITE,
        name=f"Personne {reason.pk}-{index}",
        phone=f"06 12 {reason.pk % 100:02d} {index // 100:02d} {index % 100:02d}",
        notify=False,
    )


def build_scene(per_reason: int = 3) -> Scene:
    phone_reason = ReasonFactory(label="Accompagnement CAF", by_phone=True)
    moved_reason = ReasonFactory(label="Carte grise")
    lonely_reason = ReasonFactory(label="Permis de conduire")
    point = ServicePointFactory(name="France services de Lyon 1er")
    neighbour = ServicePointFactory(
        name="France services de Villeurbanne", latitude=45.7719, longitude=4.8902
    )
    far = ServicePointFactory(
        name="France services de Saint-Étienne", latitude=45.4397, longitude=4.3872
    )
    weekday_ranges(point, [phone_reason, moved_reason, lonely_reason])
    weekday_ranges(neighbour, [moved_reason, phone_reason], agents=3)
    weekday_ranges(far, [moved_reason, lonely_reason], agents=3)
    for each in (point, neighbour, far):
        slots_sync(service_point=each)
    appointments = []
    for index, reason in enumerate([phone_reason, moved_reason, lonely_reason] * per_reason):
        appointments.append(book(point, reason, index))
    return Scene(point, neighbour, far, phone_reason, moved_reason, lonely_reason, appointments)


@pytest.fixture
def scene(db) -> Scene:
    return build_scene()
