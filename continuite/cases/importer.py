"""CSV import of cases from a network's own system (the format of docs/cases-import-format.md).

An upload becomes a `CaseImport` row, processed by a worker in batches of one transaction each:
the row is locked while a batch runs and its counters say where to resume, so a task run twice
or taken over after a killed worker never handles a row twice. Cases are identified by their
reference within the network: importing the same file again creates nothing. A bad row is
reported with its line and the reason, and the good rows are loaded.
"""

import csv
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from continuite.accounts.audit import audit_record
from continuite.service_points.models import Network, ServicePoint

from . import services
from .models import Case, CaseImport, ProcedureType

logger = logging.getLogger(__name__)

REQUIRED = ("reference", "procedure_type", "service_point", "received_at")
OPTIONAL = ("status", "assignee")
BATCH_SIZE = 200
# Rejected rows listed on the report; beyond, they are only counted.
MAX_ERRORS = 1000
# Waiting for the person is a clock stop, recorded in Continuité itself.
IMPORT_STATUSES = [s for s in Case.Status.values if s != Case.Status.WAITING]
DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")
# Years a date of receipt may have: outside, a typing error (0001, 9999) that the database and
# the calendars cannot hold.
FIRST_YEAR, LAST_YEAR = 1900, 2100
# How much of a value a rejection reason quotes.
SHOWN_CHARS = 60
# Where a line that is not in the file's encoding was read (see decode_upload).
UNREADABLE = "\ufffd"


class RowError(Exception):
    """A row that cannot be loaded, with the reason shown to the person importing."""


@dataclass
class Row:
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return (self.values.get(column) or "").strip()


def decode_upload(raw: bytes) -> str:
    """The file's text: UTF-8, else Windows-1252 (Excel); lines of a UTF-8 file that are not
    UTF-8 keep a replacement mark, so that their row is rejected with its line."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lines = raw.splitlines(keepends=True)
    readable = [line for line in lines if not line.isascii() and _is_utf8(line)]
    if not readable:
        return raw.decode("cp1252", errors="replace")
    return raw.decode("utf-8-sig", errors="replace")


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def shown(value: str) -> str:
    """A value as a rejection reason quotes it: shortened when it is long."""
    return value if len(value) <= SHOWN_CHARS else value[: SHOWN_CHARS - 1] + "…"


def read_rows(text: str) -> list[Row]:
    """The file's rows with the physical line each starts on; RowError when the header is wrong."""
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    header = [column.strip().lower() for column in next(reader, [])]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise RowError(_("missing columns: %(columns)s") % {"columns": ", ".join(missing)})
    rows, previous = [], reader.line_num
    for fields in reader:
        if any(field.strip() for field in fields):
            rows.append(Row(previous + 1, dict(zip(header, fields, strict=False))))
        previous = reader.line_num
    return rows


def parse_received_at(text: str, time_zone) -> datetime:
    """ISO 8601 (date or date and time) or dd/mm/yyyy [hh:mm]; local time of the service point."""
    value = None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        for fmt in DATE_FORMATS:
            try:
                value = datetime.strptime(text, fmt)  # noqa: DTZ007 - made aware below
            except ValueError:
                continue
            break
    if value is None:
        raise RowError(
            _("unreadable date “%(value)s”: write 2020-03-20 or 20/03/2020")
            % {"value": shown(text)}
        )
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise RowError(
            _("the date “%(value)s” must fall between %(first)s and %(last)s")
            % {"value": shown(text), "first": FIRST_YEAR, "last": LAST_YEAR}
        )
    if value.tzinfo is None:
        value = value.replace(tzinfo=time_zone)
    return value


def case_import_request(*, network: Network, file_name: str, content: str, actor) -> CaseImport:
    """Record an upload and have a worker process it after commit."""
    job = CaseImport.objects.create(
        network=network,
        file_name=file_name[:300],
        content=content,
        requested_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(actor=actor, action="cases.import_requested", target=network, case_import=job.pk)
    transaction.on_commit(lambda: run_case_import.delay(job.pk), robust=True)
    return job


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_case_import(import_id: int) -> str:
    """Process an import to the end; safe to run twice or after a killed worker."""
    job = case_import_run(import_id)
    return job.status if job is not None else "missing"


def case_import_run(
    import_id: int,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[CaseImport], None] | None = None,
) -> CaseImport | None:
    """Load the import's rows from where it stopped, one batch per transaction."""
    job = CaseImport.objects.select_related("network").filter(pk=import_id).first()
    if job is None or job.status in (CaseImport.Status.DONE, CaseImport.Status.FAILED):
        return job
    try:
        rows = read_rows(job.content)
    except (RowError, csv.Error) as error:
        CaseImport.objects.filter(pk=job.pk).update(
            status=CaseImport.Status.FAILED,
            errors=[{"line": 1, "reference": "", "reason": str(error)}],
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
        return job
    first_lines: dict[str, int] = {}
    for row in rows:
        first_lines.setdefault(row.get("reference"), row.line)
    loader = _Loader(job.network, job.requested_by, first_lines)
    try:
        while True:
            with transaction.atomic():
                job = (
                    CaseImport.objects.select_for_update()
                    .select_related("network")
                    .get(pk=import_id)
                )
                if job.status in (CaseImport.Status.DONE, CaseImport.Status.FAILED):
                    break
                job.status, job.rows = CaseImport.Status.RUNNING, len(rows)
                batch = rows[job.processed : job.processed + batch_size]
                loader.load(job, batch)
                job.processed += len(batch)
                if job.processed >= job.rows:
                    job.status, job.finished_at = CaseImport.Status.DONE, timezone.now()
                job.save()
            if progress:
                progress(job)
            if job.status == CaseImport.Status.DONE:
                break
    except Exception:
        logger.exception("case import %s stopped", import_id)
        CaseImport.objects.filter(pk=import_id).update(
            status=CaseImport.Status.FAILED, finished_at=timezone.now()
        )
        raise
    return job


@dataclass(frozen=True)
class _CheckedRow:
    """A row's values once checked: what a case is created or updated with."""

    reference: str
    procedure_type: ProcedureType
    point: ServicePoint
    received_at: datetime
    status: str
    assignee: object | None


def _status(row: Row) -> str:
    """The status the row asks for ("" for none), one an import may set."""
    status = row.get("status")
    if status and status not in IMPORT_STATUSES:
        raise RowError(
            _("unknown status “%(value)s”: use one of %(values)s")
            % {"value": shown(status), "values": ", ".join(IMPORT_STATUSES)}
        )
    return status


def _assignee(row: Row, users: dict):
    """The active agent the row names as case worker, or None when it names none."""
    username = row.get("assignee")
    assignee = users.get(username) if username else None
    if username and assignee is None:
        raise RowError(_("unknown agent “%(username)s”") % {"username": shown(username)})
    return assignee


class _Loader:
    """Turns rows into cases, with the lookups of one batch done in a few queries."""

    def __init__(self, network: Network, actor, first_lines: dict[str, int]):
        self.network, self.actor, self.first_lines = network, actor, first_lines
        self.procedure_types = {pt.code: pt for pt in ProcedureType.objects.filter(network=network)}
        points = ServicePoint.objects.filter(network=network)
        if actor is not None:
            points = points.visible_to(actor)
        self.points = points.select_related("network")
        self.now = timezone.now()

    def load(self, job: CaseImport, batch: list[Row]) -> None:
        points = {
            sp.external_id: sp
            for sp in self.points.filter(
                external_id__in={row.get("service_point") for row in batch}
            )
        }
        users = {
            user.username: user
            for user in get_user_model().objects.filter(
                username__in={row.get("assignee") for row in batch if row.get("assignee")},
                is_active=True,
            )
        }
        existing = {
            case.reference: case
            for case in Case.objects.filter(
                network=self.network, reference__in={row.get("reference") for row in batch}
            ).select_related("assigned_to")
        }
        for row in batch:
            try:
                with transaction.atomic():
                    outcome = self._row(row, points, users, existing)
            except RowError as error:
                self._reject(job, row, str(error))
            except ValidationError as error:
                self._reject(job, row, " ".join(error.messages))
            except DataError:
                self._reject(job, row, _("a value does not fit its column"))
            except IntegrityError:
                self._reject(
                    job,
                    row,
                    _("reference %(reference)s was created meanwhile; import the file again")
                    % {"reference": row.get("reference")},
                )
            else:
                if outcome == "created":
                    job.created += 1
                elif outcome == "updated":
                    job.updated += 1

    def _reject(self, job: CaseImport, row: Row, reason: str) -> None:
        job.rejected += 1
        if len(job.errors) < MAX_ERRORS:
            job.errors.append(
                {"line": row.line, "reference": shown(row.get("reference")), "reason": reason}
            )

    def _row(self, row: Row, points, users, existing) -> str:
        """Load one row: "created", "updated" or "unchanged"; a RowError says why not."""
        checked = self._checked(row, points, users)
        case = existing.get(checked.reference)
        if case is None:
            return self._create(checked)
        return self._update(case, checked)

    def _checked(self, row: Row, points, users) -> _CheckedRow:
        """The row's values read and checked, in the order its reasons are reported."""
        if any(UNREADABLE in value for value in row.values.values() if value):
            raise RowError(_("this line is not in the file's encoding (UTF-8): save it again"))
        reference = self._reference(row)
        procedure_type = self._procedure_type(row)
        point = self._service_point(row, points)
        return _CheckedRow(
            reference=reference,
            procedure_type=procedure_type,
            point=point,
            received_at=self._received_at(row, point),
            status=_status(row),
            assignee=_assignee(row, users),
        )

    def _reference(self, row: Row) -> str:
        """The case's reference: given, short enough, and on this line first in the file."""
        reference = row.get("reference")
        if not reference:
            raise RowError(_("the reference is empty"))
        if len(reference) > 40:
            raise RowError(_("the reference is longer than 40 characters"))
        if self.first_lines.get(reference) != row.line:
            raise RowError(
                _("reference %(reference)s already appears on line %(line)s")
                % {"reference": reference, "line": self.first_lines.get(reference)}
            )
        return reference

    def _procedure_type(self, row: Row) -> ProcedureType:
        """The network's procedure type of this code, still in use."""
        code = row.get("procedure_type")
        procedure_type = self.procedure_types.get(code)
        if procedure_type is None:
            raise RowError(
                _("unknown procedure type “%(code)s” in the network %(network)s")
                % {"code": shown(code), "network": self.network}
            )
        if not procedure_type.is_active:
            raise RowError(_("the procedure type “%(code)s” is no longer in use") % {"code": code})
        return procedure_type

    def _service_point(self, row: Row, points) -> ServicePoint:
        """The network's service point of this identifier, among those the importer sees."""
        identifier = row.get("service_point")
        point = points.get(identifier)
        if point is None:
            raise RowError(
                _("unknown service point “%(id)s” in the network %(network)s")
                % {"id": shown(identifier), "network": self.network}
            )
        return point

    def _received_at(self, row: Row, point: ServicePoint) -> datetime:
        """The date of receipt, read in the service point's time zone, not in the future."""
        received_text = row.get("received_at")
        if not received_text:
            raise RowError(_("the date of receipt is empty"))
        received_at = parse_received_at(received_text, point.time_zone)
        if received_at > self.now:
            raise RowError(
                _("the date of receipt %(value)s is in the future")
                % {"value": shown(received_text)}
            )
        return received_at

    def _create(self, checked: _CheckedRow) -> str:
        """A new case, put at the row's status if it has one."""
        case = services.case_create(
            procedure_type=checked.procedure_type,
            service_point=checked.point,
            reference=checked.reference,
            received_at=checked.received_at,
            actor=self.actor,
            assigned_to=checked.assignee,
        )
        if checked.status and checked.status != case.status:
            services.case_set_status(
                case=case, status=checked.status, actor=self.actor, note=_("Imported")
            )
        return "created"

    def _update(self, case: Case, checked: _CheckedRow) -> str:
        """A known case: only what the row may change (status, case worker), when it differs."""
        if self.actor is not None and not self.points.filter(pk=case.service_point_id).exists():
            raise RowError(
                _("the case %(reference)s is at a service point outside your scope")
                % {"reference": checked.reference}
            )
        changed = False
        if checked.assignee is not None and case.assigned_to_id != checked.assignee.pk:
            services.case_assign(case=case, agent=checked.assignee, actor=self.actor)
            changed = True
        if checked.status and checked.status != case.status:
            services.case_set_status(
                case=case, status=checked.status, actor=self.actor, note=_("Imported")
            )
            changed = True
        return "updated" if changed else "unchanged"
