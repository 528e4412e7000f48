"""Place names, postcodes, time zones and public holidays of each territory."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from continuite.core import territory
from continuite.core.models import Commune
from continuite.core.text import normalize_name, parse_postcode


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Saint-Denis", "saint denis"),
        ("ST DENIS", "saint denis"),
        ("st-denis", "saint denis"),
        ("Sainte-Foy-lès-Lyon", "sainte foy les lyon"),
        ("Ste Foy les Lyon", "sainte foy les lyon"),
        ("L'Haÿ-les-Roses", "l hay les roses"),
        ("Œuilly", "oeuilly"),
    ],
)
def test_it_folds_case_accents_hyphens_and_saint(raw, folded):
    assert normalize_name(raw) == folded


@given(st.text(max_size=40))
def test_folding_is_idempotent(text):
    assert normalize_name(normalize_name(text)) == normalize_name(text)


def test_it_reads_postcodes_and_rejects_the_rest():
    assert parse_postcode(" 69 001 ") == "69001"
    assert parse_postcode("6900") is None
    assert parse_postcode("Lyon") is None


@pytest.mark.django_db
def test_the_real_territory_is_loaded_with_postcodes_and_centroids():
    assert Commune.objects.count() == 35014
    lyon_1 = Commune.objects.with_postcode("69001").get(kind="ARM")
    assert lyon_1.name == "Lyon 1er Arrondissement" and lyon_1.parent_id == "69123"
    assert 45 < lyon_1.latitude < 46
    assert {c.departement_id for c in Commune.objects.matching_name("st-denis")} >= {
        "93",
        "974",
        "11",
    }


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("75", "Europe/Paris"),
        ("971", "America/Guadeloupe"),
        ("974", "Indian/Reunion"),
        ("988", "Pacific/Noumea"),
    ],
)
def test_each_territory_has_its_own_time_zone(code, zone):
    assert territory.time_zone(code).key == zone


def test_alsace_moselle_keeps_good_friday_and_st_stephens_day():
    good_friday = date(2026, 4, 3)
    assert territory.public_holiday("67", good_friday)
    assert territory.public_holiday("57", date(2026, 12, 26))
    assert territory.public_holiday("75", good_friday) is None


def test_overseas_departements_keep_the_abolition_of_slavery():
    assert territory.public_holiday("972", date(2026, 5, 22))
    assert territory.public_holiday("974", date(2026, 12, 20))
    assert territory.public_holiday("75", date(2026, 5, 22)) is None


def test_insee_codes_give_their_departement():
    assert territory.departement_of_insee_code("69381") == "69"
    assert territory.departement_of_insee_code("2A004") == "2A"
    assert territory.departement_of_insee_code("97411") == "974"
