"""« Être rappelé »: the public request, its due date on the territory's calendar, and the calls."""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, override

from continuite.accounts.tests.factories import RoleFactory
from continuite.appointments.callbacks import (
    callback_attempt_record,
    callback_due_day,
    callback_request_create,
)
from continuite.appointments.models import CallbackAttempt, CallbackRequest, Person
from continuite.notifications.models import Message
from continuite.service_points.models import Network
from continuite.service_points.tests.factories import ServicePointFactory

from .factories import ReasonFactory
from .helpers import callback_form

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
BAD_PHONE = "This phone number is not valid. Example: 06 12 34 56 78."


@pytest.fixture
def reason():
    return ReasonFactory(label="Carte grise")


def ask(point, reason, **overrides):
    values = {
        "service_point": point,
        "reason": reason,
        "name": "Jeanne  Martin",
        "phone": "06 12 34 56 78",
        "preferred_window": "morning",
    }
    return callback_request_create(**{**values, **overrides})


def form_data(reason, /, **overrides):
    return callback_form(
        reason, **{"preferred_window": "afternoon", "note": "Dossier de retraite", **overrides}
    )


# --- The service -----------------------------------------------------------------------


def test_a_request_is_due_two_business_days_later_and_acknowledged_by_sms(point, reason):
    request = ask(point, reason, now=datetime(2026, 3, 12, 10, 0, tzinfo=PARIS))  # a Thursday
    assert request.due_at == datetime(2026, 3, 16, 10, 0, tzinfo=PARIS)  # the Monday
    assert request.status == "open" and request.person.phone == "+33612345678"
    assert request.contact_name == "Jeanne Martin" and request.origin == "public"
    sms = Message.objects.get()
    assert sms.channel == "sms" and sms.to == "+33612345678"
    assert sms.dedup_key == f"callback:{request.pk}:ack" and request.reference in sms.body


def test_the_due_date_skips_may_day_and_the_weekend(point, reason):
    # Wednesday 29 April 2026: Thursday 30 is the first day; Friday 1 May is a holiday.
    request = ask(point, reason, now=datetime(2026, 4, 29, 16, 30, tzinfo=PARIS))
    assert request.due_at == datetime(2026, 5, 4, 16, 30, tzinfo=PARIS)
    assert callback_due_day(request) == date(2026, 5, 4)


def test_a_request_made_on_a_holiday_is_due_by_the_end_of_the_second_business_day(point, reason):
    # Friday 1 May 2026 (holiday) then the weekend: counted from Monday 4 May, due by Tuesday 5.
    request = ask(point, reason, now=datetime(2026, 5, 1, 10, 0, tzinfo=PARIS))
    assert request.due_at == datetime(2026, 5, 6, 0, 0, tzinfo=PARIS)
    assert callback_due_day(request) == date(2026, 5, 5)


def test_the_same_submission_twice_is_one_request_and_one_sms(point, reason):
    key = uuid.uuid4()
    first = ask(point, reason, submission_key=key)
    second = ask(point, reason, submission_key=key, phone="06 98 76 54 32")
    assert first == second and CallbackRequest.objects.count() == 1
    assert Message.objects.count() == 1


def test_asking_again_while_a_request_is_open_finds_it(point, reason):
    first = ask(point, reason, submission_key=uuid.uuid4())
    again = ask(point, reason, submission_key=uuid.uuid4(), phone="+33 6 12 34 56 78")
    assert again == first and CallbackRequest.objects.count() == 1


def test_a_phone_number_cannot_pile_up_open_requests(point):
    first = ask(point, ReasonFactory())
    for _ in range(2):
        ask(point, ReasonFactory())
    # From the public form: the oldest request, and the number's owner told by SMS.
    assert ask(point, ReasonFactory()) == first
    sms = Message.objects.get(dedup_key__startswith="callback:too-many:")
    assert sms.to == "+33612345678" and "3" in sms.body
    with pytest.raises(ValidationError):
        ask(point, ReasonFactory(), origin="outreach")
    assert CallbackRequest.objects.count() == 3


def test_a_bad_phone_number_creates_nothing(point, reason):
    with pytest.raises(ValidationError) as error:
        ask(point, reason, phone="12")
    assert "phone" in error.value.message_dict
    assert not CallbackRequest.objects.exists() and not Person.objects.exists()
    assert not Message.objects.exists()


def test_a_reason_of_another_network_or_inactive_is_refused(point):
    town_halls = Network.objects.get(slug="mairie")
    for reason in (ReasonFactory(network=town_halls), ReasonFactory(is_active=False)):
        with pytest.raises(ValidationError) as error:
            ask(point, reason)
        assert "reason" in error.value.message_dict
    assert not CallbackRequest.objects.exists()


def test_an_unknown_window_is_refused(point, reason):
    with pytest.raises(ValidationError):
        ask(point, reason, preferred_window="midnight")
    assert not CallbackRequest.objects.exists()


@pytest.mark.parametrize(
    ("outcome", "status"),
    [("reached", "done"), ("appointment", "done"), ("wrong_number", "unreachable")],
)
def test_an_answer_or_a_wrong_number_closes_the_request(point, reason, role, outcome, status):
    request = ask(point, reason)
    attempt = callback_attempt_record(request=request, agent=role.user, outcome=outcome)
    request.refresh_from_db()
    assert attempt.agent == role.user and attempt.request == request
    assert request.status == status and request.closed_at is not None


def test_the_third_call_without_answer_makes_the_person_unreachable(point, reason, role):
    request = ask(point, reason)
    for outcome in ("no_answer", "voicemail"):
        callback_attempt_record(request=request, agent=role.user, outcome=outcome)
        request.refresh_from_db()
        assert request.status == "open" and request.closed_at is None
    callback_attempt_record(
        request=request, agent=role.user, outcome="no_answer", note="Messagerie pleine"
    )
    request.refresh_from_db()
    assert request.status == "unreachable"
    assert list(request.attempts.values_list("outcome", flat=True)) == [
        "no_answer",
        "voicemail",
        "no_answer",
    ]


def test_a_closed_request_takes_no_more_calls(point, reason, role):
    request = ask(point, reason)
    callback_attempt_record(request=request, agent=role.user, outcome="reached")
    with pytest.raises(ValidationError):
        callback_attempt_record(request=request, agent=role.user, outcome="no_answer")
    assert request.attempts.count() == 1


def test_an_unknown_outcome_records_nothing(point, reason, role):
    request = ask(point, reason)
    with pytest.raises(ValidationError):
        callback_attempt_record(request=request, agent=role.user, outcome="hung_up")
    assert not CallbackAttempt.objects.exists()


# --- The public form -------------------------------------------------------------------


def test_the_public_form_offers_the_active_reasons_of_the_network(client, point, reason):
    ReasonFactory(label="Ancien motif", is_active=False)
    ReasonFactory(label="Motif de mairie", network=Network.objects.get(slug="mairie"))
    response = client.get(reverse("appointments:callback_request", args=[point.pk]))
    assert response.status_code == 200
    assert list(response.context["form"].fields["reason"].queryset) == [reason]
    html = response.content.decode()
    assert "Carte grise" in html and "Ancien motif" not in html and 'name="submission_key"' in html


def test_a_request_through_the_form_shows_its_due_day_and_texts_its_reference(
    client, point, reason
):
    response = client.post(
        reverse("appointments:callback_request", args=[point.pk]), form_data(reason)
    )
    assert response.status_code == 302
    request = CallbackRequest.objects.get()
    assert request.preferred_window == "afternoon" and request.note == "Dossier de retraite"
    page = client.get(response["Location"])
    html = page.content.decode()
    # The reference comes by SMS: the page says only what the form chose.
    assert page.status_code == 200 and request.reference not in html
    with override("fr"):
        assert (
            date_format(callback_due_day(request), "l j F Y") in html
            and gettext("Your call-back request is recorded") in html
        )
    assert Message.objects.filter(dedup_key=f"callback:{request.pk}:ack").exists()


def test_sending_the_form_twice_records_one_request(client, point, reason):
    data = form_data(reason)
    url = reverse("appointments:callback_request", args=[point.pk])
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert CallbackRequest.objects.count() == 1 and Message.objects.count() == 1


def test_a_bad_phone_number_on_the_form_is_refused_with_a_message(client, point, reason):
    response = client.post(
        reverse("appointments:callback_request", args=[point.pk]), form_data(reason, phone="12")
    )
    assert response.status_code == 400
    with override("fr"):
        assert response.context["form"].errors["phone"] == [gettext(BAD_PHONE)]
    assert not CallbackRequest.objects.exists() and not Person.objects.exists()
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "bad",
    [{"preferred_window": "midnight"}, {"name": "  "}, {"submission_key": "x"}, {"reason": "0"}],
)
def test_bad_input_on_the_form_creates_nothing(client, point, reason, bad):
    response = client.post(
        reverse("appointments:callback_request", args=[point.pk]), form_data(reason, **bad)
    )
    assert response.status_code == 400 and not CallbackRequest.objects.exists()


def test_a_reason_of_another_network_cannot_be_posted(client, point):
    other = ReasonFactory(network=Network.objects.get(slug="mairie"))
    response = client.post(
        reverse("appointments:callback_request", args=[point.pk]), form_data(other)
    )
    assert response.status_code == 400 and not CallbackRequest.objects.exists()


def test_a_tampered_confirmation_link_is_not_found(client, point, reason):
    ask(point, reason)
    url = reverse("appointments:callback_confirmation", args=["not-a-signed-reference"])
    assert client.get(url).status_code == 404


def test_unknown_service_point_is_not_found(client):
    assert client.get(reverse("appointments:callback_request", args=[999999])).status_code == 404


# --- The agents' list ------------------------------------------------------------------


def test_agents_see_open_requests_by_due_date_with_overdue_ones_flagged(client, role, point):
    now = timezone.now()
    late = ask(point, ReasonFactory(), phone="06 11 11 11 11", now=now - timedelta(days=10))
    soon = ask(point, ReasonFactory(), phone="06 22 22 22 22", now=now)
    done = ask(point, ReasonFactory(), phone="06 33 33 33 33", now=now - timedelta(days=20))
    callback_attempt_record(request=done, agent=role.user, outcome="reached")
    client.force_login(role.user)
    response = client.get(reverse("appointments:callback_queue", args=[point.pk]))
    assert response.status_code == 200
    rows = [callback for callback, _form in response.context["rows"]]
    assert rows == [late, soon]
    assert [c.overdue for c in rows] == [True, False]
    html = response.content.decode()
    assert 'href="tel:+33611111111"' in html and "06 11 11 11 11" in html
    assert done.reference not in html


def test_an_agent_records_a_call_from_the_list(client, role, point, reason):
    request = ask(point, reason)
    client.force_login(role.user)
    response = client.post(
        reverse("appointments:callback_attempt", args=[point.pk, request.pk]),
        {"outcome": "voicemail", "note": "Rappeler après 14 h"},
    )
    assert response.status_code == 302
    attempt = CallbackAttempt.objects.get()
    assert (attempt.outcome, attempt.note, attempt.agent) == (
        "voicemail",
        "Rappeler après 14 h",
        role.user,
    )
    page = client.get(response["Location"])
    assert "Rappeler après 14 h" in page.content.decode()


def test_an_unknown_outcome_is_refused(client, role, point, reason):
    request = ask(point, reason)
    client.force_login(role.user)
    response = client.post(
        reverse("appointments:callback_attempt", args=[point.pk, request.pk]),
        {"outcome": "hung_up"},
    )
    assert response.status_code == 400 and not CallbackAttempt.objects.exists()
    form = dict(response.context["rows"])[request]
    assert form.errors["outcome"]


def test_a_call_on_a_closed_request_is_refused(client, role, point, reason):
    request = ask(point, reason)
    callback_attempt_record(request=request, agent=role.user, outcome="reached")
    client.force_login(role.user)
    response = client.post(
        reverse("appointments:callback_attempt", args=[point.pk, request.pk]),
        {"outcome": "no_answer"},
    )
    assert response.status_code == 400 and CallbackAttempt.objects.count() == 1


def test_agents_of_another_point_get_not_found(client, point, reason):
    request = ask(point, reason)
    stranger = RoleFactory(agent=True)
    client.force_login(stranger.user)
    assert client.get(reverse("appointments:callback_queue", args=[point.pk])).status_code == 404
    url = reverse("appointments:callback_attempt", args=[point.pk, request.pk])
    assert client.post(url, {"outcome": "reached"}).status_code == 404
    # Nor through their own point's address.
    own = reverse("appointments:callback_attempt", args=[stranger.service_point.pk, request.pk])
    assert client.post(own, {"outcome": "reached"}).status_code == 404
    assert not CallbackAttempt.objects.exists()


def test_anonymous_people_are_sent_to_the_login_page(client, point, reason):
    request = ask(point, reason)
    for response in (
        client.get(reverse("appointments:callback_queue", args=[point.pk])),
        client.post(
            reverse("appointments:callback_attempt", args=[point.pk, request.pk]),
            {"outcome": "reached"},
        ),
    ):
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert not CallbackAttempt.objects.exists()


def test_a_site_manager_of_the_network_sees_the_list(client, point, reason):
    ask(point, reason)
    manager = RoleFactory(network_manager=True)
    client.force_login(manager.user)
    assert client.get(reverse("appointments:callback_queue", args=[point.pk])).status_code == 200


def test_a_point_with_no_reason_says_so_on_the_public_form(client):
    point = ServicePointFactory(network=Network.objects.get(slug="caf"))
    response = client.get(reverse("appointments:callback_request", args=[point.pk]))
    assert response.status_code == 200 and response.context["has_reasons"] is False


def test_the_list_costs_the_same_queries_however_long(
    client, role, point, django_assert_max_num_queries
):
    client.force_login(role.user)
    url = reverse("appointments:callback_queue", args=[point.pk])
    ask(point, ReasonFactory(), phone="06 10 00 00 00")
    with django_assert_max_num_queries(9):
        client.get(url)
    for n in range(1, 21):
        request = ask(point, ReasonFactory(), phone=f"06 10 00 00 {n:02d}")
        callback_attempt_record(request=request, agent=role.user, outcome="no_answer")
    with django_assert_max_num_queries(9):
        response = client.get(url)
    assert len(response.context["rows"]) == 21
