"""Procedure types with legal deadlines, cases, clock stops, suspension windows and their history.

A case's deadline is computed in one place (`deadlines.py`) and stored on the case with the
words that explain it, so that queues and sweeps over millions of open cases read an indexed
column instead of recomputing calendars.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from continuite.core.models import Departement
from continuite.service_points.models import Network, ServicePoint


class DeadlineUnit(models.TextChoices):
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    BUSINESS_DAYS = "business_days", _("business days")
    WEEKS = "weeks", _("weeks")
    MONTHS = "months", _("months")


class SilenceRule(models.TextChoices):
    """What the administration's silence at the deadline means."""

    ACCEPTANCE = "acceptance", _("Silence means acceptance")
    REJECTION = "rejection", _("Silence means rejection")
    NOTHING = "nothing", _("Silence means nothing")


class StopRule(models.TextChoices):
    """What a request for documents does to the clock."""

    PAUSE = "pause", _("The clock pauses, then resumes where it stopped")
    RESTART = "restart", _("The clock restarts from zero when the documents arrive")


class ProcedureType(models.Model):
    """A procedure of a network (a démarche) with its legal deadline and rules."""

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="procedure_types")
    code = models.SlugField(_("code"), max_length=60)
    label = models.CharField(_("label"), max_length=200)
    deadline_amount = models.PositiveSmallIntegerField(_("legal deadline"))
    deadline_unit = models.CharField(_("counted in"), max_length=15, choices=DeadlineUnit.choices)
    silence_rule = models.CharField(
        _("silence at the deadline"), max_length=12, choices=SilenceRule.choices
    )
    stop_rule = models.CharField(
        _("a request for documents"),
        max_length=10,
        choices=StopRule.choices,
        default=StopRule.PAUSE,
    )
    warn_days = models.PositiveSmallIntegerField(
        _("warn this many days before the deadline"), default=7
    )
    expected_minutes = models.PositiveIntegerField(
        _("expected work per case (minutes)"),
        default=60,
        help_text=_("Used to rank cases by risk and to forecast the backlog."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["network", "label"]
        verbose_name = _("procedure type")
        verbose_name_plural = _("procedure types")
        constraints = [
            models.UniqueConstraint(fields=["network", "code"], name="procedure_type_code"),
            models.CheckConstraint(
                name="procedure_type_deadline", condition=Q(deadline_amount__gte=1)
            ),
        ]

    def __str__(self):
        return self.label


class Case(models.Model):
    """A person's procedure at a service point, with its legal deadline."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING = "waiting", _("Waiting for the person")
        ACCEPTED = "accepted", _("Decided: accepted")
        REJECTED = "rejected", _("Decided: rejected")
        CLOSED = "closed", _("Closed")

    OPEN = (Status.RECEIVED, Status.IN_PROGRESS, Status.WAITING)
    DECIDED = (Status.ACCEPTED, Status.REJECTED)

    reference = models.CharField(_("reference"), max_length=40)
    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="cases")
    procedure_type = models.ForeignKey(
        ProcedureType, on_delete=models.PROTECT, related_name="cases"
    )
    service_point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="cases")
    received_at = models.DateTimeField(_("received at"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("case worker"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Computed by deadlines.case_deadline() whenever what it depends on changes.
    deadline_at = models.DateTimeField(_("deadline"))
    deadline_explanation = models.CharField(_("how the deadline is counted"), max_length=500)
    # What the silence rule gave at the deadline, recorded once by the daily sweep.
    silence_outcome = models.CharField(
        _("outcome of silence"), max_length=12, choices=SilenceRule.choices, blank=True
    )
    silence_recorded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["deadline_at", "id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(fields=["network", "reference"], name="case_reference"),
            models.CheckConstraint(
                name="case_decision",
                condition=Q(decided_at__isnull=True)
                | Q(status__in=["accepted", "rejected", "closed"]),
            ),
        ]
        indexes = [
            # At-risk and overdue lists of a network or a service point, and the daily sweep.
            models.Index(
                fields=["network", "deadline_at"],
                name="case_open_by_network",
                condition=Q(status__in=["received", "in_progress", "waiting"]),
            ),
            models.Index(
                fields=["service_point", "deadline_at"],
                name="case_open_by_point",
                condition=Q(status__in=["received", "in_progress", "waiting"]),
            ),
            models.Index(
                fields=["assigned_to", "deadline_at"],
                name="case_open_by_worker",
                condition=Q(status__in=["received", "in_progress", "waiting"]),
            ),
            models.Index(
                fields=["deadline_at"],
                name="case_open_deadline",
                condition=Q(status__in=["received", "in_progress", "waiting"]),
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class ClockStop(models.Model):
    """A stop of the case's clock (documents requested...), from starts_at until ends_at."""

    class Reason(models.TextChoices):
        DOCUMENTS = "documents", _("Documents requested from the person")
        OTHER = "other", _("Other reason provided for by the rules")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clock_stops")
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("clock stop")
        verbose_name_plural = _("clock stops")
        constraints = [
            models.CheckConstraint(
                name="clock_stop_window",
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
            ),
        ]

    def __str__(self):
        return f"{self.case_id} {self.starts_at:%Y-%m-%d}"


class SuspensionWindow(models.Model):
    """A legal suspension of deadlines (as the ordinance of 25 March 2020), possibly retroactive.

    Deadlines of the procedure types and territories it names (all when none is named) that
    run through it are extended by its days.
    """

    label = models.CharField(_("name"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (inclusive)"))
    procedure_types = models.ManyToManyField(
        ProcedureType,
        blank=True,
        related_name="suspension_windows",
        verbose_name=_("procedure types"),
    )
    departements = models.ManyToManyField(
        Departement, blank=True, related_name="+", verbose_name=_("départements")
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "id"]
        verbose_name = _("suspension window")
        verbose_name_plural = _("suspension windows")
        constraints = [
            models.CheckConstraint(
                name="suspension_window_dates", condition=Q(ends_on__gte=F("starts_on"))
            ),
        ]

    def __str__(self):
        return self.label


class CaseEvent(models.Model):
    """One line of a case's history: received, assigned, clock stopped, deadline moved..."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(_("date and time"), auto_now_add=True)
    kind = models.CharField(_("event"), max_length=30)
    note = models.CharField(_("note"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    previous_deadline_at = models.DateTimeField(null=True, blank=True)
    new_deadline_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self):
        return f"{self.case_id} {self.kind}"


class CaseImport(models.Model):
    """One CSV import of cases from a network's own system, with its progress and rejected rows."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("In progress")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Stopped on an error")

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="case_imports")
    file_name = models.CharField(_("file"), max_length=300)
    content = models.TextField(_("content"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    errors = models.JSONField(default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case import")
        verbose_name_plural = _("case imports")

    def __str__(self):
        return f"{self.network} {self.file_name}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.processed / self.rows) if self.rows else 0
