"""Load the territory (regions, départements, communes, postcodes) from the shipped open data."""

import csv
import gzip
import io
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from .models import Commune, Departement, Postcode, Region
from .text import normalize_name

DATA_DIR = Path(__file__).resolve().parent / "data"
REGIONS_FILE = DATA_DIR / "regions_2026.csv.gz"
DEPARTEMENTS_FILE = DATA_DIR / "departements_2026.csv.gz"
COMMUNES_FILE = DATA_DIR / "communes_2026.csv.gz"


def read_gzip_csv(path: Path):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(io.StringIO(handle.read()))


def _float(value: str) -> float | None:
    return float(value) if value else None


@dataclass
class TerritoryCounts:
    regions: int
    departements: int
    communes: int
    postcodes: int


@transaction.atomic
def territory_load() -> TerritoryCounts:
    """Insert or update every region, département, commune and postcode; safe to run again."""
    regions = _regions_load()
    departements = _departements_load({r.code for r in regions})
    rows = list(read_gzip_csv(COMMUNES_FILE))
    communes = _communes_load(rows)
    postcodes = _postcodes_load(rows)
    return TerritoryCounts(len(regions), len(departements), len(communes), postcodes)


def _regions_load() -> list[Region]:
    regions = [
        Region(code=r["code"], name=r["nom"], zone=r["zone"]) for r in read_gzip_csv(REGIONS_FILE)
    ]
    Region.objects.bulk_create(
        regions, update_conflicts=True, unique_fields=["code"], update_fields=["name", "zone"]
    )
    return regions


def _departements_load(region_codes: set[str]) -> list[Departement]:
    departements = [
        Departement(
            code=r["code"],
            name=r["nom"],
            region_id=r["region"] if r["region"] in region_codes else None,
            zone=r["zone"],
        )
        for r in read_gzip_csv(DEPARTEMENTS_FILE)
    ]
    Departement.objects.bulk_create(
        departements,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "region", "zone"],
    )
    return departements


def _communes_load(rows: list[dict]) -> list[Commune]:
    """Communes first, then the arrondissements' link to their parent."""
    communes = [
        Commune(
            code=r["code_insee"],
            kind=r["type"],
            name=r["nom"],
            search_name=normalize_name(r["nom"]),
            departement_id=r["departement"],
            population=int(r["population"]) if r["population"] else None,
            latitude=_float(r["lat"]),
            longitude=_float(r["lon"]),
        )
        for r in rows
    ]
    Commune.objects.bulk_create(
        communes,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=[
            "kind",
            "name",
            "search_name",
            "departement",
            "population",
            "latitude",
            "longitude",
        ],
    )
    parents = {r["code_insee"]: r["commune_parente"] for r in rows if r["commune_parente"]}
    for code, parent in parents.items():
        Commune.objects.filter(code=code).update(parent_id=parent)
    return communes


def _postcodes_load(rows: list[dict]) -> int:
    """The communes' postcodes as in the file: missing ones added, stale ones removed."""
    existing = set(Postcode.objects.values_list("code", "commune_id"))
    wanted = {(pc, r["code_insee"]) for r in rows for pc in r["codes_postaux"].split("|") if pc}
    Postcode.objects.bulk_create(
        [Postcode(code=code, commune_id=commune) for code, commune in wanted - existing],
        batch_size=5000,
    )
    for code, commune in existing - wanted:
        Postcode.objects.filter(code=code, commune_id=commune).delete()
    return len(wanted)
