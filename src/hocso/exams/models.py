"""Online and computer-based exams: sessions, their forms (mã đề), attempts and responses.

How an answer is kept (docs/decisions/0004-exam-delivery-plan.md): attempts — the form, the
question order and the option orders of every candidate — are made before the window opens, so
the start of a large exam is a read of one row. Each answer is one `Response` row per
(attempt, question), written by a conditional upsert that only moves its `seq` forward, and
acknowledged after the commit: retried, duplicated and late-arriving saves never overwrite a
newer answer. The server's clock is the only clock: an attempt stores its deadline.

Large tables (`Attempt`, `Response`) carry the school as a column so they can be distributed
by it (docs/scaling.md).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ShowResults(models.TextChoices):
    NEVER = "never", _("Không cho xem")
    AFTER_SUBMIT = "after_submit", _("Ngay sau khi nộp bài")
    AFTER_CLOSE = "after_close", _("Sau khi kết thúc giờ thi")
    AFTER_RELEASE = "after_release", _("Khi giáo viên công bố")


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    READY = "ready", _("Đã tạo bài làm")  # attempts generated; opens at `opens_at`
    CLOSED = "closed", _("Đã kết thúc")  # every attempt submitted, scores computed
    RELEASED = "released", _("Đã công bố điểm")


class GradebookColumn(models.TextChoices):
    """Where the exam's score goes in the grade book (Circular 22), when it is graded."""

    NONE = "", _("Không ghi vào sổ điểm")
    REGULAR = "regular", _("Thường xuyên")
    MIDTERM = "midterm", _("Giữa kì")
    FINAL = "final", _("Cuối kì")


class ExamSession(models.Model):
    """An exam (bài kiểm tra / kỳ thi): what is asked, when, to whom, by which rules."""

    code = models.CharField(_("mã bài thi"), max_length=40, unique=True)
    name = models.CharField(_("tên bài thi"), max_length=200)
    # The school (or the Department) that runs it: its staff manage it within their scope.
    org_unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    year = models.ForeignKey(
        "orgs.SchoolYear", on_delete=models.PROTECT, related_name="+", verbose_name=_("năm học")
    )
    subject = models.ForeignKey(
        "curriculum.Subject", on_delete=models.PROTECT, related_name="+", verbose_name=_("môn")
    )
    grade = models.PositiveSmallIntegerField(
        _("khối lớp"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    # Either a blueprint that draws `form_count` forms, or forms built by hand (blueprint None).
    blueprint = models.ForeignKey(
        "questions.Blueprint",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ma trận đề"),
    )
    form_count = models.PositiveSmallIntegerField(
        _("số mã đề"), default=1, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    seed = models.CharField(_("hạt giống ngẫu nhiên"), max_length=40, blank=True)
    opens_at = models.DateTimeField(_("mở lúc"))
    closes_at = models.DateTimeField(_("đóng lúc"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("thời gian làm bài (phút)"), validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    # Saves already in flight when time runs out still count for this long.
    grace_seconds = models.PositiveSmallIntegerField(
        _("thời gian ân hạn (giây)"), default=60, validators=[MaxValueValidator(600)]
    )
    shuffle_questions = models.BooleanField(_("đảo thứ tự câu hỏi"), default=True)
    shuffle_options = models.BooleanField(_("đảo thứ tự phương án"), default=True)
    one_per_page = models.BooleanField(_("mỗi trang một câu"), default=False)
    review_allowed = models.BooleanField(_("cho xem lại bài làm"), default=True)
    show_results = models.CharField(
        _("cho xem kết quả"),
        max_length=20,
        choices=ShowResults.choices,
        default=ShowResults.AFTER_CLOSE,
    )
    # Supervised computer-based exams: candidates type the code the supervisor gives out.
    access_code = models.CharField(_("mã vào phòng thi"), max_length=20, blank=True)
    blind_marking = models.BooleanField(_("chấm tự luận không hiện tên"), default=False)
    gradebook_column = models.CharField(
        _("ghi điểm vào sổ"),
        max_length=10,
        choices=GradebookColumn.choices,
        blank=True,
        default=GradebookColumn.NONE,
    )
    term = models.PositiveSmallIntegerField(
        _("học kì"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(2)]
    )
    gradebook_seq = models.PositiveSmallIntegerField(
        _("cột thường xuyên số"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.DRAFT
    )
    # Test statistics of the last analysis (exams/stats.py): reliability, score distribution,
    # and the last IRT calibration (model, converged, iterations, log-likelihood).
    analysis = models.JSONField(_("phân tích"), default=dict, blank=True, editable=False)
    analysed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opens_at", "pk"]
        verbose_name = _("bài thi")
        verbose_name_plural = _("bài thi")
        indexes = [models.Index(fields=["org_unit", "opens_at"], name="examsession_org_opens")]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__lt=models.F("closes_at")), name="examsession_window"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values), name="examsession_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(show_results__in=ShowResults.values),
                name="examsession_show_results_valid",
            ),
            # A graded exam names its term; a regular column also its number.
            models.CheckConstraint(
                condition=Q(gradebook_column="")
                | (Q(term__isnull=False) & ~Q(gradebook_column=GradebookColumn.REGULAR))
                | (
                    Q(term__isnull=False)
                    & Q(gradebook_column=GradebookColumn.REGULAR)
                    & Q(gradebook_seq__isnull=False)
                ),
                name="examsession_gradebook_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class ExamClass(models.Model):
    """A class whose learners sit the exam (the candidates are also listed one by one as
    attempts; a class added later gets its attempts when the session is prepared again)."""

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="classes")
    school_class = models.ForeignKey(
        "registry.SchoolClass", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("lớp dự thi")
        verbose_name_plural = _("lớp dự thi")
        constraints = [
            models.UniqueConstraint(fields=["session", "school_class"], name="examclass_unique")
        ]

    def __str__(self) -> str:
        return f"{self.session_id} / {self.school_class_id}"


class ExamForm(models.Model):
    """One version (mã đề) of the exam: a fixed list of questions."""

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="forms")
    code = models.CharField(_("mã đề"), max_length=10)

    class Meta:
        ordering = ["session", "code"]
        verbose_name = _("mã đề")
        verbose_name_plural = _("mã đề")
        constraints = [
            models.UniqueConstraint(fields=["session", "code"], name="examform_unique_code")
        ]

    def __str__(self) -> str:
        return self.code


class ExamQuestion(models.Model):
    """A question of a form: the item and the exact version asked, its points, its place.
    `item_version` moves only by a key correction (services.key_correct), which regrades."""

    form = models.ForeignKey(ExamForm, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("thứ tự"))  # 1.. within the form
    part = models.CharField(_("phần"), max_length=10, blank=True)
    number = models.PositiveSmallIntegerField(_("câu số"))  # within its part, as printed
    item = models.ForeignKey("questions.Item", on_delete=models.PROTECT, related_name="+")
    item_version = models.ForeignKey(
        "questions.ItemVersion", on_delete=models.PROTECT, related_name="+"
    )
    points = models.DecimalField(_("điểm"), max_digits=6, decimal_places=3)
    # The form's option order (original option index per shown position); an attempt may
    # shuffle again (Attempt.option_orders).
    option_order = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["form", "position"]
        verbose_name = _("câu hỏi của đề")
        verbose_name_plural = _("câu hỏi của đề")
        constraints = [
            models.UniqueConstraint(fields=["form", "position"], name="examquestion_unique_pos"),
            models.UniqueConstraint(fields=["form", "item"], name="examquestion_unique_item"),
        ]

    def __str__(self) -> str:
        return f"{self.part} {self.number}".strip()


class AttemptStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Chưa vào thi")
    IN_PROGRESS = "in_progress", _("Đang làm bài")
    SUBMITTED = "submitted", _("Đã nộp bài")


class SubmittedHow(models.TextChoices):
    CANDIDATE = "candidate", _("Thí sinh nộp")
    AUTO = "auto", _("Tự động khi hết giờ")
    SUPERVISOR = "supervisor", _("Giám thị thu bài")


class Attempt(models.Model):
    """One candidate's sitting of one exam, made before the window opens."""

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="attempts")
    student = models.ForeignKey("registry.Student", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    school_class = models.ForeignKey(
        "registry.SchoolClass", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    form = models.ForeignKey(ExamForm, on_delete=models.PROTECT, related_name="attempts")
    # ExamQuestion ids in the order this candidate sees them, and for choice questions the
    # original option index per shown position ({question id: [..]}). Answers are stored in
    # original indexes, so scoring and distractor counts never depend on the shuffle.
    question_order = models.JSONField(default=list)
    option_orders = models.JSONField(default=dict, blank=True)
    extra_minutes = models.PositiveSmallIntegerField(
        _("thêm giờ (phút)"), default=0, validators=[MaxValueValidator(600)]
    )  # accommodation, set before the exam
    added_minutes = models.PositiveSmallIntegerField(
        _("giám thị cộng giờ (phút)"), default=0, validators=[MaxValueValidator(600)]
    )  # given by the supervisor during the exam
    status = models.CharField(
        _("trạng thái"),
        max_length=12,
        choices=AttemptStatus.choices,
        default=AttemptStatus.NOT_STARTED,
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)  # set on start, moved by added time
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_how = models.CharField(
        max_length=12, choices=SubmittedHow.choices, blank=True, default=""
    )
    # The device that holds the attempt: a new start or resume issues a new token and older
    # tokens are refused ("opened on another device").
    device_token = models.CharField(max_length=64, blank=True, editable=False)
    device_label = models.CharField(max_length=200, blank=True, editable=False)
    last_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    answered = models.PositiveSmallIntegerField(default=0, editable=False)
    # Scores: None until graded; `pending_manual` counts essays still to be graded by hand.
    score = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    max_score = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    pending_manual = models.PositiveSmallIntegerField(default=0)
    graded_at = models.DateTimeField(null=True, blank=True)
    # Ability on the logit scale of the exam's last IRT calibration (EAP) and its posterior SD.
    theta = models.FloatField(null=True, blank=True, editable=False)
    theta_se = models.FloatField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["session", "pk"]
        verbose_name = _("bài làm")
        verbose_name_plural = _("bài làm")
        indexes = [
            models.Index(fields=["school", "session"], name="attempt_school_session"),
            models.Index(fields=["status", "deadline"], name="attempt_status_deadline"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["session", "student"], name="attempt_unique_student"),
            models.CheckConstraint(
                condition=Q(status__in=AttemptStatus.values), name="attempt_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session.code} / {self.student_id}"


class Response(models.Model):
    """A candidate's answer to one question. Written only through delivery.save_responses:
    `seq` only grows, so an older save never replaces a newer answer."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(ExamQuestion, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField()
    answer = models.JSONField(null=True)  # shaped as questions/rules.py expects, original indexes
    saved_at = models.DateTimeField()
    # Points earned (None: not graded yet — essays until marked by hand).
    score = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)
    feedback = models.TextField(_("nhận xét"), blank=True)

    class Meta:
        verbose_name = _("câu trả lời")
        verbose_name_plural = _("câu trả lời")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="response_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} / {self.question_id} #{self.seq}"


class KeyCorrection(models.Model):
    """A corrected answer key: the question moved to a new version of its item and every
    attempt was regraded; `changes` lists who changed ({attempt, student, old, new})."""

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="corrections")
    item = models.ForeignKey("questions.Item", on_delete=models.PROTECT, related_name="+")
    old_version = models.ForeignKey(
        "questions.ItemVersion", on_delete=models.PROTECT, related_name="+"
    )
    new_version = models.ForeignKey(
        "questions.ItemVersion", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("lý do"), blank=True)
    changes = models.JSONField(default=list)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    corrected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-corrected_at"]
        verbose_name = _("sửa đáp án")
        verbose_name_plural = _("sửa đáp án")

    def __str__(self) -> str:
        return f"{self.session_id} / {self.item_id}"


class ItemAnalysis(models.Model):
    """One item's statistics in one exam (exams/stats.py and exams/irt.py)."""

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="item_stats")
    item = models.ForeignKey("questions.Item", on_delete=models.CASCADE, related_name="+")
    responses = models.PositiveIntegerField()
    facility = models.FloatField(null=True)  # p: mean score / max points
    point_biserial = models.FloatField(null=True)  # corrected (item vs rest of the test)
    upper_lower = models.FloatField(null=True)  # D = p(upper 27 %) − p(lower 27 %)
    distractors = models.JSONField(default=dict, blank=True)  # {"0": n, "1": n, "blank": n}
    flags = models.JSONField(default=list, blank=True)  # ["negative_discrimination", "too_hard"]
    irt_model = models.CharField(max_length=10, blank=True)
    irt_a = models.FloatField(null=True)
    irt_b = models.FloatField(null=True)

    class Meta:
        verbose_name = _("phân tích câu hỏi")
        verbose_name_plural = _("phân tích câu hỏi")
        constraints = [
            models.UniqueConstraint(fields=["session", "item"], name="itemanalysis_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} / {self.item_id}"
