"""Proof of the phone: one-time codes sent by SMS, and the periods of high demand that ask for one."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class PhoneCode(models.Model):
    """A one-time code sent by SMS to prove that a person holds a phone; only its HMAC is kept."""

    phone = models.CharField(_("phone"), max_length=20, help_text=_("E.164"))
    # The number of this code among those sent to the phone: two requests sending a code to
    # one number at once cannot both take the same place, so its share of codes holds.
    sequence = models.PositiveIntegerField()
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("phone code")
        verbose_name_plural = _("phone codes")
        constraints = [
            models.UniqueConstraint(fields=["phone", "sequence"], name="phone_code_sequence"),
            models.CheckConstraint(
                name="phone_code_expires_after_sending", condition=Q(expires_at__gt=F("created_at"))
            ),
        ]

    def __str__(self):
        return f"{self.phone} {self.created_at:%Y-%m-%d %H:%M}"


class HighDemandQuerySet(models.QuerySet):
    def in_force(self, at):
        """Periods of high demand covering that instant."""
        return self.filter(starts_at__lte=at, ends_at__gt=at)


class HighDemand(models.Model):
    """A period in which a reason's public bookings need a code sent to the person's mobile."""

    class Origin(models.TextChoices):
        MANAGER = "manager", _("Switched on by a manager")
        AUTOMATIC = "automatic", _("Switched on by itself (slots taken within minutes)")

    reason = models.ForeignKey(
        "appointments.Reason", on_delete=models.CASCADE, related_name="high_demand_periods"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    note = models.CharField(_("reason given"), max_length=300, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("switched on by"),
    )

    objects = HighDemandQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("high demand period")
        verbose_name_plural = _("high demand periods")
        indexes = [models.Index(fields=["reason", "ends_at"], name="high_demand_reason_end")]
        constraints = [
            models.CheckConstraint(
                name="high_demand_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))
            )
        ]

    def __str__(self):
        return f"{self.reason_id} {self.starts_at:%Y-%m-%d %H:%M}"
