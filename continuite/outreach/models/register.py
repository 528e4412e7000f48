"""The consent-based register of vulnerable people (article L121-6-1 of the Code de l'action
sociale et des familles) and the shared call plans of people found in several registers.

Campaigns, calls and attempts (`CallCampaign`, `Call`, `CallAttempt`) point at
`RegisteredPerson`; a purged person keeps its row, emptied of anything identifying, so that
past campaigns' figures stay whole.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from continuite.accounts.models import Role
from continuite.core.calendar import add_months
from continuite.core.models import Commune, Departement
from continuite.core.text import normalize_name
from continuite.service_points.models import Network

# A third party's written request is acknowledged within this many days.
ACKNOWLEDGMENT_DAYS = 8
# The network of town halls: a role on one of them reaches its commune's register.
TOWN_HALL_NETWORK = "mairie"


class RegisterQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Registers whose people an agent may see (see `register_scope_q`)."""
        return self.filter(register_scope_q(user))


def register_scope_q(user, prefix: str = "") -> Q:
    """Which registers an agent reaches through their roles.

    A commune's register (its social action centre): the roles on a town hall service point of
    that commune. A network's register: its network managers (narrowed to their département if
    they are) and the roles on its service points of the register's département. National
    steering sees figures, never names: no register through a steering role.
    """
    nothing = Q(pk__in=[])
    if not user.is_authenticated or not user.is_active:
        return nothing
    if user.is_superuser:
        return Q()
    q = nothing
    roles = user.roles.select_related("service_point__network")
    for role in roles:
        point = role.service_point
        if point is not None:
            if point.network.slug == TOWN_HALL_NETWORK and point.commune_id:
                q |= Q(**{f"{prefix}commune_id": point.commune_id})
            q |= Q(
                **{
                    f"{prefix}network_id": point.network_id,
                    f"{prefix}departement_id": point.departement_id,
                }
            )
        elif role.kind == Role.Kind.NETWORK_MANAGER and role.network_id:
            scope = {f"{prefix}network_id": role.network_id}
            if role.departement_id:
                scope[f"{prefix}departement_id"] = role.departement_id
            q |= Q(**scope)
    return q


class Register(models.Model):
    """A register of vulnerable people: a commune's social action centre's, or a network's."""

    name = models.CharField(_("name"), max_length=200)
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registers",
        verbose_name=_("commune"),
    )
    network = models.ForeignKey(
        Network,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registers",
        verbose_name=_("network"),
    )
    departement = models.ForeignKey(
        Departement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("département"),
        help_text=_("For a network's register: the département it covers (none: all)."),
    )
    # Months the data of a person is kept after each end of registration, then purged.
    retention_months_withdrawn = models.PositiveSmallIntegerField(
        _("months kept after a withdrawal"), default=0
    )
    retention_months_deceased = models.PositiveSmallIntegerField(
        _("months kept after a death"), default=3
    )
    retention_months_moved = models.PositiveSmallIntegerField(
        _("months kept after a move"), default=3
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RegisterQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("register of vulnerable people")
        verbose_name_plural = _("registers of vulnerable people")
        constraints = [
            models.CheckConstraint(
                name="register_owner",
                condition=Q(commune__isnull=False, network__isnull=True, departement__isnull=True)
                | Q(commune__isnull=True, network__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["commune"], condition=Q(commune__isnull=False), name="register_commune"
            ),
            models.UniqueConstraint(
                fields=["network", "departement"],
                condition=Q(network__isnull=False),
                name="register_network",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def departement_code(self) -> str:
        """The numbering plan of the register's phones (overseas numbers read as such)."""
        if self.commune_id:
            return self.commune.departement_id
        return self.departement_id or ""

    def retention_months(self, status: str) -> int:
        return {
            RegisteredPerson.Status.WITHDRAWN: self.retention_months_withdrawn,
            RegisteredPerson.Status.DECEASED: self.retention_months_deceased,
            RegisteredPerson.Status.MOVED: self.retention_months_moved,
        }[status]


class CallPlan(models.Model):
    """One plan of calls shared by the records of the same person in several registers."""

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("shared call plan")
        verbose_name_plural = _("shared call plans")

    def __str__(self):
        return f"#{self.pk}"


class Criterion(models.TextChoices):
    """The legal ground of registration (article L121-6-1 CASF)."""

    AGED_65 = "aged_65", _("Aged 65 or over")
    UNFIT_60 = "unfit_60", _("Aged 60 or over, recognised unfit for work")
    DISABLED = "disabled", _("Disabled adult")


# The age each criterion requires on the day of registration.
MINIMUM_AGE = {Criterion.AGED_65: 65, Criterion.UNFIT_60: 60, Criterion.DISABLED: 18}


def age_on(born_on: date, day: date) -> int:
    return day.year - born_on.year - ((day.month, day.day) < (born_on.month, born_on.day))


def match_key(last_name: str, first_name: str, born_on: date | None) -> str:
    """Names folded (case, accents, hyphens, order) with the date of birth: "dupont marie|1941-03-02"."""
    if born_on is None:
        return ""
    words = sorted(normalize_name(f"{last_name} {first_name}").split())
    return f"{' '.join(words)}|{born_on.isoformat()}"


class RegisteredPersonQuerySet(models.QuerySet):
    def active(self):
        """People to call: registered, not withdrawn, deceased, moved nor purged."""
        return self.filter(status=RegisteredPerson.Status.ACTIVE)

    def visible_to(self, user):
        """People of the registers an agent reaches (the scope of `Register.visible_to`)."""
        return self.filter(register_scope_q(user, "register__"))

    def not_purged(self):
        return self.filter(purged_on__isnull=True)

    def purge_due(self, today: date):
        """Ended registrations whose retention period is over."""
        return self.filter(purged_on__isnull=True, purge_due_on__lte=today)

    def acknowledgments_pending(self):
        """Third parties' requests not acknowledged yet, the oldest first."""
        return (
            self.active()
            .filter(
                registered_by=RegisteredPerson.RegisteredBy.THIRD_PARTY,
                acknowledged_on__isnull=True,
            )
            .order_by("request_received_on", "pk")
        )

    def acknowledgments_overdue(self, today: date):
        """Pending acknowledgments whose 8 days are over."""
        return self.acknowledgments_pending().filter(
            request_received_on__lt=today - timedelta(days=ACKNOWLEDGMENT_DAYS)
        )

    def search(self, text: str):
        """By last or first name, ignoring case, accents and hyphens."""
        words = normalize_name(text).split()
        qs = self
        for word in words:
            qs = qs.filter(match_key__contains=word)
        return qs


class RegisteredPerson(models.Model):
    """A person in a register, with their consent, how to reach them and why they are there."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Registered")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DECEASED = "deceased", _("Deceased")
        MOVED = "moved", _("Moved away")

    class RegisteredBy(models.TextChoices):
        SELF = "self", _("The person themselves")
        THIRD_PARTY = "third_party", _("A third party's written request")

    class ConsentForm(models.TextChoices):
        WRITTEN = "written", _("Written")
        PHONE = "phone", _("By phone")
        ONLINE = "online", _("Online")
        THIRD_PARTY_REQUEST = "third_party_request", _("Through the third party's request")

    register = models.ForeignKey(
        Register, on_delete=models.PROTECT, related_name="people", verbose_name=_("register")
    )
    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    born_on = models.DateField(_("date of birth"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)  # E.164
    other_phone = models.CharField(_("other phone"), max_length=20, blank=True)  # E.164
    home_care_service = models.CharField(_("home-care service"), max_length=200, blank=True)
    criterion = models.CharField(_("criterion"), max_length=10, choices=Criterion.choices)
    preferred_call_times = models.CharField(_("preferred call times"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=40, default="français")
    hearing_difficulty = models.BooleanField(_("hearing difficulties"), default=False)
    registered_by = models.CharField(
        _("registered by"), max_length=12, choices=RegisteredBy.choices
    )
    requester_name = models.CharField(_("requester's name"), max_length=200, blank=True)
    requester_relation = models.CharField(_("requester's relation"), max_length=100, blank=True)
    request_received_on = models.DateField(_("request received on"), null=True, blank=True)
    acknowledged_on = models.DateField(_("acknowledged on"), null=True, blank=True)
    consent_on = models.DateField(_("consent given on"), null=True, blank=True)
    consent_form = models.CharField(
        _("form of consent"), max_length=20, choices=ConsentForm.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    status_on = models.DateField(_("status since"))
    purge_due_on = models.DateField(_("data purged on"), null=True, blank=True, db_index=True)
    purged_on = models.DateField(_("purged on"), null=True, blank=True)
    match_key = models.CharField(max_length=300, blank=True, db_index=True, editable=False)
    # Whoever last worked a call of the person: their caller next time, when possible.
    last_caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last caller"),
        db_index=False,
    )
    call_plan = models.ForeignKey(
        CallPlan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("shared call plan"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RegisteredPersonQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        verbose_name = _("registered person")
        verbose_name_plural = _("registered people")
        constraints = [
            # One active registration of a person per register.
            models.UniqueConstraint(
                fields=["register", "match_key"],
                condition=Q(status="active") & ~Q(match_key=""),
                name="registered_person_once_per_register",
            ),
            # Until purged, a record carries a name, a date of birth and its consent.
            models.CheckConstraint(
                name="registered_person_identified_until_purged",
                condition=Q(purged_on__isnull=False)
                | (
                    Q(born_on__isnull=False, consent_on__isnull=False)
                    & ~Q(last_name="")
                    & ~Q(consent_form="")
                ),
            ),
            # A third party's request carries its requester and date of receipt.
            models.CheckConstraint(
                name="registered_person_third_party_request",
                condition=Q(purged_on__isnull=False)
                | ~Q(registered_by="third_party")
                | (Q(request_received_on__isnull=False) & ~Q(requester_name="")),
            ),
            # Only an ended registration is purged.
            models.CheckConstraint(
                name="registered_person_purge_when_ended",
                condition=Q(status="active", purge_due_on__isnull=True, purged_on__isnull=True)
                | (~Q(status="active") & Q(purge_due_on__isnull=False)),
            ),
        ]
        indexes = [
            models.Index(fields=["register", "status"], name="registered_person_status"),
            models.Index(fields=["born_on", "phone"], name="registered_person_phone"),
        ]

    def __str__(self):
        if self.purged_on:
            return _("Purged record #%(pk)s") % {"pk": self.pk}
        return f"{self.last_name.upper()} {self.first_name}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def acknowledgment_due_on(self) -> date | None:
        """A third party's request is acknowledged within 8 days of its receipt."""
        if self.registered_by != self.RegisteredBy.THIRD_PARTY or not self.request_received_on:
            return None
        return self.request_received_on + timedelta(days=ACKNOWLEDGMENT_DAYS)

    def acknowledgment_overdue(self, today: date) -> bool:
        due = self.acknowledgment_due_on
        return due is not None and self.acknowledged_on is None and today > due

    def age(self, today: date) -> int | None:
        return age_on(self.born_on, today) if self.born_on else None

    def purge_date_for(self, status: str, on: date) -> date:
        """When the data goes, by the register's retention rule for that end of registration."""
        return add_months(on, self.register.retention_months(status))


class ContactPerson(models.Model):
    """Someone to call when the person does not answer (a relative, a neighbour...)."""

    person = models.ForeignKey(RegisteredPerson, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    relation = models.CharField(_("relation"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20)  # E.164

    class Meta:
        ordering = ["pk"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")

    def __str__(self):
        return self.name


class ReadReason(models.TextChoices):
    """Why an agent opens a person's record (kept in the audit log)."""

    CAMPAIGN_CALL = "campaign_call", _("Campaign call")
    PERSON_REQUEST = "person_request", _("The person's request")
    REPORT = "report", _("A report about the person")
    CONTROL = "control", _("Control")


# The audit log action of a read of a record (accounts.AuditLog, with the reason).
READ_ACTION = "outreach.person.read"
