"""The public search of counters is rate limited per client address, with a 429 and Retry-After."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_search_is_rate_limited(client, settings):
    settings.RATE_LIMIT_SEARCHES_PER_MINUTE = 3
    url = reverse("service_points:search")

    statuses = [
        client.get(url, {"q": "69001"}, REMOTE_ADDR="192.0.2.1").status_code for _ in range(4)
    ]

    assert statuses == [200, 200, 200, 429]
    refused = client.get(url, {"q": "69001"}, REMOTE_ADDR="192.0.2.1")
    assert 0 < int(refused["Retry-After"]) <= 60
    assert client.get(url, {"q": "69001"}, REMOTE_ADDR="192.0.2.2").status_code == 200


def test_the_search_counts_the_client_behind_the_proxy(client, settings):
    settings.RATE_LIMIT_SEARCHES_PER_MINUTE = 1
    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("service_points:search")

    def from_client(address):
        return client.get(
            url, {"q": "69001"}, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=address
        ).status_code

    assert [from_client("192.0.2.1"), from_client("192.0.2.2"), from_client("192.0.2.1")] == [
        200,
        200,
        429,
    ]


def test_the_home_page_without_a_search_is_not_counted(client, settings):
    settings.RATE_LIMIT_SEARCHES_PER_MINUTE = 1
    url = reverse("service_points:search")

    assert client.get(url, {"q": "69001"}).status_code == 200
    assert client.get(url, {"q": "69001"}).status_code == 429
    assert client.get(url).status_code == 200  # where the 429 page sends people
