"""The health protocol's checklist, incidents, closures, and the rehoming of affected appointments."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from continuite.appointments.models import Appointment, CallbackRequest, ClosedWindow, Reason
from continuite.notifications.models import Message
from continuite.service_points.models import Network, ServicePoint, StatusChange


class SelfAssessment(models.Model):
    """A site manager's dated check of the measures of the health protocol in force on site."""

    # The measures of the checklist, in the order people read them.
    MEASURES = (
        "masks",
        "hand_gel",
        "distancing_marks",
        "screens",
        "ventilation",
        "cleaning",
        "max_people",
    )

    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.CASCADE, related_name="self_assessments"
    )
    assessed_on = models.DateField(_("assessed on"))
    masks = models.BooleanField(_("Masks worn by agents and visitors"))
    hand_gel = models.BooleanField(_("Hand gel available at the entrance and at each counter"))
    distancing_marks = models.BooleanField(_("Distancing marks on the floor and in the queue"))
    screens = models.BooleanField(_("Protective screens at the counters"))
    ventilation = models.BooleanField(_("Rooms aired or ventilated regularly"))
    cleaning = models.BooleanField(_("Surfaces cleaned between appointments"))
    max_people = models.BooleanField(_("Maximum number of people present displayed and respected"))
    note = models.CharField(_("comment"), max_length=1000, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessed by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")
        indexes = [
            models.Index(fields=["service_point", "-assessed_on", "-id"], name="assessment_latest")
        ]

    def __str__(self):
        return f"{self.service_point_id} {self.assessed_on}"

    @property
    def compliant(self) -> bool:
        return all(getattr(self, measure) for measure in self.MEASURES)

    @property
    def measures_missing(self) -> list[str]:
        return [
            str(self._meta.get_field(measure).verbose_name)
            for measure in self.MEASURES
            if not getattr(self, measure)
        ]


class Incident(models.Model):
    """Something that happened at a service point and may close it: illness, building, security..."""

    class Kind(models.TextChoices):
        ILLNESS = "illness", _("Agents ill or confined")
        STAFF = "staff", _("Not enough agents")
        BUILDING = "building", _("Building (heating, water, power...)")
        SECURITY = "security", _("Safety or security")
        IT = "it", _("Computer or telephone outage")
        OTHER = "other", _("Other")

    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.CASCADE, related_name="incidents"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    description = models.TextField(_("description"), max_length=2000)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("declared by"),
    )
    created_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self):
        return f"{self.get_kind_display()} ({self.occurred_on})"


class Closure(models.Model):
    """A closure of a service point, full or partial (some reasons, some hours), dated.

    A full closure sets the crisis status « closed » for its window; a partial one writes a
    closed window that slots read. Either way the appointments affected are rehomed.
    """

    class Scope(models.TextChoices):
        FULL = "full", _("Full: the service point receives nobody")
        PARTIAL = "partial", _("Partial: some reasons or some hours")

    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.CASCADE, related_name="closures"
    )
    incident = models.ForeignKey(
        Incident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="closures",
        verbose_name=_("incident"),
    )
    scope = models.CharField(_("closure"), max_length=10, choices=Scope.choices)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    reasons = models.ManyToManyField(
        Reason, blank=True, related_name="+", verbose_name=_("reasons closed")
    )
    daily_from = models.TimeField(_("each day from"), null=True, blank=True)
    daily_until = models.TimeField(_("each day until"), null=True, blank=True)
    label = models.CharField(_("reason given to the public"), max_length=300)
    status_change = models.OneToOneField(
        StatusChange, on_delete=models.SET_NULL, null=True, blank=True, related_name="closure"
    )
    closed_window = models.OneToOneField(
        ClosedWindow, on_delete=models.SET_NULL, null=True, blank=True, related_name="closure"
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("declared by"),
    )
    created_at = models.DateTimeField(_("declared at"), auto_now_add=True)
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reopened by"),
    )

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [
            models.CheckConstraint(
                name="closure_window",
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
            ),
            models.CheckConstraint(
                name="closure_hours",
                condition=Q(daily_from__isnull=True, daily_until__isnull=True)
                | Q(daily_from__isnull=False, daily_until__gt=F("daily_from")),
            ),
        ]

    def __str__(self):
        return f"{self.service_point_id} {self.get_scope_display()} {self.starts_at:%Y-%m-%d}"

    @property
    def effective_end(self):
        """When it ends (or ended): its planned end, or earlier when reopened; None if open-ended."""
        if self.reopened_at and (self.ends_at is None or self.reopened_at < self.ends_at):
            return self.reopened_at
        return self.ends_at

    def state_at(self, at) -> str:
        end = self.effective_end
        if end is not None and end <= at:
            return "ended"
        return "in_force" if self.starts_at <= at else "scheduled"


class RehomingRules(models.Model):
    """How a network rehomes the appointments a service point can no longer hold."""

    network = models.OneToOneField(Network, on_delete=models.CASCADE, related_name="rehoming_rules")
    convert_to_phone = models.BooleanField(
        _("convert to a phone appointment at the same time when the reason allows it"),
        default=True,
    )
    move_to_other_points = models.BooleanField(
        _("otherwise move it to the nearest open service point of the network"), default=True
    )
    max_distance_km = models.PositiveSmallIntegerField(_("at most this far (km)"), default=30)
    max_shift_days = models.PositiveSmallIntegerField(
        _("at most this many days earlier or later"), default=14
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rehoming rules")
        verbose_name_plural = _("rehoming rules")
        constraints = [
            models.CheckConstraint(
                name="rehoming_distance",
                condition=Q(max_distance_km__gte=1, max_distance_km__lte=200),
            ),
            models.CheckConstraint(name="rehoming_shift", condition=Q(max_shift_days__lte=90)),
        ]

    def __str__(self):
        return str(self.network)

    @classmethod
    def for_network(cls, network: Network) -> "RehomingRules":
        """The network's rules, or the defaults when it has set none."""
        return cls.objects.filter(network=network).first() or cls(network=network)


class RehomingRun(models.Model):
    """One background job rehoming a service point's affected appointments, with its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("In progress")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Stopped on an error")

    class Trigger(models.TextChoices):
        CLOSURE = "closure", _("Closure")
        REOPENING = "reopening", _("Reopening")
        CAPACITY = "capacity", _("Fewer seats than bookings")
        MANUAL = "manual", _("Started by a manager")

    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.CASCADE, related_name="rehoming_runs"
    )
    closure = models.ForeignKey(
        Closure, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )
    trigger = models.CharField(_("cause"), max_length=10, choices=Trigger.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    total = models.PositiveIntegerField(_("appointments affected"), default=0)
    processed = models.PositiveIntegerField(_("appointments handled"), default=0)
    moved = models.PositiveIntegerField(_("moved"), default=0)
    phone = models.PositiveIntegerField(_("converted to phone"), default=0)
    cancelled = models.PositiveIntegerField(_("cancelled with a call-back"), default=0)
    # A worker holds the run until this instant and renews it after each batch; a run whose
    # holder stopped (a killed worker) is taken over once it has passed.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    starts = models.PositiveSmallIntegerField(_("times started"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("rehoming run")
        verbose_name_plural = _("rehoming runs")
        indexes = [
            models.Index(
                fields=["status", "lease_expires_at"],
                name="rehoming_unfinished",
                condition=Q(status__in=["queued", "running"]),
            )
        ]

    def __str__(self):
        return (
            f"{self.service_point_id} {self.get_trigger_display()} {self.created_at:%Y-%m-%d %H:%M}"
        )

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.processed / self.total) if self.total else 0


class RehomingOutcome(models.Model):
    """What a run did with one appointment, and the message that told its person."""

    class Outcome(models.TextChoices):
        PHONE = "phone", _("Converted to phone")
        MOVED = "moved", _("Moved")
        CANCELLED = "cancelled", _("Cancelled, call-back requested")

    run = models.ForeignKey(RehomingRun, on_delete=models.CASCADE, related_name="outcomes")
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    new_appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    callback = models.ForeignKey(
        CallbackRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("rehoming outcome")
        verbose_name_plural = _("rehoming outcomes")
        constraints = [
            models.UniqueConstraint(fields=["run", "appointment"], name="rehoming_once_per_run")
        ]

    def __str__(self):
        return f"{self.run_id} {self.appointment_id} {self.outcome}"
