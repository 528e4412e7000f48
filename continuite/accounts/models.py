"""Agents, their scoped roles, and the audit log."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """An agent of a public service (people looking for help never need an account)."""

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_manager(self) -> bool:
        """Manager roles must use a second factor under production settings."""
        return self.is_superuser or self.roles.filter(kind__in=Role.MANAGER_KINDS).exists()


class Role(models.Model):
    """What an agent may do, and over which scope: the country, a network, a département or a site."""

    class Kind(models.TextChoices):
        STEERING = "steering", _("Steering")
        NETWORK_MANAGER = "network_manager", _("Network manager")
        SITE_MANAGER = "site_manager", _("Site manager")
        AGENT = "agent", _("Agent")

    # The roles that must log in with a second factor.
    MANAGER_KINDS = (Kind.STEERING, Kind.NETWORK_MANAGER, Kind.SITE_MANAGER)
    # The roles that reach a site's pages, with its people's names (the README's role model):
    # steering teams see figures, never names, so they are not among them.
    SITE_KINDS = (Kind.NETWORK_MANAGER, Kind.SITE_MANAGER, Kind.AGENT)
    # The roles that change what belongs to a site: status, hours, closures, appointments setup.
    SITE_MANAGER_KINDS = (Kind.NETWORK_MANAGER, Kind.SITE_MANAGER)
    # The roles held on one service point, given from its staff page.
    POINT_KINDS = (Kind.AGENT, Kind.SITE_MANAGER)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles"
    )
    kind = models.CharField(_("role"), max_length=20, choices=Kind.choices)
    network = models.ForeignKey(
        "service_points.Network",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("network"),
    )
    departement = models.ForeignKey(
        "core.Departement",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("département"),
    )
    service_point = models.ForeignKey(
        "service_points.ServicePoint",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("service point"),
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            # Steering: the country, or a département (a prefecture's team); never one site.
            # Network managers: a network, optionally narrowed to a département.
            # Site managers and agents: one service point.
            models.CheckConstraint(
                name="role_scope_matches_kind",
                condition=(
                    Q(kind="steering", network__isnull=True, service_point__isnull=True)
                    | Q(kind="network_manager", network__isnull=False, service_point__isnull=True)
                    | Q(
                        kind__in=["site_manager", "agent"],
                        service_point__isnull=False,
                        network__isnull=True,
                        departement__isnull=True,
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "network", "departement", "service_point"],
                name="role_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        parts = [str(part) for part in (self.service_point, self.network, self.departement) if part]
        scope = " — ".join(parts) or _("whole country")
        return f"{self.get_kind_display()} ({scope})"


class AuditLog(models.Model):
    """One line per audited action: who did what to which record, when."""

    occurred_at = models.DateTimeField(_("date and time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=60, db_index=True)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=40)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_type}#{self.target_id}"


class InvitationQuerySet(models.QuerySet):
    def usable_at(self, at):
        """Invitations not used, not revoked and not expired at that instant."""
        return self.filter(used_at__isnull=True, expires_at__gt=at)


class Invitation(models.Model):
    """A single-use, expiring link that lets an agent set a password, then enrol a second factor.

    Only the SHA-256 of the link's secret is stored: a copy of the database opens no account.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("expires at"))
    # Set when the link is used, or when a newer invitation replaces it.
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"{self.user} ({self.created_at:%Y-%m-%d})"
