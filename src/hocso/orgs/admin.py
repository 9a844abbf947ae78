from django.contrib import admin

from .models import PATH_SEPARATOR, OrgUnit, OrgUnitMove, SchoolYear


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "school_type", "ownership", "valid_from", "valid_to")
    list_filter = ("kind", "school_type", "ownership")
    search_fields = ("code", "name", "path")
    readonly_fields = ("path", "depth")
    raw_id_fields = ("parent",)
    filter_horizontal = ("successors",)
    ordering = ("path",)

    def get_readonly_fields(self, request, obj=None):
        # Moving a unit rewrites its whole subtree's paths: that is `orgunit_move`'s job, not a
        # form field's. Code and parent are fixed once the unit exists.
        if obj is not None:
            return (*self.readonly_fields, "code", "parent")
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.path = (obj.parent.path if obj.parent else "") + obj.code + PATH_SEPARATOR
            obj.depth = obj.parent.depth + 1 if obj.parent else 0
        super().save_model(request, obj, form, change)


@admin.register(OrgUnitMove)
class OrgUnitMoveAdmin(admin.ModelAdmin):
    list_display = ("unit", "old_path", "new_parent", "effective_on", "reason")
    search_fields = ("unit__code", "unit__name", "old_path")
    raw_id_fields = ("unit", "old_parent", "new_parent")
    date_hierarchy = "effective_on"


@admin.register(SchoolYear)
class SchoolYearAdmin(admin.ModelAdmin):
    list_display = ("code", "start_date", "term1_end", "term2_start", "end_date")
    search_fields = ("code",)
