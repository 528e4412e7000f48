"""Lottery reasons in the public flow: choose a counter, enter its next draw, told what comes next."""

from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from continuite.appointments.models import LotteryRequest, Mode, Slot
from continuite.appointments.public_views import LOTTERY_ENTRY_SALT, REQUESTED_SALT
from continuite.appointments.verification import proof_remember
from continuite.core.phones import normalize_phone
from continuite.notifications.models import Message
from continuite.service_points.models import Network
from continuite.service_points.tests.factories import ServicePointFactory

from .factories import OpeningRangeFactory, ReasonFactory
from .helpers import fr, soon

pytestmark = pytest.mark.django_db


def counter(reason, name, latitude=45.7675, longitude=4.8345, *, free=True, **kwargs):
    """A counter serving the reason, with a free slot (or a full one)."""
    point = ServicePointFactory(name=name, latitude=latitude, longitude=longitude, **kwargs)
    opening_range = OpeningRangeFactory(service_point=point, reasons=[reason])
    Slot.objects.create(
        opening_range=opening_range,
        service_point=point,
        mode=Mode.ON_SITE,
        starts_at=soon(),
        ends_at=soon() + timedelta(minutes=30),
        capacity=1,
        booked=0 if free else 1,
    )
    return point


@pytest.fixture
def reason():
    return ReasonFactory(label="Renouvellement de titre", lottery=True)


def entry_url(reason, point, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("appointments:lottery", args=[reason.pk, point.pk]) + (
        f"?{query}" if query else ""
    )


def prove_phone(client, phone: str) -> None:
    """The session holds the proof of this number, as after typing the code sent to it."""
    e164 = normalize_phone(phone)
    if e164:
        session = client.session
        proof_remember(session, e164, timezone.now())
        session.save()


def enter(client, reason, point, *, proven=True, **fields):
    data = {"name": "Jeanne Martin", "phone": "06 12 34 56 78", "q": "69001", **fields}
    if proven:
        prove_phone(client, data["phone"])
    return client.post(entry_url(reason, point), data)


def test_a_lottery_reason_lists_the_counters_holding_a_draw_nearest_first(client, reason):
    far = counter(reason, "Guichet Villeurbanne", 45.7719, 4.8902)
    near = counter(reason, "Guichet Sathonay")
    counter(reason, "Guichet complet", 45.7700, 4.8300, free=False)
    counter(reason, "Guichet fermé", 45.7690, 4.8310, closed=True)

    assert reason.label in client.get(reverse("appointments:start")).content.decode()
    response = client.get(reverse("appointments:slots"), {"reason": reason.pk, "q": "69001"})

    assert response.status_code == 200
    assert [o.point for o in response.context["points"]] == [near, far]
    content = response.content.decode()
    assert "Guichet complet" not in content and "Guichet fermé" not in content
    assert entry_url(reason, near, q="69001") in content
    assert "/rendez-vous/reserver/" not in content


def test_a_counter_of_another_network_holds_no_draw_for_the_reason(client, reason):
    other = Network.objects.exclude(pk=reason.network_id).first()
    point = counter(reason, "Guichet d'un autre réseau", network=other)
    response = client.get(reverse("appointments:slots"), {"reason": reason.pk, "q": "69001"})
    assert response.context["points"] == []
    assert client.get(entry_url(reason, point)).status_code == 409


def test_entering_the_draw_registers_once_and_says_what_comes_next(client, reason):
    point = counter(reason, "Guichet Sathonay")
    assert client.get(entry_url(reason, point, q="69001")).status_code == 200

    response = enter(client, reason, point)

    entry = LotteryRequest.objects.get()
    assert response.status_code == 302
    assert entry.service_point == point and entry.person.phone == "+33612345678"
    assert entry.draw_on == point.local_now().date() + timedelta(days=1)
    assert Message.objects.filter(to="+33612345678", channel="sms").exists()
    page = client.get(response["Location"])
    assert page.status_code == 200 and point.name in page.content.decode()
    assert page.context["draw_on"] == entry.draw_on and page.context["reason"] == reason

    # Sent again: the same answer, one entry (see test_contacts for what the owner is told).
    again = enter(client, reason, point)
    assert again.status_code == 302 and again["Location"] == response["Location"]
    assert LotteryRequest.objects.count() == 1


def test_a_bad_phone_number_registers_nothing(client, reason):
    point = counter(reason, "Guichet Sathonay")
    response = enter(client, reason, point, phone="12")
    assert response.status_code == 400
    assert 'value="Jeanne Martin"' in response.content.decode()
    assert not LotteryRequest.objects.exists()


def test_a_counter_without_a_free_time_or_closed_holds_no_draw(client, reason):
    full = counter(reason, "Guichet complet", free=False)
    closed = counter(reason, "Guichet fermé", closed=True)
    for point in (full, closed):
        assert client.get(entry_url(reason, point)).status_code == 409
        assert enter(client, reason, point).status_code == 400
    assert not LotteryRequest.objects.exists()


def test_a_reason_not_drawn_has_no_draw_page(client):
    reason = ReasonFactory()
    point = counter(reason, "Guichet Sathonay")
    assert client.get(entry_url(reason, point)).status_code == 404


def test_a_tampered_registration_link_is_a_404(client, reason):
    point = counter(reason, "Guichet Sathonay")
    location = enter(client, reason, point)["Location"]
    tampered = location[:-2] + ("A/" if location[-2] != "A" else "B/")
    response = client.get(tampered)
    assert response.status_code == 404
    assert fr("This link is not valid") in response.content.decode()


def test_a_draw_link_signed_in_another_format_answers_a_clear_page_not_500(client):
    """A link of the former format (signed with a timestamp) passes the signature check but is
    no payload of ours: the person gets the page of a link that does not work."""
    for name, salt in (("lottery_entered", LOTTERY_ENTRY_SALT), ("requested", REQUESTED_SALT)):
        token = signing.dumps({"entry": 1}, salt=salt)
        response = client.get(reverse(f"appointments:{name}", args=[token]))
        assert response.status_code == 404
