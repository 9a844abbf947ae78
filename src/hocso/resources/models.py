"""The shared learning-resource library (kho học liệu số).

A `Resource` is what people find and talk about: its title, subject, grades, topics, licence,
owner, review status and sharing. What it *contains* lives in `ResourceVersion` rows that are
never changed once written (as question versions are): replacing the file writes a new version
and moves `Resource.current_version` to it, so a learner's SCORM progress, a report of a broken
file or a usage count always refers to exactly what was seen.

Files are stored once per content: `ResourceFile.sha256` names the blob in storage, so the same
PDF uploaded twice (or by two schools) is one stored object, and the upload page can say which
resource already carries it.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ResourceType(models.TextChoices):
    DOCUMENT = "document", _("Tài liệu (PDF, Word, PowerPoint)")
    VIDEO = "video", _("Video")
    AUDIO = "audio", _("Âm thanh")
    IMAGE = "image", _("Hình ảnh")
    LINK = "link", _("Liên kết web")
    SCORM = "scorm", _("Gói SCORM 1.2")
    HTML5 = "html5", _("Mô phỏng HTML5")
    EBOOK = "ebook", _("Sách giáo khoa điện tử")


# Types whose content is an unpacked zip played in the sandboxed frame.
PACKAGE_TYPES = frozenset({ResourceType.SCORM, ResourceType.HTML5})


class Licence(models.TextChoices):
    CC_BY = "CC-BY-4.0", "CC BY 4.0"
    CC_BY_SA = "CC-BY-SA-4.0", "CC BY-SA 4.0"
    CC_BY_ND = "CC-BY-ND-4.0", "CC BY-ND 4.0"
    CC_BY_NC = "CC-BY-NC-4.0", "CC BY-NC 4.0"
    CC_BY_NC_SA = "CC-BY-NC-SA-4.0", "CC BY-NC-SA 4.0"
    CC_BY_NC_ND = "CC-BY-NC-ND-4.0", "CC BY-NC-ND 4.0"
    CC0 = "CC0-1.0", _("CC0 (dùng tự do)")
    ALL_RIGHTS_RESERVED = "ARR", _("Bảo lưu mọi quyền")


class Language(models.TextChoices):
    VIETNAMESE = "vi", _("Tiếng Việt")
    ENGLISH = "en", _("Tiếng Anh")
    KHMER = "km", _("Tiếng Khmer")
    OTHER = "other", _("Ngôn ngữ khác")


class ResourceStatus(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    SUBMITTED = "submitted", _("Chờ duyệt")
    CHANGES_REQUESTED = "changes", _("Cần chỉnh sửa")
    PUBLISHED = "published", _("Đã xuất bản")
    REJECTED = "rejected", _("Bị từ chối")
    RETIRED = "retired", _("Ngừng sử dụng")


class Sharing(models.TextChoices):
    SCHOOL = "school", _("Trong đơn vị")
    PROVINCE = "province", _("Toàn tỉnh")


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", _("Duyệt và xuất bản")
    REQUEST_CHANGES = "request_changes", _("Yêu cầu chỉnh sửa")
    REJECT = "reject", _("Từ chối")


class FileRole(models.TextChoices):
    MAIN = "main", _("Tệp chính")
    PACKAGE = "package", _("Gói nén (SCORM/HTML5)")
    POSTER = "poster", _("Ảnh đại diện video")
    THUMBNAIL = "thumbnail", _("Ảnh thu nhỏ")
    ATTACHMENT = "attachment", _("Tệp đính kèm")


class Resource(models.Model):
    title = models.CharField(_("tiêu đề"), max_length=300)
    description = models.TextField(_("mô tả"), blank=True)
    type = models.CharField(_("loại học liệu"), max_length=10, choices=ResourceType.choices)
    subject = models.ForeignKey(
        "curriculum.Subject",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("môn học"),
    )
    # The grades it is for, as a range (most resources serve one grade; some a stage).
    grade_from = models.PositiveSmallIntegerField(
        _("từ khối"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    grade_to = models.PositiveSmallIntegerField(
        _("đến khối"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    topics = models.ManyToManyField(
        "curriculum.Topic", blank=True, related_name="+", verbose_name=_("chủ đề chương trình")
    )
    language = models.CharField(
        _("ngôn ngữ"), max_length=5, choices=Language.choices, default=Language.VIETNAMESE
    )
    licence = models.CharField(_("giấy phép"), max_length=20, choices=Licence.choices)
    authors = models.CharField(_("tác giả"), max_length=300, blank=True)
    # The owner: its reviewers review the resource; "school" sharing reaches its subtree.
    org_unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người đóng góp"),
    )
    status = models.CharField(
        _("trạng thái"),
        max_length=10,
        choices=ResourceStatus.choices,
        default=ResourceStatus.DRAFT,
    )
    sharing = models.CharField(
        _("phạm vi chia sẻ"), max_length=10, choices=Sharing.choices, default=Sharing.SCHOOL
    )
    # Null only between the insert of a resource and that of its first version (one transaction).
    current_version = models.OneToOneField(
        "ResourceVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("phiên bản hiện hành"),
    )
    # Where the resource came from in a bulk import (the metadata sheet's identifier), so a
    # second import of the same sheet updates rather than duplicates.
    external_id = models.CharField(_("mã nguồn"), max_length=100, null=True, blank=True)
    # Search keys (core.text.fold): the title, and the rest (description, authors, topic names,
    # text extracted from the current version's documents). Kept by services; indexed per
    # database by resources/search.py (PostgreSQL full text + trigram, SQLite FTS5).
    search_title = models.TextField(blank=True, editable=False)
    search_body = models.TextField(blank=True, editable=False)
    published_at = models.DateTimeField(_("xuất bản lúc"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("học liệu")
        verbose_name_plural = _("học liệu")
        indexes = [
            models.Index(fields=["status", "sharing"], name="resource_status_sharing"),
            models.Index(
                fields=["subject", "grade_from", "grade_to"], name="resource_subject_grades"
            ),
            models.Index(fields=["type"], name="resource_type"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=ResourceType.values), name="resource_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ResourceStatus.values), name="resource_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(sharing__in=Sharing.values), name="resource_sharing_valid"
            ),
            models.CheckConstraint(
                condition=Q(licence__in=Licence.values), name="resource_licence_valid"
            ),
            # Province-wide sharing is granted by approving: only a published resource is
            # offered to the whole province.
            models.CheckConstraint(
                condition=Q(sharing=Sharing.SCHOOL) | Q(status=ResourceStatus.PUBLISHED),
                name="resource_province_sharing_only_published",
            ),
            models.CheckConstraint(
                condition=(Q(grade_from__isnull=True) & Q(grade_to__isnull=True))
                | (
                    Q(grade_from__gte=1)
                    & Q(grade_to__lte=12)
                    & Q(grade_from__lte=models.F("grade_to"))
                ),
                name="resource_grade_range",
            ),
            models.UniqueConstraint(
                fields=["org_unit", "external_id"],
                condition=Q(external_id__isnull=False),
                name="resource_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_package(self) -> bool:
        return self.type in PACKAGE_TYPES

    @property
    def grades_label(self) -> str:
        if self.grade_from is None:
            return ""
        if self.grade_from == self.grade_to:
            return str(self.grade_from)
        return f"{self.grade_from}–{self.grade_to}"


class ResourceVersion(models.Model):
    """What the resource contained at one time. Never updated: replacing a file writes a new row."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    note = models.CharField(_("ghi chú thay đổi"), max_length=300, blank=True)
    # A web link's address (type "link"); blank for every other type.
    url = models.URLField(_("địa chỉ liên kết"), max_length=1000, blank=True)
    # Packages (SCORM, HTML5): the storage prefix they were unpacked under and the file the
    # player opens (the SCO's href from imsmanifest.xml, or index.html), relative to it.
    package_root = models.CharField(max_length=200, blank=True)
    launch_path = models.CharField(max_length=500, blank=True)
    # The parsed imsmanifest.xml (resources/packages.py Manifest.as_json()); {} otherwise.
    manifest = models.JSONField(default=dict, blank=True)
    # Text extracted from the documents (PDF, DOCX, PPTX), capped; feeds Resource.search_body.
    extracted_text = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["resource_id", "number"]
        verbose_name = _("phiên bản học liệu")
        verbose_name_plural = _("phiên bản học liệu")
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"], name="resourceversion_unique"),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="resourceversion_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} v{self.number}"


class ResourceFile(models.Model):
    """One file of a version. The blob is named by its SHA-256 in storage, so equal files are
    stored once; the row keeps the name the contributor gave it."""

    version = models.ForeignKey(ResourceVersion, on_delete=models.CASCADE, related_name="files")
    role = models.CharField(_("vai trò"), max_length=10, choices=FileRole.choices)
    sha256 = models.CharField(max_length=64, db_index=True)
    storage_name = models.CharField(max_length=300)
    size = models.PositiveBigIntegerField(_("dung lượng"))
    # Sniffed from the bytes (resources/files.py), never taken from the name or the browser.
    content_type = models.CharField(_("kiểu nội dung"), max_length=100)
    original_name = models.CharField(_("tên tệp"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version_id", "role", "pk"]
        verbose_name = _("tệp học liệu")
        verbose_name_plural = _("tệp học liệu")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=FileRole.values), name="resourcefile_role"),
        ]

    def __str__(self) -> str:
        return self.original_name or self.sha256


class ReviewComment(models.Model):
    """A reviewer's (or the contributor's) comment on one version, with the decision it carried."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="comments")
    version = models.ForeignKey(ResourceVersion, on_delete=models.CASCADE, related_name="comments")
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
        verbose_name = _("nhận xét duyệt học liệu")
        verbose_name_plural = _("nhận xét duyệt học liệu")
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="") | Q(decision__in=ReviewDecision.values),
                name="resource_reviewcomment_decision_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} — {self.decision or 'comment'}"


class ReportReason(models.TextChoices):
    BROKEN = "broken", _("Không mở được / lỗi tệp")
    WRONG = "wrong", _("Nội dung sai")
    INAPPROPRIATE = "inappropriate", _("Nội dung không phù hợp")
    COPYRIGHT = "copyright", _("Vi phạm bản quyền")
    OTHER = "other", _("Lý do khác")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Chưa xử lý")
    RESOLVED = "resolved", _("Đã xử lý")
    DISMISSED = "dismissed", _("Không chấp nhận")


class Report(models.Model):
    """A user's report that a resource is broken or wrong, kept until a reviewer handles it."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="reports")
    version = models.ForeignKey(
        ResourceVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("lý do"), max_length=15, choices=ReportReason.choices)
    text = models.TextField(_("mô tả"), blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(_("phản hồi"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("báo lỗi học liệu")
        verbose_name_plural = _("báo lỗi học liệu")
        indexes = [models.Index(fields=["status", "resource"], name="report_status_resource")]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=ReportReason.values), name="report_reason_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="report_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} — {self.reason}"


class Rating(models.Model):
    """One user's rating of a resource (1–5 stars); rating again replaces it."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stars = models.PositiveSmallIntegerField(
        _("số sao"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(_("nhận xét"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("đánh giá học liệu")
        verbose_name_plural = _("đánh giá học liệu")
        constraints = [
            models.UniqueConstraint(fields=["resource", "user"], name="rating_one_per_user"),
            models.CheckConstraint(
                condition=Q(stars__gte=1) & Q(stars__lte=5), name="rating_stars_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} ★{self.stars}"


class UsageKind(models.TextChoices):
    VIEW = "view", _("Lượt xem")
    DOWNLOAD = "download", _("Lượt tải")
    COMPLETION = "completion", _("Lượt hoàn thành")


class UsageCount(models.Model):
    """How often a resource was viewed, downloaded or completed by the users of one school in one
    month: one row per (resource, school, month, kind), incremented in place. `school` is null
    for users who belong to no school (Department staff, citizens)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="usage")
    school = models.ForeignKey(
        "orgs.OrgUnit", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("tháng"))  # the first day of the month
    kind = models.CharField(_("loại"), max_length=10, choices=UsageKind.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("lượt sử dụng học liệu")
        verbose_name_plural = _("lượt sử dụng học liệu")
        indexes = [models.Index(fields=["month", "kind"], name="usage_month_kind")]
        constraints = [
            # Two partial constraints rather than nulls_distinct=False, which SQLite lacks.
            models.UniqueConstraint(
                fields=["resource", "school", "month", "kind"],
                condition=Q(school__isnull=False),
                name="usage_unique_school",
            ),
            models.UniqueConstraint(
                fields=["resource", "month", "kind"],
                condition=Q(school__isnull=True),
                name="usage_unique_no_school",
            ),
            models.CheckConstraint(condition=Q(kind__in=UsageKind.values), name="usage_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.month:%Y-%m} {self.kind}={self.count}"


class ScormTrack(models.Model):
    """One learner's run of one SCORM version: what the SCO stored through the runtime
    (resources/scorm.py), so the learner resumes where they stopped.

    The columns hold the elements reports read; `data` holds every other element the SCO set
    (cmi.comments, cmi.objectives.n.*, cmi.interactions.n.*, cmi.student_preference.*)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(ResourceVersion, on_delete=models.CASCADE, related_name="tracks")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="tracks")
    # The learner's school when the track began (usage by school), null outside a school.
    school = models.ForeignKey(
        "orgs.OrgUnit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lesson_status = models.CharField(max_length=20, default="not attempted")
    lesson_location = models.CharField(max_length=255, blank=True)
    suspend_data = models.TextField(blank=True)
    score_raw = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    score_min = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    score_max = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    # cmi.core.total_time in seconds (sessions' times added on LMSFinish), and the last exit.
    total_seconds = models.FloatField(default=0)
    exit = models.CharField(max_length=20, blank=True)
    data = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tiến độ SCORM")
        verbose_name_plural = _("tiến độ SCORM")
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="scormtrack_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.version}: {self.lesson_status}"
