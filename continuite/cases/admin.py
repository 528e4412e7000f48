from django.contrib import admin

from continuite.core.admin import ReadOnly

from .models import Case, CaseEvent, CaseImport, ClockStop, ProcedureType, SuspensionWindow


@admin.register(ProcedureType)
class ProcedureTypeAdmin(admin.ModelAdmin):
    list_display = ["label", "network", "deadline_amount", "deadline_unit", "silence_rule"]
    list_filter = ["network", "deadline_unit", "silence_rule", "stop_rule", "is_active"]
    search_fields = ["label", "code"]


class ClockStopInline(ReadOnly, admin.TabularInline):
    model = ClockStop
    extra = 0
    fields = ["reason", "starts_at", "ends_at", "note", "created_by"]


class CaseEventInline(ReadOnly, admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ["occurred_at", "kind", "note", "actor", "previous_deadline_at", "new_deadline_at"]
    readonly_fields = ["occurred_at"]


@admin.register(Case)
class CaseAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["reference", "network", "procedure_type", "service_point", "status"]
    list_filter = ["status", "network"]
    search_fields = ["reference"]
    raw_id_fields = ["service_point", "assigned_to"]
    list_select_related = ["network", "procedure_type", "service_point"]
    show_full_result_count = False  # counting ten million rows on every page is not worth it
    inlines = [ClockStopInline, CaseEventInline]


@admin.register(SuspensionWindow)
class SuspensionWindowAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["label", "starts_on", "ends_on", "legal_basis", "declared_by"]


@admin.register(CaseImport)
class CaseImportAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["network", "file_name", "status", "rows", "created", "updated", "rejected"]
    list_filter = ["status", "network"]
    exclude = ["content"]
