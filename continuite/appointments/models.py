"""Reasons, opening ranges, the health protocol's capacity rules, slots and appointments."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from continuite.core.models import Weekday
from continuite.service_points.models import Network, ServicePoint

from .rules import SEAT_FREE, reason_closed_at, seats_free


class Mode(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    PHONE = "phone", _("By phone")
    VIDEO = "video", _("By video call")


class Reason(models.Model):
    """A reason for an appointment (motif) offered by a network, with its booking rules."""

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="reasons")
    label = models.CharField(_("label"), max_length=150)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    on_site = models.BooleanField(_("on site"), default=True)
    by_phone = models.BooleanField(_("by phone"), default=False)
    by_video = models.BooleanField(_("by video call"), default=False)
    public_booking = models.BooleanField(
        _("the public may book"), default=True, help_text=_("Otherwise only agents book it.")
    )
    min_notice_hours = models.PositiveSmallIntegerField(_("minimum notice (hours)"), default=2)
    max_horizon_days = models.PositiveSmallIntegerField(_("booking horizon (days)"), default=60)
    max_active_per_person = models.PositiveSmallIntegerField(
        _("active appointments per person"), default=1
    )
    lottery = models.BooleanField(
        _("lottery for scarce slots"),
        default=False,
        help_text=_("Requests are gathered, then drawn; the others are offered a call-back."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["network", "label"]
        verbose_name = _("reason")
        verbose_name_plural = _("reasons")
        constraints = [
            models.CheckConstraint(name="reason_duration", condition=Q(duration_minutes__gte=5)),
            models.CheckConstraint(
                name="reason_has_a_mode",
                condition=Q(on_site=True) | Q(by_phone=True) | Q(by_video=True),
            ),
            models.CheckConstraint(
                name="reason_per_person", condition=Q(max_active_per_person__gte=1)
            ),
        ]

    def __str__(self):
        return self.label

    def modes(self) -> list[str]:
        return [
            m
            for m, on in (
                (Mode.ON_SITE, self.on_site),
                (Mode.PHONE, self.by_phone),
                (Mode.VIDEO, self.by_video),
            )
            if on
        ]


class OpeningRange(models.Model):
    """A weekly range during which a service point receives by appointment (plage d'ouverture)."""

    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.CASCADE, related_name="opening_ranges"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens_at = models.TimeField(_("from"))
    closes_at = models.TimeField(_("to"))
    starts_on = models.DateField(_("valid from"))
    ends_on = models.DateField(_("valid until (inclusive)"), null=True, blank=True)
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=30)
    mode = models.CharField(
        _("reception"),
        max_length=10,
        choices=Mode.choices,
        default=Mode.ON_SITE,
        help_text=_(
            "People present on site count against the health protocol; phone and video do not."
        ),
    )
    agents_on_duty = models.PositiveSmallIntegerField(_("agents on duty"), default=1)
    reasons = models.ManyToManyField(
        Reason, related_name="opening_ranges", verbose_name=_("reasons served")
    )
    # An ended range offers no more slots; its past slots and their appointments stay.
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["service_point", "weekday", "opens_at"]
        verbose_name = _("opening range")
        verbose_name_plural = _("opening ranges")
        constraints = [
            models.CheckConstraint(
                name="opening_range_order", condition=Q(closes_at__gt=F("opens_at"))
            ),
            models.CheckConstraint(name="opening_range_weekday", condition=Q(weekday__lte=6)),
            models.CheckConstraint(name="opening_range_slot", condition=Q(slot_minutes__gte=5)),
            models.CheckConstraint(name="opening_range_agents", condition=Q(agents_on_duty__gte=1)),
            models.CheckConstraint(
                name="opening_range_validity",
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
            ),
        ]

    def __str__(self):
        return f"{self.service_point} {self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class HealthProtocol(models.Model):
    """The health protocol's numbers for a service point: people present, buffers, emergency share."""

    service_point = models.OneToOneField(
        ServicePoint, on_delete=models.CASCADE, related_name="health_protocol"
    )
    max_people_present = models.PositiveSmallIntegerField(_("people present at once, at most"))
    buffer_minutes = models.PositiveSmallIntegerField(
        _("minutes between appointments"),
        default=0,
        help_text=_("Cleaning and airing between two appointments."),
    )
    emergency_share_percent = models.PositiveSmallIntegerField(
        _("share held back for emergencies (%)"),
        default=0,
        help_text=_(
            "Seats kept for the emergencies of isolated and vulnerable people, released the day before."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("health protocol")
        verbose_name_plural = _("health protocols")
        constraints = [
            models.CheckConstraint(name="protocol_people", condition=Q(max_people_present__gte=1)),
            models.CheckConstraint(
                name="protocol_share", condition=Q(emergency_share_percent__lte=100)
            ),
            models.CheckConstraint(name="protocol_buffer", condition=Q(buffer_minutes__lte=240)),
        ]

    def __str__(self):
        return f"{self.service_point}: {self.max_people_present}"


class ClosedWindowQuerySet(models.QuerySet):
    def partial_by_point(self, point_ids) -> dict[int, list[tuple["ClosedWindow", frozenset[int]]]]:
        """The partial closures (those of some reasons) of these service points, per point, as
        `rules.reason_closed_at` reads them (two queries)."""
        found: dict[int, list[tuple[ClosedWindow, frozenset[int]]]] = {}
        windows = (
            self.filter(service_point_id__in=list(point_ids), reasons__isnull=False)
            .distinct()
            .prefetch_related("reasons")
        )
        for window in windows:
            reason_ids = frozenset(r.pk for r in window.reasons.all())
            found.setdefault(window.service_point_id, []).append((window, reason_ids))
        return found


class ClosedWindow(models.Model):
    """A time during which a service point receives no appointment for some reasons, or none at all.

    Written by the closures of the protocol app (a partial closure: some reasons, some hours of
    the day); slots read it, so that capacity inputs stay below the apps that set them. From
    starts_at until ends_at (open-ended when empty); within it, only between daily_from and
    daily_until when they are set; for the reasons listed, or every reason when none is.
    """

    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.CASCADE, related_name="closed_windows"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    daily_from = models.TimeField(_("each day from"), null=True, blank=True)
    daily_until = models.TimeField(_("each day until"), null=True, blank=True)
    reasons = models.ManyToManyField(
        "Reason", blank=True, related_name="closed_windows", verbose_name=_("reasons closed")
    )
    label = models.CharField(_("reason given"), max_length=300, blank=True)

    objects = ClosedWindowQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("closed window")
        verbose_name_plural = _("closed windows")
        constraints = [
            models.CheckConstraint(
                name="closed_window_dates",
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
            ),
            models.CheckConstraint(
                name="closed_window_hours",
                condition=Q(daily_from__isnull=True, daily_until__isnull=True)
                | Q(daily_from__isnull=False, daily_until__gt=F("daily_from")),
            ),
        ]

    def __str__(self):
        return f"{self.service_point_id} {self.starts_at:%Y-%m-%d %H:%M}"

    def covers(self, starts_at, ends_at, time_zone) -> bool:
        """Whether the window closes any part of [starts_at, ends_at)."""
        if ends_at <= self.starts_at or (self.ends_at is not None and starts_at >= self.ends_at):
            return False
        if self.daily_from is None:
            return True
        local_start, local_end = starts_at.astimezone(time_zone), ends_at.astimezone(time_zone)
        if local_start.date() != local_end.date():
            return True
        return local_start.time() < self.daily_until and self.daily_from < local_end.time()


class SlotQuerySet(models.QuerySet):
    def bookable(self):
        """Slots with a seat the public may take now (emergency seats held back excepted)."""
        return self.filter(SEAT_FREE)


class Slot(models.Model):
    """A time window of an opening range with a number of seats; bookings never exceed them."""

    opening_range = models.ForeignKey(OpeningRange, on_delete=models.PROTECT, related_name="slots")
    service_point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="slots")
    mode = models.CharField(max_length=10, choices=Mode.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("seats"))
    held_for_emergencies = models.PositiveSmallIntegerField(
        _("seats held for emergencies"), default=0
    )
    booked = models.PositiveSmallIntegerField(_("seats taken"), default=0)
    # Set when a change left fewer seats than bookings: the appointments go to the closure flow.
    over_capacity = models.BooleanField(_("over capacity"), default=False)

    objects = SlotQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        constraints = [
            models.UniqueConstraint(
                fields=["opening_range", "starts_at"], name="slot_unique_start"
            ),
            models.CheckConstraint(name="slot_window", condition=Q(ends_at__gt=F("starts_at"))),
            # The database itself refuses a booking beyond the seats (unless flagged by a change).
            models.CheckConstraint(
                name="slot_no_overbooking",
                condition=Q(booked__lte=F("capacity")) | Q(over_capacity=True),
            ),
            models.CheckConstraint(
                name="slot_held", condition=Q(held_for_emergencies__lte=F("capacity"))
            ),
        ]
        indexes = [
            models.Index(
                fields=["service_point", "starts_at"],
                name="slot_free_by_point",
                condition=Q(over_capacity=False),
            ),
            # The earliest free slot of a range, probed per range by the public search.
            models.Index(
                fields=["opening_range", "starts_at"],
                name="slot_bookable_by_range",
                condition=SEAT_FREE,
            ),
        ]

    def __str__(self):
        return (
            f"{self.service_point_id} {self.starts_at:%Y-%m-%d %H:%M} {self.booked}/{self.capacity}"
        )

    def reason_closed(self, reason) -> bool:
        """Whether a partial closure of the reason covers this slot (one query)."""
        windows = (
            ClosedWindow.objects.filter(service_point_id=self.service_point_id, reasons=reason)
            .filter(starts_at__lt=self.ends_at)
            .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=self.starts_at))
            .select_related("service_point")
        )
        return any(
            reason_closed_at(
                [(w, (reason.pk,))],
                reason.pk,
                self.starts_at,
                self.ends_at,
                w.service_point.time_zone,
            )
            for w in windows
        )

    @property
    def free(self) -> int:
        return seats_free(self)


class Person(models.Model):
    """A phone number that booked or asked for a call-back: what groups one person's history.

    It holds no name nor email: those belong to each booking, call-back and draw entry (their
    `Contact`), so that a form typed with someone's number never rewrites their contact.
    """

    phone = models.CharField(_("phone"), max_length=20, unique=True, help_text=_("E.164"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return self.phone


class Contact(models.Model):
    """How to reach whoever a booking, call-back or draw entry is for: given with it, kept with
    it, and used by every message about it (changed only through an appointment's manage link)."""

    contact_name = models.CharField(_("name"), max_length=150)
    contact_phone = models.CharField(_("phone"), max_length=20, help_text=_("E.164"))
    contact_email = models.EmailField(_("email"), blank=True)

    class Meta:
        abstract = True


class Appointment(Contact):
    """A booking of one seat in a slot; never deleted, its history kept."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CHECKED_IN = "checked_in", _("Arrived")
        DONE = "done", _("Done")
        NO_SHOW = "no_show", _("Did not come")
        CANCELLED = "cancelled", _("Cancelled")
        MOVED = "moved", _("Moved")

    ACTIVE = (Status.BOOKED, Status.CHECKED_IN)
    # The one table of the changes of status: from each status, those it may become. Cancelled,
    # moved, done and did-not-come are final; the counter marks arrivals, ends and no-shows.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.BOOKED: frozenset(
            {Status.CHECKED_IN, Status.DONE, Status.NO_SHOW, Status.CANCELLED, Status.MOVED}
        ),
        Status.CHECKED_IN: frozenset({Status.DONE, Status.CANCELLED, Status.MOVED}),
        Status.DONE: frozenset(),
        Status.NO_SHOW: frozenset(),
        Status.CANCELLED: frozenset(),
        Status.MOVED: frozenset(),
    }
    # What a counter agent sets by hand (the others come with a cancellation or a move).
    COUNTER_STATUSES = (Status.CHECKED_IN, Status.DONE, Status.NO_SHOW)

    reference = models.CharField(_("reference"), max_length=12, unique=True)
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments")
    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.PROTECT, related_name="appointments"
    )
    reason = models.ForeignKey(Reason, on_delete=models.PROTECT, related_name="appointments")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="appointments")
    mode = models.CharField(_("reception"), max_length=10, choices=Mode.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.BOOKED
    )
    moved_to = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="moved_from"
    )
    # The form's one-time key: a double submission finds the first booking instead of a second one.
    submission_key = models.UUIDField(null=True, blank=True, unique=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # False once converted to a phone call by a closure: it no longer takes a seat of its slot.
    takes_seat = models.BooleanField(default=True)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["service_point", "starts_at"], name="appointment_agenda"),
            # The per-person cap counts active appointments by contact phone or email (any case).
            models.Index(
                fields=["contact_phone", "reason"],
                name="appointment_cap_phone",
                condition=Q(status__in=["booked", "checked_in"]),
            ),
            models.Index(
                Upper("contact_email"),
                F("reason"),
                name="appointment_cap_email",
                condition=Q(status__in=["booked", "checked_in"]),
            ),
            # The high demand check counts the bookings of the last minutes.
            models.Index(fields=["created_at"], name="appointment_recent"),
        ]

    def __str__(self):
        return f"{self.reference} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    def can_become(self, status: str) -> bool:
        """Whether the table of transitions lets this appointment take that status now."""
        return status in self.TRANSITIONS.get(self.status, frozenset())

    @classmethod
    def statuses_leading_to(cls, status: str) -> list[str]:
        """The statuses from which an appointment may become `status`, for bulk updates:
        `filter(status__in=Appointment.statuses_leading_to(Status.CANCELLED))`."""
        return [source for source, targets in cls.TRANSITIONS.items() if status in targets]


class AppointmentEvent(models.Model):
    """One line of an appointment's history: booked, moved, cancelled, checked in..."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(_("date and time"), auto_now_add=True)
    kind = models.CharField(_("event"), max_length=30)
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("appointment event")
        verbose_name_plural = _("appointment events")

    def __str__(self):
        return f"{self.appointment_id} {self.kind}"


class CallbackRequest(Contact):
    """« Être rappelé »: a person asks to be called back about a reason, in a preferred window."""

    class Window(models.TextChoices):
        MORNING = "morning", _("Morning (9:00–12:00)")
        AFTERNOON = "afternoon", _("Afternoon (14:00–17:00)")
        ANY = "any", _("Any time")

    class Status(models.TextChoices):
        OPEN = "open", _("To call")
        DONE = "done", _("Done")
        UNREACHABLE = "unreachable", _("Could not be reached")
        CANCELLED = "cancelled", _("Cancelled")

    reference = models.CharField(_("reference"), max_length=12, unique=True)
    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.PROTECT, related_name="callback_requests"
    )
    reason = models.ForeignKey(Reason, on_delete=models.PROTECT, related_name="callback_requests")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="callback_requests")
    preferred_window = models.CharField(
        _("preferred time"), max_length=10, choices=Window.choices, default=Window.ANY
    )
    note = models.CharField(_("what it is about"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    # Called back within 2 business days of the request, on the territory's calendar.
    due_at = models.DateTimeField(_("to call back before"))
    origin = models.CharField(_("origin"), max_length=20, default="public")
    submission_key = models.UUIDField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("call-back request")
        verbose_name_plural = _("call-back requests")
        indexes = [
            models.Index(
                fields=["service_point", "due_at"],
                name="callback_queue",
                condition=Q(status="open"),
            )
        ]

    def __str__(self):
        return f"{self.reference} {self.contact_name}"

    @property
    def due_day(self):
        """The last local day of the deadline, as people read it: « at the latest on Tuesday 5 May ».

        A deadline at 00:00 (a request made on a weekend or a holiday) ends the day before.
        """
        local = self.due_at.astimezone(self.service_point.time_zone)
        return (local - timedelta(microseconds=1)).date()


class CallbackAttempt(models.Model):
    """One call made for a call-back request, with its outcome."""

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached, handled")
        NO_ANSWER = "no_answer", _("No answer")
        VOICEMAIL = "voicemail", _("Message left")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        APPOINTMENT = "appointment", _("Reached, appointment booked")

    request = models.ForeignKey(CallbackRequest, on_delete=models.CASCADE, related_name="attempts")
    called_at = models.DateTimeField(_("date and time"), auto_now_add=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=15, choices=Outcome.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["called_at", "id"]
        verbose_name = _("call-back attempt")
        verbose_name_plural = _("call-back attempts")

    def __str__(self):
        return f"{self.request_id} {self.outcome}"


class QueueTicket(models.Model):
    """A person waiting at the counter without appointment; emergencies and vulnerable people first."""

    class Priority(models.IntegerChoices):
        EMERGENCY = 0, _("Emergency")
        VULNERABLE = 1, _("Vulnerable person")
        WALK_IN = 2, _("Walk-in")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        SERVED = "served", _("Served")
        GONE = "gone", _("Left before being served")

    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.CASCADE, related_name="queue_tickets"
    )
    number = models.PositiveIntegerField(_("ticket"))
    issued_on = models.DateField(_("day"))
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.WALK_IN
    )
    label = models.CharField(_("name or description"), max_length=150, blank=True)
    reason = models.ForeignKey(
        Reason, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("reason")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    arrived_at = models.DateTimeField(_("arrived at"), auto_now_add=True)
    served_at = models.DateTimeField(_("served or left at"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["priority", "arrived_at", "id"]
        verbose_name = _("queue ticket")
        verbose_name_plural = _("queue tickets")
        constraints = [
            models.UniqueConstraint(
                fields=["service_point", "issued_on", "number"], name="queue_ticket_number"
            )
        ]

    def __str__(self):
        return f"{self.service_point_id} {self.issued_on} #{self.number}"


class LotteryRequest(Contact):
    """A request for a slot of a lottery reason, gathered until the draw."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for the draw")
        WON = "won", _("Drawn: appointment booked")
        LOST = "lost", _("Not drawn: call-back offered")

    reason = models.ForeignKey(Reason, on_delete=models.PROTECT, related_name="lottery_requests")
    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.PROTECT, related_name="lottery_requests"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="lottery_requests")
    draw_on = models.DateField(_("draw day"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    callback_request = models.OneToOneField(
        CallbackRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Entries count only once the person proved they hold the phone (a code sent by SMS).
    phone_verified_at = models.DateTimeField(_("phone verified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("lottery request")
        verbose_name_plural = _("lottery requests")
        constraints = [
            models.UniqueConstraint(
                fields=["reason", "service_point", "person", "draw_on"], name="lottery_one_request"
            )
        ]

    def __str__(self):
        return f"{self.reason_id} {self.person_id} {self.draw_on}"


class LotteryDraw(models.Model):
    """A draw of a reason's scarce slots at a service point, with its recorded seed (reproducible)."""

    reason = models.ForeignKey(Reason, on_delete=models.PROTECT, related_name="lottery_draws")
    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.PROTECT, related_name="lottery_draws"
    )
    draw_on = models.DateField(_("draw day"))
    seed = models.CharField(_("seed"), max_length=64)
    drawn_at = models.DateTimeField(_("drawn at"), auto_now_add=True)
    requests = models.PositiveIntegerField(default=0)
    winners = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-drawn_at"]
        verbose_name = _("lottery draw")
        verbose_name_plural = _("lottery draws")
        constraints = [
            models.UniqueConstraint(
                fields=["reason", "service_point", "draw_on"], name="lottery_one_draw"
            )
        ]

    def __str__(self):
        return f"{self.reason_id} {self.service_point_id} {self.draw_on}"


# Codes proving a phone, and high demand periods (their own module, loaded with the app's models).
from .verification_models import HighDemand, PhoneCode  # noqa: E402, F401
