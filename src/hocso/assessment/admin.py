"""Admin views of the assessment tables. Scores, results and the workflow change only through the
services (history, locks, recomputed results), so here they are read-only; teaching assignments
are managed here too. The primary (Circular 27) levels are read-only for the same reason: a
change outside the services would skip their history and leave the year result stale."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hocso.orgs.models import OrgKind, OrgUnit, SchoolType

from .models import (
    GradebookLock,
    GradebookLockEvent,
    LearningResult,
    PrimaryChange,
    PrimarySubjectAssessment,
    PrimaryTraitAssessment,
    PrimaryYearResult,
    Score,
    ScoreChange,
    SubjectResult,
    TeachingAssignment,
    TermRecord,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TeachingAssignment)
class TeachingAssignmentAdmin(admin.ModelAdmin):
    list_display = ("school_class", "subject", "staff", "school", "year")
    list_filter = ("year", "subject")
    search_fields = ("school_class__name", "staff__search_name", "school__code", "subject__code")
    raw_id_fields = ("school", "school_class", "staff")
    list_select_related = ("school_class", "subject", "staff", "school", "year")


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ("student", "subject", "term", "kind", "seq", "value", "passed", "updated_at")
    list_filter = ("year", "term", "kind", "subject")
    search_fields = ("student__search_name", "student__moet_code", "school__code")
    list_select_related = ("student", "subject")


@admin.register(ScoreChange)
class ScoreChangeAdmin(ReadOnlyAdmin):
    list_display = (
        "changed_at", "changed_by", "student", "subject", "term", "kind", "seq", "old_value",
        "new_value", "old_passed", "new_passed", "source",
    )  # fmt: skip
    list_filter = ("source", "term", "kind")
    search_fields = ("student__search_name", "changed_by__username", "school__code")
    list_select_related = ("student", "subject", "changed_by")
    date_hierarchy = "changed_at"


@admin.register(TermRecord)
class TermRecordAdmin(ReadOnlyAdmin):
    list_display = ("student", "school_class", "year", "term", "days_absent", "conduct")
    list_filter = ("year", "term", "conduct")
    search_fields = ("student__search_name", "school__code")
    list_select_related = ("student", "school_class", "year")


@admin.register(SubjectResult)
class SubjectResultAdmin(ReadOnlyAdmin):
    list_display = ("student", "subject", "year", "term", "average", "passed", "complete")
    list_filter = ("year", "term", "complete", "subject")
    search_fields = ("student__search_name", "school__code")
    list_select_related = ("student", "subject", "year")


@admin.register(LearningResult)
class LearningResultAdmin(ReadOnlyAdmin):
    list_display = (
        "student", "school_class", "year", "term", "level", "adjusted", "promoted", "award",
    )  # fmt: skip
    list_filter = ("year", "term", "level", "award")
    search_fields = ("student__search_name", "school__code", "school_class__name")
    list_select_related = ("student", "school_class", "year")


class GradebookLockEventInline(admin.TabularInline):
    model = GradebookLockEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "actor", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(GradebookLock)
class GradebookLockAdmin(ReadOnlyAdmin):
    list_display = ("school_class", "year", "term", "status", "reviewed_by", "approved_by")
    list_filter = ("year", "term", "status")
    search_fields = ("school_class__name", "school__code")
    list_select_related = ("school_class", "year", "reviewed_by", "approved_by")
    inlines = [GradebookLockEventInline]


# --- primary assessment (Circular 27) ----------------------------------------------------------


class PrimarySchoolFilter(admin.SimpleListFilter):
    """The schools that teach grades 1–5. A plain filter on `school` would list every org unit
    of the tree (communes, districts, all secondary schools) and a filter on the schools used
    would scan the whole table to find them."""

    title = _("trường")
    parameter_name = "school"

    def lookups(self, request, model_admin):
        schools = OrgUnit.objects.filter(
            kind=OrgKind.SCHOOL, school_type__in=[SchoolType.PRIMARY, SchoolType.MULTI_LEVEL]
        ).order_by("name", "code")
        rows = schools.values_list("pk", "name", "code")
        return [(str(pk), f"{name} ({code})") for pk, name, code in rows]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(school_id=int(self.value()))
        return queryset


@admin.register(PrimarySubjectAssessment)
class PrimarySubjectAssessmentAdmin(ReadOnlyAdmin):
    list_display = (
        "student", "school_class", "subject", "term", "stage", "level", "comment", "updated_at",
    )  # fmt: skip
    list_filter = ("year", PrimarySchoolFilter, "term", "stage", "level", "subject")
    search_fields = ("student__search_name", "student__moet_code", "school__code")
    list_select_related = ("student", "school_class", "subject")


@admin.register(PrimaryTraitAssessment)
class PrimaryTraitAssessmentAdmin(ReadOnlyAdmin):
    list_display = ("student", "school_class", "trait", "term", "stage", "level", "updated_at")
    list_filter = ("year", PrimarySchoolFilter, "term", "stage", "level", "trait")
    search_fields = ("student__search_name", "student__moet_code", "school__code")
    list_select_related = ("student", "school_class")


@admin.register(PrimaryChange)
class PrimaryChangeAdmin(ReadOnlyAdmin):
    list_display = (
        "changed_at", "changed_by", "student", "subject", "trait", "term", "stage", "old_level",
        "new_level", "source",
    )  # fmt: skip
    list_filter = ("year", PrimarySchoolFilter, "source", "term", "stage")
    search_fields = ("student__search_name", "changed_by__username", "school__code")
    list_select_related = ("student", "subject", "changed_by")
    date_hierarchy = "changed_at"


@admin.register(PrimaryYearResult)
class PrimaryYearResultAdmin(ReadOnlyAdmin):
    list_display = (
        "student", "school_class", "year", "outcome", "promoted", "award", "outstanding",
        "computed_at",
    )  # fmt: skip
    list_filter = ("year", PrimarySchoolFilter, "outcome", "promoted", "award", "outstanding")
    search_fields = ("student__search_name", "student__moet_code", "school__code",
                     "school_class__name")  # fmt: skip
    list_select_related = ("student", "school_class", "year")
