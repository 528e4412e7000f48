"""Directory imports: real files, idempotence, bad rows reported and good ones loaded."""

import pytest
from django.core.management import call_command

from continuite.service_points.models import ImportRun, OpeningHours, ServicePoint
from continuite.service_points.services import (
    FRANCE_SERVICES_FILE,
    TOWN_HALLS_FILE,
    directory_import,
)

pytestmark = pytest.mark.django_db

GOOD_AND_BAD = """network,external_id,name,address,postcode,commune_insee,departement,latitude,longitude,phone,email,website,walk_in,appointment,phone_support,video,accessibility,monday,tuesday,wednesday,thursday,friday,saturday,sunday,notes
caf,69-1,CAF du Rhône — Lyon,67 boulevard Vivier-Merle,69003,69383,,45.7603,4.8590,04 72 00 00 01,accueil@caf.example,,oui,oui,oui,non,accessible,08:30-12:00 / 13:00-16:30,08:30-12:00,,08:30-12:00,08:30-12:00,,,
caf,69-2,Sans coordonnées mais commune connue,,69001,69381,,,,,,,,,,,,09:00-12:00,,,,,,,
caf,69-3,Horaires illisibles,,69001,69381,,45.76,4.83,,,,,,,,,9h-midi,,,,,,,
caf,69-4,Fin avant début,,69001,69381,,45.76,4.83,,,,,,,,,14:00-09:00,,,,,,,
unknown-network,69-5,Réseau inconnu,,69001,69381,,45.76,4.83,,,,,,,,,,,,,,,,
caf,69-6,Commune inconnue,,69001,99999,,45.76,4.83,,,,,,,,,,,,,,,,
caf,69-7,Mauvais courriel,,69001,69381,,45.76,4.83,,pas-un-courriel,,,,,,,,,,,,,,
caf,69-8,"Latitude
sur deux lignes",,69001,69381,,quarante,4.83,,,,,,,,,,,,,,,,
caf,69-1,Doublon,,69001,69381,,45.76,4.83,,,,,,,,,,,,,,,,
"""


def test_the_real_directory_gives_38456_points_and_a_second_import_adds_none():
    first = [
        directory_import(source=s, path=p, wet_run=True)
        for s, p in (("france-services", FRANCE_SERVICES_FILE), ("mairies", TOWN_HALLS_FILE))
    ]
    assert [r.created for r in first] == [2845, 35611]
    assert all(not r.errors for r in first)
    assert ServicePoint.objects.count() == 38456
    hours = OpeningHours.objects.count()
    again = [
        directory_import(source=s, path=p, wet_run=True)
        for s, p in (("france-services", FRANCE_SERVICES_FILE), ("mairies", TOWN_HALLS_FILE))
    ]
    assert [(r.created, r.updated) for r in again] == [(0, 0), (0, 0)]
    assert ServicePoint.objects.count() == 38456 and OpeningHours.objects.count() == hours


def test_bad_rows_are_reported_with_line_and_reason_and_good_rows_load(tmp_path):
    path = tmp_path / "caf.csv"
    path.write_text(GOOD_AND_BAD, encoding="utf-8")
    run = directory_import(source="csv", path=path, wet_run=True)
    assert run.created == 2
    lines = {e["line"]: e["reason"] for e in run.errors}
    assert set(lines) == {4, 5, 6, 7, 8, 9, 11}
    assert "9h-midi" in lines[4]
    assert "unknown-network" in lines[6]
    assert "99999" in lines[7]
    assert "pas-un-courriel" in lines[8]
    assert "quarante" in lines[9]
    assert "69-1" in lines[11]
    lyon = ServicePoint.objects.get(external_id="69-1")
    assert lyon.receives_by_appointment and lyon.accessibility == "accessible"
    assert lyon.phone == "+33472000001" and lyon.phone_display == "04 72 00 00 01"
    assert lyon.opening_hours.filter(weekday=0).count() == 2
    approximate = ServicePoint.objects.get(external_id="69-2")
    assert approximate.location_is_approximate and approximate.latitude is not None


def test_a_changed_row_updates_the_point_and_its_hours(tmp_path):
    path = tmp_path / "caf.csv"
    path.write_text(GOOD_AND_BAD, encoding="utf-8")
    directory_import(source="csv", path=path, wet_run=True)
    path.write_text(
        GOOD_AND_BAD.replace("CAF du Rhône — Lyon", "CAF de Lyon").replace(
            "08:30-12:00 / 13:00-16:30", "09:00-12:00"
        ),
        encoding="utf-8",
    )
    run = directory_import(source="csv", path=path, wet_run=True)
    assert (run.created, run.updated, run.unchanged) == (0, 1, 1)
    point = ServicePoint.objects.get(external_id="69-1")
    assert point.name == "CAF de Lyon" and point.opening_hours.filter(weekday=0).count() == 1


def test_without_wet_run_nothing_is_written(tmp_path, capsys):
    path = tmp_path / "caf.csv"
    path.write_text(GOOD_AND_BAD, encoding="utf-8")
    call_command("import_directory", "csv", str(path), no_progress=True)
    assert not ServicePoint.objects.exists() and not ImportRun.objects.exists()
    out = capsys.readouterr()
    assert "2 created" in out.out and "line 4" in out.err


def test_fields_too_large_for_their_column_are_rejected_with_their_line_and_the_rest_loads(
    tmp_path,
):
    header = GOOD_AND_BAD.split("\n", 1)[0]
    empty_days = "," * 7
    rows = [
        f"caf,69-1,Bon guichet,,69001,69381,,45.76,4.83,,,,,,,,{empty_days},",  # line 2: good
        f"caf,69-2,{'N' * 201},,69001,69381,,45.76,4.83,,,,,,,,{empty_days},",  # 3: name
        f"caf,{'9' * 61},Long identifiant,,69001,69381,,45.76,4.83,,,,,,,,{empty_days},",  # 4
        f"caf,69-4,Téléphone,,69001,69381,,45.76,4.83,{'0' * 10_000},,,,,,,{empty_days},",  # 5
        f"caf,69-5,Adresse,{'a' * 301},69001,69381,,45.76,4.83,,,,,,,,{empty_days},",  # 6
        f"caf,69-6,Immense,,69001,69381,,1e309,4.83,,,,,,,,{empty_days},",  # line 7
    ]
    path = tmp_path / "caf.csv"
    path.write_bytes(
        "\n".join([header, *rows]).encode("utf-8")
        + f"\ncaf,69-7,Crèche,,69001,69381,,45.76,4.83,,,,,,,,{empty_days},\n".encode("cp1252")
        + f"caf,69-8,Après,,69001,69381,,45.76,4.83,,,,,,,,{empty_days},\n".encode()
    )
    run = directory_import(source="csv", path=path, wet_run=True)
    lines = {e["line"]: e["reason"] for e in run.errors}
    assert sorted(lines) == [3, 4, 5, 6, 7, 8]
    assert "200" in lines[3] and "60" in lines[4] and "40" in lines[5] and "300" in lines[6]
    assert "UTF-8" in lines[8]
    assert all(len(reason) < 300 for reason in lines.values())
    assert sorted(ServicePoint.objects.values_list("external_id", flat=True)) == ["69-1", "69-8"]
    again = directory_import(source="csv", path=path, wet_run=True)
    assert (again.created, again.updated, len(again.errors)) == (0, 0, 6)
