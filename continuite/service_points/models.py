"""Networks, service points, opening hours and the crisis status with its history."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from continuite.core import territory
from continuite.core.models import Commune, Departement, Weekday
from continuite.core.phones import display_phone, stored_phone, tel_target


class Network(models.Model):
    """A network of public services (France Services, town halls, CAF, CPAM...)."""

    slug = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40)

    class Meta:
        ordering = ["name"]
        verbose_name = _("network")
        verbose_name_plural = _("networks")

    def __str__(self):
        return self.short_name


class CrisisStatus(models.TextChoices):
    """How a service point receives people during the crisis."""

    OPEN = "open", pgettext_lazy("status", "Open")
    APPOINTMENTS_ONLY = "appointments_only", _("Appointments only")
    PHONE_ONLY = "phone_only", _("Phone only")
    EMERGENCY_ONLY = "emergency_only", _("Emergency counter only")
    CLOSED = "closed", pgettext_lazy("status", "Closed")


class Accessibility(models.TextChoices):
    UNKNOWN = "unknown", _("Not stated")
    ACCESSIBLE = "accessible", _("Accessible to wheelchair users")
    PARTLY = "partly", _("Partly accessible")
    NOT_ACCESSIBLE = "not_accessible", _("Not accessible to wheelchair users")


class ServicePointQuerySet(models.QuerySet):
    def with_status_at(self, at: datetime | None = None):
        """Annotate `status_in_force`: the crisis status in force at that instant (default: now).

        This is the single definition of the status in force: among the status changes whose
        window covers the instant, the one that started last wins (then the one recorded last);
        a service point with none is open.
        """
        return self.annotate(status_in_force=status_in_force(OuterRef("pk"), at or timezone.now()))

    def not_closed_at(self, at: datetime | None = None):
        """Service points receiving people in some way at that instant (the open rate's numerator)."""
        return self.with_status_at(at).exclude(status_in_force=CrisisStatus.CLOSED)

    def in_box(self, min_lat: float, max_lat: float, min_lon: float, max_lon: float):
        return self.filter(
            latitude__gte=min_lat,
            latitude__lte=max_lat,
            longitude__gte=min_lon,
            longitude__lte=max_lon,
        )

    def visible_to(self, user):
        """Service points whose agents' pages (agenda, call-backs, cases: people's names) an agent
        may open, by the scopes of their site roles; steering roles reach none."""
        from continuite.accounts.models import Role

        return self.filter(role_scope_q(user, kinds=Role.SITE_KINDS))

    def manageable_by(self, user):
        """Service points whose status, hours and protocol an agent may change."""
        from continuite.accounts.models import Role

        return self.filter(role_scope_q(user, kinds=Role.SITE_MANAGER_KINDS))

    def in_figures_of(self, user):
        """Service points counted in the figures an agent may see (every role's scope, steering's
        included): for aggregates only, never to open a page with people's names."""
        return self.filter(role_scope_q(user, kinds=None))

    def staffable_by(self, user):
        """Service points whose agents and site managers an agent may invite and manage.

        Site and network managers, within their scope; steering roles never (least privilege).
        """
        from continuite.accounts.models import Role

        return self.filter(role_scope_q(user, kinds=Role.SITE_MANAGER_KINDS))


# The rule of the status in force, written once: a change is in force from its start until its
# end (open-ended when empty); among those in force the latest by these fields wins; a service
# point with none is open.
_IN_FORCE_LATEST = ("starts_at", "id")


def _in_force_at(at) -> Q:
    return Q(starts_at__lte=at) & (Q(ends_at__isnull=True) | Q(ends_at__gt=at))


def status_in_force(point, at):
    """The expression of the crisis status in force for a service point at an instant.

    `point` and `at` are values or references to the outer query (OuterRef("pk"), a slot's
    OuterRef("starts_at")...): this is the one place the rule is written (`status_among` and
    `status_in_force_sql` apply it).
    """
    in_force = (
        StatusChange.objects.filter(_in_force_at(at), service_point=point)
        .order_by(*(f"-{field}" for field in _IN_FORCE_LATEST))
        .values("status")[:1]
    )
    return Coalesce(Subquery(in_force), Value(CrisisStatus.OPEN.value))


def status_in_force_sql(point_sql: str, at_sql: str) -> str:
    """`status_in_force` as the SQL text of a raw statement (the booking's), for the service
    point and the instant given as SQL (a column, a placeholder): compiled from the expression
    itself, its constants written in, so the rule is not written a second time."""
    from django.db import connection
    from django.db.models.expressions import RawSQL
    from django.db.models.sql import Query

    query = Query(StatusChange)
    expression = status_in_force(RawSQL(point_sql, ()), RawSQL(at_sql, ())).resolve_expression(
        query
    )
    sql, params = query.get_compiler(connection=connection).compile(expression)
    parts = sql.split("%s")
    if len(parts) != len(params) + 1 or not all(isinstance(p, str | int) for p in params):
        raise ValueError("status_in_force_sql: unexpected parameters")
    literals = [str(p) if isinstance(p, int) else "'" + p.replace("'", "''") + "'" for p in params]
    return "".join(part + literal for part, literal in zip(parts, [*literals, ""], strict=True))


def status_among(changes, at: datetime) -> str:
    """The status in force at `at` among a service point's changes, by the rule of `status_in_force`.

    The same rule in Python, for planning thousands of instants from one read of the history
    (a test checks that both always agree).
    """
    in_force = [c for c in changes if c.starts_at <= at and (c.ends_at is None or at < c.ends_at)]
    if not in_force:
        return CrisisStatus.OPEN.value
    latest = max(in_force, key=lambda c: tuple(getattr(c, field) for field in _IN_FORCE_LATEST))
    return latest.status


@dataclass(frozen=True)
class ScopeFields:
    """How a model reaches the service point a role is scoped to: the point itself, its network
    and its département (a case names its own network, and its point's département)."""

    point: str = "pk"
    network: str = "network_id"
    departement: str = "departement_id"


POINT_SCOPE = ScopeFields()


def role_scope_q(user, *, kinds, fields: ScopeFields = POINT_SCOPE) -> Q:
    """The rows within the scopes of the user's roles of these kinds (None: every kind).

    A role names a service point, or a network and/or a département (neither: the whole
    country). The one place the role-scope rule is written: service points and cases use it.
    """
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    roles = user.roles.all()
    if kinds is not None:
        roles = roles.filter(kind__in=kinds)
    q = Q(pk__in=[])
    for role in roles:
        if role.service_point_id:
            q |= Q(**{fields.point: role.service_point_id})
            continue
        if not role.network_id and not role.departement_id:
            return Q()  # the whole country (and Q() would vanish in an OR)
        scope = Q()
        if role.network_id:
            scope &= Q(**{fields.network: role.network_id})
        if role.departement_id:
            scope &= Q(**{fields.departement: role.departement_id})
        q |= scope
    return q


class ServicePoint(models.Model):
    """A public counter (guichet): a France Services, a town hall, a CAF office..."""

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="service_points")
    external_id = models.CharField(_("identifier in the network"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, blank=True)
    commune_name = models.CharField(_("commune"), max_length=100, blank=True)
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, related_name="service_points"
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    location_is_approximate = models.BooleanField(_("approximate location"), default=False)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    receives_walk_in = models.BooleanField(_("walk-in reception"), default=True)
    receives_by_appointment = models.BooleanField(_("by appointment"), default=False)
    receives_by_phone = models.BooleanField(_("by phone"), default=False)
    receives_by_video = models.BooleanField(_("by video call"), default=False)
    accessibility = models.CharField(
        _("accessibility"),
        max_length=20,
        choices=Accessibility.choices,
        default=Accessibility.UNKNOWN,
    )
    notes = models.TextField(_("practical information"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ServicePointQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        constraints = [
            models.UniqueConstraint(
                fields=["network", "external_id"], name="service_point_unique_id"
            ),
            models.CheckConstraint(
                name="service_point_latitude_range",
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
            ),
            models.CheckConstraint(
                name="service_point_longitude_range",
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
            ),
        ]
        indexes = [models.Index(fields=["latitude", "longitude"], name="service_point_location")]

    def __str__(self):
        return self.name

    def clean(self):
        # Typed in the admin as people write it, stored in E.164 like every number.
        self.phone = stored_phone(self.phone, departement_code=self.departement_id or "")

    @property
    def phone_display(self) -> str:
        """The phone as people read it (national format)."""
        return display_phone(self.phone) if self.phone else ""

    @property
    def phone_tel(self) -> str:
        """The number a tel: link dials (E.164), or "" when the stored text is not a number."""
        return tel_target(self.phone)

    @property
    def time_zone(self):
        return territory.time_zone(self.departement_id)

    def local_now(self, now: datetime | None = None) -> datetime:
        return (now or timezone.now()).astimezone(self.time_zone)

    def status_at(self, at: datetime | None = None) -> str:
        """The crisis status in force at that instant, by the single rule of `with_status_at`."""
        annotated = getattr(self, "status_in_force", None)
        if annotated is not None and at is None:
            return annotated
        return (
            ServicePoint.objects.with_status_at(at)
            .values_list("status_in_force", flat=True)
            .get(pk=self.pk)
        )

    @property
    def status_label(self) -> str:
        return CrisisStatus(self.status_at()).label

    def reception_modes(self) -> list[str]:
        modes = [
            (self.receives_walk_in, _("Walk-in")),
            (self.receives_by_appointment, _("By appointment")),
            (self.receives_by_phone, _("By phone")),
            (self.receives_by_video, _("By video call")),
        ]
        return [label for enabled, label in modes if enabled]


class OpeningHours(models.Model):
    """A weekly opening range: on this weekday, from opens_at to closes_at (local time)."""

    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))

    class Meta:
        ordering = ["weekday", "opens_at"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(
                name="opening_hours_order", condition=Q(closes_at__gt=F("opens_at"))
            ),
            models.CheckConstraint(
                name="opening_hours_weekday", condition=Q(weekday__gte=0, weekday__lte=6)
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class OpeningException(models.Model):
    """Dated exception to the weekly hours: closed, or open on other hours, from start_on to end_on."""

    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.CASCADE, related_name="opening_exceptions"
    )
    start_on = models.DateField(_("from"))
    end_on = models.DateField(_("until (inclusive)"))
    closed = models.BooleanField(_("closed"), default=True)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    label = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["start_on"]
        verbose_name = _("opening exception")
        verbose_name_plural = _("opening exceptions")
        constraints = [
            models.CheckConstraint(
                name="opening_exception_dates", condition=Q(end_on__gte=F("start_on"))
            ),
            models.CheckConstraint(
                name="opening_exception_hours",
                condition=Q(closed=True, opens_at__isnull=True, closes_at__isnull=True)
                | Q(closed=False, opens_at__isnull=False, closes_at__gt=F("opens_at")),
            ),
        ]

    def __str__(self):
        return f"{self.start_on}–{self.end_on} {self.label}"

    def covers(self, day: date) -> bool:
        return self.start_on <= day <= self.end_on


class StatusChange(models.Model):
    """A crisis status set on a service point for a window of time; the whole history is kept."""

    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.CASCADE, related_name="status_changes"
    )
    status = models.CharField(_("status"), max_length=20, choices=CrisisStatus.choices)
    reason = models.CharField(_("reason"), max_length=300)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("set by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        constraints = [
            models.CheckConstraint(
                name="status_change_window",
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
            ),
        ]
        indexes = [
            models.Index(fields=["service_point", "-starts_at"], name="status_change_lookup")
        ]

    def __str__(self):
        return f"{self.service_point_id} {self.status} {self.starts_at:%Y-%m-%d %H:%M}"


class ImportRun(models.Model):
    """One run of a directory import, with its counts and the rows it rejected."""

    source = models.CharField(_("source"), max_length=60)
    file_name = models.CharField(_("file"), max_length=300)
    sha256 = models.CharField(max_length=64, db_index=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    wet_run = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self):
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M}"


def hours_on(service_point: ServicePoint, day: date, *, weekly=None, exceptions=None):
    """The opening ranges of a service point on a local date, and why they differ from the week.

    Returns (ranges, note): ranges is a list of (opens_at, closes_at); note names the public
    holiday or the exception that applies. Pass prefetched `weekly`/`exceptions` to save queries.
    """
    exceptions = service_point.opening_exceptions.all() if exceptions is None else exceptions
    for exception in exceptions:
        if exception.covers(day):
            if exception.closed:
                return [], exception.label or _("Exceptional closure")
            return [(exception.opens_at, exception.closes_at)], exception.label or _(
                "Exceptional hours"
            )
    holiday = territory.public_holiday(service_point.departement_id, day)
    if holiday:
        return [], holiday
    weekly = service_point.opening_hours.all() if weekly is None else weekly
    return [(h.opens_at, h.closes_at) for h in weekly if h.weekday == day.weekday()], ""


def is_within(ranges: list[tuple[time, time]], moment: time) -> bool:
    return any(opens <= moment < closes for opens, closes in ranges)


class AgentPresence(models.Model):
    """Where an agent of a service point is on a given day: on site, teleworking, or absent."""

    class Status(models.TextChoices):
        ON_SITE = "on_site", _("On site")
        TELEWORK = "telework", _("Teleworking")
        SICK = "sick", _("Absent: sick")
        CONFINED = "confined", _("Absent: confined")
        OTHER = "other", _("Absent: other reason")

    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.CASCADE, related_name="presences"
    )
    presence_on = models.DateField(_("day"))
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="presences",
        verbose_name=_("agent"),
    )
    status = models.CharField(_("presence"), max_length=10, choices=Status.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["presence_on", "agent_id"]
        verbose_name = _("agent presence")
        verbose_name_plural = _("agent presences")
        constraints = [
            models.UniqueConstraint(
                fields=["service_point", "presence_on", "agent"], name="presence_once_a_day"
            )
        ]

    def __str__(self):
        return f"{self.service_point_id} {self.presence_on} {self.agent_id} {self.status}"


def staffing(
    service_point: ServicePoint, start_on: date, end_on: date
) -> dict[date, tuple[int, int]]:
    """(agents on site, agents teleworking) for each day with presences recorded."""
    rows = (
        service_point.presences.filter(presence_on__gte=start_on, presence_on__lte=end_on)
        .order_by()
        .values("presence_on")
        .annotate(
            on_site=Count("id", filter=Q(status=AgentPresence.Status.ON_SITE)),
            remote=Count("id", filter=Q(status=AgentPresence.Status.TELEWORK)),
        )
    )
    return {row["presence_on"]: (row["on_site"], row["remote"]) for row in rows}
