"""Call campaigns: their scope and ladder, the callers, the calls due each day, each attempt with
its outcome form, the follow-ups of needs heard, and the first reach of each person (coverage).

See ladder.py (the attempt ladder), calllists.py (daily lists) and followups.py.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from continuite.core.models import Commune

from ..ladder import Outcome, Settings, State, Step
from .register import CallPlan, Register, RegisteredPerson


class CallCampaign(models.Model):
    """Regular calls to the people of registers or communes, e.g. daily during a heatwave."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    class AlertKind(models.TextChoices):
        HEATWAVE = "heatwave", _("Heatwave")
        COLD = "cold", _("Extreme cold")
        LOCKDOWN = "lockdown", _("Lockdown")
        OTHER = "other", _("Other emergency")

    name = models.CharField(_("name"), max_length=200)
    registers = models.ManyToManyField(
        Register, blank=True, related_name="campaigns", verbose_name=_("registers")
    )
    communes = models.ManyToManyField(
        Commune, blank=True, related_name="+", verbose_name=_("communes")
    )
    # A list of `Criterion` values, empty for every criterion (JSON, which the embedded demo
    # database holds too).
    criteria = models.JSONField(
        default=list,
        blank=True,
        verbose_name=_("criteria"),
    )
    frequency_days = models.PositiveSmallIntegerField(
        _("call every (days)"), default=7, help_text=_("1 in a heatwave, 7 in a lockdown.")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    alert_kind = models.CharField(_("alert"), max_length=10, choices=AlertKind.choices)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    script = models.TextField(_("call script"), blank=True)
    person_tries = models.PositiveSmallIntegerField(_("tries of the person"), default=3)
    window_hours = models.PositiveSmallIntegerField(_("within (hours)"), default=6)
    spacing_minutes = models.PositiveSmallIntegerField(_("between tries (minutes)"), default=120)
    contact_tries = models.PositiveSmallIntegerField(_("tries of the contact person"), default=2)
    # Where the needs heard during calls become call-back requests.
    followup_service_point = models.ForeignKey(
        "service_points.ServicePoint",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service point of the follow-ups"),
    )
    followup_reason = models.ForeignKey(
        "appointments.Reason",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reason of the follow-ups"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "pk"]
        verbose_name = _("call campaign")
        verbose_name_plural = _("call campaigns")
        constraints = [
            models.CheckConstraint(
                name="call_campaign_dates",
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
            ),
            models.CheckConstraint(
                name="call_campaign_frequency", condition=Q(frequency_days__gte=1)
            ),
            models.CheckConstraint(
                name="call_campaign_activated",
                condition=Q(status="draft") | Q(activated_at__isnull=False),
            ),
            models.CheckConstraint(
                name="call_campaign_ladder",
                condition=Q(person_tries__gte=1, contact_tries__gte=1, spacing_minutes__gte=1),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def ladder(self):
        return Settings(
            person_tries=self.person_tries,
            window_hours=self.window_hours,
            spacing_minutes=self.spacing_minutes,
            contact_tries=self.contact_tries,
        )

    def runs_on(self, day: date) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and self.starts_on <= day
            and (self.ends_on is None or day <= self.ends_on)
        )


def default_languages() -> list[str]:
    return ["français"]


class CallerProfile(models.Model):
    """An agent who makes campaign calls: how many a day, in which languages, for which communes."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="caller_profile"
    )
    daily_cap = models.PositiveSmallIntegerField(_("calls a day at most"), default=40)
    languages = models.JSONField(default=default_languages, verbose_name=_("languages"))
    communes = models.ManyToManyField(Commune, related_name="+", verbose_name=_("communes served"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("caller")
        verbose_name_plural = _("callers")

    def __str__(self):
        return str(self.user)


class Call(models.Model):
    """The call due to one person (one per shared call plan) on one day of a campaign."""

    class Status(models.TextChoices):
        OPEN = "open", _("To call")
        RESOLVED = "resolved", _("Resolved")
        CANCELLED = "cancelled", _("Registration ended")

    # Few indexes: a daily campaign writes a million calls a day. The unique constraints and
    # `call_person_due` serve the lookups by campaign and person.
    campaign = models.ForeignKey(
        CallCampaign, on_delete=models.CASCADE, related_name="calls", db_index=False
    )
    person = models.ForeignKey(
        RegisteredPerson, on_delete=models.PROTECT, related_name="calls", db_index=False
    )
    plan = models.ForeignKey(
        CallPlan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        db_index=False,
    )
    due_on = models.DateField(_("due on"))
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaign_calls",
        verbose_name=_("caller"),
    )
    reserved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reserved by"),
        db_index=False,
    )
    reservation_ends_at = models.DateTimeField(_("reserved until"), null=True, blank=True)
    step = models.CharField(_("step"), max_length=10, choices=Step.choices, default=Step.PERSON)
    tries = models.PositiveSmallIntegerField(_("tries at this step"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    next_try_at = models.DateTimeField(_("next try at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "plan", "due_on"],
                condition=Q(plan__isnull=False),
                name="call_once_per_plan_and_day",
            ),
            models.UniqueConstraint(
                fields=["campaign", "person", "due_on"], name="call_once_per_person_and_day"
            ),
            models.CheckConstraint(
                name="call_resolved_at",
                condition=Q(status="open", resolved_at__isnull=True)
                | Q(status__in=["resolved", "cancelled"], resolved_at__isnull=False),
            ),
            models.CheckConstraint(
                name="call_reservation",
                condition=Q(reserved_by__isnull=True, reservation_ends_at__isnull=True)
                | Q(reserved_by__isnull=False, reservation_ends_at__isnull=False),
            ),
        ]
        indexes = [
            # The calls waiting for a caller: most are written already given, and stay out.
            models.Index(
                fields=["due_on"],
                condition=Q(status="open", caller__isnull=True),
                name="call_waiting",
            ),
            models.Index(fields=["person", "due_on"], name="call_person_due"),
            models.Index(fields=["plan"], condition=Q(plan__isnull=False), name="call_plan"),
            # Reservations are few at a time: partial indexes stay small.
            models.Index(
                fields=["reserved_by"], condition=Q(reserved_by__isnull=False), name="call_reserved"
            ),
            models.Index(
                fields=["reservation_ends_at"],
                condition=Q(reservation_ends_at__isnull=False),
                name="call_reservation_ends",
            ),
        ]

    def __str__(self):
        return f"{self.campaign} — {self.person} ({self.due_on})"

    @property
    def state(self):
        return State(
            step=self.step,
            tries=self.tries,
            next_try_at=self.next_try_at,
            resolved=self.status == self.Status.RESOLVED,
        )

    def reserved_by_other(self, user, now) -> bool:
        return (
            self.reservation_ends_at is not None
            and self.reservation_ends_at > now
            and self.reserved_by_id != user.pk
        )


class CallAttempt(models.Model):
    """One try at one step of a call, with the structured outcome form."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="attempts")
    called_at = models.DateTimeField(_("at"))
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("caller"),
    )
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    # Answered when the person was reached (null: not asked).
    alone = models.BooleanField(_("lives alone"), null=True, blank=True)
    needs_food = models.BooleanField(_("needs food"), default=False)
    needs_medication = models.BooleanField(_("needs medication"), default=False)
    needs_medical_care = models.BooleanField(_("needs medical care"), default=False)
    psychological_distress = models.BooleanField(_("psychological distress"), default=False)
    needs_administrative_help = models.BooleanField(_("needs administrative help"), default=False)
    other_need = models.CharField(_("other need"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    NEEDS = (
        "needs_food",
        "needs_medication",
        "needs_medical_care",
        "psychological_distress",
        "needs_administrative_help",
    )

    class Meta:
        ordering = ["called_at", "pk"]
        verbose_name = _("call attempt")
        verbose_name_plural = _("call attempts")
        constraints = [
            # Reached: whether the person lives alone is answered. Not reached: no needs heard.
            models.CheckConstraint(
                name="call_attempt_form",
                condition=Q(outcome="reached", alone__isnull=False)
                | Q(
                    outcome="no_answer",
                    alone__isnull=True,
                    needs_food=False,
                    needs_medication=False,
                    needs_medical_care=False,
                    psychological_distress=False,
                    needs_administrative_help=False,
                    other_need="",
                ),
            ),
        ]

    def __str__(self):
        return f"{self.call_id} {self.step} {self.outcome}"

    @property
    def needs(self) -> list[str]:
        """The needs heard, as field names (and the other need's text)."""
        heard = [name for name in self.NEEDS if getattr(self, name)]
        if self.other_need:
            heard.append(self.other_need)
        return heard


class FollowUp(models.Model):
    """What a need heard during a call became: a call-back, an appointment or a case."""

    class Kind(models.TextChoices):
        CALLBACK = "callback", _("Call-back")
        APPOINTMENT = "appointment", _("Appointment")
        CASE = "case", _("Case")

    attempt = models.ForeignKey(CallAttempt, on_delete=models.CASCADE, related_name="followups")
    person = models.ForeignKey(RegisteredPerson, on_delete=models.PROTECT, related_name="followups")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    callback_request = models.ForeignKey(
        "appointments.CallbackRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    appointment = models.ForeignKey(
        "appointments.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.CheckConstraint(
                name="follow_up_link",
                condition=Q(
                    kind="callback",
                    callback_request__isnull=False,
                    appointment__isnull=True,
                    case__isnull=True,
                )
                | Q(
                    kind="appointment",
                    callback_request__isnull=True,
                    appointment__isnull=False,
                    case__isnull=True,
                )
                | Q(
                    kind="case",
                    callback_request__isnull=True,
                    appointment__isnull=True,
                    case__isnull=False,
                ),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class Reach(models.Model):
    """A person a campaign is to reach, since when, and the first time it did (coverage).

    Written with the person's first call in the campaign and completed when a call of theirs is
    resolved (the person reached, or news of them); an ended registration leaves the campaigns
    that had not reached it. The commune is copied so that coverage by commune and département
    is one index scan, whatever the number of calls.
    """

    campaign = models.ForeignKey(
        CallCampaign, on_delete=models.CASCADE, related_name="reaches", db_index=False
    )
    person = models.ForeignKey(RegisteredPerson, on_delete=models.PROTECT, related_name="+")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+", db_index=False)
    due_at = models.DateTimeField(_("to reach since"))
    reached_at = models.DateTimeField(_("first reached at"), null=True, blank=True)
    call = models.ForeignKey(
        Call, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("person to reach")
        verbose_name_plural = _("people to reach")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="reach_once_per_person"),
        ]
        indexes = [
            models.Index(
                fields=["campaign", "commune"],
                include=["due_at", "reached_at"],
                name="reach_campaign_commune",
            ),
        ]

    def __str__(self):
        return f"{self.campaign_id} {self.person_id}"
