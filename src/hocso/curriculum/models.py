"""The subjects of the 2018 General Education Program (Chương trình GDPT 2018) and, per grade,
how many periods a year each is taught and how it is assessed.

How assessment is modelled (DOMAIN.md §1–§2):

- Grades 6–12 follow Circular 22/2021: a subject is either scored (0–10) or assessed by comment
  only (Đạt / Chưa đạt). That is `Subject.assessment_mode` ("scored" / "comment"), which a grade
  inherits unless `GradeSubject.assessment_mode` overrides it.
- Grades 1–5 follow Circular 27/2020: *every* subject ends with a level (Hoàn thành tốt /
  Hoàn thành / Chưa hoàn thành), and some subjects also sit scored periodic tests (integers 1–10).
  That is a third mode, "primary", which every grade 1–5 row carries explicitly (a database
  constraint keeps primary rows and primary mode together), with two flags on the row saying
  which periodic tests the subject has. A mode of its own rather than "scored" plus a flag,
  because the level is what a primary pupil's transcript records for every subject, and code
  that branches on the mode must not treat Toán in grade 3 like Toán in grade 8.
- Subjects taught only in primary (Tiếng Việt, Đạo đức, …) have "primary" as their own mode.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hocso.assessment.rules import regular_assessments_required

FIRST_GRADE = 1
LAST_GRADE = 12
LAST_PRIMARY_GRADE = 5


class AssessmentMode(models.TextChoices):
    SCORED = "scored", _("Đánh giá bằng điểm số")
    COMMENT = "comment", _("Đánh giá bằng nhận xét (Đạt/Chưa đạt)")
    PRIMARY = "primary", _("Đánh giá theo mức hoàn thành (tiểu học)")


class ElectiveGroup(models.TextChoices):
    # Grades 10–12: each learner takes 4 of the subjects in this group (DOMAIN.md §3).
    UPPER_SECONDARY = "10-12-elective", _("Môn học lựa chọn (lớp 10–12)")


class Subject(models.Model):
    code = models.CharField(
        _("mã môn"),
        max_length=10,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Z0-9]+$", _("Mã môn chỉ gồm chữ in hoa không dấu và chữ số"))
        ],
    )
    name = models.CharField(_("tên môn"), max_length=100)
    assessment_mode = models.CharField(
        _("cách đánh giá"), max_length=10, choices=AssessmentMode.choices
    )
    sort_order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("môn học")
        verbose_name_plural = _("môn học")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z0-9]+$"), name="subject_code_ascii_upper"
            ),
            models.CheckConstraint(
                condition=Q(assessment_mode__in=AssessmentMode.values),
                name="subject_assessment_mode_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class GradeSubject(models.Model):
    """One subject as taught in one grade."""

    grade = models.PositiveSmallIntegerField(
        _("khối"), validators=[MinValueValidator(FIRST_GRADE), MaxValueValidator(LAST_GRADE)]
    )
    subject = models.ForeignKey(
        Subject,
        on_delete=models.PROTECT,
        related_name="grade_subjects",
        verbose_name=_("môn học"),
    )
    # Blank: the subject's own name. Set where a grade calls it differently (HĐTN in 6–12 is
    # "Hoạt động trải nghiệm, hướng nghiệp"; primary music is "Nghệ thuật (Âm nhạc)").
    name = models.CharField(_("tên ở khối này"), max_length=100, blank=True)
    periods_per_year = models.PositiveSmallIntegerField(
        _("số tiết/năm học"), validators=[MinValueValidator(1)]
    )
    is_compulsory = models.BooleanField(_("bắt buộc"), default=True)
    elective_group = models.CharField(
        _("nhóm môn lựa chọn"), max_length=20, choices=ElectiveGroup.choices, blank=True
    )
    # Blank: the subject's mode. Grades 1–5 always say "primary" (see the module docstring).
    assessment_mode = models.CharField(
        _("cách đánh giá ở khối này"), max_length=10, choices=AssessmentMode.choices, blank=True
    )
    # Circular 27 (grades 1–5): scored periodic tests at the end of term I and of the year, and
    # for some subjects in grades 4–5 also at mid-term I and mid-term II.
    has_periodic_tests = models.BooleanField(_("có bài kiểm tra định kì"), default=False)
    has_midterm_tests = models.BooleanField(_("có bài kiểm tra giữa kì"), default=False)

    class Meta:
        ordering = ["grade", "subject__sort_order", "subject__code"]
        verbose_name = _("môn học theo khối")
        verbose_name_plural = _("môn học theo khối")
        constraints = [
            models.UniqueConstraint(fields=["grade", "subject"], name="gradesubject_unique"),
            models.CheckConstraint(
                condition=Q(grade__gte=FIRST_GRADE) & Q(grade__lte=LAST_GRADE),
                name="gradesubject_grade_range",
            ),
            models.CheckConstraint(
                condition=Q(periods_per_year__gt=0), name="gradesubject_periods_positive"
            ),
            models.CheckConstraint(
                condition=Q(assessment_mode="") | Q(assessment_mode__in=AssessmentMode.values),
                name="gradesubject_assessment_mode_valid",
            ),
            # Primary grades are assessed by Circular 27, secondary grades never are.
            models.CheckConstraint(
                condition=(
                    Q(grade__lte=LAST_PRIMARY_GRADE, assessment_mode=AssessmentMode.PRIMARY)
                    | (Q(grade__gt=LAST_PRIMARY_GRADE) & ~Q(assessment_mode=AssessmentMode.PRIMARY))
                ),
                name="gradesubject_primary_mode_iff_primary_grade",
            ),
            models.CheckConstraint(
                condition=Q(elective_group="") | Q(is_compulsory=False),
                name="gradesubject_elective_not_compulsory",
            ),
            models.CheckConstraint(
                condition=Q(has_periodic_tests=True) | Q(has_midterm_tests=False),
                name="gradesubject_midterm_needs_periodic",
            ),
            models.CheckConstraint(
                condition=Q(grade__lte=LAST_PRIMARY_GRADE)
                | Q(has_periodic_tests=False, has_midterm_tests=False),
                name="gradesubject_periodic_tests_primary_only",
            ),
        ]

    def __str__(self) -> str:
        return _("%(name)s — khối %(grade)s") % {"name": self.display_name, "grade": self.grade}

    @property
    def display_name(self) -> str:
        return self.name or self.subject.name

    @property
    def effective_assessment_mode(self) -> str:
        """The mode this grade actually uses: the row's override, else the subject's."""
        return self.assessment_mode or self.subject.assessment_mode

    @property
    def is_comment_only(self) -> bool:
        return self.effective_assessment_mode == AssessmentMode.COMMENT

    @property
    def regular_assessments_required(self) -> int | None:
        """Regular assessments (ĐĐGtx) per term under Circular 22, from the yearly periods.

        None in grades 1–5: Circular 27 assesses primary pupils regularly by comment and fixes
        no number of recorded regular assessments.
        """
        if self.grade <= LAST_PRIMARY_GRADE:
            return None
        return regular_assessments_required(self.periods_per_year)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list[str]] = {}
        if self.grade is not None and self.grade <= LAST_PRIMARY_GRADE:
            if self.assessment_mode != AssessmentMode.PRIMARY:
                errors.setdefault("assessment_mode", []).append(
                    _("Khối 1–5 đánh giá theo Thông tư 27: chọn “đánh giá theo mức hoàn thành”.")
                )
        elif self.grade is not None:
            mode = self.assessment_mode or (
                self.subject.assessment_mode if self.subject_id is not None else ""
            )
            if mode == AssessmentMode.PRIMARY:
                errors.setdefault("assessment_mode", []).append(
                    _(
                        "Khối 6–12 đánh giá theo Thông tư 22: chọn đánh giá bằng điểm số "
                        "hoặc bằng nhận xét."
                    )
                )
            if self.has_periodic_tests or self.has_midterm_tests:
                errors.setdefault("has_periodic_tests", []).append(
                    _("Bài kiểm tra định kì theo Thông tư 27 chỉ có ở khối 1–5.")
                )
        if self.has_midterm_tests and not self.has_periodic_tests:
            errors.setdefault("has_midterm_tests", []).append(
                _("Môn có bài kiểm tra giữa kì thì cũng có bài kiểm tra định kì cuối kì.")
            )
        if self.elective_group and self.is_compulsory:
            errors.setdefault("is_compulsory", []).append(
                _("Môn thuộc nhóm môn lựa chọn thì không phải môn bắt buộc.")
            )
        if errors:
            raise ValidationError(errors)


class Topic(models.Model):
    """A curriculum topic (chủ đề / mạch nội dung) of one subject in one grade, used to tag
    questions and to lay out exam blueprints. Topics nest one level or more through `parent`
    (a strand and its topics); `order` is the program's order within the parent."""

    grade_subject = models.ForeignKey(
        GradeSubject,
        on_delete=models.PROTECT,
        related_name="topics",
        verbose_name=_("môn học theo khối"),
    )
    code = models.CharField(
        _("mã chủ đề"),
        max_length=30,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9._-]+$",
                _("Mã chủ đề chỉ gồm chữ không dấu, chữ số và các dấu . _ -"),
            )
        ],
    )
    name = models.CharField(_("tên chủ đề"), max_length=300)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("chủ đề cha"),
    )

    class Meta:
        ordering = ["grade_subject", "order", "code"]
        verbose_name = _("chủ đề")
        verbose_name_plural = _("chủ đề")
        constraints = [
            models.UniqueConstraint(fields=["grade_subject", "code"], name="topic_code_unique"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Za-z0-9._-]+$"), name="topic_code_ascii"
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="topic_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        super().clean()
        if self.parent_id is None:
            return
        if self.grade_subject_id is not None and (
            self.parent.grade_subject_id != self.grade_subject_id
        ):
            raise ValidationError({"parent": _("Chủ đề cha phải thuộc cùng môn học và khối lớp.")})
        # A cycle would make the tree endless for every page that walks it.
        ancestor = self.parent
        while ancestor is not None:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("Chủ đề không thể nằm trong chính nó.")})
            ancestor = ancestor.parent
