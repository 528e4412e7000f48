"""The earliest free slots of a reason near a place: the query and the public page."""

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from continuite.appointments import queries
from continuite.appointments.models import Mode, Slot
from continuite.appointments.queries import earliest_slots
from continuite.core.geo import haversine_km

from .factories import OpeningRangeFactory, ReasonFactory
from .helpers import counter, slot_at, soon

pytestmark = pytest.mark.django_db

LYON = (45.7640, 4.8357)  # the centre of Lyon 1er, as 69001 is placed


def search(client, reason, q="69001", **params):
    return client.get(reverse("appointments:slots"), {"reason": reason.pk, "q": q, **params})


def offers(**kwargs):
    return earliest_slots(latitude=LYON[0], longitude=LYON[1], **kwargs)


def test_slots_come_soonest_first_then_nearest_and_only_for_the_reason():
    reason, other = ReasonFactory(), ReasonFactory()
    near = counter(reason, "Guichet Sathonay")
    far = counter(reason, "Guichet Villeurbanne", 45.7719, 4.8902)
    elsewhere = counter(other, "Guichet autre motif")
    far_first = slot_at(far, soon(2))  # same start as near_first, created first
    near_first = slot_at(near, soon(2))
    near_later = slot_at(near, soon(3))
    far_earliest = slot_at(far, soon(1))
    slot_at(elsewhere, soon(1, hour=7))

    found = offers(reason=reason)

    assert [o.slot for o in found] == [far_earliest, near_first, far_first, near_later]
    assert found[1].distance_km < found[2].distance_km
    assert all(o.slot.opening_range.reasons.filter(pk=reason.pk).exists() for o in found)


def test_the_nearest_of_slots_starting_together_makes_the_list_even_at_its_limit():
    reason = ReasonFactory()
    far = counter(reason, "Guichet Villeurbanne", 45.7719, 4.8902)
    near = counter(reason, "Guichet Sathonay")
    slot_at(far, soon(2))
    near_slot = slot_at(near, soon(2))
    assert [o.slot for o in offers(reason=reason, limit=1)] == [near_slot]


def test_a_closed_counter_offers_nothing(client):
    reason = ReasonFactory()
    slot_at(counter(reason, "Guichet fermé", closed=True), soon())
    open_slot = slot_at(counter(reason, "Guichet ouvert"), soon(3))

    assert [o.slot for o in offers(reason=reason)] == [open_slot]
    response = search(client, reason)
    assert "Guichet fermé" not in response.content.decode()


def test_full_past_held_out_of_window_and_other_forms_of_reception_are_left_out():
    reason = ReasonFactory(min_notice_hours=4, max_horizon_days=30)
    opening_range = counter(reason, "Guichet Sathonay")
    phone_range = OpeningRangeFactory(
        service_point=opening_range.service_point, reasons=[reason], mode=Mode.PHONE, weekday=1
    )
    bookable = slot_at(opening_range, soon(2))
    slot_at(opening_range, soon(3), booked=1)  # full
    slot_at(opening_range, soon(4), capacity=2, held_for_emergencies=2)  # held back
    slot_at(opening_range, soon(5), capacity=0, over_capacity=True)  # flagged by a change
    slot_at(opening_range, timezone.now() - timedelta(hours=1))  # past
    slot_at(opening_range, timezone.now() + timedelta(hours=2))  # within the notice
    slot_at(opening_range, timezone.now() + timedelta(days=31))  # beyond the horizon
    slot_at(phone_range, soon(1))  # the reason is not offered by phone

    assert [o.slot for o in offers(reason=reason)] == [bookable]


def test_the_search_widens_to_60_then_100_km_when_nothing_is_nearer(client):
    reason = ReasonFactory()
    saint_etienne = counter(reason, "Guichet de Saint-Étienne", 45.4397, 4.3872)  # ~50 km
    slot = slot_at(saint_etienne, soon())

    assert offers(reason=reason) == []
    response = search(client, reason)

    assert response.status_code == 200
    assert response.context["radius_km"] == 60
    assert [o.slot for o in response.context["offers"]] == [slot]
    assert "Guichet de Saint-Étienne" in response.content.decode()


def test_nothing_within_100_km_says_so_and_points_to_the_counters(client):
    reason = ReasonFactory()
    slot_at(counter(reason, "Guichet de Marseille", 43.2965, 5.3698), soon())
    response = search(client, reason)
    assert response.status_code == 200 and response.context["offers"] == []
    assert reverse("service_points:search") in response.content.decode()


def test_at_most_twenty_slots_are_listed(client):
    reason = ReasonFactory()
    opening_range = counter(reason, "Guichet Sathonay")
    for day in range(1, 26):
        slot_at(opening_range, soon(day))
    response = search(client, reason)
    assert len(response.context["offers"]) == 20
    assert response.content.decode().count('class="continuite-result"') == 20


def test_each_slot_shows_counter_distance_local_time_mode_and_free_seats(client):
    reason = ReasonFactory(by_phone=True)
    opening_range = counter(reason, "Guichet Sathonay", mode=Mode.PHONE)
    slot = slot_at(opening_range, soon(2, hour=8), capacity=3, booked=1)
    local = timezone.localtime(slot.starts_at, opening_range.service_point.time_zone)

    content = search(client, reason).content.decode()

    assert "Guichet Sathonay" in content and "km" in content
    assert local.strftime("%H:%M") in content
    with translation.override("fr"):
        assert str(Mode.PHONE.label) in content
    assert 'data-free="2"' in content
    assert reverse("appointments:book", args=[slot.pk]) in content


# The reason (twice), the commune, the opening ranges near it, the widening windows of slots,
# the slots shown. Other databases than PostgreSQL read the slots tied with the last one
# apart: one query more (queries._first_slots).
SLOTS_PAGE_QUERIES = 8 if connection.vendor == "postgresql" else 9


def test_the_slots_page_takes_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    reason = ReasonFactory()
    for index in range(25):
        opening_range = counter(reason, f"Guichet {index}", 45.76 + index / 1000, 4.83)
        slot_at(opening_range, soon(1 + index % 5, hour=7 + index % 3))
    with django_assert_max_num_queries(SLOTS_PAGE_QUERIES):
        response = search(client, reason)
    assert len(response.context["offers"]) == 20


def test_an_unknown_postcode_is_explained_and_the_form_kept(client):
    reason = ReasonFactory()
    counter(reason, "Guichet Sathonay")
    response = search(client, reason, q="99999")
    assert response.status_code == 400
    content = response.content.decode()
    assert "99999" in content and 'class="fr-alert fr-alert--error' in content
    assert f'<option value="{reason.pk}" selected>' in content


def test_a_missing_reason_is_asked_for(client):
    response = client.get(reverse("appointments:slots"), {"q": "69001"})
    assert response.status_code == 400 and response.context["form"].errors["reason"]


def test_homonyms_are_offered_as_links_to_the_slots(client):
    reason = ReasonFactory()
    point = counter(reason, "Guichet de Saint-Denis", 48.9356, 2.3539)
    slot = slot_at(point, soon())

    response = search(client, reason, q="Saint-Denis")
    content = response.content.decode()

    assert response.status_code == 200 and "commune=93066" in content
    chosen = search(client, reason, q="Saint-Denis", commune="93066")
    assert [o.slot for o in chosen.context["offers"]] == [slot]
    assert chosen.context["place"].label.startswith("Saint-Denis (93)")


def test_the_start_page_lists_reasons_grouped_by_network(client):
    reason = ReasonFactory(label="Aide aux démarches")
    counter(reason, "Guichet Sathonay")
    ReasonFactory(label="Motif sans plage")  # no opening range: nothing to book
    content = client.get(reverse("appointments:start")).content.decode()
    assert '<optgroup label="France Services">' in content
    assert "Aide aux démarches" in content and "Motif sans plage" not in content
    assert 'for="id_reason"' in content and 'for="id_q"' in content


@pytest.fixture(params=["this database", "other databases"])
def query_path(request, monkeypatch):
    """PostgreSQL orders by start and distance in one query; other databases (the SQLite demo)
    read the ties at the last start apart. Both paths run on the test database."""
    if request.param == "other databases":
        monkeypatch.setattr(queries, "on_postgresql", lambda: False)
    return request.param


@pytest.mark.parametrize("limit", [1, 3, 7, 20])
def test_the_earliest_slots_are_those_a_full_scan_would_give(limit, query_path):
    """Random counters, times and bookings: the same list as sorting every slot in Python."""
    rng = random.Random(limit)
    reason, other = ReasonFactory(), ReasonFactory()
    ranges = [
        counter(
            rng.choice([reason, other]),
            f"Guichet {index}",
            45.7675 + rng.uniform(-0.05, 0.05),
            4.8345 + rng.uniform(-0.05, 0.05),
        )
        for index in range(9)
    ]
    for opening_range in ranges:
        for hours in rng.sample(range(2, 200), 12):
            capacity = rng.choice([1, 2])
            slot_at(
                opening_range,
                soon(0, hour=0) + timedelta(hours=hours),
                capacity=capacity,
                booked=rng.choice([0, capacity]),
            )

    found = offers(reason=reason, limit=limit)

    expected = sorted(
        (
            (s.starts_at, haversine_km(*LYON, s.service_point.latitude, s.service_point.longitude))
            for s in Slot.objects.filter(opening_range__reasons=reason).select_related(
                "service_point"
            )
            if s.free > 0 and s.starts_at > timezone.now()
        ),
    )[:limit]
    assert [(o.slot.starts_at, round(o.distance_km, 6)) for o in found] == [
        (starts_at, round(distance, 6)) for starts_at, distance in expected
    ]
