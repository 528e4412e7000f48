"""Forms of the register's pages: search, registration, reason for consulting, actions.

The forms parse what is typed; the rules (age criteria, consent, duplicates, phones) are the
services' and come back as their messages.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from continuite.core.forms import BaseForm, BoundedDateField, IdField, optional_text
from continuite.core.models import Commune
from continuite.core.phones import display_phone
from continuite.core.text import parse_postcode

from .audit_log import ACTIONS
from .ladder import Outcome
from .models import Criterion, ReadReason, Register, RegisteredPerson
from .services import Contact

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label, required=True, help_text=""):
    return BoundedDateField(label=label, required=required, widget=DATE_INPUT, help_text=help_text)


def communes_typed(form, cleaned: dict) -> tuple[str, list[Commune]] | None:
    """The postcode typed, and up to ten communes that have it (and the name typed, if any);
    None, with the error on the form, when the postcode is not one."""
    postcode = parse_postcode(cleaned.get("postcode") or "")
    if postcode is None:
        form.add_error("postcode", _("A postcode has five digits."))
        return None
    communes = Commune.objects.with_postcode(postcode)
    if cleaned.get("commune_name"):
        communes = communes.matching_name(cleaned["commune_name"])
    return postcode, list(communes[:10])


class SearchForm(BaseForm):
    """The register's filters (GET): every field optional."""

    q = forms.CharField(label=_("Last or first name"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *RegisteredPerson.Status.choices]


class RegistrationForm(BaseForm):
    """A person's registration, with one contact person."""

    last_name = forms.CharField(label=_("Last name"), max_length=100)
    first_name = forms.CharField(label=_("First name"), max_length=100)
    born_on = _date(_("Date of birth"))
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=10)
    commune_name = optional_text(
        _("Commune"), 100, _("Needed only when several communes share the postcode.")
    )
    phone = forms.CharField(label=_("Phone"), max_length=40)
    other_phone = forms.CharField(label=_("Other phone"), max_length=40, required=False)
    criterion = forms.ChoiceField(
        label=_("Criterion of registration"), choices=Criterion.choices, widget=forms.RadioSelect
    )
    home_care_service = forms.CharField(
        label=_("Home-care service"), max_length=200, required=False
    )
    preferred_call_times = optional_text(
        _("Preferred call times"), 200, _("For example: mornings, not between 12:00 and 14:00.")
    )
    language = forms.CharField(label=_("Language"), max_length=40, initial="français")
    hearing_difficulty = forms.BooleanField(label=_("Hearing difficulties"), required=False)
    registered_by = forms.ChoiceField(
        label=_("Registration requested by"),
        choices=RegisteredPerson.RegisteredBy.choices,
        widget=forms.RadioSelect,
    )
    requester_name = optional_text(
        _("Requester's name"), 200, _("For a third party's written request only.")
    )
    requester_relation = forms.CharField(
        label=_("Requester's relation to the person"), max_length=100, required=False
    )
    request_received_on = _date(_("Request received on"), required=False)
    consent_on = _date(_("Consent given on"))
    consent_form = forms.ChoiceField(
        label=_("Form of consent"), choices=RegisteredPerson.ConsentForm.choices
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    contact_relation = forms.CharField(
        label=_("Contact person's relation"), max_length=100, required=False
    )
    contact_phone = forms.CharField(
        label=_("Contact person's phone"), max_length=40, required=False
    )

    @classmethod
    def initial_for(cls, person: RegisteredPerson) -> dict:
        """What an update form shows: the record as it is, with its first contact person."""
        initial = {name: getattr(person, name) for name in cls.base_fields if hasattr(person, name)}
        initial["commune_name"] = person.commune.name
        initial["phone"] = display_phone(person.phone) if person.phone else ""
        initial["other_phone"] = display_phone(person.other_phone) if person.other_phone else ""
        contact = person.contacts.first()
        if contact is not None:
            initial.update(
                contact_name=contact.name,
                contact_relation=contact.relation,
                contact_phone=display_phone(contact.phone),
            )
        return initial

    def __init__(self, *args, register: Register, **kwargs):
        super().__init__(*args, **kwargs)
        self.register = register
        if register.commune_id and not self.is_bound:
            postcode = register.commune.postcodes.order_by("code").first()
            self.initial.setdefault("postcode", postcode.code if postcode else "")
            self.initial.setdefault("commune_name", register.commune.name)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("postcode") is None:
            return cleaned
        typed = communes_typed(self, cleaned)
        if typed is None:
            return cleaned
        postcode, found = typed
        if len(found) > 1 and self.register.commune_id in [c.pk for c in found]:
            found = [c for c in found if c.pk == self.register.commune_id]
        if not found:
            self.add_error("commune_name", _("No commune of that name has this postcode."))
        elif len(found) > 1:
            self.add_error("commune_name", _("Several communes have this postcode: type its name."))
        else:
            cleaned["commune"] = found[0]
        cleaned["postcode"] = postcode
        return cleaned

    def service_values(self) -> dict:
        """The keyword arguments of person_register."""
        data = dict(self.cleaned_data)
        contact = Contact(
            name=data.pop("contact_name"),
            relation=data.pop("contact_relation"),
            phone=data.pop("contact_phone"),
        )
        data.pop("commune_name")
        return {**data, "contacts": [contact]}


class ReadForm(BaseForm):
    """Why the agent opens the record: asked before anything is shown, and logged."""

    reason = forms.ChoiceField(
        label=_("Why do you consult this record?"),
        choices=[("", _("Choose a reason")), *ReadReason.choices],
    )
    note = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=200,
        help_text=_("For example the campaign or who reported."),
    )


class MatchRequestForm(BaseForm):
    """Which commune's social action centre to ask whether it holds the same person."""

    postcode = forms.CharField(label=_("Postcode of the other commune"), max_length=10)
    commune_name = optional_text(
        _("Name of the other commune"),
        100,
        _("Needed only when several communes share the postcode."),
    )
    note = optional_text(
        _("Message to its managers"), 500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.person = user, person

    def clean(self):
        cleaned = super().clean()
        typed = communes_typed(self, cleaned)
        if typed is None:
            return cleaned
        _postcode, found = typed
        if not found:
            self.add_error("commune_name", _("No commune of that name has this postcode."))
            return cleaned
        if len(found) > 1:
            # Only a commune keeping a register can be asked (Lyon and its arrondissements).
            keeping = set(
                Register.objects.filter(commune__in=found).values_list("commune_id", flat=True)
            )
            found = [c for c in found if c.pk in keeping] or found
        if len(found) > 1:
            self.add_error("commune_name", _("Several communes have this postcode: type its name."))
            return cleaned
        register = Register.objects.filter(commune=found[0]).first()
        if register is None:
            self.add_error(
                "commune_name",
                _("%(commune)s keeps no register of vulnerable people here.")
                % {"commune": found[0].name},
            )
        elif register.pk == self.person.register_id:
            self.add_error("commune_name", _("This is the record's own register."))
        elif Register.objects.visible_to(self.user).filter(pk=register.pk).exists():
            self.add_error(
                "commune_name",
                _("You read this register: the same person's records there are listed above."),
            )
        else:
            cleaned["register"] = register
        return cleaned


class MatchAnswerForm(BaseForm):
    """The answer of a register's managers: one of their records, or not found."""

    record = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

    def clean_record(self):
        return self.cleaned_data.get("record") or None


class AuditFilterForm(BaseForm):
    """The filters of a register's audit log (GET): every field optional, dates bounded."""

    start_on = forms.DateField(label=_("First day"), required=False, widget=DATE_INPUT)
    end_on = forms.DateField(label=_("Last day"), required=False, widget=DATE_INPUT)
    agent = forms.CharField(label=_("Agent (login or name)"), required=False, max_length=100)
    person = forms.IntegerField(
        label=_("Record no."), required=False, min_value=1, max_value=2**31 - 1
    )
    action = forms.ChoiceField(label=_("Action"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All actions")), *ACTIONS.items()]

    def clean(self):
        cleaned = super().clean()
        for name in ("start_on", "end_on"):
            day = cleaned.get(name)
            if day is not None and not (2000 <= day.year <= 2100):
                self.add_error(name, _("Give a date between 2000 and 2100."))
                cleaned[name] = None
        start, end = cleaned.get("start_on"), cleaned.get("end_on")
        if start and end and start > end:
            self.add_error("end_on", _("The end date precedes the start date."))
        return cleaned


class AcknowledgeForm(BaseForm):
    acknowledged_on = _date(_("Acknowledged on"))


class EndForm(BaseForm):
    """End a registration: withdrawal, death or move, with its date."""

    status = forms.ChoiceField(
        label=_("What happened"),
        choices=[
            (RegisteredPerson.Status.WITHDRAWN, _("The person withdraws from the register")),
            (RegisteredPerson.Status.DECEASED, _("The person died")),
            (RegisteredPerson.Status.MOVED, _("The person moved away")),
        ],
        widget=forms.RadioSelect,
    )
    on = _date(_("On"))


class ShareForm(BaseForm):
    other = IdField()


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class OutcomeForm(BaseForm):
    """The structured outcome of one try: reached or not, lives alone, the needs heard."""

    outcome = forms.ChoiceField(
        label=_("Was the person reached?"),
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the person was reached.")},
    )
    alone = forms.ChoiceField(
        label=_("Does the person live alone?"),
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )
    needs_food = forms.BooleanField(label=_("Food"), required=False)
    needs_medication = forms.BooleanField(label=_("Medication"), required=False)
    needs_medical_care = forms.BooleanField(label=_("Medical care"), required=False)
    psychological_distress = forms.BooleanField(label=_("Psychological distress"), required=False)
    needs_administrative_help = forms.BooleanField(label=_("Administrative help"), required=False)
    other_need = forms.CharField(label=_("Other need"), required=False, max_length=300)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def service_values(self) -> dict:
        """The answers as `call_attempt_record` takes them (alone: None when not answered)."""
        data = dict(self.cleaned_data)
        data["alone"] = {"yes": True, "no": False}.get(data["alone"])
        return data
