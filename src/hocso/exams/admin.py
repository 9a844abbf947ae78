"""Exams in the Django admin: for looking, not for editing. Sessions, forms and attempts are
written only through the services (exams/services.py, delivery.py, grading.py), so the checks,
the dealt papers and the audit entries stay whole."""

from django.contrib import admin

from .models import Attempt, ExamForm, ExamQuestion, ExamSession, ItemAnalysis, KeyCorrection


class LookOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExamSession)
class ExamSessionAdmin(LookOnlyAdmin):
    list_display = ("code", "name", "org_unit", "subject", "grade", "opens_at", "status")
    list_filter = ("status", "grade", "subject")
    list_select_related = ("org_unit", "subject")
    search_fields = ("code", "name", "org_unit__code")
    date_hierarchy = "opens_at"


class ExamQuestionInline(admin.TabularInline):
    model = ExamQuestion
    extra = 0
    fields = ("position", "part", "number", "item", "item_version", "points")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ExamForm)
class ExamFormAdmin(LookOnlyAdmin):
    list_display = ("session", "code")
    list_select_related = ("session",)
    search_fields = ("session__code",)
    inlines = (ExamQuestionInline,)


@admin.register(Attempt)
class AttemptAdmin(LookOnlyAdmin):
    list_display = ("session", "student", "school", "form", "status", "answered", "score")
    list_filter = ("status", "submitted_how")
    list_select_related = ("session", "student", "school", "form")
    search_fields = ("session__code", "student__full_name", "school__code")
    raw_id_fields = ("session", "student", "school", "school_class", "form")


@admin.register(KeyCorrection)
class KeyCorrectionAdmin(LookOnlyAdmin):
    list_display = ("session", "item", "old_version", "new_version", "corrected_by", "corrected_at")
    list_select_related = ("session", "item", "corrected_by")


@admin.register(ItemAnalysis)
class ItemAnalysisAdmin(LookOnlyAdmin):
    list_display = ("session", "item", "responses", "facility", "point_biserial", "irt_b")
    list_select_related = ("session", "item")
