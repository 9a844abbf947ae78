"""The question bank in the Django admin: for looking, not for editing. Item content is written
only through services.py (versions are immutable, reviews follow the workflow); a bank is
created through `bank_create`, so the permission rule and the audit entry are the same."""

from django.contrib import admin

from .models import Bank, Item, ItemVersion, MediaFile, ReviewComment
from .services import bank_create


class LookOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Bank)
class BankAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "org_unit", "subject", "created_at")
    search_fields = ("code", "name", "org_unit__code")
    list_select_related = ("org_unit", "subject")
    raw_id_fields = ("org_unit",)

    def has_change_permission(self, request, obj=None):
        # The code names the bank in imports and exports: fixed once created.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        created = bank_create(
            actor=request.user, code=obj.code, name=obj.name, org_unit=obj.org_unit,
            subject=obj.subject,
        )  # fmt: skip
        obj.pk = created.pk


class ItemVersionInline(admin.TabularInline):
    model = ItemVersion
    extra = 0
    fields = ("number", "points", "created_by", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Item)
class ItemAdmin(LookOnlyAdmin):
    list_display = ("pk", "name", "bank", "type", "status", "sharing", "subject", "grade", "level")
    list_filter = ("status", "sharing", "type", "level", "grade", "subject")
    list_select_related = ("bank", "subject")
    search_fields = ("name", "identifier", "search_text", "bank__code")
    inlines = (ItemVersionInline,)


@admin.register(ReviewComment)
class ReviewCommentAdmin(LookOnlyAdmin):
    list_display = ("item", "decision", "author", "created_at")
    list_filter = ("decision",)


@admin.register(MediaFile)
class MediaFileAdmin(LookOnlyAdmin):
    list_display = ("original_name", "content_type", "size", "sha256", "created_at")
    search_fields = ("original_name", "sha256")
