"""Snapshots of the open rate, taken regularly so that steering sees the trend."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OpenRateFigures:
    """The open rate of `total` counters of which `not_closed` are not closed: a snapshot's and
    a live figure's alike."""

    total: int
    not_closed: int

    @property
    def rate(self) -> float | None:
        return self.not_closed / self.total if self.total else None

    @property
    def percent(self) -> float | None:
        return None if self.rate is None else round(100 * self.rate, 1)


class OpenRateSnapshot(OpenRateFigures, models.Model):
    """Counters and counters not closed at an instant, for the country, a network or a département."""

    class Scope(models.TextChoices):
        NATIONAL = "national", _("National")
        NETWORK = "network", _("Network")
        DEPARTEMENT = "departement", _("Département")

    taken_at = models.DateTimeField(_("taken at"), db_index=True)
    scope = models.CharField(max_length=12, choices=Scope.choices)
    key = models.CharField(max_length=40, blank=True)
    total = models.PositiveIntegerField()
    not_closed = models.PositiveIntegerField()

    class Meta:
        ordering = ["-taken_at", "scope", "key"]
        verbose_name = _("open rate snapshot")
        verbose_name_plural = _("open rate snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["taken_at", "scope", "key"], name="open_rate_snapshot_unique"
            ),
            models.CheckConstraint(
                name="open_rate_snapshot_counts",
                condition=models.Q(not_closed__lte=models.F("total")),
            ),
        ]

    def __str__(self):
        return f"{self.taken_at:%Y-%m-%d %H:%M} {self.scope} {self.key}"
