from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from continuite.core.admin import ReadOnly

from .models import AuditLog, Role, User


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["service_point"]


@admin.register(User)
class AgentAdmin(UserAdmin):
    inlines = [RoleInline]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["occurred_at", "actor", "action", "target_type", "target_id"]
    list_filter = ["action"]
    search_fields = ["target_id", "actor__username"]
