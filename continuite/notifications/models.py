"""The outbox: every message to a person, written in the same transaction as its cause."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """One email or SMS to send; its dedup_key makes the same event send it only once."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("To send")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    to = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    attachment_name = models.CharField(max_length=100, blank=True)
    attachment_content = models.TextField(blank=True)
    attachment_mimetype = models.CharField(max_length=100, blank=True)
    # Composed at delivery by this function (dotted path), from these arguments, when the body
    # is left empty at enqueue: the cause's transaction only writes a row, the worker does the
    # rendering (texts, calendar file).
    composer = models.CharField(max_length=200, blank=True)
    composer_args = models.JSONField(default=dict, blank=True)
    dedup_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    provider_id = models.CharField(
        _("provider reference"), max_length=200, blank=True, db_index=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(
                fields=["created_at"], name="message_pending", condition=Q(status="pending")
            )
        ]

    def __str__(self):
        return f"{self.channel} {self.to} {self.dedup_key}"
