"""Writes on the register of vulnerable people: registration, acknowledgment, changes, end of
registration, purge, reads (audited) and the shared call plans of people found twice.

Each service checks everything before writing, runs in one transaction and writes an audit
record; a refusal is a ValidationError whose messages name the field, and nothing is saved.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from continuite.accounts.audit import audit_record
from continuite.core.models import Commune
from continuite.core.phones import normalize_phone

from .models import (
    MINIMUM_AGE,
    READ_ACTION,
    Call,
    CallPlan,
    ContactPerson,
    Criterion,
    Reach,
    ReadReason,
    Register,
    RegisteredPerson,
    age_on,
    match_key,
)

# The fields a registration or an update may set (besides contacts).
PERSON_FIELDS = (
    "last_name",
    "first_name",
    "born_on",
    "address",
    "postcode",
    "commune",
    "phone",
    "other_phone",
    "home_care_service",
    "criterion",
    "preferred_call_times",
    "language",
    "hearing_difficulty",
    "registered_by",
    "requester_name",
    "requester_relation",
    "request_received_on",
    "consent_on",
    "consent_form",
)


@dataclass(frozen=True)
class Contact:
    """A contact person as typed: name, relation, phone."""

    name: str
    relation: str = ""
    phone: str = ""


def _today() -> date:
    return timezone.localdate()


def _phone(errors: dict, field: str, text: str, departement_code: str, *, required=False) -> str:
    text = (text or "").strip()
    if not text:
        if required:
            errors.setdefault(field, []).append(_("Give a phone number."))
        return ""
    number = normalize_phone(text, departement_code=departement_code)
    if number is None:
        errors.setdefault(field, []).append(
            _("%(text)s is not a phone number we can call.") % {"text": text}
        )
        return ""
    return number


# The free-text fields of a person: their spaces normalised, their length checked.
_TEXT_FIELDS = (
    "last_name",
    "first_name",
    "address",
    "postcode",
    "home_care_service",
    "preferred_call_times",
    "language",
    "requester_name",
    "requester_relation",
)


def _error(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _clean_texts(errors: dict, data: dict) -> None:
    """Normalise the spaces of the free-text fields and refuse those over their column's size."""
    for name in _TEXT_FIELDS:
        data[name] = " ".join((data[name] or "").split())
        limit = RegisteredPerson._meta.get_field(name).max_length
        if len(data[name]) > limit:
            _error(
                errors,
                name,
                _("This is too long (%(limit)s characters at most).") % {"limit": limit},
            )
    data["language"] = data["language"] or "français"
    data["hearing_difficulty"] = bool(data["hearing_difficulty"])


def _check_identity(errors: dict, data: dict, register: Register) -> None:
    """The names are given and the commune is the register's, if the register has one."""
    if not data["last_name"]:
        _error(errors, "last_name", _("Give the person's last name."))
    if not data["first_name"]:
        _error(errors, "first_name", _("Give the person's first name."))
    if not isinstance(data["commune"], Commune):
        _error(errors, "commune", _("Give the commune where the person lives."))
    elif register.commune_id and data["commune"].pk != register.commune_id:
        _error(
            errors,
            "commune",
            _("This register is %(commune)s's: it holds the people living there.")
            % {"commune": register.commune.name},
        )


def _check_birth_and_criterion(errors: dict, data: dict, today: date) -> None:
    """A date of birth in the past, and a criterion the person's age meets."""
    born = data["born_on"]
    criterion = data["criterion"]
    if born is None:
        _error(errors, "born_on", _("Give the date of birth."))
    elif born > today:
        _error(errors, "born_on", _("The date of birth cannot be in the future."))
    if criterion not in Criterion.values:
        _error(
            errors,
            "criterion",
            _(
                "Choose why the person may be registered: 65 or over, 60 or over and unfit for work, or disabled adult."
            ),
        )
    elif born is not None and born <= today and age_on(born, today) < MINIMUM_AGE[criterion]:
        _error(
            errors,
            "criterion",
            _("The person is %(age)s: this criterion requires %(minimum)s or over.")
            % {"age": age_on(born, today), "minimum": MINIMUM_AGE[criterion]},
        )


def _departement_of(data: dict, register: Register) -> str:
    """The département whose numbering short phone numbers are read in."""
    if isinstance(data["commune"], Commune):
        return data["commune"].departement_id
    return register.departement_code


def _check_requester(errors: dict, data: dict, today: date) -> None:
    """Who asked; a third party's request needs its requester and its day of receipt."""
    by = data["registered_by"]
    if by not in RegisteredPerson.RegisteredBy.values:
        _error(errors, "registered_by", _("Say who asked for the registration."))
    if by != RegisteredPerson.RegisteredBy.THIRD_PARTY:
        data["requester_name"] = data["requester_relation"] = ""
        data["request_received_on"] = None
        return
    if not data["requester_name"]:
        _error(errors, "requester_name", _("A third party's request needs the requester's name."))
    received = data["request_received_on"]
    if received is None:
        _error(errors, "request_received_on", _("Give the day the written request was received."))
    elif received > today:
        _error(errors, "request_received_on", _("The request cannot be received in the future."))


def _check_consent(errors: dict, data: dict, today: date) -> None:
    """The consent has a date (not in the future) and a form that fits who asked."""
    consent_on, form = data["consent_on"], data["consent_form"]
    if consent_on is None or not form:
        _error(errors, "consent_on", _("Record the person's consent: its date and its form."))
    elif form not in RegisteredPerson.ConsentForm.values:
        _error(errors, "consent_form", _("Choose how the consent was given."))
    elif consent_on > today:
        _error(errors, "consent_on", _("Consent cannot be given in the future."))
    elif (
        form == RegisteredPerson.ConsentForm.THIRD_PARTY_REQUEST
        and data["registered_by"] != RegisteredPerson.RegisteredBy.THIRD_PARTY
    ):
        _error(
            errors,
            "consent_form",
            _("Consent through a third party's request needs a third party's request."),
        )


def _cleaned_contacts(errors: dict, contacts: list[Contact], departement: str) -> list[Contact]:
    """The contacts typed, empty lines of the form dropped, each with a name and a phone."""
    cleaned = []
    for contact in contacts:
        name = " ".join((contact.name or "").split())
        if not name and not (contact.phone or "").strip():
            continue  # an empty line of the form
        if not name:
            _error(errors, "contact_name", _("Give the contact person's name."))
        number = _phone(errors, "contact_phone", contact.phone, departement, required=True)
        cleaned.append(
            Contact(
                name=name[:200],
                relation=" ".join((contact.relation or "").split())[:100],
                phone=number,
            )
        )
    return cleaned


def _cleaned(register: Register, values: dict, contacts: list[Contact], today: date):
    """The person's fields checked and normalised, and the contacts; every error at once."""
    errors: dict[str, list[str]] = {}
    data = {name: values.get(name) for name in PERSON_FIELDS}
    _clean_texts(errors, data)
    _check_identity(errors, data, register)
    _check_birth_and_criterion(errors, data, today)
    departement = _departement_of(data, register)
    data["phone"] = _phone(errors, "phone", data["phone"], departement, required=True)
    data["other_phone"] = _phone(errors, "other_phone", data["other_phone"], departement)
    _check_requester(errors, data, today)
    _check_consent(errors, data, today)
    cleaned_contacts = _cleaned_contacts(errors, contacts, departement)
    if errors:
        raise ValidationError(errors)
    return data, cleaned_contacts


def _duplicate_error(register: Register) -> ValidationError:
    return ValidationError(
        {
            "last_name": _(
                "This person is already registered in %(register)s (same name and date of birth)."
            )
            % {"register": register.name}
        }
    )


@transaction.atomic
def person_register(
    *, register: Register, actor, contacts: list[Contact] = (), **values
) -> RegisteredPerson:
    """Enter a person in a register, with their consent and contact persons."""
    today = _today()
    data, cleaned_contacts = _cleaned(register, values, list(contacts), today)
    key = match_key(data["last_name"], data["first_name"], data["born_on"])
    if register.people.active().filter(match_key=key).exists():
        raise _duplicate_error(register)
    try:
        with transaction.atomic():
            person = RegisteredPerson.objects.create(
                register=register, match_key=key, status_on=today, **data
            )
    except IntegrityError as error:  # the same person registered at the same moment
        raise _duplicate_error(register) from error
    _contacts_create(person, cleaned_contacts)
    audit_record(
        actor=actor,
        action="outreach.person.register",
        target=person,
        register=register.pk,
        registered_by=person.registered_by,
    )
    return person


def _contacts_create(person: RegisteredPerson, contacts: list[Contact]) -> None:
    ContactPerson.objects.bulk_create(
        ContactPerson(person=person, name=c.name, relation=c.relation, phone=c.phone)
        for c in contacts
    )


def _check_active(person: RegisteredPerson) -> None:
    if not person.is_active:
        raise ValidationError(
            _("This registration has ended (%(status)s): nothing more can be recorded.")
            % {"status": person.get_status_display().lower()}
        )


def _locked_active(person: RegisteredPerson) -> RegisteredPerson:
    """The person's row locked and read again; refused once the registration has ended."""
    list(RegisteredPerson.objects.select_for_update().filter(pk=person.pk).values_list("pk"))
    person.refresh_from_db()
    _check_active(person)
    return person


@transaction.atomic
def person_update(
    *, person: RegisteredPerson, actor, contacts: list[Contact] | None = None, **changes
) -> RegisteredPerson:
    """Change what is known of a registered person (contacts replaced when given)."""
    person = _locked_active(person)
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    values = {name: getattr(person, name) for name in PERSON_FIELDS} | changes
    current = [Contact(c.name, c.relation, c.phone) for c in person.contacts.all()]
    data, cleaned_contacts = _cleaned(
        person.register, values, current if contacts is None else list(contacts), _today()
    )
    key = match_key(data["last_name"], data["first_name"], data["born_on"])
    if person.register.people.active().filter(match_key=key).exclude(pk=person.pk).exists():
        raise _duplicate_error(person.register)
    changed = sorted(name for name in PERSON_FIELDS if getattr(person, name) != data[name])
    for name, value in data.items():
        setattr(person, name, value)
    person.match_key = key
    person.save()
    if contacts is not None:
        person.contacts.all().delete()
        _contacts_create(person, cleaned_contacts)
        changed.append("contacts")
    audit_record(
        actor=actor,
        action="outreach.person.update",
        target=person,
        fields=changed,
        register=person.register_id,
    )
    return person


@transaction.atomic
def person_acknowledge(
    *, person: RegisteredPerson, acknowledged_on: date, actor
) -> RegisteredPerson:
    """Record that the third party's written request was acknowledged."""
    person = _locked_active(person)
    if person.registered_by != RegisteredPerson.RegisteredBy.THIRD_PARTY:
        raise ValidationError(_("Only a third party's request is acknowledged."))
    if person.acknowledged_on is not None:
        raise ValidationError(_("This request is already acknowledged."))
    if acknowledged_on is None or acknowledged_on > _today():
        raise ValidationError(
            {"acknowledged_on": _("Give the day of the acknowledgment, today at the latest.")}
        )
    if acknowledged_on < person.request_received_on:
        raise ValidationError(
            {"acknowledged_on": _("The acknowledgment cannot precede the request.")}
        )
    person.acknowledged_on = acknowledged_on
    person.save(update_fields=["acknowledged_on", "updated_at"])
    audit_record(
        actor=actor,
        action="outreach.person.acknowledge",
        target=person,
        on=acknowledged_on.isoformat(),
        late=acknowledged_on > person.acknowledgment_due_on,
        register=person.register_id,
    )
    return person


@transaction.atomic
def person_end(*, person: RegisteredPerson, status: str, on: date, actor) -> RegisteredPerson:
    """End a registration (withdrawal, death, move): no more calls, and the purge date is set."""
    person = _locked_active(person)
    if status not in (
        RegisteredPerson.Status.WITHDRAWN,
        RegisteredPerson.Status.DECEASED,
        RegisteredPerson.Status.MOVED,
    ):
        raise ValidationError({"status": _("Choose withdrawal, death or move.")})
    if on is None or on > _today():
        raise ValidationError({"on": _("Give the date, today at the latest.")})
    if on < person.consent_on:
        raise ValidationError({"on": _("This date precedes the registration.")})
    person.status = status
    person.status_on = on
    person.purge_due_on = person.purge_date_for(status, on)
    person.save(update_fields=["status", "status_on", "purge_due_on", "updated_at"])
    # No more calls: the open ones end, and campaigns no longer count the person to reach.
    Call.objects.filter(person=person, status=Call.Status.OPEN).update(
        status=Call.Status.CANCELLED,
        resolved_at=timezone.now(),
        reserved_by=None,
        reservation_ends_at=None,
    )
    Reach.objects.filter(person=person, reached_at__isnull=True).delete()
    audit_record(
        actor=actor,
        action=f"outreach.person.{status}",
        target=person,
        on=on.isoformat(),
        purge_after=person.purge_due_on.isoformat(),  # the audit key stays: logs already hold it
        register=person.register_id,
    )
    return person


def person_withdraw(*, person: RegisteredPerson, on: date, actor) -> RegisteredPerson:
    """The person (or their representative) asks to leave the register."""
    return person_end(person=person, status=RegisteredPerson.Status.WITHDRAWN, on=on, actor=actor)


def person_record_death(*, person: RegisteredPerson, on: date, actor) -> RegisteredPerson:
    return person_end(person=person, status=RegisteredPerson.Status.DECEASED, on=on, actor=actor)


def person_record_move(*, person: RegisteredPerson, on: date, actor) -> RegisteredPerson:
    return person_end(person=person, status=RegisteredPerson.Status.MOVED, on=on, actor=actor)


# What a purge empties: everything that identifies or locates the person.
_EMPTIED = {
    "last_name": "",
    "first_name": "",
    "born_on": None,
    "address": "",
    "postcode": "",
    "phone": "",
    "other_phone": "",
    "home_care_service": "",
    "preferred_call_times": "",
    "requester_name": "",
    "requester_relation": "",
    "match_key": "",
    "call_plan": None,
}


PURGE_BATCH = 2000


def purge_due(*, today: date | None = None) -> int:
    """Empty the records whose retention period is over; returns how many.

    What stays is not identifying: the register, the commune, the criterion, the status and its
    date, so that counts (registered, withdrawn, reached) stay whole. Safe to run twice; one
    transaction per batch, each logged per register with its counts.
    """
    today = today or _today()
    total = 0
    while done := _purge_batch(today):
        total += done
    return total


@transaction.atomic
def _purge_batch(today: date) -> int:
    due = (
        RegisteredPerson.objects.purge_due(today).order_by("pk").select_for_update(skip_locked=True)
    )
    ids = list(due.values_list("pk", flat=True)[:PURGE_BATCH])
    if not ids:
        return 0
    ContactPerson.objects.filter(person_id__in=ids).delete()
    plans = set(
        RegisteredPerson.objects.filter(pk__in=ids, call_plan__isnull=False).values_list(
            "call_plan_id", flat=True
        )
    )
    RegisteredPerson.objects.filter(pk__in=ids).update(
        purged_on=today, updated_at=timezone.now(), **_EMPTIED
    )
    # A plan left with a single record shares nothing any more.
    lonely = (
        CallPlan.objects.filter(pk__in=plans)
        .annotate(n=Count("people"))
        .filter(n__lt=2)
        .values("pk")
    )
    RegisteredPerson.objects.filter(call_plan__in=lonely).update(call_plan=None)
    CallPlan.objects.filter(pk__in=plans, people__isnull=True).delete()
    per_register: dict[int, dict[str, int]] = {}
    for register_id, status in RegisteredPerson.objects.filter(pk__in=ids).values_list(
        "register_id", "status"
    ):
        counts = per_register.setdefault(register_id, {})
        counts[status] = counts.get(status, 0) + 1
    for register_id, counts in per_register.items():
        audit_record(actor=None, action="outreach.purge", target=Register(pk=register_id), **counts)
    return len(ids)


def read_record(actor, action: str, target, register_id: int, reason: str, note: str, **details):
    """Log a read of a register's names: who, what and why (the note on one line, 200
    characters at most)."""
    note = " ".join(note.split())[:200]
    audit_record(
        actor=actor,
        action=action,
        target=target,
        reason=reason,
        note=note,
        register=register_id,
        **details,
    )


@transaction.atomic
def person_read(*, person: RegisteredPerson, actor, reason: str, note: str = "", **details) -> None:
    """Log that an agent opened a person's record, and why (every read is audited)."""
    if reason not in ReadReason.values:
        raise ValidationError({"reason": _("Say why you consult this record.")})
    read_record(actor, READ_ACTION, person, person.register_id, reason, note, **details)


def matches_for(person: RegisteredPerson):
    """The same person in other registers: same folded names and date of birth, or same phone
    and date of birth (active records only)."""
    if person.born_on is None or not person.is_active:
        return RegisteredPerson.objects.none()
    phones = [number for number in (person.phone, person.other_phone) if number]
    same = Q(match_key=person.match_key)
    if phones:
        same |= Q(phone__in=phones) | Q(other_phone__in=phones)
    return (
        RegisteredPerson.objects.active()
        .filter(born_on=person.born_on)
        .filter(same)
        .exclude(register_id=person.register_id)
        .select_related("register")
        .order_by("register__name", "pk")
    )


@transaction.atomic
def share_call_plan(*, first: RegisteredPerson, second: RegisteredPerson, actor) -> CallPlan:
    """Give two records of the same person (in two registers) one call plan; plans merge."""
    locked = list(
        RegisteredPerson.objects.select_for_update()
        .filter(pk__in=[first.pk, second.pk])
        .order_by("pk")
    )
    if len(locked) != 2:
        raise ValidationError(_("Choose two different records."))
    first.refresh_from_db()
    second.refresh_from_db()
    if not first.is_active or not second.is_active:
        raise ValidationError(_("Only active registrations share a call plan."))
    if not matches_for(first).filter(pk=second.pk).exists():
        raise ValidationError(
            _("These records are not the same person (name, date of birth or phone differ).")
        )
    if first.call_plan_id and first.call_plan_id == second.call_plan_id:
        return first.call_plan
    plan = first.call_plan or second.call_plan or CallPlan.objects.create()
    others = {first.call_plan_id, second.call_plan_id} - {plan.pk, None}
    RegisteredPerson.objects.filter(
        Q(pk__in=[first.pk, second.pk]) | Q(call_plan_id__in=others)
    ).update(call_plan=plan)
    CallPlan.objects.filter(pk__in=others).delete()
    first.call_plan = second.call_plan = plan
    for person in (first, second):
        audit_record(
            actor=actor,
            action="outreach.call_plan.share",
            target=person,
            plan=plan.pk,
            register=person.register_id,
        )
    return plan
