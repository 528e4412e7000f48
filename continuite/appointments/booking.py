"""The SQL of the booking hot path: one read before the checks, one write after them.

Bookings come in bursts (tens of thousands a minute when a network releases its slots), so a
booking is two statements, written here in SQL rather than built by the ORM on every call
(building the queries cost more than running them). On PostgreSQL each is a transaction of its
own when the caller has none open: no BEGIN nor COMMIT to wait for.

1. `slot_read`: the slot, its service point's status at its start and now, whether its range
   serves the reason, whether a partial closure of the reason may cover it, and the reason
   itself; on PostgreSQL it also draws the appointment's id (so that its messages are written
   with it).
2. `seat_write` (PostgreSQL): one statement with data-modifying CTEs, all or nothing. The
   person (the phone's row) is inserted or rewritten as it is (which locks it), the active
   appointments of the reason whose contact has the phone or the email counted, the seat taken by the guarded UPDATE (only while that count is under the
   cap), and the appointment, its history line and its outbox messages inserted with it. A
   refusal raises in the statement itself (`appointments_booking_refused`, migration 0006), so
   nothing of it stays written, the person's row included.

   The cap cannot be raced: the count is read in the statement's snapshot, and the person's
   row is updated only if it is still the version that snapshot saw (its `xmin`). Every
   booking updates that row, so a booking of the same person committed after the snapshot
   (by a request that held the row while this one waited for it) shows as a changed version:
   the statement refuses with `person_changed` and the caller runs it again, on a new
   snapshot that counts that booking.

   Other databases (the embedded SQLite demo) take the same steps through the ORM, in one
   transaction (`services._seat_write_in_steps`).

Statements run on a server-side binding cursor: psycopg prepares a statement it runs often
(`prepare_threshold` in settings), so PostgreSQL parses and plans each of these once per
connection.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import DatabaseError, connection
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.utils import timezone

from continuite.notifications.models import Message
from continuite.service_points.models import ServicePoint, status_in_force_sql

from .models import (
    Appointment,
    AppointmentEvent,
    ClosedWindow,
    OpeningRange,
    Person,
    Reason,
    Slot,
)
from .rules import seats_free_sql

_REASON_FIELDS = list(Reason._meta.concrete_fields)

# Why `seat_write` refuses (the argument of appointments_booking_refused).
CAP_REACHED, SLOT_TAKEN, PERSON_CHANGED = "cap_reached", "slot_taken", "person_changed"
_REFUSED = "booking refused: "


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)


def _slot_read_sql(vendor: str, draw_id: bool = True) -> str:
    """The read of `slot_read`, built from the models and from the status in force of
    service_points rather than restating them."""
    reason_columns = ", ".join(f"r.{connection.ops.quote_name(f.column)}" for f in _REASON_FIELDS)
    ranges_reasons, windows_reasons = OpeningRange.reasons.through, ClosedWindow.reasons.through
    drawn = (
        f"nextval(pg_get_serial_sequence('{Appointment._meta.db_table}', 'id'))"
        if vendor == "postgresql" and draw_id
        else "NULL"
    )
    return f"""
        SELECT s.service_point_id, s.opening_range_id, s.mode, s.starts_at, s.ends_at,
          s.capacity, s.held_for_emergencies, s.booked, s.over_capacity, sp.departement_id,
          {status_in_force_sql("s.service_point_id", "s.starts_at")} AS point_status,
          {status_in_force_sql("s.service_point_id", "%(now)s")} AS point_status_now,
          EXISTS (
            SELECT 1 FROM {_table(ranges_reasons)} rr
            WHERE rr.{_column(ranges_reasons, "openingrange")} = s.opening_range_id
              AND rr.{_column(ranges_reasons, "reason")} = r.id
          ) AS serves_reason,
          EXISTS (
            SELECT 1 FROM {_table(ClosedWindow)} w
            JOIN {_table(windows_reasons)} wr
              ON wr.{_column(windows_reasons, "closedwindow")} = w.id
            WHERE w.service_point_id = s.service_point_id
              AND wr.{_column(windows_reasons, "reason")} = r.id
              AND w.starts_at < s.ends_at AND (w.ends_at IS NULL OR w.ends_at > s.starts_at)
          ) AS reason_closure,
          {drawn},
          {reason_columns}
        FROM {_table(Slot)} s
        JOIN {_table(ServicePoint)} sp ON sp.id = s.service_point_id
        JOIN {_table(Reason)} r ON r.id = %(reason)s
        WHERE s.id = %(slot)s
    """


_SQL: dict[str, str] = {}


def _sql(name: str, build) -> str:
    key = f"{connection.vendor}:{name}"
    if key not in _SQL:
        _SQL[key] = build(connection.vendor)
    return _SQL[key]


def _cursor():
    """A cursor binding its parameters on the server (PostgreSQL), in Django's wrapper.

    The wrapper keeps what Django does around a query: errors raised as Django's own
    (IntegrityError...), execute wrappers, and the query log when it is on (tests count
    statements with it).
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    wrapper = CursorDebugWrapper if connection.queries_logged else CursorWrapper
    return wrapper(ServerBindingCursor(connection.connection), connection)


def _aware(value: datetime) -> datetime:
    """A datetime read by a raw query: aware (SQLite gives naive UTC ones)."""
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


@dataclass
class SlotRead:
    """What a booking checks, read in one statement: the slot (with the checks' annotations),
    the reason, and on PostgreSQL the id the appointment will have."""

    slot: Slot
    reason: Reason
    departement_code: str
    appointment_id: int | None


def slot_read(
    *, slot_id: int, reason_id: int, now: datetime, draw_id: bool = True
) -> SlotRead | None:
    """The slot and the reason for a booking, or None if either does not exist.

    The slot carries its seats, `point_status` (its service point's status at its start),
    `point_status_now`, `serves_reason` (its opening range serves the reason) and
    `reason_closure` (a partial closure of the reason overlaps it; its hours of the day are
    left to `Slot.reason_closed`): what `rules.slot_refusal` checks. A page that only
    checks passes `draw_id=False` (no appointment id drawn).
    """
    params = {
        "slot": slot_id,
        "reason": reason_id,
        "now": connection.ops.adapt_datetimefield_value(now),
    }
    with _cursor() as cursor:
        name = "slot_read" if draw_id else "slot_read:check"
        cursor.execute(_sql(name, lambda vendor: _slot_read_sql(vendor, draw_id)), params)
        row = cursor.fetchone()
    if row is None:
        return None
    point_id, range_id, mode, starts_at, ends_at, capacity, held, booked, over = row[:9]
    departement, status, status_now, serves, closure, appointment_id = row[9:15]
    slot = Slot(
        pk=slot_id,
        service_point_id=point_id,
        opening_range_id=range_id,
        mode=mode,
        starts_at=_aware(starts_at),
        ends_at=_aware(ends_at),
        capacity=capacity,
        held_for_emergencies=held,
        booked=booked,
        over_capacity=bool(over),
    )
    slot.point_status, slot.point_status_now = status, status_now
    slot.serves_reason, slot.reason_closure = bool(serves), bool(closure)
    reason = Reason.from_db(connection.alias, [f.attname for f in _REASON_FIELDS], list(row[15:]))
    return SlotRead(slot, reason, departement, appointment_id)


def _insert_sql(model, fields: list[str], source: str, extra: dict[str, str] | None = None) -> str:
    """`INSERT INTO table (columns) SELECT %s, ... FROM source`: one row of these fields,
    followed by the `extra` columns' SQL expressions, written only when `source` has a row."""
    extra = extra or {}
    columns = [connection.ops.quote_name(model._meta.get_field(f).column) for f in fields]
    columns += [connection.ops.quote_name(c) for c in extra]
    values = ", ".join(["%s"] * len(fields) + list(extra.values()))
    return (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {values} FROM {source}"
    )


def _insert_params(model, instances: list, fields: list[str]) -> list:
    """The values of unsaved instances for `_insert_sql`, as the ORM saves them (the automatic
    dates filled in, JSON and UUIDs prepared for the database)."""
    fields = [model._meta.get_field(f) for f in fields]
    return [
        f.get_db_prep_save(f.pre_save(instance, add=True), connection)
        for instance in instances
        for f in fields
    ]


_APPOINTMENT_FIELDS = [
    "id",
    "reference",
    "slot",
    "service_point",
    "reason",
    "mode",
    "starts_at",
    "ends_at",
    "status",
    "submission_key",
    "booked_by",
    "takes_seat",
    "created_at",
    "contact_name",
    "contact_phone",
    "contact_email",
]
_EVENT_FIELDS = ["appointment", "occurred_at", "kind", "note", "actor"]
_MESSAGE_FIELDS = [
    "channel",
    "to",
    "subject",
    "body",
    "attachment_name",
    "attachment_content",
    "attachment_mimetype",
    "composer",
    "composer_args",
    "dedup_key",
    "status",
    "attempts",
    "last_error",
    "provider_id",
    "created_at",
]


def _seat_write_sql(messages: int, email: bool) -> str:
    appointment = _insert_sql(
        Appointment, _APPOINTMENT_FIELDS, "seat, person", extra={"person_id": "person.id"}
    )
    event = _insert_sql(AppointmentEvent, _EVENT_FIELDS, "seat")
    person, appointments, slots = _table(Person), _table(Appointment), _table(Slot)
    active_statuses = ", ".join(f"'{status.value}'" for status in Appointment.ACTIVE)
    same_contact = (
        "(a.contact_phone = %s OR UPPER(a.contact_email) = UPPER(%s))"
        if email
        else "a.contact_phone = %s"
    )
    parts = [
        # The person's row as this statement's snapshot sees it (none for a first booking).
        f"known AS (SELECT xmin AS version FROM {person} WHERE phone = %s)",
        # The person is only the phone's row: rewritten as it is, for its lock and its version
        # (a form never changes what another booking holds).
        f"""person AS (
            INSERT INTO {person} (phone, created_at) VALUES (%s, %s)
            ON CONFLICT (phone) DO UPDATE SET phone = EXCLUDED.phone
            WHERE {person}.xmin IS NOT DISTINCT FROM (SELECT version FROM known)
            RETURNING id
        )""",
        # As `services.active_for_reason`: by the contact's phone, or its email when one is
        # given. Written without the email when there is none, so that the prepared plan is
        # the phone's.
        f"""active AS (
            SELECT count(*) AS n FROM {appointments} a
            WHERE {same_contact}
              AND a.reason_id = %s AND a.status IN ({active_statuses})
              AND a.starts_at > %s AND a.id IS DISTINCT FROM %s
        )""",
        # The seat predicate of the rules (`rules.SEAT_FREE`), in SQL.
        f"""seat AS (
            UPDATE {slots} SET booked = booked + 1
            WHERE id = %s AND {seats_free_sql()}
              AND (SELECT n FROM active) < %s AND EXISTS (SELECT 1 FROM person)
            RETURNING id
        )""",
        f"appointment AS ({appointment})",
        f"event AS ({event})",
    ]
    parts += [
        f"message_{i} AS ({_insert_sql(Message, _MESSAGE_FIELDS, 'seat')} RETURNING id)"
        for i in range(messages)
    ]
    message_ids = " UNION ALL ".join(f"SELECT id FROM message_{i}" for i in range(messages))
    returned = f"ARRAY({message_ids} ORDER BY id)" if messages else "ARRAY[]::bigint[]"
    return f"""WITH {", ".join(parts)}
        SELECT CASE
            WHEN NOT EXISTS (SELECT 1 FROM person)
              THEN appointments_booking_refused('{PERSON_CHANGED}')
            WHEN (SELECT n FROM active) >= %s THEN appointments_booking_refused('{CAP_REACHED}')
            WHEN NOT EXISTS (SELECT 1 FROM seat) THEN appointments_booking_refused('{SLOT_TAKEN}')
          END,
          (SELECT id FROM person), {returned}"""


class SeatRefused(Exception):
    """The write statement refused (`why`: `CAP_REACHED`, `SLOT_TAKEN` or `PERSON_CHANGED`)
    and wrote nothing."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


@dataclass
class SeatWrite:
    """What the write statement reports: the person's id and the outbox messages' ids."""

    person_id: int
    message_ids: list[int]


def seat_write(
    *,
    appointment: Appointment,
    event: AppointmentEvent,
    messages: list[Message],
    replacing_id: int | None,
    now: datetime,
) -> SeatWrite:
    """The write of a booking in one statement (PostgreSQL); see the module's docstring.

    `appointment` carries its id (drawn by `slot_read`), its contact and its person (unsaved:
    the row of its contact's phone, inserted or locked here); the event and the messages are written as given. Outside a
    transaction the statement is one; inside one, the caller runs it in a savepoint, as a
    refusal is an error of the statement.
    """
    phone, email = appointment.contact_phone, appointment.contact_email
    cap = appointment.reason.max_active_per_person
    params = [phone, phone, timezone.now()]
    params += [phone, email] if email else [phone]
    params += [appointment.reason_id, now, replacing_id, appointment.slot_id, cap]
    params += _insert_params(Appointment, [appointment], _APPOINTMENT_FIELDS)
    params += _insert_params(AppointmentEvent, [event], _EVENT_FIELDS)
    params += _insert_params(Message, messages, _MESSAGE_FIELDS)
    params.append(cap)
    sql = _sql(
        f"seat_write:{len(messages)}:{bool(email)}",
        lambda _vendor: _seat_write_sql(len(messages), bool(email)),
    )
    try:
        with _cursor() as cursor:
            cursor.execute(sql, params)
            _refused, person_id, message_ids = cursor.fetchone()
    except DatabaseError as error:
        why = _refusal(error)
        if not why:
            raise
        raise SeatRefused(why) from error
    return SeatWrite(person_id, list(message_ids))


def _refusal(error: DatabaseError) -> str:
    """The reason given to appointments_booking_refused, or "" for any other error."""
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    message = (diag.message_primary or "") if diag is not None else ""
    if getattr(cause, "sqlstate", None) == "P0001" and message.startswith(_REFUSED):
        return message.removeprefix(_REFUSED)
    return ""
