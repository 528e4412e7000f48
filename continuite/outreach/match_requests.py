"""Requests to another register's social action centre: sent from a record, answered by the
other register's managers among their own records. Neither side sees the other's record."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from continuite.accounts.audit import audit_record

from .models import MatchRequest, Register, RegisteredPerson
from .services import matches_for, share_call_plan


@transaction.atomic
def match_request_send(
    *, person: RegisteredPerson, to_register: Register, actor, note: str = ""
) -> MatchRequest:
    """Ask another register's managers whether they hold the same person (audited)."""
    if not person.is_active:
        raise ValidationError(_("Only an active registration can be looked for elsewhere."))
    if to_register.pk == person.register_id:
        raise ValidationError({"commune_name": _("This is the record's own register.")})
    if MatchRequest.objects.filter(
        person=person, to_register=to_register, status=MatchRequest.Status.PENDING
    ).exists():
        raise ValidationError(_("A request to this register is already waiting for its answer."))
    request = MatchRequest.objects.create(
        person=person, to_register=to_register, requested_by=actor, note=" ".join(note.split())
    )
    audit_record(
        actor=actor,
        action="outreach.match_request.send",
        target=request,
        register=person.register_id,
        to_register=to_register.pk,
        person=person.pk,
    )
    return request


def match_candidates(request: MatchRequest):
    """The records of the register asked that are the same person (for its managers only)."""
    return matches_for(request.person).filter(register_id=request.to_register_id)


@transaction.atomic
def match_request_answer(
    *, request: MatchRequest, actor, record: RegisteredPerson | None
) -> MatchRequest:
    """Answer a request: link one of the register's records (one call plan), or say not found."""
    request = MatchRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != MatchRequest.Status.PENDING:
        raise ValidationError(_("This request is already answered."))
    if record is not None:
        if not match_candidates(request).filter(pk=record.pk).exists():
            raise ValidationError(_("This record is not the person the request is about."))
        share_call_plan(first=request.person, second=record, actor=actor)
        request.status = MatchRequest.Status.LINKED
    else:
        request.status = MatchRequest.Status.NO_MATCH
    request.answered_by = actor
    request.answered_at = timezone.now()
    request.save(update_fields=["status", "answered_by", "answered_at"])
    audit_record(
        actor=actor,
        action="outreach.match_request.answer",
        target=request,
        register=request.to_register_id,
        from_register=request.person.register_id,
        status=request.status,
        person=record.pk if record else None,
    )
    return request
