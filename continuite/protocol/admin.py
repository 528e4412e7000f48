from django.contrib import admin

from .models import Closure, Incident, RehomingOutcome, RehomingRules, RehomingRun, SelfAssessment


@admin.register(SelfAssessment)
class SelfAssessmentAdmin(admin.ModelAdmin):
    list_display = ["service_point", "assessed_on", "assessed_by"]
    list_filter = ["assessed_on"]
    raw_id_fields = ["service_point", "assessed_by"]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["service_point", "kind", "occurred_on", "declared_by"]
    list_filter = ["kind"]
    raw_id_fields = ["service_point", "declared_by"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    """Read only: closures are declared and reopened through the site managers' pages, which
    also move the crisis status, the slots and the appointments."""

    list_display = ["service_point", "scope", "starts_at", "ends_at", "reopened_at"]
    list_filter = ["scope"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RehomingRules)
class RehomingRulesAdmin(admin.ModelAdmin):
    list_display = [
        "network",
        "convert_to_phone",
        "move_to_other_points",
        "max_distance_km",
        "max_shift_days",
    ]


@admin.register(RehomingRun)
class RehomingRunAdmin(admin.ModelAdmin):
    list_display = ["service_point", "trigger", "status", "total", "processed", "created_at"]
    list_filter = ["status", "trigger"]
    raw_id_fields = ["service_point", "closure", "requested_by"]
    readonly_fields = [f.name for f in RehomingRun._meta.fields]


@admin.register(RehomingOutcome)
class RehomingOutcomeAdmin(admin.ModelAdmin):
    list_display = ["run", "appointment", "outcome", "created_at"]
    raw_id_fields = ["run", "appointment", "new_appointment", "callback", "message"]
    readonly_fields = [f.name for f in RehomingOutcome._meta.fields]
