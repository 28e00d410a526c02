"""Django admin for superusers: agencies and memberships. The audit log is deliberately absent
(separation of duties: administrators neither read nor alter it; auditors use /staff/audit/)."""
from django.contrib import admin

from .models import Agency, Staff


class StaffInline(admin.TabularInline):
    model = Staff
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "parent", "credit_code", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["name", "short_name", "credit_code"]
    prepopulated_fields = {}
    inlines = [StaffInline]


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "created_at"]
    list_filter = ["role", "agency"]
    search_fields = ["user__username", "agency__name"]
    autocomplete_fields = ["user", "agency"]
