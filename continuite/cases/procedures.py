"""A network's procedure types: created by its national managers; their deadline rules are fixed
once cases exist (a new rule is a new procedure type), so that no deadline moves silently."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from continuite.accounts.audit import audit_record

from .models import DeadlineUnit, ProcedureType, SilenceRule, StopRule

RULE_FIELDS = ("deadline_amount", "deadline_unit", "silence_rule", "stop_rule")
OTHER_FIELDS = ("label", "warn_days", "expected_minutes", "is_active")


def procedures_manageable_by(user, network) -> bool:
    """A network's procedures and their legal deadlines are set by its national managers."""
    if not user.is_authenticated:
        return False
    return (
        user.is_superuser
        or user.roles.filter(
            kind="network_manager", network=network, departement__isnull=True
        ).exists()
    )


def _check(values: dict) -> None:
    errors = {}
    if not (values.get("label") or "").strip():
        errors["label"] = _("Give the name of the procedure, as agents read it.")
    amount = values.get("deadline_amount")
    if amount is not None and not 1 <= amount <= 3650:
        errors["deadline_amount"] = _("Give a legal deadline between 1 and 3,650.")
    if values.get("deadline_unit") not in DeadlineUnit.values:
        errors["deadline_unit"] = _("Choose how the deadline is counted.")
    if values.get("silence_rule") not in SilenceRule.values:
        errors["silence_rule"] = _("Choose what silence means at the deadline.")
    if values.get("stop_rule") not in StopRule.values:
        errors["stop_rule"] = _("Choose what a request for documents does to the clock.")
    if not 0 <= (values.get("warn_days") or 0) <= 365:
        errors["warn_days"] = _("Give a number of days between 0 and 365.")
    if not 1 <= (values.get("expected_minutes") or 0) <= 10000:
        errors["expected_minutes"] = _("Give the expected work in minutes, between 1 and 10,000.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def procedure_type_create(*, network, actor, **values) -> ProcedureType:
    """A new procedure type of the network, with its legal deadline and rules."""
    _check(values)
    code = slugify(values.get("code") or values["label"])[:60]
    try:
        with transaction.atomic():
            procedure = ProcedureType.objects.create(
                network=network,
                code=code,
                **{name: values[name] for name in RULE_FIELDS + OTHER_FIELDS if name in values},
            )
    except IntegrityError:
        raise ValidationError(
            {"label": _("This network already has a procedure with this name.")}
        ) from None
    audit_record(actor=actor, action="cases.procedure_type_created", target=procedure, code=code)
    return procedure


@transaction.atomic
def procedure_type_update(*, procedure: ProcedureType, actor, **values) -> ProcedureType:
    """Change a procedure type; its deadline rules only while it has no case."""
    procedure = ProcedureType.objects.select_for_update().get(pk=procedure.pk)
    merged = {name: getattr(procedure, name) for name in RULE_FIELDS + OTHER_FIELDS}
    merged.update(values)
    _check(merged)
    changed = [n for n in RULE_FIELDS + OTHER_FIELDS if merged[n] != getattr(procedure, n)]
    if set(changed) & set(RULE_FIELDS) and procedure.cases.exists():
        raise ValidationError(
            _(
                "Cases already follow this procedure's deadline: create a new procedure for the "
                "new rule, and stop offering this one."
            )
        )
    for name, value in merged.items():
        setattr(procedure, name, value)
    procedure.save()
    audit_record(
        actor=actor, action="cases.procedure_type_updated", target=procedure, changed=changed
    )
    return procedure
