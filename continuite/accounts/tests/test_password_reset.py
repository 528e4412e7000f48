"""Password reset by email: Django's views, in French, and the account's lockout lifted."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "une-phrase-de-passe-solide-2026"


def test_a_password_reset_sets_a_new_password_and_unlocks_the_account(client, settings):
    user = UserFactory(email="camille@example.org")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": user.username, "password": "wrong"})
    locked = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert locked.status_code == 429

    response = client.post(reverse("accounts:password_reset"), {"email": "camille@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "mot de passe" in mail.outbox[0].subject.lower()
    link = re.search(r"https?://[^/\s]+(/compte/mot-de-passe/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]  # Django swaps the token for a session marker
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302

    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("service_points:manage_list")).status_code == 200


def test_a_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []
