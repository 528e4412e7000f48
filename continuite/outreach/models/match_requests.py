"""Requests between social action centres: "do you hold this person too?".

An agent never sees nor links a record of a register they do not read. They may ask the other
register's managers, who look for the person among their own records and link (or not) on their
side; the asking agent learns only the answer, never the other record's identity.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .register import Register, RegisteredPerson


class MatchRequest(models.Model):
    """One register's request to another's managers to find and link the same person."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        LINKED = "linked", _("Linked: the call plan is shared")
        NO_MATCH = "no_match", _("Not found in that register")

    person = models.ForeignKey(
        RegisteredPerson,
        on_delete=models.CASCADE,
        related_name="match_requests",
        verbose_name=_("record of the asking register"),
    )
    to_register = models.ForeignKey(
        Register,
        on_delete=models.CASCADE,
        related_name="match_requests_received",
        verbose_name=_("register asked"),
    )
    note = models.CharField(_("message"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        verbose_name = _("request to another social action centre")
        verbose_name_plural = _("requests to other social action centres")
        constraints = [
            # One open request per record and register asked.
            models.UniqueConstraint(
                fields=["person", "to_register"],
                condition=Q(status="pending"),
                name="match_request_one_pending",
            ),
            models.CheckConstraint(
                name="match_request_answered",
                condition=Q(status="pending", answered_at__isnull=True)
                | (~Q(status="pending") & Q(answered_at__isnull=False)),
            ),
        ]

    def __str__(self):
        return f"#{self.pk}"
