"""Readers for directory files: each turns a file into service-point records or row errors.

Three formats: the ANCT list of France Services, the DILA town-hall directory, and the
documented Continuité CSV format (docs/import-format.md) that any network can produce.
"""

import csv
import gzip
import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

from continuite.core.phones import stored_phone
from continuite.core.territory import departement_of_insee_code

from .models import Accessibility

WEEKDAYS_FR = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
WEEKDAYS_EN = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_RANGE = re.compile(r"^\s*(\d{1,2})[:h](\d{2})\s*[-–à]\s*(\d{1,2})[:h](\d{2})\s*$")
_POSTCODE_IN_ADDRESS = re.compile(r"\b(\d{5})\b")


class RowError(Exception):
    """A row that cannot be loaded, with the reason shown to the person importing."""


@dataclass
class Record:
    """One service point read from a file, before it is matched against the database."""

    network: str
    external_id: str
    name: str
    departement: str
    address: str = ""
    postcode: str = ""
    commune: str | None = None
    commune_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    location_is_approximate: bool = False
    phone: str = ""
    email: str = ""
    website: str = ""
    receives_walk_in: bool = True
    receives_by_appointment: bool = False
    receives_by_phone: bool = False
    receives_by_video: bool = False
    accessibility: str = Accessibility.UNKNOWN
    notes: str = ""
    hours: list[tuple[int, time, time]] = field(default_factory=list)


# What a byte that is not UTF-8 is read as: its row is rejected with its line (_check_encoding).
UNREADABLE = "\ufffd"


def open_text(path: Path) -> io.TextIOBase:
    if str(path).endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", errors="replace", newline="")
    return open(path, encoding="utf-8-sig", errors="replace", newline="")


def _check_encoding(row: dict) -> None:
    if any(UNREADABLE in value for value in row.values() if isinstance(value, str)):
        raise RowError(_("this line is not in the file's encoding (UTF-8): save it again"))


def read_rows(path: Path) -> Iterator[tuple[int, dict]]:
    """CSV records with the physical line each starts on (fields may hold newlines)."""
    with open_text(path) as handle:
        reader = csv.DictReader(handle)
        previous = 1  # the header line
        for row in reader:
            yield previous + 1, row
            previous = reader.line_num


def parse_time(hours: str, minutes: str) -> time:
    """A clock time; "24:00" (end of day, as some directories write it) is read as 23:59."""
    if (hours, minutes) in (("24", "00"), ("00", "00")):
        return time(23, 59) if hours == "24" else time(0, 0)
    try:
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise RowError(_("invalid time %(value)s") % {"value": f"{hours}:{minutes}"}) from exc


def parse_day_ranges(text: str) -> list[tuple[time, time]]:
    """ "09:00 - 12:00 / 13:30 - 17:00" → [(09:00, 12:00), (13:30, 17:00)]; empty means closed."""
    ranges = []
    for part in re.split(r"\s*[/,;]\s*|\s+et\s+", text.strip()):
        if not part:
            continue
        match = _RANGE.match(part)
        if not match:
            raise RowError(_("unreadable opening hours “%(value)s”") % {"value": text})
        opens, closes = parse_time(*match.group(1, 2)), parse_time(*match.group(3, 4))
        if closes == time(0, 0):
            closes = time(23, 59)
        if closes <= opens:
            raise RowError(_("opening hours end before they start: “%(value)s”") % {"value": part})
        ranges.append((opens, closes))
    return ranges


def clean_email(text: str, *, strict: bool) -> str:
    text = text.strip()
    if not text:
        return ""
    try:
        EmailValidator()(text)
    except ValidationError as exc:
        if strict:
            raise RowError(_("invalid email address “%(value)s”") % {"value": text}) from exc
        return ""
    return text


def clean_url(text: str, *, strict: bool) -> str:
    text = text.strip()
    if not text:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError as exc:
        if strict:
            raise RowError(_("invalid website address “%(value)s”") % {"value": text}) from exc
        return ""
    return text


def parse_float(text: str, label: str) -> float | None:
    text = text.strip().replace(",", ".")
    if not text or text.lower() in ("nan", "null", "\\n"):
        return None  # how some exports write a missing value
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise RowError(
            _("%(field)s is not a number: “%(value)s”") % {"field": label, "value": text}
        )
    return value


def postcode_from_address(address: str) -> str:
    found = _POSTCODE_IN_ADDRESS.findall(address)
    return found[-1] if found else ""


def france_services(path: Path) -> Iterator[tuple[int, Record | RowError]]:
    """The ANCT list of France Services (one row per structure)."""
    for line, row in read_rows(path):
        try:
            _check_encoding(row)
            hours = []
            for weekday, day in enumerate(WEEKDAYS_FR[:6]):
                for opens, closes in parse_day_ranges(row.get(f"h_{day}") or ""):
                    hours.append((weekday, opens, closes))
            phone = stored_phone(
                row["telephone"] or "", departement_code=(row["insee_dep"] or "").strip()
            )
            address = ", ".join(
                part for part in (row["adresse"], row["complement_adresse"]) if part
            )
            record = Record(
                network="france-services",
                external_id=_required(row, "id_fs"),
                name=_required(row, "lib_fs"),
                departement=_required(row, "insee_dep"),
                address=" ".join(address.split()),
                postcode=row["code_postal"].strip(),
                commune=row["insee_com"].strip() or None,
                commune_name=row["lib_com"].strip(),
                latitude=parse_float(row["latitude"], "latitude"),
                longitude=parse_float(row["longitude"], "longitude"),
                phone=phone,
                email=clean_email(row["mail"] or "", strict=False),
                receives_by_appointment=(row["prise_rdv"] or "").strip().lower() == "oui",
                receives_by_phone=bool(phone),
                notes=(row["commentaire"] or "").strip(),
                hours=hours,
            )
        except RowError as error:
            yield line, error
        else:
            yield line, record


TOWN_HALL_NAMES = {"COMD": "Mairie déléguée de %(name)s", "SRM": "Mairie de secteur %(name)s"}


def town_halls(path: Path) -> Iterator[tuple[int, Record | RowError]]:
    """The DILA directory of town halls (mairies, mairies déléguées, arrondissement town halls)."""
    for line, row in read_rows(path):
        try:
            _check_encoding(row)
            hours = []
            for first, last, ranges in json.loads(row["horaires_json"] or "[]"):
                # A range with no last day ("samedi", "") covers its first day only.
                days = range(WEEKDAYS_FR.index(first), WEEKDAYS_FR.index(last or first) + 1)
                for weekday in days:
                    for opens, closes in ranges:
                        o, c = (parse_time(*value.split(":")[:2]) for value in (opens, closes))
                        if c > o:
                            hours.append((weekday, o, c))
            kind = _required(row, "type_entite")
            code = _required(row, "code_insee")
            departement = row["departement"].strip() or departement_of_insee_code(code)
            phone = stored_phone(row["telephone"] or "", departement_code=departement)
            name = _required(row, "nom_commune")
            # Names are stored data, in French whatever the language of the person importing.
            label = TOWN_HALL_NAMES.get(kind, "Mairie de %(name)s")
            suspect = row["coord_suspecte"].strip() == "1"
            record = Record(
                network="mairie",
                external_id=f"{code}-{kind}",
                name=label % {"name": name},
                departement=departement,
                address=row["adresse"].strip(),
                postcode=postcode_from_address(row["adresse"]),
                commune=code if kind in ("COM", "ARM") else None,
                commune_name=name,
                latitude=None if suspect else parse_float(row["latitude"], "latitude"),
                longitude=None if suspect else parse_float(row["longitude"], "longitude"),
                phone=phone,
                email=clean_email(row["email"] or "", strict=False),
                website=clean_url(row["site_web"] or "", strict=False),
                receives_by_phone=bool(phone),
                hours=sorted(set(hours)),
            )
        except (RowError, ValueError, TypeError) as error:
            yield (
                line,
                error
                if isinstance(error, RowError)
                else RowError(
                    _("unreadable opening hours “%(value)s”")
                    % {"value": row.get("horaires_json", "")}
                ),
            )
        else:
            yield line, record


GENERIC_COLUMNS = [
    "network",
    "external_id",
    "name",
    "address",
    "postcode",
    "commune_insee",
    "departement",
    "latitude",
    "longitude",
    "phone",
    "email",
    "website",
    "walk_in",
    "appointment",
    "phone_support",
    "video",
    "accessibility",
    *WEEKDAYS_EN,
    "notes",
]
_TRUE = {"1", "oui", "yes", "true", "vrai", "o", "y"}
_FALSE = {"", "0", "non", "no", "false", "faux", "n"}


def _bool(row: dict, column: str, default: bool) -> bool:
    value = (row.get(column) or "").strip().lower()
    if value == "":
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise RowError(
        _("column %(column)s must be oui or non, not “%(value)s”")
        % {"column": column, "value": value}
    )


def _required(row: dict, column: str) -> str:
    value = (row.get(column) or "").strip()
    if not value:
        raise RowError(_("column %(column)s is empty") % {"column": column})
    return value


def generic(path: Path) -> Iterator[tuple[int, Record | RowError]]:
    """The Continuité CSV format, documented in docs/import-format.md."""
    rows = read_rows(path)
    for line, row in rows:
        missing = [c for c in ("network", "external_id", "name") if c not in row]
        if missing:
            yield (
                line,
                RowError(_("missing columns: %(columns)s") % {"columns": ", ".join(missing)}),
            )
            return
        try:
            _check_encoding(row)
            hours = []
            for weekday, day in enumerate(WEEKDAYS_EN):
                for opens, closes in parse_day_ranges(row.get(day) or ""):
                    hours.append((weekday, opens, closes))
            accessibility = (row.get("accessibility") or "").strip() or Accessibility.UNKNOWN
            if accessibility not in Accessibility.values:
                raise RowError(
                    _("accessibility must be one of %(values)s")
                    % {"values": ", ".join(Accessibility.values)}
                )
            record = Record(
                network=_required(row, "network"),
                external_id=_required(row, "external_id"),
                name=_required(row, "name"),
                departement=(row.get("departement") or "").strip(),
                address=(row.get("address") or "").strip(),
                postcode=(row.get("postcode") or "").strip(),
                commune=(row.get("commune_insee") or "").strip() or None,
                latitude=parse_float(row.get("latitude") or "", "latitude"),
                longitude=parse_float(row.get("longitude") or "", "longitude"),
                phone=stored_phone(
                    row.get("phone") or "", departement_code=(row.get("departement") or "").strip()
                ),
                email=clean_email(row.get("email") or "", strict=True),
                website=clean_url(row.get("website") or "", strict=True),
                receives_walk_in=_bool(row, "walk_in", True),
                receives_by_appointment=_bool(row, "appointment", False),
                receives_by_phone=_bool(row, "phone_support", bool(row.get("phone"))),
                receives_by_video=_bool(row, "video", False),
                accessibility=accessibility,
                notes=(row.get("notes") or "").strip(),
                hours=hours,
            )
            if record.postcode and not re.fullmatch(r"\d{5}", record.postcode):
                raise RowError(_("invalid postcode “%(value)s”") % {"value": record.postcode})
        except RowError as error:
            yield line, error
        else:
            yield line, record


READERS = {"france-services": france_services, "mairies": town_halls, "csv": generic}
