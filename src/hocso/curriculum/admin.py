"""The curriculum in the Django admin, for province officers. Every save goes through the
services, so the permission rule and the audit trail are the same as anywhere else."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hocso.accounts.services import audit_log

from .models import AssessmentMode, GradeSubject, Subject, Topic
from .services import (
    GRADE_SUBJECT_FIELDS,
    SUBJECT_FIELDS,
    can_edit_curriculum,
    grade_subject_create,
    grade_subject_delete,
    grade_subject_update,
    subject_create,
    subject_update,
)


class CurriculumEditorMixin:
    """Admin model permissions, narrowed to those who may edit the curriculum."""

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and can_edit_curriculum(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and can_edit_curriculum(request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and can_edit_curriculum(request.user)


def _changed(form, allowed):
    return {f: form.cleaned_data[f] for f in form.changed_data if f in allowed}


class GradeSubjectInline(admin.TabularInline):
    model = GradeSubject
    extra = 0
    fields = ("grade", "name", "periods_per_year", "is_compulsory", "elective_group")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subject)
class SubjectAdmin(CurriculumEditorMixin, admin.ModelAdmin):
    list_display = ("code", "name", "assessment_mode", "sort_order")
    list_filter = ("assessment_mode",)
    search_fields = ("code", "name")
    ordering = ("sort_order", "code")
    inlines = (GradeSubjectInline,)

    def get_readonly_fields(self, request, obj=None):
        # Other apps and imports refer to subjects by code: it is fixed once created.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        # Grade books and transcripts keep a subject's history; retire a grade row instead.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            subject_update(actor=request.user, subject=obj, **_changed(form, SUBJECT_FIELDS))
        else:
            created = subject_create(
                actor=request.user,
                code=obj.code,
                name=obj.name,
                assessment_mode=obj.assessment_mode,
                sort_order=obj.sort_order,
            )
            obj.pk = created.pk


@admin.register(GradeSubject)
class GradeSubjectAdmin(CurriculumEditorMixin, admin.ModelAdmin):
    list_display = (
        "grade",
        "subject",
        "name",
        "periods_per_year",
        "regular_assessments",
        "is_compulsory",
        "elective_group",
        "effective_mode",
    )
    list_filter = ("grade", "is_compulsory", "elective_group", "assessment_mode")
    list_select_related = ("subject",)
    search_fields = ("subject__code", "subject__name", "name")
    ordering = ("grade", "subject__sort_order", "subject__code")

    def get_readonly_fields(self, request, obj=None):
        return ("grade", "subject") if obj is not None else ()

    @admin.display(description=_("số lần ĐĐGtx/học kì"))
    def regular_assessments(self, obj):
        return obj.regular_assessments_required

    @admin.display(description=_("cách đánh giá"))
    def effective_mode(self, obj):
        return AssessmentMode(obj.effective_assessment_mode).label

    def save_model(self, request, obj, form, change):
        if change:
            grade_subject_update(
                actor=request.user, grade_subject=obj, **_changed(form, GRADE_SUBJECT_FIELDS)
            )
        else:
            values = {f: form.cleaned_data[f] for f in GRADE_SUBJECT_FIELDS}
            created = grade_subject_create(
                actor=request.user, grade=obj.grade, subject=obj.subject, **values
            )
            obj.pk = created.pk

    def delete_model(self, request, obj):
        grade_subject_delete(actor=request.user, grade_subject=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("subject"):
            grade_subject_delete(actor=request.user, grade_subject=obj)


@admin.register(Topic)
class TopicAdmin(CurriculumEditorMixin, admin.ModelAdmin):
    """Topics have no service of their own yet: the admin is their only editor, so it writes
    the audit entry itself, as the services do for subjects."""

    list_display = ("code", "name", "grade_subject", "parent", "order")
    list_filter = ("grade_subject__grade", "grade_subject__subject")
    list_select_related = ("grade_subject__subject", "parent")
    search_fields = ("code", "name", "grade_subject__subject__code")
    ordering = ("grade_subject__grade", "grade_subject__subject__sort_order", "order", "code")
    autocomplete_fields = ("parent",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_log(
            actor=request.user,
            action="topic.update" if change else "topic.create",
            obj=obj,
            fields=list(form.changed_data),
        )

    def delete_model(self, request, obj):
        audit_log(actor=request.user, action="topic.delete", obj=obj, code=obj.code)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
