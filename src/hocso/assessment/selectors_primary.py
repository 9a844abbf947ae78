"""Reads of primary assessment (Circular 27, grades 1–5) that leave the app: the evaluation sheet
of a class at one assessment point (subject levels and comments, quality and competence levels,
the periodic test scores beside them), the year results of a class, and a learner's own primary
results of a year.

Scoped like every selector: a class or learner outside the actor's scope raises PermissionDenied
(the pages answer 404). A fixed number of queries whatever the size of the class.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from hocso.accounts.scope import scope_for
from hocso.curriculum.models import LAST_PRIMARY_GRADE, GradeSubject, Subject
from hocso.registry.models import Enrollment, SchoolClass, Student
from hocso.registry.selectors import students_visible

from . import access, rules
from .compute import roster_filter
from .models import (
    LockStatus,
    PrimaryChange,
    PrimarySubjectAssessment,
    PrimaryTraitAssessment,
    PrimaryYearResult,
    Score,
    ScoreKind,
    Stage,
    Term,
)
from .selectors import class_roster, lock_status
from .services import check_point, primary_subjects_writable

SUBJECTS, TRAITS = "subjects", "traits"


def _check_read(actor, school) -> None:
    if not scope_for(actor).covers(school.path):
        raise PermissionDenied


def point_label(term: int, stage: str) -> str:
    """ "Giữa học kì I", "Cuối học kì I", "Giữa học kì II", "Cuối năm học"."""
    if term == Term.SECOND and stage == Stage.END:
        return _("Cuối năm học")
    names = {
        (Term.FIRST, Stage.MID): _("Giữa học kì I"),
        (Term.FIRST, Stage.END): _("Cuối học kì I"),
        (Term.SECOND, Stage.MID): _("Giữa học kì II"),
    }
    return names[(term, stage)]


POINTS = [(Term.FIRST, Stage.MID), (Term.FIRST, Stage.END), (Term.SECOND, Stage.MID),
          (Term.SECOND, Stage.END)]  # fmt: skip


@dataclass(frozen=True)
class PrimaryColumn:
    code: str  # subject code or trait code
    label: str
    editable: bool  # the actor may write it now (allowed, and the term not locked)
    test_kind: str = ""  # the periodic test of this point shown beside it (subjects)
    group: str = ""  # traits: "quality" / "general" / "specific"


@dataclass
class PrimaryRow:
    student: Student
    levels: dict = field(default_factory=dict)  # code → level code ("" when only a comment)
    comments: dict = field(default_factory=dict)  # subject code → comment
    tests: dict = field(default_factory=dict)  # subject code → score (int)
    outcome: str | None = None  # the year result (PrimaryOutcome) once computed
    has_result: bool = False


@dataclass
class PrimarySheet:
    school_class: SchoolClass
    term: int
    stage: str
    tab: str  # SUBJECTS or TRAITS
    columns: list[PrimaryColumn]
    rows: list[PrimaryRow]
    status: str  # LockStatus of the term
    may_write: bool  # the actor may write some column when the term is open
    version: int  # the id of the latest change at this point (0 if none)

    @property
    def is_locked(self) -> bool:
        return self.status == LockStatus.LOCKED

    @property
    def can_edit(self) -> bool:
        return any(column.editable for column in self.columns)

    @property
    def label(self) -> str:
        return point_label(self.term, self.stage)


def _trait_group(code: str) -> str:
    if code in rules.PRIMARY_QUALITIES:
        return "quality"
    return "general" if code in rules.PRIMARY_GENERAL_COMPETENCES else "specific"


def _check_primary(school_class: SchoolClass) -> None:
    if school_class.grade > LAST_PRIMARY_GRADE:
        raise PermissionDenied


def primary_sheet(*, actor, school_class: SchoolClass, term: int, stage: str, tab: str):
    """The evaluation sheet of a primary class at one point: learners in roster order with
    their subject levels and comments (tab "subjects", and the periodic test scores of this
    point beside, read-only) or their quality and competence levels (tab "traits"), and which
    columns the actor may edit now."""
    _check_read(actor, school_class.school)
    _check_primary(school_class)
    term, stage = check_point(term, stage)
    status = lock_status(school_class=school_class, term=term)
    open_ = status != LockStatus.LOCKED
    students = list(class_roster(school_class=school_class))
    ids = [s.pk for s in students]
    rows = {s.pk: PrimaryRow(student=s) for s in students}
    year_id = school_class.year_id
    if tab == TRAITS:
        may_write = access.can_keep_class_records(actor, school_class)
        columns = [
            PrimaryColumn(code, _(name), may_write and open_, group=_trait_group(code))
            for code, name in rules.PRIMARY_TRAITS.items()
        ]
        for student_id, trait, level in PrimaryTraitAssessment.objects.filter(
            student_id__in=ids, year_id=year_id, term=term, stage=stage
        ).values_list("student_id", "trait", "level"):
            rows[student_id].levels[trait] = level
    else:
        writable = primary_subjects_writable(actor, school_class)
        grade_subjects = list(
            GradeSubject.objects.filter(grade=school_class.grade).select_related("subject")
        )
        test_kind = ScoreKind.MIDTERM if stage == Stage.MID else ScoreKind.FINAL
        columns = [
            PrimaryColumn(
                gs.subject.code, gs.display_name,
                open_ and (writable is None or gs.subject_id in writable),
                test_kind=test_kind if _has_test(gs, stage) else "",
            )
            for gs in grade_subjects
        ]  # fmt: skip
        may_write = writable is None or bool(writable)
        codes = {gs.subject_id: gs.subject.code for gs in grade_subjects}
        for student_id, subject_id, level, comment in PrimarySubjectAssessment.objects.filter(
            student_id__in=ids, year_id=year_id, term=term, stage=stage
        ).values_list("student_id", "subject_id", "level", "comment"):
            code = codes.get(subject_id)
            if code is not None:
                rows[student_id].levels[code] = level
                rows[student_id].comments[code] = comment
        for student_id, subject_id, value in Score.objects.filter(
            student_id__in=ids, year_id=year_id, term=term, kind=test_kind
        ).values_list("student_id", "subject_id", "value"):
            code = codes.get(subject_id)
            if code is not None and value is not None:
                rows[student_id].tests[code] = int(value)
    if (term, stage) == (Term.SECOND, Stage.END):
        for student_id, outcome in PrimaryYearResult.objects.filter(
            student_id__in=ids, year_id=year_id
        ).values_list("student_id", "outcome"):
            rows[student_id].outcome, rows[student_id].has_result = outcome, True
    return PrimarySheet(
        school_class=school_class, term=term, stage=stage, tab=tab, columns=columns,
        rows=[rows[i] for i in ids], status=status, may_write=may_write,
        version=_version(school_class, term, stage, tab),
    )  # fmt: skip


def primary_version(*, actor, school_class: SchoolClass, term: int, stage: str, tab: str) -> int:
    """The id of the latest change of the tab's cells at this point (0 if none): a sheet drawn
    with version v shows every change up to v (as gradebook_version for the grade book)."""
    _check_read(actor, school_class.school)
    term, stage = check_point(term, stage)
    return _version(school_class, term, stage, tab)


def _version(school_class, term, stage, tab) -> int:
    changes = PrimaryChange.objects.filter(subject__isnull=tab == TRAITS)
    roster = Enrollment.objects.filter(roster_filter(school_class)).values("student_id")
    latest = (
        changes.filter(student_id__in=roster, year_id=school_class.year_id, term=term, stage=stage)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return latest or 0


def _has_test(grade_subject: GradeSubject, stage: str) -> bool:
    if stage == Stage.MID:
        return grade_subject.has_midterm_tests
    return grade_subject.has_periodic_tests


def primary_year_results(*, actor, school_class: SchoolClass, student_ids=None) -> dict:
    """{student id: PrimaryYearResult} of the class's learners (or some of them)."""
    _check_read(actor, school_class.school)
    roster = Enrollment.objects.filter(roster_filter(school_class)).values("student_id")
    results = PrimaryYearResult.objects.filter(student_id__in=roster, year_id=school_class.year_id)
    if student_ids is not None:
        results = results.filter(student_id__in=list(student_ids))
    return {r.student_id: r for r in results}


@dataclass
class LearnerPrimary:
    """A primary learner's assessments of one year: what a transcript and the API show."""

    result: PrimaryYearResult | None
    subjects: list = field(default_factory=list)  # dicts: code, name, levels, comments, tests
    traits: list = field(default_factory=list)  # dicts: code, name, group, levels


def learner_primary(*, actor, student: Student, year) -> LearnerPrimary:
    """A learner's primary levels at every point of the year, their periodic test scores and
    their year result. Staff in scope, the learner and their guardians may read them."""
    if not students_visible(actor=actor).filter(pk=student.pk).exists():
        raise PermissionDenied
    grade = (
        Enrollment.objects.filter(student=student, year=year)
        .order_by("-start_date", "-id")
        .values_list("school_class__grade", flat=True)
        .first()
    )
    return primary_of(student, year, grade=grade)


def learner_primary_year(*, actor, student: Student, year) -> tuple[int, LearnerPrimary] | None:
    """(grade, learner_primary) for a year the learner spent in a primary class (grades 1–5);
    None for any other year, whose results are those of Circular 22 (selectors.learner_results).
    Same readers as learner_primary; a fixed number of queries."""
    if not students_visible(actor=actor).filter(pk=student.pk).exists():
        raise PermissionDenied
    grade = (
        Enrollment.objects.filter(student=student, year=year)
        .order_by("-start_date", "-id")
        .values_list("school_class__grade", flat=True)
        .first()
    )
    if grade is None or grade > LAST_PRIMARY_GRADE:
        return None
    return grade, primary_of(student, year, grade=grade)


def point_key(term: int, stage: str) -> str:
    """The rules' name of an assessment point: "giua_hk1", "cuoi_hk1", "giua_hk2", "cuoi_nam"."""
    return rules.PRIMARY_ASSESSMENT_POINTS[POINTS.index((term, stage))]


def primary_of(student: Student, year, *, grade: int | None) -> LearnerPrimary:
    """learner_primary without the check (the transcript snapshot, after its own checks).
    Subjects are named as `grade` calls them. Levels, comments and tests are keyed by point
    (point_key)."""
    return primaries_of([student.pk], year, grade=grade)[student.pk]


def primaries_of(student_ids, year, *, grade: int | None, grade_subjects=None) -> dict:
    """primary_of for many learners at once: {student id: LearnerPrimary}, every id present.
    Six queries whatever their number (five with `grade_subjects`, the grade's GradeSubject
    rows with their subject, preloaded by the caller)."""
    ids = list(student_ids)
    if grade_subjects is None:
        grade_subjects = GradeSubject.objects.filter(grade=grade or 0).select_related("subject")
    names = {gs.subject_id: gs.display_name for gs in grade_subjects}
    results = {
        r.student_id: r for r in PrimaryYearResult.objects.filter(student_id__in=ids, year=year)
    }
    # Plain rows, and each subject read once: a class has thousands of these cells.
    catalogue = Subject.objects.in_bulk()
    subjects: dict[int, dict[int, dict]] = {i: {} for i in ids}
    rows = PrimarySubjectAssessment.objects.filter(student_id__in=ids, year=year).values_list(
        "student_id", "subject_id", "term", "stage", "level", "comment"
    )
    for student_id, subject_id, term, stage, level, comment in rows:
        mine = subjects[student_id]
        entry = mine.get(subject_id) or mine.setdefault(
            subject_id, _subject_entry(catalogue[subject_id], names)
        )
        key = point_key(term, stage)
        entry["levels"][key] = level or None
        if comment:
            entry["comments"][key] = comment
    for student_id, subject_id, term, kind, value in Score.objects.filter(
        student_id__in=ids, year=year, kind__in=[ScoreKind.MIDTERM, ScoreKind.FINAL]
    ).values_list("student_id", "subject_id", "term", "kind", "value"):
        if value is None:
            continue
        mine = subjects[student_id]
        entry = mine.get(subject_id) or mine.setdefault(
            subject_id, _subject_entry(catalogue[subject_id], names)
        )
        stage = Stage.MID if kind == ScoreKind.MIDTERM else Stage.END
        entry["tests"][point_key(term, stage)] = int(value)
    traits: dict[int, dict[str, dict]] = {i: {} for i in ids}
    for student_id, trait, term, stage, level in PrimaryTraitAssessment.objects.filter(
        student_id__in=ids, year=year
    ).values_list("student_id", "trait", "term", "stage", "level"):
        traits[student_id].setdefault(trait, {})[point_key(term, stage)] = level
    found = {}
    for student_id in ids:
        ordered = sorted(subjects[student_id].values(), key=lambda s: (s["sort"], s["code"]))
        for entry in ordered:
            del entry["sort"]
        mine = traits[student_id]
        trait_list = [
            {"code": code, "name": _(name), "group": _trait_group(code), "levels": mine[code]}
            for code, name in rules.PRIMARY_TRAITS.items()
            if code in mine
        ]
        found[student_id] = LearnerPrimary(
            result=results.get(student_id), subjects=ordered, traits=trait_list
        )
    return found


def _subject_entry(subject, names) -> dict:
    return {
        "code": subject.code, "name": names.get(subject.pk, subject.name),
        "sort": subject.sort_order, "levels": {}, "comments": {}, "tests": {},
    }  # fmt: skip


def missing_labels(missing, names: dict) -> list[str]:
    """ "level:TOAN" → "Mức đạt được môn Toán"; "test:TOAN" → "Bài kiểm tra định kì môn
    Toán"; "trait:cham_chi" → "Chăm chỉ"."""
    shown = []
    for item in missing:
        kind, _sep, code = str(item).partition(":")
        if kind == "level":
            shown.append(_("Mức đạt được môn %(subject)s") % {"subject": names.get(code, code)})
        elif kind == "test":
            shown.append(
                _("Bài kiểm tra định kì môn %(subject)s") % {"subject": names.get(code, code)}
            )
        else:
            shown.append(_(rules.PRIMARY_TRAITS.get(code, code)))
    return shown


def primary_history(*, actor, school_class: SchoolClass, term: int, stage: str, student=None,
                    code: str = ""):  # fmt: skip
    """Who changed which primary level or comment of the class at one point, newest first: all
    of the class's learners or one, all cells or one subject's or trait's (`code`)."""
    _check_read(actor, school_class.school)
    _check_primary(school_class)
    term, stage = check_point(term, stage)
    changes = PrimaryChange.objects.filter(
        year_id=school_class.year_id, term=term, stage=stage
    ).select_related("changed_by", "student", "subject")
    if student is not None:
        changes = changes.filter(student=student)
    else:
        roster = Enrollment.objects.filter(roster_filter(school_class)).values("student_id")
        changes = changes.filter(student_id__in=roster)
    if code in rules.PRIMARY_TRAITS:
        changes = changes.filter(trait=code)
    elif code:
        changes = changes.filter(subject__code=code)
    return changes.order_by("-changed_at", "-id")
