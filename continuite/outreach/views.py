"""Agents' pages of the register: the registers in scope, a register, the registration form,
a person's record (shown only once the agent says why, and logged), and its actions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from continuite.accounts.audit import audit_record
from continuite.core.forms import add_errors, form_action
from continuite.core.paging import paginated
from continuite.core.phones import display_phone

from . import services
from .access import (
    access_person_by_id,
    access_register_by_id,
    matches_visible_to,
    register_reader_required,
    registers_controlled_by,
)
from .consultations import CONSULTATION_MINUTES, consultation_reason, consultation_start
from .forms import (
    AcknowledgeForm,
    EndForm,
    MatchRequestForm,
    ReadForm,
    RegistrationForm,
    SearchForm,
    ShareForm,
)
from .match_requests import match_request_send
from .models import ReadReason, Register, RegisteredPerson

PEOPLE_PER_PAGE = 50


@register_reader_required
@require_http_methods(["GET"])
def registers(request):
    """The registers of vulnerable people the agent's roles reach."""
    rows = (
        Register.objects.visible_to(request.user)
        .select_related("commune", "network", "departement")
        .annotate(
            active=Count("people", filter=Q(people__status=RegisteredPerson.Status.ACTIVE)),
            pending=Count(
                "people",
                filter=Q(
                    people__status=RegisteredPerson.Status.ACTIVE,
                    people__registered_by=RegisteredPerson.RegisteredBy.THIRD_PARTY,
                    people__acknowledged_on__isnull=True,
                ),
            ),
        )
    )
    controlled = set(registers_controlled_by(request.user).values_list("pk", flat=True))
    return render(request, "outreach/registers.html", {"registers": rows, "controlled": controlled})


def _consultation_asked(request, target, ask_again):
    """The agent said why they consult `target`: the consultation starts (logged) and None is
    returned; a reason refused gives `ask_again(form)`, the page asking it again."""
    form = ReadForm(request.POST)
    if not form.is_valid():
        return ask_again(form)
    consultation_start(
        request, target=target, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"]
    )
    return None


@register_reader_required
@require_http_methods(["GET", "POST"])
def register_detail(request, register_id: int):
    """A register: its people (search by name, filter by status) and the acknowledgments due;
    the list of names is shown once the agent said why (a consultation, audited)."""
    register = access_register_by_id(request.user, register_id)
    if request.method == "POST":
        refused = _consultation_asked(
            request,
            register,
            lambda form: _ask_register_reason(request, register, form, status=400),
        )
        return refused or redirect(request.get_full_path())
    reason = consultation_reason(request, register)
    if reason is None:
        return _ask_register_reason(request, register, ReadForm())
    today = timezone.localdate()
    form = SearchForm(request.GET or None)
    people = register.people.not_purged()
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if data.get("q"):
        people = people.search(data["q"])
    if data.get("status"):
        people = people.filter(status=data["status"])
    page, params = paginated(request, people.select_related("commune"), PEOPLE_PER_PAGE)
    for person in page.object_list:
        person.age_today = person.age(today)
    pending = list(register.people.acknowledgments_pending()[:100])
    # The list shows names and ages: who looked, at whom and for what, is logged first.
    audit_record(
        actor=request.user,
        action="outreach.register.read",
        target=register,
        register=register.pk,
        reason=reason,
        search=data.get("q", ""),
        page=page.number,
        people=sorted({p.pk for p in page.object_list} | {p.pk for p in pending}),
    )
    for person in pending:
        person.overdue = person.acknowledgment_overdue(today)
    counts = dict(
        register.people.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return render(
        request,
        "outreach/register.html",
        {
            "register": register,
            "form": form,
            "page": page,
            "pending": pending,
            "counts": [
                (label, counts.get(value, 0)) for value, label in RegisteredPerson.Status.choices
            ],
            "purged": register.people.filter(purged_on__isnull=False).count(),
            "params": params,
        },
    )


def _ask_register_reason(request, register: Register, form: ReadForm, status: int = 200):
    """Why the agent consults the register's list of names, asked before it is shown."""
    return render(
        request,
        "outreach/person_reason.html",
        {
            "register": register,
            "form": form,
            "minutes": CONSULTATION_MINUTES,
            "action": request.get_full_path(),
        },
        status=status,
    )


@register_reader_required
@require_http_methods(["GET", "POST"])
def person_create(request, register_id: int):
    """Register a person (themselves, or at a third party's written request)."""
    register = access_register_by_id(request.user, register_id)
    form = RegistrationForm(request.POST or None, register=register)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                person = services.person_register(
                    register=register, actor=request.user, **form.service_values()
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s is registered.") % {"name": str(person)},
                )
                return redirect("outreach:register", register_id=register.pk)
        status = 400
    return render(
        request, "outreach/person_form.html", {"register": register, "form": form}, status=status
    )


def _record_url(person: RegisteredPerson) -> str:
    return reverse("outreach:person", args=[person.register_id, person.pk])


def _ask_reason(request, person: RegisteredPerson, form: ReadForm, status: int = 200):
    """Why the agent consults the record, asked on a page that shows no identity."""
    return render(
        request,
        "outreach/person_reason.html",
        {
            "person_ref": person.pk,
            "register": person.register,
            "form": form,
            "minutes": CONSULTATION_MINUTES,
            "action": _record_url(person),
        },
        status=status,
    )


@register_reader_required
@require_http_methods(["GET", "POST"])
def person_detail(request, register_id: int, person_id: int):
    """A person's record: asks why first; the consultation is logged (who, when, why) when the
    reason is given, and only then is the record shown (for the consultation's time)."""
    person = access_person_by_id(request.user, register_id, person_id)
    if request.method == "POST":
        refused = _consultation_asked(
            request, person, lambda form: _ask_reason(request, person, form, status=400)
        )
        return refused or redirect(_record_url(person))
    reason = consultation_reason(request, person)
    if reason is None:
        return _ask_reason(request, person, ReadForm())
    today = timezone.localdate()
    person.age_today = person.age(today)
    return render(
        request,
        "outreach/person.html",
        {
            "person": person,
            "register": person.register,
            "reason_label": ReadReason(reason).label,
            "phones": [display_phone(p) for p in (person.phone, person.other_phone) if p],
            "contacts": [
                (c, display_phone(c.phone) if c.phone else "") for c in person.contacts.all()
            ],
            "overdue": person.acknowledgment_overdue(today),
            "matches": list(matches_visible_to(request.user, person)),
            "match_requests": list(
                person.match_requests.select_related("to_register").order_by("-requested_at")
            ),
            "match_request_form": MatchRequestForm(user=request.user, person=person),
            "followups": list(
                person.followups.select_related(
                    "callback_request", "appointment__service_point", "case__procedure_type"
                ).order_by("-created_at", "-pk")
            ),
            "acknowledge_form": AcknowledgeForm(initial={"acknowledged_on": today}),
            "end_form": EndForm(initial={"on": today}),
        },
    )


@register_reader_required
@require_http_methods(["GET", "POST"])
def person_edit(request, register_id: int, person_id: int):
    """Change a record: showing it is a read, within a running consultation (else asked)."""
    person = access_person_by_id(request.user, register_id, person_id)
    if consultation_reason(request, person) is None:
        return redirect(_record_url(person))
    if not person.is_active:
        messages.error(request, _("This registration has ended: it can no longer be changed."))
        return redirect(_record_url(person))
    form = RegistrationForm(
        request.POST or None,
        register=person.register,
        initial=RegistrationForm.initial_for(person),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            values = form.service_values()
            # The form holds the first contact person; the others are kept as they are.
            others = [
                services.Contact(c.name, c.relation, c.phone) for c in person.contacts.all()[1:]
            ]
            values["contacts"] = values["contacts"] + others
            try:
                services.person_update(person=person, actor=request.user, **values)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The record is updated."))
                return redirect(_record_url(person))
        status = 400
    return render(
        request,
        "outreach/person_form.html",
        {"register": person.register, "form": form, "person": person},
        status=status,
    )


def _action(request, register_id: int, person_id: int, form_class, call, success: str):
    """Run an action from the record, then show the record again (within the consultation)."""
    person = access_person_by_id(request.user, register_id, person_id)
    form_action(
        request, form_class(request.POST), lambda data: call(person, data), lambda _data: success
    )
    return redirect(_record_url(person))


def _record_service_view(form_class, service, success, doc: str):
    """A POST view of the record that runs `service(person=, actor=, **form data)`."""

    @register_reader_required
    @require_POST
    def view(request, register_id: int, person_id: int):
        return _action(
            request,
            register_id,
            person_id,
            form_class,
            lambda person, data: service(person=person, actor=request.user, **data),
            success,
        )

    view.__name__ = view.__qualname__ = service.__name__
    view.__doc__ = doc
    return view


person_acknowledge = _record_service_view(
    AcknowledgeForm,
    services.person_acknowledge,
    gettext_lazy("The acknowledgment is recorded."),
    "Record the acknowledgment of a third party's request.",
)
person_end = _record_service_view(
    EndForm,
    services.person_end,
    gettext_lazy("The registration has ended. Its data will be purged by the register's rule."),
    "Withdrawal, death or move: calls stop and the purge date is set.",
)


@register_reader_required
@require_POST
def person_share(request, register_id: int, person_id: int):
    """Share one call plan with the same person's record in another register."""

    def share(person, data):
        other = matches_visible_to(request.user, person).filter(pk=data["other"]).first()
        if other is None:
            raise ValidationError(_("This record is not a match of the person."))
        services.share_call_plan(first=person, second=other, actor=request.user)

    return _action(
        request,
        register_id,
        person_id,
        ShareForm,
        share,
        _("The two records now share one call plan."),
    )


@register_reader_required
@require_POST
def person_match_request(request, register_id: int, person_id: int):
    """Ask another commune's social action centre whether it holds the same person: its
    managers look among their own records; nothing of theirs is shown here."""
    person = access_person_by_id(request.user, register_id, person_id)
    if consultation_reason(request, person) is None:
        return redirect(_record_url(person))
    form_action(
        request,
        MatchRequestForm(request.POST, user=request.user, person=person),
        lambda data: match_request_send(
            person=person, to_register=data["register"], actor=request.user, note=data["note"]
        ),
        lambda data: (
            _("The request is sent to the managers of %(register)s.")
            % {"register": data["register"].name}
        ),
        refused=_("Nothing was sent: %(errors)s"),
    )
    return redirect(_record_url(person))
