from django.contrib import admin

from .models import Report, Resource, ResourceFile, ResourceVersion


class VersionInline(admin.TabularInline):
    model = ResourceVersion
    extra = 0
    fields = ("number", "note", "url", "launch_path", "created_by", "created_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ("title", "type", "subject", "grade_from", "org_unit", "status", "sharing")
    list_filter = ("type", "status", "sharing", "licence")
    search_fields = ("title", "search_title")
    list_select_related = ("subject", "org_unit")
    raw_id_fields = ("org_unit", "created_by", "current_version", "topics")
    inlines = [VersionInline]


@admin.register(ResourceFile)
class ResourceFileAdmin(admin.ModelAdmin):
    list_display = ("original_name", "role", "content_type", "size", "sha256")
    search_fields = ("original_name", "sha256")
    raw_id_fields = ("version",)


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("resource", "reason", "status", "created_at")
    list_filter = ("status", "reason")
    raw_id_fields = ("resource", "version", "reporter", "handled_by")
