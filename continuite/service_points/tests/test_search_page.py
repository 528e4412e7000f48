"""The public search « Trouver un guichet ouvert », through HTTP."""

import pytest
from django.urls import reverse

from continuite.service_points.models import CrisisStatus

from .factories import ServicePointFactory

pytestmark = pytest.mark.django_db


def search(client, **params):
    return client.get(reverse("service_points:search"), params)


def test_it_lists_nearest_counters_with_distance_status_hours_and_phone(client):
    near = ServicePointFactory(name="Guichet Sathonay", latitude=45.7675, longitude=4.8345)
    far = ServicePointFactory(name="Guichet Villeurbanne", latitude=45.7719, longitude=4.8902)
    response = search(client, q="69001")
    assert response.status_code == 200
    results = response.context["results"]
    assert [r.point for r in results] == [near, far]
    assert results[0].distance_km < results[1].distance_km
    content = response.content.decode()
    assert "Guichet Sathonay" in content and "04 72 00 00 00" in content
    assert "km" in content


def test_it_leaves_closed_counters_out(client):
    ServicePointFactory(name="Guichet fermé", closed=True)
    ServicePointFactory(name="Guichet ouvert")
    response = search(client, q="69001")
    assert [r.point.name for r in response.context["results"]] == ["Guichet ouvert"]


def test_it_filters_by_reception_mode(client):
    ServicePointFactory(name="Par téléphone", phone_only=True)
    ServicePointFactory(name="Sur place")
    response = search(client, q="69001", status=CrisisStatus.PHONE_ONLY)
    assert [r.point.name for r in response.context["results"]] == ["Par téléphone"]


def test_it_offers_the_communes_of_an_ambiguous_name(client):
    response = search(client, q="saint denis")
    choices = response.context["lookup"].choices
    assert {c.departement_id for c in choices} >= {"93", "974"}
    assert "Saint-Denis" in response.content.decode()


def test_a_chosen_commune_is_searched_from(client):
    point = ServicePointFactory(name="Guichet de Saint-Denis", latitude=48.9356, longitude=2.3539)
    response = search(client, q="Saint-Denis", commune="93066")
    assert response.context["lookup"].place.label.startswith("Saint-Denis (93)")
    assert response.context["results"][0].point == point


@pytest.mark.parametrize(
    ("query", "message"),
    [("99999", "99999"), ("", "code postal"), ("Xyzzyville", "Xyzzyville")],
)
def test_bad_queries_get_a_clear_french_message(client, query, message):
    response = search(client, q=query, network="")
    assert response.status_code == 200
    assert response.context["lookup"].error
    assert message in response.context["lookup"].error


@pytest.mark.parametrize("query", ["97500", "Miquelon-Langlade"])
def test_a_commune_that_cannot_be_placed_is_not_called_unknown(client, query):
    # Saint-Pierre-et-Miquelon has no published commune outline to search from.
    error = search(client, q=query).context["lookup"].error
    assert query in error and "inconnu" not in error and "Aucune commune" not in error


def test_a_search_takes_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    ServicePointFactory.create_batch(25)
    with django_assert_max_num_queries(12):
        response = search(client, q="69001")
    assert len(response.context["results"]) == 20
