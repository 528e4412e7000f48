from django.contrib import admin

from .models import ImportRun, Network, OpeningException, OpeningHours, ServicePoint, StatusChange


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["short_name", "name", "slug"]


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class OpeningExceptionInline(admin.TabularInline):
    model = OpeningException
    extra = 0


@admin.register(ServicePoint)
class ServicePointAdmin(admin.ModelAdmin):
    list_display = ["name", "network", "commune_name", "departement"]
    list_filter = ["network", "departement__zone"]
    search_fields = ["name", "external_id", "commune_name", "postcode"]
    raw_id_fields = ["commune"]
    inlines = [OpeningHoursInline, OpeningExceptionInline]


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    """Read-only: statuses are set through the agents' area, which audits every change."""

    list_display = ["service_point", "status", "starts_at", "ends_at", "set_by"]
    list_filter = ["status"]
    raw_id_fields = ["service_point"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["source", "file_name", "started_at", "rows", "created", "updated", "unchanged"]
