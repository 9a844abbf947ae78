"""Grade books (Circular 22/2021 for grades 6–12; periodic test scores of Circular 27/2020 for
grades 1–5), term and year results, and the review → approve-and-lock workflow.

Every large table carries `school` (and `year`) as columns so it can later be distributed by
school and partitioned by school year (DESIGN.md "Scale", docs/scaling.md). Results are derived
data: `services.py` recomputes them whenever a score or a term record changes, and
`results_compute` rebuilds a whole school.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .rules import PRIMARY_TRAITS


class Term(models.IntegerChoices):
    FIRST = 1, _("Học kì I")
    SECOND = 2, _("Học kì II")


class Period(models.IntegerChoices):
    """What a result or a conduct record covers: one term, or the whole year (0)."""

    YEAR = 0, _("Cả năm")
    FIRST = 1, _("Học kì I")
    SECOND = 2, _("Học kì II")


class ScoreKind(models.TextChoices):
    # Grades 6–12: regular (ĐĐGtx, seq 1..n), mid-term (ĐĐGgk) and end-of-term (ĐĐGck).
    # Grades 1–5: mid-term and end-of-term periodic tests (integers 1–10), no regular scores.
    REGULAR = "regular", _("Thường xuyên")
    MIDTERM = "midterm", _("Giữa kì")
    FINAL = "final", _("Cuối kì")


MAX_REGULAR = 4  # Circular 22: at most 4 regular assessments per term (subjects over 70 periods)


class Level(models.TextChoices):
    """Learning result and conduct levels of Circular 22 (Điều 8, Điều 9)."""

    GOOD = "tot", _("Tốt")
    FAIR = "kha", _("Khá")
    PASS = "dat", _("Đạt")
    FAIL = "chua_dat", _("Chưa đạt")


class Award(models.TextChoices):
    NONE = "", _("Không")
    EXCELLENT = "xuat_sac", _("Học sinh Xuất sắc")
    GOOD = "gioi", _("Học sinh Giỏi")


class ChangeSource(models.TextChoices):
    ENTRY = "entry", _("Nhập trên sổ điểm")
    IMPORT = "import", _("Nhập từ tệp")
    API = "api", _("Qua API")
    EXAM = "exam", _("Từ bài thi trực tuyến")


class TeachingAssignment(models.Model):
    """Who teaches a subject in a class. Only these teachers (and the school admin) write the
    subject's grades in that class. A subject may have several teachers (Khoa học tự nhiên is
    often shared between a physics, a chemistry and a biology teacher)."""

    school = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    year = models.ForeignKey("orgs.SchoolYear", on_delete=models.PROTECT, related_name="+")
    school_class = models.ForeignKey(
        "registry.SchoolClass",
        on_delete=models.CASCADE,
        related_name="teaching_assignments",
        verbose_name=_("lớp"),
    )
    subject = models.ForeignKey(
        "curriculum.Subject", on_delete=models.PROTECT, related_name="+", verbose_name=_("môn")
    )
    staff = models.ForeignKey(
        "registry.Staff",
        on_delete=models.CASCADE,
        related_name="teaching_assignments",
        verbose_name=_("giáo viên"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("phân công giảng dạy")
        verbose_name_plural = _("phân công giảng dạy")
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "subject", "staff"], name="teaching_assignment_unique"
            )
        ]
        indexes = [models.Index(fields=["staff", "year"], name="teaching_staff_year")]

    def __str__(self) -> str:
        return f"{self.school_class} · {self.subject} · {self.staff}"


def _term_only(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(term__in=Term.values), name=name)


def _period(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(term__in=Period.values), name=name)


class Score(models.Model):
    """One assessment of one learner in one subject and term: a score for scored subjects
    (`value`, 0–10, one decimal), Đạt/Chưa đạt for subjects assessed by comment (`passed`).

    A score belongs to the learner, not to the class: the unique key has no class, so a learner
    who changes class within the year keeps their scores, and the grade book of a class is the
    rows of its roster. That read uses the unique index (student, subject, year, term, …) — it
    is the grade book's index. `school_class` records where the score was last written.

    The foreign keys carry no index of their own (`db_index=False`): every read goes by learner
    through the unique index, and with ~13 million rows a province year, five more single-column
    indexes would slow every write and tempt SQLite's planner into scanning a whole year
    (docs/scaling.md). Deleting a school, year, class, subject or user — rare, and PROTECTed
    anyway — scans instead.
    """

    school = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    year = models.ForeignKey(
        "orgs.SchoolYear", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    term = models.PositiveSmallIntegerField(_("học kì"), choices=Term.choices)
    school_class = models.ForeignKey(
        "registry.SchoolClass",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lớp"),
        db_index=False,
    )
    student = models.ForeignKey(
        "registry.Student", on_delete=models.CASCADE, related_name="scores", db_index=False
    )
    subject = models.ForeignKey(
        "curriculum.Subject", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(_("loại điểm"), max_length=10, choices=ScoreKind.choices)
    seq = models.PositiveSmallIntegerField(_("lần"), default=1)
    value = models.DecimalField(_("điểm"), max_digits=3, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("đạt"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("điểm")
        verbose_name_plural = _("điểm")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "subject", "year", "term", "kind", "seq"],
                name="score_unique_cell",
            ),
            _term_only("score_term_valid"),
            models.CheckConstraint(condition=Q(kind__in=ScoreKind.values), name="score_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind=ScoreKind.REGULAR, seq__gte=1, seq__lte=MAX_REGULAR)
                | (~Q(kind=ScoreKind.REGULAR) & Q(seq=1)),
                name="score_seq_valid",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0, value__lte=10),
                name="score_value_range",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=False, passed__isnull=True)
                | Q(value__isnull=True, passed__isnull=False),
                name="score_value_xor_passed",
            ),
        ]

    def __str__(self) -> str:
        shown = self.value if self.value is not None else ("Đ" if self.passed else "CĐ")
        return f"{self.student_id} {self.subject_id} HK{self.term} {self.kind}{self.seq}: {shown}"


class ScoreChange(models.Model):
    """Per-cell history of the grade book: who changed which score, from what to what, when.

    Kept by value (not as a link to the Score row) so that a cleared cell keeps its history.
    """

    school = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    year = models.ForeignKey("orgs.SchoolYear", on_delete=models.PROTECT, related_name="+")
    term = models.PositiveSmallIntegerField(choices=Term.choices)
    school_class = models.ForeignKey(
        "registry.SchoolClass", on_delete=models.PROTECT, related_name="+"
    )
    student = models.ForeignKey("registry.Student", on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey("curriculum.Subject", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=ScoreKind.choices)
    seq = models.PositiveSmallIntegerField(default=1)
    old_value = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    new_value = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    old_passed = models.BooleanField(null=True, blank=True)
    new_passed = models.BooleanField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=10, choices=ChangeSource.choices)

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("lịch sử sửa điểm")
        verbose_name_plural = _("lịch sử sửa điểm")
        constraints = [_term_only("scorechange_term_valid")]
        indexes = [
            models.Index(fields=["student", "subject", "year", "term"], name="scorechange_cell")
        ]

    def __str__(self) -> str:
        return (
            f"{self.changed_at:%Y-%m-%d %H:%M} {self.changed_by_id} {self.student_id} "
            f"{self.subject_id} HK{self.term} {self.kind}{self.seq}"
        )


class TermRecord(models.Model):
    """Days absent and conduct (rèn luyện) of a learner in a term; term 0 is the year, derived
    from the two terms by the services (year conduct by Circular 22 Điều 8, absences summed)."""

    school = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    year = models.ForeignKey("orgs.SchoolYear", on_delete=models.PROTECT, related_name="+")
    term = models.PositiveSmallIntegerField(_("học kì"), choices=Period.choices)
    student = models.ForeignKey(
        "registry.Student", on_delete=models.CASCADE, related_name="term_records"
    )
    school_class = models.ForeignKey(
        "registry.SchoolClass", on_delete=models.PROTECT, related_name="+", verbose_name=_("lớp")
    )
    days_absent = models.PositiveSmallIntegerField(_("số ngày nghỉ"), default=0)
    conduct = models.CharField(
        _("kết quả rèn luyện"), max_length=10, choices=Level.choices, blank=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("chuyên cần và rèn luyện")
        verbose_name_plural = _("chuyên cần và rèn luyện")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "year", "term"], name="termrecord_unique_period"
            ),
            _period("termrecord_term_valid"),
            models.CheckConstraint(
                condition=Q(conduct="") | Q(conduct__in=Level.values),
                name="termrecord_conduct_valid",
            ),
            models.CheckConstraint(
                condition=Q(days_absent__lte=366), name="termrecord_days_absent_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.year_id} HK{self.term}: {self.conduct or '-'}"


class SubjectResult(models.Model):
    """A learner's result in one subject for a term (1, 2) or the year (0).

    Scored subjects: `average` (ĐTBmhk / ĐTBmcn). Comment subjects: `passed`. Both NULL while
    the required assessments are not all there (`complete` False). Read by learner through the
    unique index only; the foreign keys have no index of their own, as on Score.
    """

    school = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    year = models.ForeignKey(
        "orgs.SchoolYear", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    term = models.PositiveSmallIntegerField(choices=Period.choices)
    student = models.ForeignKey(
        "registry.Student",
        on_delete=models.CASCADE,
        related_name="subject_results",
        db_index=False,
    )
    subject = models.ForeignKey(
        "curriculum.Subject", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    average = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    complete = models.BooleanField(default=False)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("kết quả môn học")
        verbose_name_plural = _("kết quả môn học")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "subject", "year", "term"], name="subjectresult_unique"
            ),
            _period("subjectresult_term_valid"),
            models.CheckConstraint(
                condition=Q(average__isnull=True) | Q(average__gte=0, average__lte=10),
                name="subjectresult_average_range",
            ),
            models.CheckConstraint(
                condition=Q(average__isnull=True) | Q(passed__isnull=True),
                name="subjectresult_average_or_passed",
            ),
            models.CheckConstraint(
                condition=Q(complete=False) | Q(average__isnull=False) | Q(passed__isnull=False),
                name="subjectresult_complete_has_result",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.subject_id} {self.year_id}/{self.term}"


class LearningResult(models.Model):
    """A learner's learning result (kết quả học tập) for a term (1, 2) or the year (0).

    `level` is NULL while some subject lacks a required assessment; `missing` lists those
    subjects' codes. `promoted` and `award` are decided for the year only, and only once the
    year's level and conduct are known.
    """

    school = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    year = models.ForeignKey("orgs.SchoolYear", on_delete=models.PROTECT, related_name="+")
    term = models.PositiveSmallIntegerField(choices=Period.choices)
    student = models.ForeignKey(
        "registry.Student", on_delete=models.CASCADE, related_name="learning_results"
    )
    school_class = models.ForeignKey(
        "registry.SchoolClass", on_delete=models.PROTECT, related_name="+", verbose_name=_("lớp")
    )
    level = models.CharField(
        _("kết quả học tập"), max_length=10, choices=Level.choices, null=True, blank=True
    )
    adjusted = models.BooleanField(_("được điều chỉnh lên một mức"), default=False)
    missing = models.JSONField(_("môn còn thiếu điểm"), default=list, blank=True)
    promoted = models.BooleanField(_("được lên lớp"), null=True, blank=True)
    award = models.CharField(_("khen thưởng"), max_length=10, choices=Award.choices, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("kết quả học tập")
        verbose_name_plural = _("kết quả học tập")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "year", "term"], name="learningresult_unique"
            ),
            _period("learningresult_term_valid"),
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(level__in=Level.values),
                name="learningresult_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(term=Period.YEAR) | Q(promoted__isnull=True, award=""),
                name="learningresult_promotion_yearly",
            ),
            models.CheckConstraint(
                condition=Q(level__isnull=False) | Q(promoted__isnull=True, award=""),
                name="learningresult_decisions_need_level",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "year", "term"], name="learningresult_school"),
            models.Index(fields=["school_class", "term"], name="learningresult_class"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.year_id}/{self.term}: {self.level or '-'}"


class LockStatus(models.TextChoices):
    OPEN = "open", _("Đang nhập điểm")
    REVIEWED = "reviewed", _("GVCN đã rà soát")
    LOCKED = "approved_locked", _("Đã duyệt và khóa")


class GradebookLock(models.Model):
    """The workflow state of one class's grade books for one term: teachers enter, the homeroom
    teacher reviews, the principal approves and locks. A locked term refuses every change."""

    school = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    year = models.ForeignKey("orgs.SchoolYear", on_delete=models.PROTECT, related_name="+")
    school_class = models.ForeignKey(
        "registry.SchoolClass", on_delete=models.CASCADE, related_name="gradebook_locks"
    )
    term = models.PositiveSmallIntegerField(_("học kì"), choices=Term.choices)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=LockStatus.choices, default=LockStatus.OPEN
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("duyệt và khóa sổ điểm")
        verbose_name_plural = _("duyệt và khóa sổ điểm")
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "year", "term"], name="gradebooklock_unique"
            ),
            _term_only("gradebooklock_term_valid"),
            models.CheckConstraint(
                condition=Q(status__in=LockStatus.values), name="gradebooklock_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_class_id} HK{self.term}: {self.status}"

    @property
    def is_locked(self) -> bool:
        return self.status == LockStatus.LOCKED


class LockAction(models.TextChoices):
    REVIEW = "review", _("Rà soát")
    APPROVE_LOCK = "approve_lock", _("Duyệt và khóa")
    UNLOCK = "unlock", _("Mở khóa")
    REOPEN = "reopen", _("Sửa điểm sau khi rà soát")


class GradebookLockEvent(models.Model):
    """Every step of the workflow, with its actor and (for an unlock, required) reason."""

    lock = models.ForeignKey(GradebookLock, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=LockAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("lý do"), blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("bước duyệt sổ điểm")
        verbose_name_plural = _("bước duyệt sổ điểm")
        constraints = [
            models.CheckConstraint(
                condition=~Q(action=LockAction.UNLOCK) | ~Q(reason=""),
                name="gradebooklockevent_unlock_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.lock_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


# --- electronic transcripts (học bạ số) --------------------------------------------------------


class ShareLevel(models.TextChoices):
    """How much the public verify page shows of a transcript (DOMAIN.md §8)."""

    MINIMAL = "minimal", _("Tối thiểu")
    FULL = "full", _("Đầy đủ")


class Transcript(models.Model):
    """One issued electronic transcript (học bạ số) of a learner for a school year.

    `content` is a frozen snapshot of what the school certified (school, class, the learner's
    identity, subjects with term and year results, learning and conduct results, days absent,
    promotion and award, and the issue itself: code, version, date); `content_hash` is the
    SHA-256 of its canonical JSON, so an edit of the stored snapshot is detected when the code
    is verified. Re-issuing after a change creates the next version and marks this one
    superseded; the current version is the one with no `superseded_at`.

    The verify page shows `share_level` of it: the learner's and the guardian's choices are
    kept apart because a child's data needs both consents (transcripts.effective_share_level).
    """

    school = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    year = models.ForeignKey("orgs.SchoolYear", on_delete=models.PROTECT, related_name="+")
    # PROTECT: a certified document must not vanish with the record it was issued from.
    student = models.ForeignKey(
        "registry.Student", on_delete=models.PROTECT, related_name="transcripts"
    )
    version = models.PositiveSmallIntegerField(_("lần cấp"), default=1)
    code = models.CharField(_("mã xác thực"), max_length=16, unique=True)
    content = models.JSONField(_("nội dung"))
    content_hash = models.CharField(_("mã băm nội dung (SHA-256)"), max_length=64)
    issued_at = models.DateTimeField(_("ngày cấp"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    share_level = models.CharField(
        _("mức chia sẻ"), max_length=10, choices=ShareLevel.choices, default=ShareLevel.MINIMAL
    )
    learner_share = models.CharField(
        _("lựa chọn của học sinh"), max_length=10, choices=ShareLevel.choices,
        default=ShareLevel.MINIMAL,
    )  # fmt: skip
    guardian_share = models.CharField(
        _("lựa chọn của phụ huynh"), max_length=10, choices=ShareLevel.choices,
        default=ShareLevel.MINIMAL,
    )  # fmt: skip
    share_changed_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(_("bị thay thế lúc"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["student_id", "year_id", "-version"]
        verbose_name = _("học bạ số")
        verbose_name_plural = _("học bạ số")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "year", "version"], name="transcript_unique_version"
            ),
            models.UniqueConstraint(
                fields=["student", "year"],
                condition=Q(superseded_at__isnull=True),
                name="transcript_one_current",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="transcript_version_positive"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-HJ-NP-Z2-9]{12,16}$"), name="transcript_code_format"
            ),
            models.CheckConstraint(
                condition=Q(content_hash__regex=r"^[0-9a-f]{64}$"), name="transcript_hash_format"
            ),
            models.CheckConstraint(
                condition=Q(share_level__in=ShareLevel.values)
                & Q(learner_share__in=ShareLevel.values)
                & Q(guardian_share__in=ShareLevel.values),
                name="transcript_share_valid",
            ),
            models.CheckConstraint(
                condition=Q(superseded_by__isnull=True) | Q(superseded_at__isnull=False),
                name="transcript_superseded_has_time",
            ),
        ]
        indexes = [models.Index(fields=["school", "year"], name="transcript_school_year")]

    def __str__(self) -> str:
        return f"{self.code} ({self.student_id} {self.year_id} v{self.version})"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def display_code(self) -> str:
        """The code as printed: groups of four (ABCD-EFGH-JKLM)."""
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))


# --- primary assessment (Circular 27/2020, grades 1–5) -----------------------------------------


class Stage(models.TextChoices):
    """When in a term a primary learner is assessed periodically: mid-term or end of term. With
    the term it names the four points of the year (giữa HKI, cuối HKI, giữa HKII, cuối năm)."""

    MID = "mid", _("Giữa kì")
    END = "end", _("Cuối kì")


class SubjectLevel(models.TextChoices):
    """A primary subject's level at an assessment point (Circular 27 Điều 6)."""

    GOOD = "T", _("Hoàn thành tốt")
    DONE = "H", _("Hoàn thành")
    NOT_DONE = "C", _("Chưa hoàn thành")


class TraitLevel(models.TextChoices):
    """A quality's or competence's level (Circular 27 Điều 6). ASCII "D" stands for Đạt (the
    rules write it "Đ")."""

    GOOD = "T", _("Tốt")
    PASS = "D", _("Đạt")
    EFFORT = "C", _("Cần cố gắng")


class PrimaryOutcome(models.TextChoices):
    """The year's result of a primary learner (Circular 27 Điều 14)."""

    EXCELLENT = "xuat_sac", _("Hoàn thành xuất sắc")
    GOOD = "tot", _("Hoàn thành tốt")
    COMPLETED = "hoan_thanh", _("Hoàn thành")
    NOT_COMPLETED = "chua_hoan_thanh", _("Chưa hoàn thành")


class PrimaryAward(models.TextChoices):
    NONE = "", _("Không")
    EXCELLENT = "xuat_sac", _("Học sinh Xuất sắc")
    OUTSTANDING = "tieu_bieu", _("Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện")


def _stage(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(stage__in=Stage.values), name=name)


class PrimaryCell(models.Model):
    """What every primary level row carries besides its learner and what it assesses: where and
    when (school, year, term and stage, class) and who wrote it last."""

    school = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    year = models.ForeignKey(
        "orgs.SchoolYear", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    term = models.PositiveSmallIntegerField(_("học kì"), choices=Term.choices)
    stage = models.CharField(_("thời điểm"), max_length=3, choices=Stage.choices)
    school_class = models.ForeignKey(
        "registry.SchoolClass",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lớp"),
        db_index=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class PrimarySubjectAssessment(PrimaryCell):
    """The level (T / H / C) a teacher gives a primary learner in one subject at one point of
    the year, with an optional short comment. A level may be blank while only the comment is
    written; a row with neither does not exist.

    Keyed by learner like Score (the unique index leads with the student and is the page's
    index); the foreign keys have no index of their own for the same reasons (Score docstring).
    """

    student = models.ForeignKey(
        "registry.Student",
        on_delete=models.CASCADE,
        related_name="primary_subject_levels",
        db_index=False,
    )
    subject = models.ForeignKey(
        "curriculum.Subject", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    level = models.CharField(
        _("mức đạt được"), max_length=1, choices=SubjectLevel.choices, blank=True
    )
    comment = models.CharField(_("nhận xét"), max_length=300, blank=True)

    class Meta(PrimaryCell.Meta):
        verbose_name = _("mức đạt được môn học (tiểu học)")
        verbose_name_plural = _("mức đạt được môn học (tiểu học)")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "subject", "year", "term", "stage"],
                name="primarysubject_unique_cell",
            ),
            _term_only("primarysubject_term_valid"),
            _stage("primarysubject_stage_valid"),
            models.CheckConstraint(
                condition=Q(level="") | Q(level__in=SubjectLevel.values),
                name="primarysubject_level_valid",
            ),
            models.CheckConstraint(
                condition=~Q(level="") | ~Q(comment=""), name="primarysubject_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.student_id} {self.subject_id} HK{self.term} {self.stage}: {self.level or '-'}"
        )


class PrimaryTraitAssessment(PrimaryCell):
    """The level (T / Đ / C) a primary learner reaches in one quality or competence (a code of
    rules.PRIMARY_TRAITS) at one point of the year. End of term I and end of year are the
    required points; the mid-terms are optional. Keyed by learner like Score."""

    student = models.ForeignKey(
        "registry.Student",
        on_delete=models.CASCADE,
        related_name="primary_trait_levels",
        db_index=False,
    )
    trait = models.CharField(_("phẩm chất, năng lực"), max_length=20)
    level = models.CharField(_("mức đạt được"), max_length=1, choices=TraitLevel.choices)

    class Meta(PrimaryCell.Meta):
        verbose_name = _("mức phẩm chất, năng lực (tiểu học)")
        verbose_name_plural = _("mức phẩm chất, năng lực (tiểu học)")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "trait", "year", "term", "stage"],
                name="primarytrait_unique_cell",
            ),
            _term_only("primarytrait_term_valid"),
            _stage("primarytrait_stage_valid"),
            models.CheckConstraint(
                condition=Q(level__in=TraitLevel.values), name="primarytrait_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(trait__in=list(PRIMARY_TRAITS)), name="primarytrait_trait_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.trait} HK{self.term} {self.stage}: {self.level}"


class PrimaryChange(models.Model):
    """History of the primary levels: who changed which level (or comment) from what to what.
    Kept by value, like ScoreChange, so that a cleared cell keeps its history. `subject` is set
    for a subject's level, `trait` for a quality's or competence's."""

    school = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    year = models.ForeignKey("orgs.SchoolYear", on_delete=models.PROTECT, related_name="+")
    term = models.PositiveSmallIntegerField(choices=Term.choices)
    stage = models.CharField(max_length=3, choices=Stage.choices)
    school_class = models.ForeignKey(
        "registry.SchoolClass", on_delete=models.PROTECT, related_name="+"
    )
    student = models.ForeignKey("registry.Student", on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(
        "curriculum.Subject", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    trait = models.CharField(max_length=20, blank=True)
    old_level = models.CharField(max_length=1, blank=True)
    new_level = models.CharField(max_length=1, blank=True)
    old_comment = models.CharField(max_length=300, blank=True)
    new_comment = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=10, choices=ChangeSource.choices)

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("lịch sử sửa đánh giá tiểu học")
        verbose_name_plural = _("lịch sử sửa đánh giá tiểu học")
        constraints = [
            _term_only("primarychange_term_valid"),
            _stage("primarychange_stage_valid"),
            models.CheckConstraint(
                condition=(Q(subject__isnull=False) & Q(trait=""))
                | (Q(subject__isnull=True) & ~Q(trait="")),
                name="primarychange_subject_xor_trait",
            ),
        ]
        indexes = [models.Index(fields=["student", "year", "term"], name="primarychange_learner")]

    def __str__(self) -> str:
        what = self.subject_id or self.trait
        return f"{self.changed_at:%Y-%m-%d %H:%M} {self.student_id} {what} HK{self.term}"


class PrimaryYearResult(models.Model):
    """A primary learner's result of the year (Circular 27 Điều 14), computed from the end-of-
    year levels and periodic test scores (compute_primary.py).

    `outcome` is NULL while something is missing; `missing` then lists what, as "level:TOAN"
    (a subject's end-of-year level), "test:TOAN" (its end-of-year periodic test) and
    "trait:cham_chi" (a quality or competence). `promoted` (completed the grade's programme)
    and `award` follow the outcome; `outstanding` is the teacher's mark that makes a learner
    with Hoàn thành tốt a Học sinh Tiêu biểu (Điều 15) and survives every recomputation.
    """

    school = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    year = models.ForeignKey(
        "orgs.SchoolYear", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    student = models.ForeignKey(
        "registry.Student",
        on_delete=models.CASCADE,
        related_name="primary_year_results",
        db_index=False,
    )
    school_class = models.ForeignKey(
        "registry.SchoolClass",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lớp"),
        db_index=False,
    )
    outcome = models.CharField(
        _("kết quả cả năm"), max_length=20, choices=PrimaryOutcome.choices, null=True, blank=True
    )
    missing = models.JSONField(_("còn thiếu"), default=list, blank=True)
    promoted = models.BooleanField(_("hoàn thành chương trình lớp học"), null=True, blank=True)
    award = models.CharField(
        _("khen thưởng"), max_length=10, choices=PrimaryAward.choices, blank=True
    )
    outstanding = models.BooleanField(_("tiêu biểu, được giáo viên đề nghị khen"), default=False)
    computed_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("kết quả cả năm (tiểu học)")
        verbose_name_plural = _("kết quả cả năm (tiểu học)")
        constraints = [
            models.UniqueConstraint(fields=["student", "year"], name="primaryresult_unique"),
            models.CheckConstraint(
                condition=Q(outcome__isnull=True) | Q(outcome__in=PrimaryOutcome.values),
                name="primaryresult_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(award__in=PrimaryAward.values), name="primaryresult_award_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome__isnull=False) | Q(promoted__isnull=True, award=""),
                name="primaryresult_decisions_need_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.year_id}: {self.outcome or '-'}"
