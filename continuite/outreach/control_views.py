"""Pages of a register's controllers (its managers, see `registers_controlled_by`): the audit
log of the register, filtered, paginated and exported (the export audited too), and the requests
received from other social action centres, answered among their own records."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from continuite.accounts.audit import audit_record
from continuite.core.exports import SPREADSHEET, csv_download
from continuite.core.paging import paginated

from .access import (
    access_match_request_by_id,
    access_register_as_controller,
    register_reader_required,
)
from .audit_log import AUDIT_EXPORT_ACTION, describe, entries_filtered, register_entries
from .forms import AuditFilterForm, MatchAnswerForm
from .match_requests import match_candidates, match_request_answer
from .models import MatchRequest

ENTRIES_PER_PAGE = 100
REQUESTS_SHOWN = 50


def _filtered(request, register):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    entries = entries_filtered(register_entries(register), **filters)
    return form, filters, entries


@register_reader_required
@require_GET
def audit_log(request, register_id: int):
    """Who read whom, when and why; registrations, changes, exports and requests."""
    register = access_register_as_controller(request.user, register_id)
    form, _filters, entries = _filtered(request, register)
    page, params = paginated(request, entries, ENTRIES_PER_PAGE)
    return render(
        request,
        "outreach/audit_log.html",
        {
            "register": register,
            "form": form,
            "page": page,
            "rows": [describe(entry) for entry in page.object_list],
            "params": params,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@register_reader_required
@require_GET
def audit_log_csv(request, register_id: int):
    """The filtered audit log as CSV; the export itself is audited first."""
    register = access_register_as_controller(request.user, register_id)
    form, filters, entries = _filtered(request, register)
    if form.is_bound and form.errors:
        return redirect(f"{request.path.removesuffix('.csv')}/?{request.GET.urlencode()}")
    audit_record(
        actor=request.user,
        action=AUDIT_EXPORT_ACTION,
        target=register,
        register=register.pk,
        filters={k: str(v) for k, v in filters.items() if v},
    )
    response, writer = csv_download(f"journal-registre-{register.pk}.csv", dialect=SPREADSHEET)
    writer.writerow(
        [
            "date_heure",
            "agent",
            "nom_agent",
            "action",
            "fiche",
            "motif",
            "precision",
            "fiches_listees",
        ]
    )
    for entry in entries.iterator(chunk_size=2000):
        row = describe(entry)
        writer.writerow(
            [
                row["at"].isoformat(),
                row["agent"],
                row["agent_name"],
                row["action"],
                row["person"],
                row["reason"],
                row["note"],
                row["people"],
            ]
        )
    return response


@register_reader_required
@require_GET
def match_requests(request, register_id: int):
    """The requests of other social action centres waiting for this register's answer, each
    with the register's own records that may be the person (references only)."""
    register = access_register_as_controller(request.user, register_id)
    pending = list(
        register.match_requests_received.filter(status=MatchRequest.Status.PENDING)
        .select_related("person__register", "requested_by")
        .order_by("requested_at", "pk")[:REQUESTS_SHOWN]
    )
    for match_request in pending:
        match_request.candidates = list(
            match_candidates(match_request).values_list("pk", flat=True)
        )
    answered = list(
        register.match_requests_received.exclude(status=MatchRequest.Status.PENDING)
        .select_related("person__register", "answered_by")
        .order_by("-answered_at", "-pk")[:REQUESTS_SHOWN]
    )
    return render(
        request,
        "outreach/match_requests.html",
        {"register": register, "pending": pending, "answered": answered},
    )


@register_reader_required
@require_POST
def match_request_reply(request, register_id: int, request_id: int):
    """Link one of the register's records to the asking register's, or answer not found."""
    match_request = access_match_request_by_id(request.user, register_id, request_id)
    form = MatchAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was answered: choose a record of your register."))
        return redirect("outreach:match_requests", register_id=register_id)
    record = None
    if form.cleaned_data["record"]:
        record = match_request.to_register.people.filter(pk=form.cleaned_data["record"]).first()
        if record is None:
            messages.error(request, _("Nothing was answered: choose a record of your register."))
            return redirect("outreach:match_requests", register_id=register_id)
    try:
        match_request_answer(request=match_request, actor=request.user, record=record)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The answer is recorded."))
    return redirect("outreach:match_requests", register_id=register_id)
