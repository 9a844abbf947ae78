from django.contrib import admin

from hocso.core.text import clean_text, fold

from .models import (
    Enrollment,
    Equipment,
    Guardian,
    Guardianship,
    ImportJob,
    Room,
    SchoolClass,
    Staff,
    Student,
)


class GuardianshipInline(admin.TabularInline):
    model = Guardianship
    extra = 0
    raw_id_fields = ("guardian",)


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    extra = 0
    raw_id_fields = ("school", "school_class")
    fields = (
        "year",
        "school",
        "school_class",
        "start_date",
        "start_reason",
        "end_date",
        "end_reason",
        "note",
    )


class PersonAdmin(admin.ModelAdmin):
    """Keeps the stored name NFC and the folded search key in step, as the services do."""

    def save_model(self, request, obj, form, change):
        obj.full_name = clean_text(obj.full_name)
        obj.search_name = fold(obj.full_name)
        super().save_model(request, obj, form, change)


@admin.register(Student)
class StudentAdmin(PersonAdmin):
    list_display = (
        "full_name",
        "date_of_birth",
        "gender",
        "ethnicity",
        "national_id",
        "moet_code",
        "school",
        "status",
    )
    list_filter = ("status", "gender", "ethnicity", "device_access")
    search_fields = ("search_name", "national_id", "moet_code", "school__code", "school__name")
    raw_id_fields = ("school", "user")
    readonly_fields = ("search_name", "created_at", "updated_at")
    list_select_related = ("school",)
    inlines = [GuardianshipInline, EnrollmentInline]


@admin.register(Guardian)
class GuardianAdmin(admin.ModelAdmin):
    list_display = ("full_name", "phone", "national_id")
    search_fields = ("full_name", "phone", "national_id")
    raw_id_fields = ("user",)


@admin.register(Staff)
class StaffAdmin(PersonAdmin):
    list_display = ("full_name", "position", "qualification", "national_id", "school", "is_active")
    list_filter = ("position", "qualification", "is_active", "gender")
    search_fields = ("search_name", "national_id", "phone", "school__code", "school__name")
    raw_id_fields = ("school", "user")
    filter_horizontal = ("other_schools",)
    readonly_fields = ("search_name", "created_at", "updated_at")
    list_select_related = ("school",)


@admin.register(SchoolClass)
class SchoolClassAdmin(admin.ModelAdmin):
    list_display = ("name", "grade", "school", "year", "homeroom_teacher")
    list_filter = ("year", "grade")
    search_fields = ("name", "school__code", "school__name")
    raw_id_fields = ("school", "homeroom_teacher")
    list_select_related = ("school", "year", "homeroom_teacher")


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = (
        "student",
        "school_class",
        "school",
        "year",
        "start_date",
        "start_reason",
        "end_date",
        "end_reason",
    )
    list_filter = ("year", "start_reason", "end_reason")
    search_fields = (
        "student__search_name",
        "student__national_id",
        "student__moet_code",
        "school__code",
    )
    raw_id_fields = ("student", "school", "school_class")
    list_select_related = ("student", "school_class", "school", "year")
    date_hierarchy = "start_date"


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "capacity", "condition", "school")
    list_filter = ("kind", "condition")
    search_fields = ("code", "name", "school__code", "school__name")
    raw_id_fields = ("school",)
    list_select_related = ("school",)


@admin.register(Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    list_display = (
        "asset_code",
        "name",
        "category",
        "quantity",
        "condition",
        "acquired_on",
        "school",
        "room",
    )
    list_filter = ("category", "condition")
    search_fields = ("asset_code", "name", "school__code", "school__name")
    raw_id_fields = ("school", "room")
    list_select_related = ("school", "room")


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Import jobs are a record of what a file did: looked at here, changed only by the importer."""

    list_display = (
        "created_at", "kind", "school", "mode", "status", "created_count", "updated_count",
        "unchanged_count", "rejected_count", "created_by",
    )  # fmt: skip
    list_filter = ("kind", "status", "mode")
    search_fields = ("file_name", "school__code", "school__name", "created_by__username")
    list_select_related = ("school", "created_by")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
