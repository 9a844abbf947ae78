"""The digital record: students, guardians, staff, classes, enrollments, rooms and equipment.

Large tables carry `school` as a column so they can later be distributed by it (docs/scaling.md).
Identifiers are strings: leading zeros survive.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .rules import ETHNIC_GROUPS, FEMALE, MALE


class Gender(models.TextChoices):
    MALE = MALE, _("Nam")
    FEMALE = FEMALE, _("Nữ")


ETHNICITY_CHOICES = sorted(ETHNIC_GROUPS.items())


class DeviceAccess(models.TextChoices):
    UNKNOWN = "", _("Chưa khai")
    NONE = "none", _("Không có thiết bị")
    SHARED_PHONE = "shared_phone", _("Dùng chung điện thoại")
    OWN_PHONE = "own_phone", _("Điện thoại riêng")
    COMPUTER = "computer", _("Máy tính/máy tính bảng")


class StudentStatus(models.TextChoices):
    STUDYING = "studying", _("Đang học")
    TRANSFERRED = "transferred", _("Đã chuyển đi")
    DROPPED_OUT = "dropped_out", _("Bỏ học")
    GRADUATED = "graduated", _("Đã tốt nghiệp")


class Person(models.Model):
    full_name = models.CharField(_("họ và tên"), max_length=150)
    # fold(full_name): lower case, no diacritics, đ→d. Searched with LIKE; see docs/architecture.md.
    search_name = models.CharField(max_length=150, editable=False, db_index=True)
    date_of_birth = models.DateField(_("ngày sinh"), null=True, blank=True)
    gender = models.CharField(_("giới tính"), max_length=1, choices=Gender.choices)
    national_id = models.CharField(_("số định danh cá nhân"), max_length=12, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.full_name


class Student(Person):
    school = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="students", verbose_name=_("trường")
    )
    ethnicity = models.CharField(
        _("dân tộc"), max_length=2, choices=ETHNICITY_CHOICES, default="01"
    )
    moet_code = models.CharField(_("mã định danh Bộ GD&ĐT"), max_length=10, null=True, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    device_access = models.CharField(
        _("thiết bị học trực tuyến"), max_length=20, choices=DeviceAccess.choices, blank=True
    )
    internet_at_home = models.BooleanField(_("có internet tại nhà"), null=True, blank=True)
    status = models.CharField(
        _("tình trạng"),
        max_length=20,
        choices=StudentStatus.choices,
        default=StudentStatus.STUDYING,
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="student",
    )

    class Meta:
        ordering = ["search_name", "id"]
        verbose_name = _("học sinh")
        verbose_name_plural = _("học sinh")
        constraints = [
            models.UniqueConstraint(
                fields=["national_id"],
                condition=Q(national_id__isnull=False),
                name="student_national_id_unique",
            ),
            models.UniqueConstraint(
                fields=["moet_code"],
                condition=Q(moet_code__isnull=False),
                name="student_moet_code_unique",
            ),
            models.CheckConstraint(
                condition=Q(national_id__isnull=True) | Q(national_id__regex=r"^[0-9]{12}$"),
                name="student_national_id_digits",
            ),
            models.CheckConstraint(
                condition=Q(moet_code__isnull=True) | Q(moet_code__regex=r"^[0-9]{10}$"),
                name="student_moet_code_digits",
            ),
        ]
        indexes = [models.Index(fields=["school", "search_name"], name="student_school_name")]

    @property
    def can_study_online(self) -> bool:
        """The plan's indicator: a device of some kind and internet at home."""
        return bool(self.internet_at_home) and self.device_access not in ("", DeviceAccess.NONE)


class Guardian(models.Model):
    full_name = models.CharField(_("họ và tên"), max_length=150)
    phone = models.CharField(_("số điện thoại"), max_length=15, blank=True, db_index=True)
    national_id = models.CharField(_("số định danh cá nhân"), max_length=12, null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="guardian",
    )
    students = models.ManyToManyField(Student, through="Guardianship", related_name="guardians")

    class Meta:
        verbose_name = _("phụ huynh")
        verbose_name_plural = _("phụ huynh")

    def __str__(self) -> str:
        return self.full_name


class Relationship(models.TextChoices):
    FATHER = "father", _("Cha")
    MOTHER = "mother", _("Mẹ")
    GUARDIAN = "guardian", _("Người giám hộ")


class Guardianship(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE)
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE)
    relationship = models.CharField(_("quan hệ"), max_length=10, choices=Relationship.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "guardian"], name="guardianship_unique")
        ]

    def __str__(self) -> str:
        return f"{self.guardian} ({self.get_relationship_display()}) → {self.student}"


class Position(models.TextChoices):
    PRINCIPAL = "principal", _("Hiệu trưởng")
    VICE_PRINCIPAL = "vice_principal", _("Phó hiệu trưởng")
    TEACHER = "teacher", _("Giáo viên")
    STAFF = "staff", _("Nhân viên")


class Qualification(models.TextChoices):
    INTERMEDIATE = "intermediate", _("Trung cấp")
    COLLEGE = "college", _("Cao đẳng")
    BACHELOR = "bachelor", _("Đại học")
    MASTER = "master", _("Thạc sĩ")
    DOCTORATE = "doctorate", _("Tiến sĩ")


class Staff(Person):
    school = models.ForeignKey(
        "orgs.OrgUnit",
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("trường chính"),
    )
    position = models.CharField(_("chức vụ"), max_length=20, choices=Position.choices)
    qualification = models.CharField(
        _("trình độ"), max_length=20, choices=Qualification.choices, blank=True
    )
    subjects = models.CharField(_("môn dạy"), max_length=300, blank=True)  # "Toán; Tin học"
    phone = models.CharField(_("số điện thoại"), max_length=15, blank=True)
    other_schools = models.ManyToManyField(
        "orgs.OrgUnit", blank=True, related_name="visiting_staff", verbose_name=_("trường dạy thêm")
    )
    is_active = models.BooleanField(_("đang công tác"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )

    class Meta:
        ordering = ["search_name", "id"]
        verbose_name = _("cán bộ, giáo viên")
        verbose_name_plural = _("cán bộ, giáo viên")
        constraints = [
            models.UniqueConstraint(
                fields=["national_id"],
                condition=Q(national_id__isnull=False),
                name="staff_national_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(national_id__isnull=True) | Q(national_id__regex=r"^[0-9]{12}$"),
                name="staff_national_id_digits",
            ),
        ]
        indexes = [models.Index(fields=["school", "search_name"], name="staff_school_name")]


class SchoolClass(models.Model):
    school = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="classes")
    year = models.ForeignKey("orgs.SchoolYear", on_delete=models.PROTECT, related_name="classes")
    grade = models.PositiveSmallIntegerField(_("khối"))
    name = models.CharField(_("lớp"), max_length=20)
    homeroom_teacher = models.ForeignKey(
        Staff,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="homeroom_classes",
        verbose_name=_("giáo viên chủ nhiệm"),
    )

    class Meta:
        ordering = ["grade", "name"]
        verbose_name = _("lớp")
        verbose_name_plural = _("lớp")
        constraints = [
            models.UniqueConstraint(fields=["school", "year", "name"], name="class_unique_name"),
            models.CheckConstraint(condition=Q(grade__lte=18), name="class_grade_range"),
        ]

    def __str__(self) -> str:
        return self.name


class EnrollmentStart(models.TextChoices):
    ADMISSION = "admission", _("Nhập học")
    TRANSFER_IN = "transfer_in", _("Chuyển đến")
    PROMOTION = "promotion", _("Lên lớp")
    REPEAT = "repeat", _("Lưu ban")
    READMISSION = "readmission", _("Học lại")
    CLASS_CHANGE = "class_change", _("Đổi lớp")


class EnrollmentEnd(models.TextChoices):
    TRANSFER_OUT = "transfer_out", _("Chuyển đi")
    DROP_OUT = "drop_out", _("Bỏ học")
    GRADUATION = "graduation", _("Tốt nghiệp")
    YEAR_END = "year_end", _("Kết thúc năm học")
    CLASS_CHANGE = "class_change", _("Đổi lớp")


class Enrollment(models.Model):
    """One stay of a learner in one class. The open row (end_date NULL) is the current one."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="enrollments")
    school = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    year = models.ForeignKey("orgs.SchoolYear", on_delete=models.PROTECT, related_name="+")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("lớp")
    )
    start_date = models.DateField(_("ngày bắt đầu"))
    start_reason = models.CharField(
        _("lý do bắt đầu"), max_length=20, choices=EnrollmentStart.choices
    )
    end_date = models.DateField(_("ngày kết thúc"), null=True, blank=True)
    end_reason = models.CharField(
        _("lý do kết thúc"), max_length=20, choices=EnrollmentEnd.choices, blank=True
    )
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    class Meta:
        ordering = ["start_date", "id"]
        constraints = [
            # No learner ever has two active enrollments.
            models.UniqueConstraint(
                fields=["student"], condition=Q(end_date__isnull=True), name="enrollment_one_active"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="enrollment_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True, end_reason="")
                | (Q(end_date__isnull=False) & ~Q(end_reason="")),
                name="enrollment_end_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["school", "year"], name="enrollment_school_year")]

    def __str__(self) -> str:
        return f"{self.student} — {self.school_class} ({self.start_date}–{self.end_date or ''})"


class RoomKind(models.TextChoices):
    CLASSROOM = "classroom", _("Phòng học")
    LAB = "lab", _("Phòng thí nghiệm")
    COMPUTER = "computer", _("Phòng tin học")
    LIBRARY = "library", _("Thư viện")
    MULTIPURPOSE = "multipurpose", _("Phòng đa năng")
    OFFICE = "office", _("Phòng làm việc")


class Condition(models.TextChoices):
    GOOD = "good", _("Tốt")
    FAIR = "fair", _("Cần sửa chữa")
    BROKEN = "broken", _("Hỏng")


class Room(models.Model):
    school = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="rooms")
    code = models.CharField(_("mã phòng"), max_length=20)
    name = models.CharField(_("tên phòng"), max_length=100)
    kind = models.CharField(_("loại phòng"), max_length=20, choices=RoomKind.choices)
    capacity = models.PositiveSmallIntegerField(_("sức chứa"), null=True, blank=True)
    condition = models.CharField(
        _("tình trạng"), max_length=10, choices=Condition.choices, default=Condition.GOOD
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("phòng")
        verbose_name_plural = _("phòng")
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="room_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class EquipmentCategory(models.TextChoices):
    COMPUTER = "computer", _("Máy tính")
    PROJECTOR = "projector", _("Máy chiếu")
    SMART_BOARD = "smart_board", _("Bảng tương tác")
    NETWORK = "network", _("Thiết bị mạng")
    LAB = "lab", _("Thiết bị thí nghiệm")
    TEACHING_KIT = "teaching_kit", _("Bộ thiết bị dạy học")
    FURNITURE = "furniture", _("Bàn ghế")
    OTHER = "other", _("Khác")


class Equipment(models.Model):
    school = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="equipment")
    asset_code = models.CharField(_("mã thiết bị"), max_length=30)
    name = models.CharField(_("tên thiết bị"), max_length=200)
    category = models.CharField(_("loại"), max_length=20, choices=EquipmentCategory.choices)
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.SET_NULL, related_name="equipment"
    )
    quantity = models.PositiveIntegerField(_("số lượng"), default=1)
    condition = models.CharField(
        _("tình trạng"), max_length=10, choices=Condition.choices, default=Condition.GOOD
    )
    acquired_on = models.DateField(_("ngày nhập"), null=True, blank=True)

    class Meta:
        ordering = ["asset_code"]
        verbose_name = _("thiết bị")
        verbose_name_plural = _("thiết bị")
        constraints = [
            models.UniqueConstraint(fields=["school", "asset_code"], name="equipment_unique_code"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="equipment_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_code} {self.name}"


class ImportJob(models.Model):
    """One spreadsheet import started from the web page and run by a background task
    (registry/tasks.py). The uploaded file is deleted once the job has run."""

    class Kind(models.TextChoices):
        STUDENTS = "students", _("Học sinh")
        STAFF = "staff", _("Cán bộ, giáo viên")
        CLASSES = "classes", _("Lớp")
        EQUIPMENT = "equipment", _("Thiết bị")

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("Tất cả hoặc không: có dòng lỗi thì không ghi gì")
        PARTIAL = "partial", _("Ghi các dòng hợp lệ, báo lại các dòng lỗi")
        DRY_RUN = "dry_run", _("Chạy thử: chỉ kiểm tra, không ghi gì")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang chạy")
        DONE = "done", _("Hoàn tất")
        FAILED = "failed", _("Thất bại")

    kind = models.CharField(_("loại danh sách"), max_length=20, choices=Kind.choices)
    school = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("trường")
    )
    year = models.ForeignKey(
        "orgs.SchoolYear", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("năm học"),
    )  # fmt: skip
    mode = models.CharField(_("chế độ"), max_length=20, choices=Mode.choices)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    phase = models.CharField(max_length=20, blank=True)  # reading / checking / writing
    file_name = models.CharField(_("tên tệp"), max_length=255)
    stored_file = models.CharField(max_length=255, blank=True)  # relative to MEDIA_ROOT
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    written = models.BooleanField(default=False)
    planned = models.JSONField(default=dict, blank=True)  # what the valid rows would do
    problems = models.JSONField(default=list, blank=True)  # [{row, column, value, message, …}]
    failure = models.JSONField(default=dict, blank=True)  # {message, params} when the file failed
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lượt nhập dữ liệu")
        verbose_name_plural = _("lượt nhập dữ liệu")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="importjob_user_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.school_id} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)


class Absence(models.Model):
    """One day a learner missed school, recorded by the class's teacher at roll call. Whole days
    only (a morning and an afternoon missed on one day is one day); `excused` = with permission
    (có phép). Summed per month these feed the monitoring centre's drop-out-risk alert."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="absences")
    school = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="absences", verbose_name=_("lớp")
    )
    date = models.DateField(_("ngày nghỉ"))
    excused = models.BooleanField(_("có phép"), default=False)
    reason = models.CharField(_("lý do"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("ngày nghỉ học")
        verbose_name_plural = _("ngày nghỉ học")
        constraints = [
            models.UniqueConstraint(fields=["student", "date"], name="absence_one_per_day"),
        ]
        indexes = [
            models.Index(fields=["school", "date"], name="absence_school_date"),
            models.Index(fields=["school_class", "date"], name="absence_class_date"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.date}{' (P)' if self.excused else ''}"
