"""Django admin for superusers: agencies and memberships, every change written to the audit log.
The audit log itself is deliberately absent (separation of duties: administrators neither read nor
alter it; auditors use /staff/audit/)."""
from django.contrib import admin
from django.db import models

from . import audit
from .models import Agency, Staff


def _agency_of(obj):
    return obj if isinstance(obj, Agency) else getattr(obj, "agency", None)


VERBS = {"add": "新增", "change": "修改", "delete": "删除"}


def _record(request, verb: str, obj) -> None:
    audit.record(actor=request.user, action=f"admin.{verb}", agency=_agency_of(obj), target=obj, request=request,
                 summary=f"后台{VERBS[verb]}{obj._meta.verbose_name}：{obj}")


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _record(request, "change" if change else "add", obj)

    def delete_model(self, request, obj):
        _record(request, "delete", obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            _record(request, "delete", obj)
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            _record(request, "delete", obj)
            obj.delete()
        for obj in instances:
            adding = obj._state.adding
            obj.save()
            _record(request, "add" if adding else "change", obj)
        formset.save_m2m()


class StaffInline(admin.TabularInline):
    model = Staff
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    list_display = ["name", "level", "parent", "credit_code", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["name", "short_name", "credit_code"]
    inlines = [StaffInline]
    # A website typed without a scheme is taken as https (Django 6's default; 5.2 warns otherwise).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Staff)
class StaffAdmin(AuditedAdmin):
    list_display = ["user", "agency", "role", "created_at"]
    list_filter = ["role", "agency"]
    search_fields = ["user__username", "agency__name"]
    autocomplete_fields = ["user", "agency"]
