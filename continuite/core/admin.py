from django.contrib import admin

from .models import Commune, Departement, Region


class ReadOnly:
    """For a model admin or an inline: records written only through their services (which check
    and audit what they write) are shown, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "zone"]


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "zone"]
    list_filter = ["zone"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "departement", "population"]
    list_filter = ["kind", "departement__zone"]
    search_fields = ["code", "name", "search_name"]
    readonly_fields = ["search_name"]
