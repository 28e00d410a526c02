from django.contrib import admin

from .models import PortalSettings, PublishedReport


@admin.register(PortalSettings)
class PortalSettingsAdmin(admin.ModelAdmin):
    """Guide settings and the rules page, edited by the agency's staff (Art. 12)."""

    list_display = ("agency", "accepts_online", "accepts_post", "accepts_in_person", "accepts_email", "accepts_fax",
                    "updated_at")


@admin.register(PublishedReport)
class PublishedReportAdmin(admin.ModelAdmin):
    list_display = ("agency", "year", "version", "published_at")
    readonly_fields = ("data", "content_hash", "version", "correction_note", "published_by")

    def has_change_permission(self, request, obj=None):
        return False  # a published version is frozen; corrections are new versions
