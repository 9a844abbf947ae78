"""The question bank: banks, items with immutable versions, review comments, images.

An item's content lives in `ItemVersion` rows that are never changed once written: an edit that
changes the content writes a new version and moves `Item.current_version` to it, so an exam that
recorded the version it used keeps exactly the question its learners saw. What is about the item
rather than its wording — status, sharing, tags — lives on `Item`.

The content of a version is the type-specific part of `interchange.ItemData` as JSON (see
questions/content.py), so every exchange format and the scoring rules read the same shape.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .interchange import CognitiveLevel, ItemType

BANK_CODE_PATTERN = r"^[A-Za-z0-9._-]+$"


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    SUBMITTED = "submitted", _("Chờ duyệt")
    REVIEWED = "reviewed", _("Cần chỉnh sửa")
    APPROVED = "approved", _("Đã duyệt")
    RETIRED = "retired", _("Ngừng sử dụng")


class SharingScope(models.TextChoices):
    SCHOOL = "school", _("Trong đơn vị")
    PROVINCE = "province", _("Toàn tỉnh")


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", _("Duyệt")
    REQUEST_CHANGES = "request_changes", _("Yêu cầu chỉnh sửa")
    REJECT = "reject", _("Từ chối")


ITEM_TYPE_CHOICES = [
    (ItemType.SINGLE_CHOICE.value, _("Trắc nghiệm một lựa chọn")),
    (ItemType.MULTIPLE_RESPONSE.value, _("Trắc nghiệm nhiều lựa chọn")),
    (ItemType.TRUE_FALSE.value, _("Đúng/Sai")),
    (ItemType.TRUE_FALSE_4.value, _("Đúng/Sai 4 ý (2025)")),
    (ItemType.SHORT_TEXT.value, _("Trả lời ngắn (chữ)")),
    (ItemType.SHORT_NUMERIC.value, _("Trả lời ngắn (số)")),
    (ItemType.MATCHING.value, _("Ghép đôi")),
    (ItemType.ORDERING.value, _("Sắp xếp thứ tự")),
    (ItemType.ESSAY.value, _("Tự luận")),
]

COGNITIVE_LEVEL_CHOICES = [
    (CognitiveLevel.BIET.value, _("Biết")),
    (CognitiveLevel.HIEU.value, _("Hiểu")),
    (CognitiveLevel.VAN_DUNG.value, _("Vận dụng")),
    (CognitiveLevel.NHAN_BIET.value, _("Nhận biết")),
    (CognitiveLevel.THONG_HIEU.value, _("Thông hiểu")),
    (CognitiveLevel.VAN_DUNG_4.value, _("Vận dụng (4 mức)")),
    (CognitiveLevel.VAN_DUNG_CAO.value, _("Vận dụng cao")),
]


class Bank(models.Model):
    code = models.CharField(
        _("mã ngân hàng"),
        max_length=50,
        unique=True,
        validators=[
            RegexValidator(
                BANK_CODE_PATTERN, _("Mã ngân hàng chỉ gồm chữ không dấu, chữ số và . _ -")
            )
        ],
    )
    name = models.CharField(_("tên ngân hàng"), max_length=200)
    org_unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    subject = models.ForeignKey(
        "curriculum.Subject",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("môn học"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("ngân hàng câu hỏi")
        verbose_name_plural = _("ngân hàng câu hỏi")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=BANK_CODE_PATTERN), name="bank_code_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Item(models.Model):
    bank = models.ForeignKey(
        Bank, on_delete=models.PROTECT, related_name="items", verbose_name=_("ngân hàng")
    )
    type = models.CharField(_("dạng câu hỏi"), max_length=20, choices=ITEM_TYPE_CHOICES)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.DRAFT
    )
    sharing = models.CharField(
        _("phạm vi dùng chung"),
        max_length=10,
        choices=SharingScope.choices,
        default=SharingScope.SCHOOL,
    )
    # The owner: whose staff may use it while it is shared within the unit, and whose reviewers
    # review it. Carried on the item (not only through the bank) so scoped queries need no join
    # and the table can be distributed by it (docs/scaling.md).
    org_unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("tác giả"),
    )
    # Null only between the insert of an item and that of its first version (one transaction).
    current_version = models.OneToOneField(
        "ItemVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("phiên bản hiện hành"),
    )
    # Identity across imports: the file's identifier (QTI), else its name within its category.
    identifier = models.CharField(_("mã trong tệp"), max_length=200, blank=True)
    name = models.CharField(_("tên câu hỏi"), max_length=255, blank=True)
    category = models.JSONField(_("danh mục"), default=list, blank=True)
    # Tags.
    subject = models.ForeignKey(
        "curriculum.Subject",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("môn học"),
    )
    grade = models.PositiveSmallIntegerField(
        _("khối"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    topic = models.ForeignKey(
        "curriculum.Topic",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chủ đề"),
    )
    level = models.CharField(
        _("mức độ nhận thức"), max_length=15, choices=COGNITIVE_LEVEL_CHOICES, blank=True
    )
    source = models.CharField(_("nguồn"), max_length=300, blank=True)
    # Tags a file carried that hocso has no column for (Moodle's free tags): kept so an export
    # gives them back.
    other_tags = models.JSONField(_("nhãn khác"), default=dict, blank=True)
    # SHA-256 of the normalized stem and answers (content.stem_hash): duplicate detection.
    stem_hash = models.CharField(max_length=64, db_index=True, editable=False)
    # fold() of the stem, name and answer texts: diacritic-insensitive search on any database.
    search_text = models.TextField(blank=True, editable=False)
    # Item statistics from the latest online exam that asked the item (exams/stats.py,
    # exams/irt.py), so blueprints can balance difficulty. Classical: the share of learners
    # right (p) and the point-biserial correlation; IRT: the model's difficulty b and
    # discrimination a (a = 1 under Rasch), on the logit scale of that exam's candidates.
    difficulty = models.FloatField(_("độ khó (p)"), null=True, blank=True, editable=False)
    discrimination = models.FloatField(_("độ phân biệt"), null=True, blank=True, editable=False)
    irt_model = models.CharField(_("mô hình IRT"), max_length=10, blank=True, editable=False)
    irt_a = models.FloatField(_("tham số a"), null=True, blank=True, editable=False)
    irt_b = models.FloatField(_("tham số b"), null=True, blank=True, editable=False)
    stats_responses = models.PositiveIntegerField(
        _("số lượt trả lời"), null=True, blank=True, editable=False
    )
    stats_at = models.DateTimeField(_("thống kê lúc"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("câu hỏi")
        verbose_name_plural = _("câu hỏi")
        indexes = [
            models.Index(fields=["bank", "identifier"], name="item_bank_identifier"),
            models.Index(fields=["status", "sharing"], name="item_status_sharing"),
            models.Index(fields=["subject", "grade", "topic", "level"], name="item_tags"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=[value for value, _label in ITEM_TYPE_CHOICES]),
                name="item_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ItemStatus.values), name="item_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(sharing__in=SharingScope.values), name="item_sharing_valid"
            ),
            # Province-wide sharing is granted by approving: an item that is not approved (any
            # more) is never offered to the whole province.
            models.CheckConstraint(
                condition=Q(sharing=SharingScope.SCHOOL) | Q(status=ItemStatus.APPROVED),
                name="item_province_sharing_only_approved",
            ),
            models.CheckConstraint(
                condition=Q(level="")
                | Q(level__in=[value for value, _label in COGNITIVE_LEVEL_CHOICES]),
                name="item_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | (Q(grade__gte=1) & Q(grade__lte=12)),
                name="item_grade_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"


class ItemVersion(models.Model):
    """The content of an item as it was at one time. Never updated: editing writes a new row."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    stem = models.TextField(_("đề bài"))
    points = models.DecimalField(_("điểm"), max_digits=6, decimal_places=3, default=1)
    # The type-specific fields of ItemData (options, statements, answers, pairs, order,
    # feedback, rubric) and the images it uses by name → SHA-256 of a MediaFile.
    content = models.JSONField(_("nội dung"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item_id", "number"]
        verbose_name = _("phiên bản câu hỏi")
        verbose_name_plural = _("phiên bản câu hỏi")
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="itemversion_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="itemversion_number_positive"),
            models.CheckConstraint(condition=Q(points__gte=0), name="itemversion_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item} v{self.number}"


class ReviewComment(models.Model):
    """A reviewer's (or the author's) comment on one version, with the decision it carried."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="comments")
    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(
        _("quyết định"), max_length=20, choices=ReviewDecision.choices, blank=True
    )
    text = models.TextField(_("nhận xét"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("nhận xét duyệt")
        verbose_name_plural = _("nhận xét duyệt")
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="") | Q(decision__in=ReviewDecision.values),
                name="reviewcomment_decision_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} — {self.decision or 'comment'}"


def media_path(instance: "MediaFile", filename: str) -> str:
    # Named by content, so the same picture in many items (or imported twice) is stored once.
    return f"questions/{instance.sha256[:2]}/{instance.sha256}{instance.extension}"


class MediaFile(models.Model):
    """An image used by item versions, stored once per content (SHA-256) under MEDIA_ROOT."""

    sha256 = models.CharField(max_length=64, unique=True)
    file = models.FileField(upload_to=media_path, max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tệp ảnh")
        verbose_name_plural = _("tệp ảnh")

    def __str__(self) -> str:
        return self.original_name or self.sha256

    @property
    def extension(self) -> str:
        return {
            "image/png": ".png",
            "image/jpeg": ".jpg",
            "image/gif": ".gif",
            "image/webp": ".webp",
        }.get(self.content_type, "")


# --- exam blueprints (ma trận đề) ---------------------------------------------------------------


class Blueprint(models.Model):
    """A blueprint (ma trận đề): the parts of an exam and, in its cells, how many items of which
    topic, cognitive level and type each part holds and what each is worth. Exam versions are
    generated from it (questions/generation.py); they record the item versions they used, so
    changing a blueprint never changes a paper already generated."""

    code = models.CharField(
        _("mã ma trận"),
        max_length=50,
        validators=[
            RegexValidator(
                BANK_CODE_PATTERN, _("Mã ma trận chỉ gồm chữ không dấu, chữ số và . _ -")
            )
        ],
    )
    name = models.CharField(_("tên ma trận"), max_length=200)
    subject = models.ForeignKey(
        "curriculum.Subject", on_delete=models.PROTECT, related_name="+", verbose_name=_("môn học")
    )
    grade = models.PositiveSmallIntegerField(
        _("khối"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    # The owner: its staff edit the blueprint; the units below it use it.
    org_unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("thời gian làm bài (phút)"), validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    total_points = models.DecimalField(_("tổng điểm"), max_digits=6, decimal_places=2, default=10)
    # [{"code": "I", "title": "PHẦN I", "instructions": "…"}, …] in the order printed.
    parts = models.JSONField(_("các phần"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["org_unit__path", "code"]
        verbose_name = _("ma trận đề")
        verbose_name_plural = _("ma trận đề")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "code"], name="blueprint_code_unique"),
            models.CheckConstraint(
                condition=Q(code__regex=BANK_CODE_PATTERN), name="blueprint_code_format"
            ),
            models.CheckConstraint(
                condition=Q(grade__gte=1) & Q(grade__lte=12), name="blueprint_grade_range"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1), name="blueprint_duration_positive"
            ),
            models.CheckConstraint(
                condition=Q(total_points__gt=0), name="blueprint_total_points_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class BlueprintCell(models.Model):
    """One cell of a blueprint: `count` items of `item_type` (of `topic` and `level` when set;
    blank means any), each worth `points_per_item`, printed in part `part`."""

    blueprint = models.ForeignKey(
        Blueprint, on_delete=models.CASCADE, related_name="cells", verbose_name=_("ma trận đề")
    )
    part = models.CharField(_("phần"), max_length=10)
    topic = models.ForeignKey(
        "curriculum.Topic",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chủ đề"),
    )
    level = models.CharField(
        _("mức độ nhận thức"), max_length=15, choices=COGNITIVE_LEVEL_CHOICES, blank=True
    )
    item_type = models.CharField(_("dạng câu hỏi"), max_length=20, choices=ITEM_TYPE_CHOICES)
    count = models.PositiveSmallIntegerField(
        _("số câu"), validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    points_per_item = models.DecimalField(_("điểm mỗi câu"), max_digits=6, decimal_places=3)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["blueprint_id", "order", "pk"]
        verbose_name = _("ô ma trận")
        verbose_name_plural = _("ô ma trận")
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="blueprintcell_count_positive"),
            models.CheckConstraint(
                condition=Q(points_per_item__gt=0), name="blueprintcell_points_positive"
            ),
            models.CheckConstraint(
                condition=Q(item_type__in=[value for value, _label in ITEM_TYPE_CHOICES]),
                name="blueprintcell_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(level="")
                | Q(level__in=[value for value, _label in COGNITIVE_LEVEL_CHOICES]),
                name="blueprintcell_level_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blueprint.code} {self.part}: {self.count} × {self.item_type}"
