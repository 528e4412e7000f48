"""The outbox in the admin: read-only, with one action to try failed or stuck messages again."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from continuite.core.admin import ReadOnly

from .models import Message
from .services import messages_retry


@admin.register(Message)
class MessageAdmin(ReadOnly, admin.ModelAdmin):
    """Messages are written by the services only; people may look, and ask for a new attempt."""

    list_display = ["channel", "to", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["channel", "status"]
    search_fields = ["dedup_key", "to"]
    date_hierarchy = "created_at"
    actions = ["retry_delivery"]

    def has_retry_permission(self, request):
        """Retrying changes the outbox: it takes the model's change permission."""
        return request.user.has_perm("notifications.change_message")

    @admin.action(description=_("Retry delivery"), permissions=["retry"])
    def retry_delivery(self, request, queryset):
        selected = list(queryset.values_list("pk", flat=True))
        queued = messages_retry(message_ids=selected)
        if queued:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message queued for delivery.",
                    "%(count)d messages queued for delivery.",
                    len(queued),
                )
                % {"count": len(queued)},
                messages.SUCCESS,
            )
        if skipped := len(selected) - len(queued):
            self.message_user(
                request,
                ngettext(
                    "%(count)d message already sent was left alone.",
                    "%(count)d messages already sent were left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
