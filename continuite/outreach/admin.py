"""Admin of the registers' settings only: people's records are read through the agents' pages,
where each read is scoped and logged, never through the admin."""

from django.contrib import admin

from .models import Register


@admin.register(Register)
class RegisterAdmin(admin.ModelAdmin):
    list_display = ["name", "commune", "network", "departement"]
    list_select_related = ["commune", "network", "departement"]
    search_fields = ["name"]
    raw_id_fields = ["commune"]
    fields = [
        "name",
        "commune",
        "network",
        "departement",
        "retention_months_withdrawn",
        "retention_months_deceased",
        "retention_months_moved",
    ]
