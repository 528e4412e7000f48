from django.contrib import admin

from .models import Appointment, AppointmentEvent, HealthProtocol, OpeningRange, Reason, Slot
from .tasks import queue_slot_sync


@admin.register(Reason)
class ReasonAdmin(admin.ModelAdmin):
    list_display = [
        "label",
        "network",
        "duration_minutes",
        "on_site",
        "by_phone",
        "public_booking",
        "lottery",
    ]
    list_filter = ["network", "public_booking", "lottery"]


class SyncSlotsOnSave:
    """Ranges and protocol feed slot capacity: every change recomputes the point's slots."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        queue_slot_sync(service_point_id=form.instance.service_point_id)

    def delete_model(self, request, obj):
        point_id = obj.service_point_id
        super().delete_model(request, obj)
        queue_slot_sync(service_point_id=point_id)


@admin.register(OpeningRange)
class OpeningRangeAdmin(SyncSlotsOnSave, admin.ModelAdmin):
    list_display = ["service_point", "weekday", "opens_at", "closes_at", "mode", "agents_on_duty"]
    raw_id_fields = ["service_point"]
    filter_horizontal = ["reasons"]


@admin.register(HealthProtocol)
class HealthProtocolAdmin(SyncSlotsOnSave, admin.ModelAdmin):
    list_display = [
        "service_point",
        "max_people_present",
        "buffer_minutes",
        "emergency_share_percent",
    ]
    raw_id_fields = ["service_point"]


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    """Read-only: seats are taken by the booking service, which the database guards."""

    list_display = ["service_point", "starts_at", "mode", "booked", "capacity", "over_capacity"]
    list_filter = ["over_capacity", "mode"]
    raw_id_fields = ["service_point", "opening_range"]

    def has_change_permission(self, request, obj=None):
        return False


class AppointmentEventInline(admin.TabularInline):
    model = AppointmentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["occurred_at", "kind", "note", "actor"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["reference", "service_point", "starts_at", "status", "mode"]
    list_filter = ["status", "mode"]
    search_fields = ["reference"]
    raw_id_fields = ["slot", "service_point", "person", "moved_to"]
    inlines = [AppointmentEventInline]

    def has_delete_permission(self, request, obj=None):
        return False
