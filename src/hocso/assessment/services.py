"""Every write to grade books, term records, the lock workflow and results.

Keyword-only functions taking the acting user first (`actor=None` is the system: command line,
demo generator). Each checks permission (`access.py`), validates everything before writing, runs
in one transaction and leaves an audit entry. Results are derived data and are recomputed here,
in the same transaction, whenever what they depend on changes — so a page never shows a term
average that disagrees with the scores beside it.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hocso.accounts.scope import scope_for
from hocso.accounts.services import audit_log
from hocso.core.text import clean_text
from hocso.curriculum.models import LAST_PRIMARY_GRADE, AssessmentMode, GradeSubject
from hocso.registry.models import Enrollment, SchoolClass

from . import access, rules
from .compute import (
    LEVEL_FROM_RULES,
    Outcome,
    compute_class,
    electives_by_class,
    periods_for,
    plans_by_grade,
    roster_filter,
)
from .compute_primary import TRAIT_FROM_RULES, primary_plans, primary_results_compute
from .models import (
    ChangeSource,
    GradebookLock,
    GradebookLockEvent,
    Level,
    LockAction,
    LockStatus,
    Period,
    PrimaryChange,
    PrimarySubjectAssessment,
    PrimaryTraitAssessment,
    PrimaryYearResult,
    Score,
    ScoreChange,
    ScoreKind,
    Stage,
    TeachingAssignment,
    Term,
    TermRecord,
)

# --- helpers shared with the importer and the selectors ----------------------------------------


def check_term(term) -> int:
    if term not in Term.values:
        raise ValidationError({"term": _("Học kì phải là 1 hoặc 2")})
    return int(term)


def grade_subject_for(school_class: SchoolClass, subject) -> GradeSubject:
    """How `subject` is taught in the class's grade; ValidationError when it is not taught."""
    grade_subject = (
        GradeSubject.objects.filter(grade=school_class.grade, subject=subject)
        .select_related("subject")
        .first()
    )
    if grade_subject is None:
        raise ValidationError(
            _("Môn %(subject)s không có trong chương trình khối %(grade)s")
            % {"subject": subject.name, "grade": school_class.grade}
        )
    return grade_subject


def cell_label(kind: str, seq: int) -> str:
    """How a grade book column is headed: TX1…TX4, GK, CK."""
    if kind == ScoreKind.REGULAR:
        return f"TX{seq}"
    return "GK" if kind == ScoreKind.MIDTERM else "CK"


def allowed_cells(grade_subject: GradeSubject) -> list[tuple[str, int]]:
    """The (kind, seq) cells of one term of this subject's grade book.

    Grades 6–12: n regular assessments (by the yearly periods), the mid-term and the end-of-term.
    Grades 1–5: the periodic tests the subject has (mid-term for Tiếng Việt and Toán in grades
    4–5; end of term for the tested subjects); other primary subjects have no scores.
    """
    if grade_subject.effective_assessment_mode == AssessmentMode.PRIMARY:
        cells = []
        if grade_subject.has_midterm_tests:
            cells.append((ScoreKind.MIDTERM, 1))
        if grade_subject.has_periodic_tests:
            cells.append((ScoreKind.FINAL, 1))
        return cells
    count = grade_subject.regular_assessments_required
    regular = [(ScoreKind.REGULAR, seq) for seq in range(1, count + 1)]
    return [*regular, (ScoreKind.MIDTERM, 1), (ScoreKind.FINAL, 1)]


def clean_score(grade_subject: GradeSubject, value) -> tuple[Decimal | None, bool | None]:
    """(value, passed) to store for what was entered; raises rules.AssessmentError.

    Scored subjects take a score 0–10 with at most one decimal ("7,5" too); comment subjects
    True (Đạt) or False (Chưa đạt); primary periodic tests an integer 1–10.
    """
    mode = grade_subject.effective_assessment_mode
    if mode == AssessmentMode.COMMENT:
        if not isinstance(value, bool):
            raise rules.AssessmentError(
                "comment.type",
                "Đánh giá «%(value)s» phải là Đạt hoặc Chưa đạt",
                {"value": value},
            )
        return None, value
    if mode == AssessmentMode.PRIMARY:
        return Decimal(rules.primary_periodic_score(value)).quantize(rules.ONE_DECIMAL), None
    return rules.parse_score(value), None


def assessment_message(error: rules.AssessmentError) -> str:
    """The rule's message in the active language."""
    return _(error.msgid) % error.params if error.params else _(error.msgid)


# --- teaching assignments ----------------------------------------------------------------------


@transaction.atomic
def teaching_assign(*, actor, school_class: SchoolClass, subject, staff) -> TeachingAssignment:
    """Assign a teacher to a subject in a class (school admin). Assigning twice changes nothing."""
    if not access.is_school_admin(actor, school_class.school):
        raise PermissionDenied
    grade_subject = grade_subject_for(school_class, subject)
    works_here = staff.school_id == school_class.school_id or (
        staff.other_schools.filter(pk=school_class.school_id).exists()
    )
    if not works_here:
        raise ValidationError({"staff": _("Giáo viên không thuộc trường của lớp này")})
    if not staff.is_active:
        raise ValidationError({"staff": _("Giáo viên đã nghỉ công tác")})
    assignment = TeachingAssignment.objects.filter(
        school_class=school_class, subject=subject, staff=staff
    ).first()
    if assignment is not None:
        return assignment
    first_teacher = not TeachingAssignment.objects.filter(
        school_class=school_class, subject=subject
    ).exists()
    assignment = TeachingAssignment(
        school=school_class.school, year=school_class.year, school_class=school_class,
        subject=subject, staff=staff,
    )  # fmt: skip
    assignment.full_clean()
    assignment.save()
    audit_log(
        actor=actor, action="teaching.assign", obj=assignment, org_unit=school_class.school,
        school_class=school_class.name, subject=subject.code, staff=staff.pk,
    )  # fmt: skip
    if first_teacher and not grade_subject.is_compulsory:
        # An elective now taught in the class is one of its learners' subjects (compute.py).
        compute_class(school_class, periods=periods_for(None))
    return assignment


@transaction.atomic
def teaching_unassign(*, actor, assignment: TeachingAssignment) -> None:
    school_class = assignment.school_class
    if not access.is_school_admin(actor, school_class.school):
        raise PermissionDenied
    audit_log(
        actor=actor, action="teaching.unassign", obj=assignment, org_unit=school_class.school,
        school_class=school_class.name, subject=assignment.subject.code, staff=assignment.staff_id,
    )  # fmt: skip
    assignment.delete()
    still_taught = TeachingAssignment.objects.filter(
        school_class=school_class, subject_id=assignment.subject_id
    ).exists()
    compulsory = GradeSubject.objects.filter(
        grade=school_class.grade, subject_id=assignment.subject_id, is_compulsory=True
    ).exists()
    if not still_taught and not compulsory:
        compute_class(school_class, periods=periods_for(None))


# --- scores ------------------------------------------------------------------------------------


class Entry(NamedTuple):
    """One grade book cell to save. `value`: a score (Decimal, int, str such as "7,5"), True /
    False (Đạt / Chưa đạt) for comment subjects, or None to clear the cell."""

    student_id: int
    kind: str
    seq: int
    value: object


@dataclass(frozen=True)
class ScoreProblem:
    """Why one entry was refused: which entry (index in the list), learner and cell."""

    index: int
    student_id: int
    kind: str
    seq: int
    message: str


class ScoreErrors(ValidationError):
    """Entries refused by scores_save: `problems` says which, for a grade book page to mark the
    cells; the messages name the learner and the column."""

    def __init__(self, problems: list[ScoreProblem]):
        self.problems = problems
        super().__init__([p.message for p in problems])


@dataclass
class SaveResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    students: set = field(default_factory=set)  # learners whose scores changed

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


def _lock(school_class: SchoolClass, term: int, *, create: bool = False) -> GradebookLock | None:
    """The class-term's workflow row, locked for the rest of the transaction (so a score cannot
    slip in while the term is being locked); created when asked and missing."""
    key = {"school_class": school_class, "year_id": school_class.year_id, "term": term}
    locks = GradebookLock.objects.select_for_update()
    if create:
        return locks.get_or_create(**key, defaults={"school_id": school_class.school_id})[0]
    return locks.filter(**key).first()


def _refuse_if_locked(lock: GradebookLock | None, school_class: SchoolClass, term: int) -> None:
    if lock is not None and lock.is_locked:
        raise ValidationError(
            _("Sổ điểm %(term)s của lớp %(name)s đã được duyệt và khóa; cần mở khóa trước khi sửa")
            % {"term": Term(term).label, "name": school_class.name}
        )


def _roster_names(school_class: SchoolClass, student_ids) -> dict[int, str]:
    """The given learners who are on the class's list, with their names."""
    return dict(
        Enrollment.objects.filter(roster_filter(school_class), student_id__in=list(student_ids))
        .values_list("student_id", "student__full_name")
        .distinct()
    )


def _check_entries(school_class, grade_subject, entries, names) -> tuple[list, list]:
    """(cleaned entries, problems). Cleaned: (student_id, kind, seq, value, passed, clear)."""
    allowed = set(allowed_cells(grade_subject))
    cleaned, problems, seen = [], [], {}

    def problem(index, entry, message, *, label=None):
        learner = names.get(entry.student_id) or _("Học sinh mã %(id)s") % {"id": entry.student_id}
        column = label or cell_label(entry.kind, entry.seq)
        problems.append(
            ScoreProblem(index, entry.student_id, entry.kind, entry.seq,
                         _("%(learner)s, cột %(column)s: %(reason)s")
                         % {"learner": learner, "column": column, "reason": message})
        )  # fmt: skip

    for index, entry in enumerate(entries):
        if entry.kind not in ScoreKind.values:
            problem(index, entry, _("loại điểm «%(kind)s» không hợp lệ") % {"kind": entry.kind},
                    label=str(entry.kind))  # fmt: skip
            continue
        if entry.student_id not in names:
            problem(index, entry, _("học sinh không có trong danh sách lớp %(name)s")
                    % {"name": school_class.name})  # fmt: skip
            continue
        if (entry.kind, entry.seq) not in allowed:
            problem(index, entry, _("môn %(subject)s ở khối %(grade)s không có cột này")
                    % {"subject": grade_subject.display_name, "grade": school_class.grade})  # fmt: skip
            continue
        key = (entry.student_id, entry.kind, entry.seq)
        if key in seen:
            problem(index, entry, _("ô này được nhập hai lần (mục %(first)s và %(again)s)")
                    % {"first": seen[key] + 1, "again": index + 1})  # fmt: skip
            continue
        seen[key] = index
        if entry.value is None or (isinstance(entry.value, str) and not entry.value.strip()):
            cleaned.append((*key, None, None, True))
            continue
        try:
            value, passed = clean_score(grade_subject, entry.value)
        except rules.AssessmentError as exc:
            problem(index, entry, assessment_message(exc))
            continue
        cleaned.append((*key, value, passed, False))
    return cleaned, problems


_SCORE_LINKS = ["school", "year", "school_class", "student", "subject", "updated_by"]


@transaction.atomic
def scores_save(
    *, actor, school_class: SchoolClass, subject, term: int, entries,
    source: str = ChangeSource.ENTRY,
) -> SaveResult:  # fmt: skip
    """Save grade book cells of one subject and term in a class, then recompute the results of
    the learners whose scores changed (that term's and the year's).

    Refused as a whole (nothing written) when the actor may not write the subject in the class
    (PermissionDenied), the class's term is locked, or any entry is wrong: not on the class's
    list, a column the subject does not have, a value the rules reject (ScoreErrors, naming each
    learner and column). Saving the values already stored changes nothing; every real change is
    recorded in ScoreChange.
    """
    term = check_term(term)
    if not access.can_write_scores(actor, school_class, subject):
        raise PermissionDenied
    grade_subject = grade_subject_for(school_class, subject)
    lock = _lock(school_class, term)
    _refuse_if_locked(lock, school_class, term)
    entries = [Entry(*entry) for entry in entries]
    names = _roster_names(school_class, {entry.student_id for entry in entries})
    cleaned, problems = _check_entries(school_class, grade_subject, entries, names)
    if problems:
        raise ScoreErrors(problems)

    year_id, school_id = school_class.year_id, school_class.school_id
    existing = {
        (s.student_id, s.kind, s.seq): s
        for s in Score.objects.select_for_update().filter(
            student_id__in={c[0] for c in cleaned}, subject=subject, year_id=year_id, term=term
        )
    }
    now = timezone.now()
    user = actor if actor is not None and actor.is_authenticated else None
    result = SaveResult()
    create, update, delete, changes = [], [], [], []
    for student_id, kind, seq, value, passed, clear in cleaned:
        old = existing.get((student_id, kind, seq))
        before = (old.value, old.passed) if old is not None else (None, None)
        if (clear and old is None) or (not clear and old is not None and before == (value, passed)):
            result.unchanged += 1
            continue
        if clear:
            delete.append(old.pk)
            result.deleted += 1
        elif old is None:
            create.append(
                Score(
                    school_id=school_id, year_id=year_id, term=term, school_class=school_class,
                    student_id=student_id, subject=subject, kind=kind, seq=seq, value=value,
                    passed=passed, updated_by=user, updated_at=now,
                )
            )  # fmt: skip
            result.created += 1
        else:
            old.value, old.passed = value, passed
            old.school_class, old.updated_by, old.updated_at = school_class, user, now
            update.append(old)
            result.updated += 1
        changes.append(
            ScoreChange(
                school_id=school_id, year_id=year_id, term=term, school_class=school_class,
                student_id=student_id, subject=subject, kind=kind, seq=seq,
                old_value=before[0], old_passed=before[1], new_value=value, new_passed=passed,
                changed_by=user, changed_at=now, source=source,
            )
        )  # fmt: skip
        result.students.add(student_id)
    if not result.changed:
        return result
    for score in [*create, *update]:
        # The fields' own checks (digits, choices); related rows are known to exist, and the
        # database constraints back the rest.
        score.full_clean(exclude=_SCORE_LINKS, validate_unique=False, validate_constraints=False)
    Score.objects.bulk_create(create)
    if update:
        Score.objects.bulk_update(
            update, ["value", "passed", "school_class", "updated_by", "updated_at"]
        )
    if delete:
        Score.objects.filter(pk__in=delete).delete()
    ScoreChange.objects.bulk_create(changes)
    if lock is not None and lock.status == LockStatus.REVIEWED:
        # A change after the homeroom teacher's review needs reviewing again.
        _transition(lock, LockStatus.OPEN, LockAction.REOPEN, actor=user, now=now)
    audit_log(
        actor=actor, action="scores.save", obj=school_class, org_unit=school_class.school,
        subject=subject.code, term=term, source=source, created=result.created,
        updated=result.updated, deleted=result.deleted,
    )  # fmt: skip
    compute_class(school_class, periods=periods_for(term), student_ids=result.students)
    if school_class.grade <= LAST_PRIMARY_GRADE:
        # Periodic test scores count in a primary learner's year result (Circular 27 Điều 14).
        primary_results_compute(school_class=school_class, student_ids=result.students)
    return result


# --- attendance and conduct --------------------------------------------------------------------


def clean_conduct(conduct) -> str:
    """A stored Level code from a code ("kha"), a label ("Khá", any case) or "" (not yet)."""
    if conduct is None or conduct == "":
        return ""
    if conduct in Level.values:
        return conduct
    try:
        return LEVEL_FROM_RULES[rules.parse_level(conduct)]
    except rules.AssessmentError as exc:
        raise ValidationError({"conduct": assessment_message(exc)}) from None


@transaction.atomic
def term_record_save(
    *, actor, student, school_class: SchoolClass, term: int, days_absent: int, conduct: str
) -> TermRecord:
    """Days absent and conduct of a learner for a term (homeroom teacher or school admin); the
    year's conduct, promotion and award are recomputed."""
    term = check_term(term)
    if not access.can_keep_class_records(actor, school_class):
        raise PermissionDenied
    _refuse_if_locked(_lock(school_class, term), school_class, term)
    if student.pk not in _roster_names(school_class, [student.pk]):
        raise ValidationError(
            _("%(learner)s không có trong danh sách lớp %(name)s")
            % {"learner": student.full_name, "name": school_class.name}
        )
    if isinstance(days_absent, bool) or not isinstance(days_absent, int) or days_absent < 0:
        raise ValidationError({"days_absent": _("Số ngày nghỉ phải là số nguyên không âm")})
    conduct = clean_conduct(conduct)
    record = TermRecord.objects.filter(
        student=student, year_id=school_class.year_id, term=term
    ).first() or TermRecord(
        school_id=school_class.school_id, year_id=school_class.year_id, term=term, student=student
    )
    if record.pk is not None and (record.days_absent, record.conduct, record.school_class_id) == (
        days_absent,
        conduct,
        school_class.pk,
    ):
        return record
    old = {"days_absent": record.days_absent, "conduct": record.conduct} if record.pk else {}
    record.school_class = school_class
    record.days_absent, record.conduct = days_absent, conduct
    record.updated_by = actor if actor is not None and actor.is_authenticated else None
    record.updated_at = timezone.now()
    record.full_clean()
    record.save()
    audit_log(
        actor=actor, action="term_record.save", obj=student, org_unit=school_class.school,
        term=term, old=old, days_absent=days_absent, conduct=conduct,
    )  # fmt: skip
    compute_class(school_class, periods={Period.YEAR}, student_ids=[student.pk])
    return record


# --- the review → approve-and-lock workflow ----------------------------------------------------


def _transition(lock, status, action, *, actor, now, reason: str = "") -> None:
    lock.status = status
    lock.updated_at = now
    if action == LockAction.REVIEW:
        lock.reviewed_by, lock.reviewed_at = actor, now
    elif action == LockAction.APPROVE_LOCK:
        lock.approved_by, lock.approved_at = actor, now
    else:  # back to open: the earlier review and approval no longer hold
        lock.reviewed_by = lock.reviewed_at = lock.approved_by = lock.approved_at = None
    lock.full_clean()
    lock.save()
    GradebookLockEvent.objects.create(lock=lock, action=action, actor=actor, reason=reason, at=now)


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


@transaction.atomic
def gradebook_review(*, actor, school_class: SchoolClass, term: int) -> GradebookLock:
    """The homeroom teacher (or a school admin) has checked the class's grade books."""
    term = check_term(term)
    if not access.can_keep_class_records(actor, school_class):
        raise PermissionDenied
    lock = _lock(school_class, term, create=True)
    _refuse_if_locked(lock, school_class, term)
    if lock.status == LockStatus.REVIEWED:
        return lock
    _transition(lock, LockStatus.REVIEWED, LockAction.REVIEW, actor=_user(actor),
                now=timezone.now())  # fmt: skip
    audit_log(actor=actor, action="gradebook.review", obj=school_class,
              org_unit=school_class.school, term=term)  # fmt: skip
    return lock


@transaction.atomic
def gradebook_approve_lock(*, actor, school_class: SchoolClass, term: int) -> GradebookLock:
    """The principal (or a school admin) approves the reviewed term and locks it."""
    term = check_term(term)
    if not access.can_approve(actor, school_class.school):
        raise PermissionDenied
    lock = _lock(school_class, term, create=True)
    if lock.status == LockStatus.LOCKED:
        return lock
    if lock.status != LockStatus.REVIEWED:
        raise ValidationError(
            _("Sổ điểm %(term)s của lớp %(name)s chưa được giáo viên chủ nhiệm rà soát")
            % {"term": Term(term).label, "name": school_class.name}
        )
    _transition(lock, LockStatus.LOCKED, LockAction.APPROVE_LOCK, actor=_user(actor),
                now=timezone.now())  # fmt: skip
    audit_log(actor=actor, action="gradebook.approve_lock", obj=school_class,
              org_unit=school_class.school, term=term)  # fmt: skip
    return lock


@transaction.atomic
def gradebook_unlock(*, actor, school_class: SchoolClass, term: int, reason: str) -> GradebookLock:
    """Reopen a locked term for corrections. The reason is required and kept."""
    term = check_term(term)
    if not access.can_approve(actor, school_class.school):
        raise PermissionDenied
    reason = clean_text(reason or "")
    if not reason:
        raise ValidationError({"reason": _("Cần ghi lý do mở khóa sổ điểm")})
    lock = _lock(school_class, term)
    if lock is None or not lock.is_locked:
        raise ValidationError(
            _("Sổ điểm %(term)s của lớp %(name)s đang không bị khóa")
            % {"term": Term(term).label, "name": school_class.name}
        )
    _transition(lock, LockStatus.OPEN, LockAction.UNLOCK, actor=_user(actor),
                now=timezone.now(), reason=reason)  # fmt: skip
    audit_log(actor=actor, action="gradebook.unlock", obj=school_class,
              org_unit=school_class.school, term=term, reason=reason)  # fmt: skip
    return lock


# --- results -----------------------------------------------------------------------------------


@transaction.atomic
def results_compute(*, actor, school, year, term: int | None = None) -> Outcome:
    """Recompute the results of every class of a school and year: `term` 1 or 2 recomputes that
    term and the year, None both terms and the year (primary classes: their year result, from
    the teachers' levels and the periodic tests). A few queries per class (compute.py,
    compute_primary.py).

    Allowed to the system and to anyone who may write at the school (its admin, officers above
    it): results are derived from the grade books, so recomputing them changes no one's grades.
    """
    if term is not None:
        term = check_term(term)
    if actor is not None and not scope_for(actor).covers(school.path, write=True):
        raise PermissionDenied
    classes = list(SchoolClass.objects.filter(school=school, year=year).select_related("school"))
    grades = {c.grade for c in classes}
    plans = plans_by_grade(grades)
    primary = {grade: primary_plans(grade) for grade in grades if grade <= LAST_PRIMARY_GRADE}
    taught = electives_by_class([c.pk for c in classes])
    periods = periods_for(term)
    outcome = Outcome()
    for school_class in sorted(classes, key=lambda c: (c.grade, c.name)):
        if school_class.grade <= LAST_PRIMARY_GRADE:  # Circular 27: a year result from levels
            outcome.add(
                primary_results_compute(
                    school_class=school_class, plans=primary[school_class.grade]
                )
            )
            continue
        outcome.add(
            compute_class(
                school_class,
                periods=periods,
                plans=plans.get(school_class.grade, []),
                taught=taught.get(school_class.pk, set()),
            )
        )
    audit_log(
        actor=actor, action="results.compute", org_unit=school, year=year.code,
        term=term or 0, classes=outcome.classes, learners=outcome.learners,
        complete=outcome.complete, incomplete=outcome.incomplete,
    )  # fmt: skip
    return outcome


# --- primary assessment (Circular 27, grades 1–5) ----------------------------------------------


def check_point(term, stage) -> tuple[int, str]:
    """A primary assessment point: term 1 or 2 and stage "mid" or "end"."""
    term = check_term(term)
    if stage not in Stage.values:
        raise ValidationError({"stage": _("Thời điểm đánh giá phải là giữa kì hoặc cuối kì")})
    return term, str(stage)


def _check_primary_class(school_class: SchoolClass) -> None:
    if school_class.grade > LAST_PRIMARY_GRADE:
        raise ValidationError(
            _(
                "Lớp %(name)s không phải lớp tiểu học: đánh giá theo Thông tư 27 chỉ dùng cho khối 1–5"
            )
            % {"name": school_class.name}
        )


def primary_subjects_writable(actor, school_class: SchoolClass) -> set[int] | None:
    """The subjects whose levels the actor may give in the class: None for every subject (the
    homeroom teacher, a school admin, the system), else the subjects the actor teaches there
    (TeachingAssignment; possibly none)."""
    if access.can_keep_class_records(actor, school_class):
        return None
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return set()
    return set(
        TeachingAssignment.objects.filter(
            school_class=school_class, staff__user=actor, staff__is_active=True
        ).values_list("subject_id", flat=True)
    )


class PrimaryEntry(NamedTuple):
    """One primary level to save. `code`: a subject code (subject levels) or a trait code of
    rules.PRIMARY_TRAITS (qualities and competences). `level`: a code or a name ("T", "HTT",
    "Hoàn thành tốt"; "Đ", "Đạt", "CCG"), "" to clear it, None to leave it as it is. `comment`
    (subject levels only): the short comment, "" to clear, None to leave it."""

    student_id: int
    code: str
    level: object = None
    comment: object = None


@dataclass(frozen=True)
class PrimaryProblem:
    index: int
    student_id: int
    code: str
    message: str


class PrimaryErrors(ValidationError):
    """Entries refused by the primary level services: `problems` says which (a page marks the
    cells); the messages name the learner and the subject or quality."""

    def __init__(self, problems: list[PrimaryProblem]):
        self.problems = problems
        super().__init__([p.message for p in problems])


MAX_PRIMARY_COMMENT = 300


def _primary_checked(school_class, entries, names, labels, parse, *, comments: bool):
    """(cleaned, problems); cleaned: (student_id, code, level or None, comment or None)."""
    cleaned, problems, seen = [], [], {}

    def problem(index, entry, message):
        learner = names.get(entry.student_id) or _("Học sinh mã %(id)s") % {"id": entry.student_id}
        column = labels.get(entry.code, str(entry.code))
        problems.append(
            PrimaryProblem(index, entry.student_id, str(entry.code),
                           _("%(learner)s, %(column)s: %(reason)s")
                           % {"learner": learner, "column": column, "reason": message})
        )  # fmt: skip

    for index, entry in enumerate(entries):
        if entry.code not in labels:
            problem(index, entry, _("không có trong chương trình khối %(grade)s")
                    % {"grade": school_class.grade})  # fmt: skip
            continue
        if entry.student_id not in names:
            problem(index, entry, _("học sinh không có trong danh sách lớp %(name)s")
                    % {"name": school_class.name})  # fmt: skip
            continue
        key = (entry.student_id, entry.code)
        if key in seen:
            problem(index, entry, _("ô này được nhập hai lần (mục %(first)s và %(again)s)")
                    % {"first": seen[key] + 1, "again": index + 1})  # fmt: skip
            continue
        seen[key] = index
        level = entry.level
        if level is not None:
            if not isinstance(level, str):
                level = str(level)
            if level.strip():
                try:
                    level = parse(level)
                except rules.AssessmentError as exc:
                    problem(index, entry, assessment_message(exc))
                    continue
            else:
                level = ""
        comment = entry.comment
        if comment is not None:
            if not comments:
                problem(index, entry, _("phẩm chất, năng lực không có ô nhận xét"))
                continue
            comment = clean_text(str(comment))
            if len(comment) > MAX_PRIMARY_COMMENT:
                problem(index, entry, _("nhận xét dài quá %(limit)s ký tự")
                        % {"limit": MAX_PRIMARY_COMMENT})  # fmt: skip
                continue
        cleaned.append((entry.student_id, entry.code, level, comment))
    return cleaned, problems


def _primary_finish(*, actor, school_class, term, stage, lock, result, changes, action, now,
                    source, **detail) -> None:  # fmt: skip
    PrimaryChange.objects.bulk_create(changes)
    if lock is not None and lock.status == LockStatus.REVIEWED:
        # A change after the homeroom teacher's review needs reviewing again.
        _transition(lock, LockStatus.OPEN, LockAction.REOPEN, actor=_user(actor), now=now)
    audit_log(
        actor=actor, action=action, obj=school_class, org_unit=school_class.school, term=term,
        stage=stage, source=source, created=result.created, updated=result.updated,
        deleted=result.deleted, **detail,
    )  # fmt: skip
    primary_results_compute(school_class=school_class, student_ids=result.students)


@transaction.atomic
def primary_subject_levels_save(
    *, actor, school_class: SchoolClass, term: int, stage: str, entries,
    source: str = ChangeSource.ENTRY,
) -> SaveResult:  # fmt: skip
    """Save subject levels (T / H / C) and comments of a primary class at one assessment point
    (any of its subjects), then recompute the year results of the learners whose levels changed.

    Refused as a whole: PermissionDenied when some entry's subject is not the actor's to assess
    (only its teachers per TeachingAssignment, the homeroom teacher and a school admin may);
    ValidationError when the class is not primary or its term is locked; PrimaryErrors naming
    each wrong entry (not on the list, a subject the grade does not have, an unknown level).
    Every real change is kept in PrimaryChange; saving what is stored changes nothing.
    """
    term, stage = check_point(term, stage)
    _check_primary_class(school_class)
    entries = [PrimaryEntry(*entry) for entry in entries]
    grade_subjects = {
        gs.subject.code: gs
        for gs in GradeSubject.objects.filter(grade=school_class.grade).select_related("subject")
    }
    writable = primary_subjects_writable(actor, school_class)
    if writable is not None:
        for entry in entries:
            gs = grade_subjects.get(entry.code)
            if gs is not None and gs.subject_id not in writable:
                raise PermissionDenied
    lock = _lock(school_class, term)
    _refuse_if_locked(lock, school_class, term)
    names = _roster_names(school_class, {entry.student_id for entry in entries})
    labels = {code: gs.display_name for code, gs in grade_subjects.items()}
    cleaned, problems = _primary_checked(
        school_class, entries, names, labels, rules.primary_subject_level, comments=True
    )
    if problems:
        raise PrimaryErrors(problems)

    year_id, school_id = school_class.year_id, school_class.school_id
    subject_ids = {code: grade_subjects[code].subject_id for code in {c[1] for c in cleaned}}
    existing = {
        (row.student_id, row.subject_id): row
        for row in PrimarySubjectAssessment.objects.select_for_update().filter(
            student_id__in={c[0] for c in cleaned}, subject_id__in=set(subject_ids.values()),
            year_id=year_id, term=term, stage=stage,
        )
    }  # fmt: skip
    now, user = timezone.now(), _user(actor)
    result = SaveResult()
    create, update, delete, changes = [], [], [], []
    for student_id, code, level, comment in cleaned:
        subject_id = subject_ids[code]
        old = existing.get((student_id, subject_id))
        before = (old.level, old.comment) if old is not None else ("", "")
        after = (before[0] if level is None else level, before[1] if comment is None else comment)
        if after == before:
            result.unchanged += 1
            continue
        if after == ("", ""):
            delete.append(old.pk)
            result.deleted += 1
        elif old is None:
            create.append(
                PrimarySubjectAssessment(
                    school_id=school_id, year_id=year_id, term=term, stage=stage,
                    school_class=school_class, student_id=student_id, subject_id=subject_id,
                    level=after[0], comment=after[1], updated_by=user, updated_at=now,
                )
            )  # fmt: skip
            result.created += 1
        else:
            old.level, old.comment = after
            old.school_class, old.updated_by, old.updated_at = school_class, user, now
            update.append(old)
            result.updated += 1
        changes.append(
            PrimaryChange(
                school_id=school_id, year_id=year_id, term=term, stage=stage,
                school_class=school_class, student_id=student_id, subject_id=subject_id,
                old_level=before[0], new_level=after[0], old_comment=before[1],
                new_comment=after[1], changed_by=user, changed_at=now, source=source,
            )
        )  # fmt: skip
        result.students.add(student_id)
    if not result.changed:
        return result
    PrimarySubjectAssessment.objects.bulk_create(create)
    if update:
        PrimarySubjectAssessment.objects.bulk_update(
            update, ["level", "comment", "school_class", "updated_by", "updated_at"]
        )
    if delete:
        PrimarySubjectAssessment.objects.filter(pk__in=delete).delete()
    _primary_finish(
        actor=actor, school_class=school_class, term=term, stage=stage, lock=lock,
        result=result, changes=changes, action="primary.subject_levels.save", now=now,
        source=source, subjects=sorted(subject_ids),
    )  # fmt: skip
    return result


def _trait_level(value: str) -> str:
    return TRAIT_FROM_RULES[rules.primary_quality_level(value)]


@transaction.atomic
def primary_traits_save(
    *, actor, school_class: SchoolClass, term: int, stage: str, entries,
    source: str = ChangeSource.ENTRY,
) -> SaveResult:  # fmt: skip
    """Save quality and competence levels (T / Đ / C) of a primary class at one assessment
    point (the homeroom teacher or a school admin), then recompute the year results of the
    learners whose levels changed. Refused as a whole like primary_subject_levels_save; an
    entry's `level` "" or None clears the cell."""
    term, stage = check_point(term, stage)
    _check_primary_class(school_class)
    if not access.can_keep_class_records(actor, school_class):
        raise PermissionDenied
    lock = _lock(school_class, term)
    _refuse_if_locked(lock, school_class, term)
    entries = [PrimaryEntry(*entry) for entry in entries]
    entries = [e._replace(level=e.level if e.level is not None else "") for e in entries]
    names = _roster_names(school_class, {entry.student_id for entry in entries})
    labels = {code: _(name) for code, name in rules.PRIMARY_TRAITS.items()}
    cleaned, problems = _primary_checked(
        school_class, entries, names, labels, _trait_level, comments=False
    )
    if problems:
        raise PrimaryErrors(problems)

    year_id, school_id = school_class.year_id, school_class.school_id
    existing = {
        (row.student_id, row.trait): row
        for row in PrimaryTraitAssessment.objects.select_for_update().filter(
            student_id__in={c[0] for c in cleaned}, trait__in={c[1] for c in cleaned},
            year_id=year_id, term=term, stage=stage,
        )
    }  # fmt: skip
    now, user = timezone.now(), _user(actor)
    result = SaveResult()
    create, update, delete, changes = [], [], [], []
    for student_id, code, level, _comment in cleaned:
        old = existing.get((student_id, code))
        before = old.level if old is not None else ""
        if level == before:
            result.unchanged += 1
            continue
        if not level:
            delete.append(old.pk)
            result.deleted += 1
        elif old is None:
            create.append(
                PrimaryTraitAssessment(
                    school_id=school_id, year_id=year_id, term=term, stage=stage,
                    school_class=school_class, student_id=student_id, trait=code, level=level,
                    updated_by=user, updated_at=now,
                )
            )  # fmt: skip
            result.created += 1
        else:
            old.level = level
            old.school_class, old.updated_by, old.updated_at = school_class, user, now
            update.append(old)
            result.updated += 1
        changes.append(
            PrimaryChange(
                school_id=school_id, year_id=year_id, term=term, stage=stage,
                school_class=school_class, student_id=student_id, trait=code,
                old_level=before, new_level=level, changed_by=user, changed_at=now,
                source=source,
            )
        )  # fmt: skip
        result.students.add(student_id)
    if not result.changed:
        return result
    PrimaryTraitAssessment.objects.bulk_create(create)
    if update:
        PrimaryTraitAssessment.objects.bulk_update(
            update, ["level", "school_class", "updated_by", "updated_at"]
        )
    if delete:
        PrimaryTraitAssessment.objects.filter(pk__in=delete).delete()
    _primary_finish(
        actor=actor, school_class=school_class, term=term, stage=stage, lock=lock,
        result=result, changes=changes, action="primary.traits.save", now=now, source=source,
    )  # fmt: skip
    return result


@transaction.atomic
def primary_outstanding_set(
    *, actor, school_class: SchoolClass, student, outstanding: bool
) -> PrimaryYearResult:
    """The homeroom teacher (or a school admin) marks a learner as outstanding in at least one
    subject, quality or competence — with Hoàn thành tốt that makes them a Học sinh Tiêu biểu
    (Circular 27 Điều 15) — or takes the mark back. Refused while term II is locked."""
    _check_primary_class(school_class)
    if not access.can_keep_class_records(actor, school_class):
        raise PermissionDenied
    _refuse_if_locked(_lock(school_class, Term.SECOND), school_class, Term.SECOND)
    if student.pk not in _roster_names(school_class, [student.pk]):
        raise ValidationError(
            _("%(learner)s không có trong danh sách lớp %(name)s")
            % {"learner": student.full_name, "name": school_class.name}
        )
    if not isinstance(outstanding, bool):
        raise ValidationError({"outstanding": _("Chọn có hoặc không")})
    row = (
        PrimaryYearResult.objects.select_for_update()
        .filter(student=student, year_id=school_class.year_id)
        .first()
    )
    if row is not None and row.outstanding == outstanding:
        return row
    if row is None:
        row = PrimaryYearResult(
            school_id=school_class.school_id, year_id=school_class.year_id, student=student,
            school_class=school_class,
        )  # fmt: skip
    row.outstanding = outstanding
    row.updated_by = _user(actor)
    row.full_clean(exclude=["school", "year", "student", "school_class", "updated_by"],
                   validate_unique=False, validate_constraints=False)  # fmt: skip
    row.save()
    audit_log(
        actor=actor, action="primary.outstanding", obj=student, org_unit=school_class.school,
        year=school_class.year_id, outstanding=outstanding,
    )  # fmt: skip
    primary_results_compute(school_class=school_class, student_ids=[student.pk])
    row.refresh_from_db()
    return row
