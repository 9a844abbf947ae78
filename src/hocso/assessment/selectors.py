"""Every read of grade books and results that leaves the app, always within the actor's scope.

Staff roles read the classes of the schools in their scope (hocso.accounts.scope); a learner and
their guardians read that learner's own results. A class, school or learner outside the actor's
scope raises PermissionDenied (pages and the API answer 404, as everywhere).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, JSONField, OuterRef, Q, QuerySet, Subquery

from hocso.accounts.scope import scope_for
from hocso.curriculum.models import LAST_PRIMARY_GRADE, GradeSubject
from hocso.orgs.models import OrgKind, OrgUnit, SchoolType, SchoolYear
from hocso.registry.models import Enrollment, EnrollmentEnd, SchoolClass, Student
from hocso.registry.selectors import students_visible

from . import access
from .compute import plans_for_grade, roster_filter
from .models import (
    GradebookLock,
    GradebookLockEvent,
    LearningResult,
    Level,
    LockStatus,
    Period,
    Score,
    ScoreChange,
    SubjectResult,
    TeachingAssignment,
    TermRecord,
)
from .services import allowed_cells, cell_label, check_term, grade_subject_for


def _check_read(actor, school) -> None:
    if not scope_for(actor).covers(school.path):
        raise PermissionDenied


def class_roster(*, school_class: SchoolClass) -> QuerySet[Student]:
    """The learners on the class's list (open enrollment, or the year ended in this class), in
    roster order (by name as the registry sorts it)."""
    return (
        Student.objects.filter(
            pk__in=Enrollment.objects.filter(roster_filter(school_class)).values("student_id")
        )
        .only("id", "full_name", "search_name", "date_of_birth", "moet_code", "national_id")
        .order_by("search_name", "id")
    )


@dataclass(frozen=True)
class Column:
    kind: str
    seq: int
    label: str  # TX1 … TX4, GK, CK


@dataclass
class GradebookRow:
    student: Student
    cells: dict  # (kind, seq) → Decimal (scored, primary) or bool (comment); absent when empty
    complete: bool  # every column filled
    average: Decimal | None = None  # the term's ĐTBmhk (scored subjects, when complete)
    passed: bool | None = None  # the term's result (comment subjects, when complete)

    def value(self, column: Column):
        return self.cells.get((column.kind, column.seq))


@dataclass
class Gradebook:
    school_class: SchoolClass
    grade_subject: GradeSubject
    term: int
    mode: str  # scored / comment / primary
    regular_required: int | None
    columns: list[Column]
    rows: list[GradebookRow]
    status: str  # LockStatus
    can_edit: bool  # the actor may write this grade book now (allowed, and not locked)

    @property
    def subject(self):
        return self.grade_subject.subject

    @property
    def complete_count(self) -> int:
        return sum(1 for row in self.rows if row.complete)

    @property
    def is_locked(self) -> bool:
        return self.status == LockStatus.LOCKED


def lock_status(*, school_class: SchoolClass, term: int) -> str:
    status = (
        GradebookLock.objects.filter(
            school_class=school_class, year_id=school_class.year_id, term=term
        )
        .values_list("status", flat=True)
        .first()
    )
    return status or LockStatus.OPEN


def gradebook_events(*, actor, school_class: SchoolClass, term: int) -> QuerySet:
    """The review / approve / unlock steps of a class's term, oldest first, with reasons."""
    _check_read(actor, school_class.school)
    return GradebookLockEvent.objects.filter(
        lock__school_class=school_class, lock__year_id=school_class.year_id,
        lock__term=check_term(term),
    ).select_related("actor")  # fmt: skip


def gradebook_get(*, actor, school_class: SchoolClass, subject, term: int) -> Gradebook:
    """The grade book of one subject in one class and term: the learners in roster order with
    their scores by column, completeness, the term result once complete, and whether the actor
    may edit it. A fixed number of queries whatever the size of the class."""
    _check_read(actor, school_class.school)
    term = check_term(term)
    grade_subject = grade_subject_for(school_class, subject)
    columns = [Column(k, s, cell_label(k, s)) for k, s in allowed_cells(grade_subject)]
    students = list(class_roster(school_class=school_class))
    ids = [s.pk for s in students]
    cells: dict[int, dict] = {i: {} for i in ids}
    for student_id, kind, seq, value, passed in Score.objects.filter(
        student_id__in=ids, subject=subject, year_id=school_class.year_id, term=term
    ).values_list("student_id", "kind", "seq", "value", "passed"):
        cells[student_id][(kind, seq)] = value if value is not None else passed
    results = {
        r[0]: r[1:]
        for r in SubjectResult.objects.filter(
            student_id__in=ids, subject=subject, year_id=school_class.year_id, term=term
        ).values_list("student_id", "average", "passed", "complete")
    }
    wanted = {(c.kind, c.seq) for c in columns}
    rows = []
    for student in students:
        own = cells[student.pk]
        average, passed, _complete = results.get(student.pk, (None, None, False))
        rows.append(
            GradebookRow(
                student=student, cells=own, complete=bool(columns) and wanted <= set(own),
                average=average, passed=passed,
            )
        )  # fmt: skip
    status = lock_status(school_class=school_class, term=term)
    can_edit = status != LockStatus.LOCKED and access.can_write_scores(actor, school_class, subject)
    return Gradebook(
        school_class=school_class, grade_subject=grade_subject, term=term,
        mode=grade_subject.effective_assessment_mode,
        regular_required=grade_subject.regular_assessments_required, columns=columns, rows=rows,
        status=status, can_edit=can_edit,
    )  # fmt: skip


def score_history(
    *, actor, school_class: SchoolClass, subject, term: int, student: Student | None = None
) -> QuerySet[ScoreChange]:
    """Who changed which score of the grade book, newest first (one learner's cells, or all)."""
    _check_read(actor, school_class.school)
    term = check_term(term)
    changes = ScoreChange.objects.filter(
        subject=subject, year_id=school_class.year_id, term=term
    ).select_related("changed_by", "student")
    if student is not None:
        return changes.filter(student=student).order_by("-changed_at", "-id")
    roster = Enrollment.objects.filter(roster_filter(school_class)).values("student_id")
    return changes.filter(student_id__in=roster).order_by("-changed_at", "-id")


def teaching_assignments(*, actor, school_class: SchoolClass) -> QuerySet[TeachingAssignment]:
    _check_read(actor, school_class.school)
    return (
        TeachingAssignment.objects.filter(school_class=school_class)
        .select_related("subject", "staff")
        .order_by("subject__sort_order", "subject__code", "staff__search_name")
    )


def classes_taught(*, actor, year) -> QuerySet[TeachingAssignment]:
    """The actor's own teaching assignments of a school year (a teacher's start page)."""
    if actor is None or not actor.is_authenticated:
        return TeachingAssignment.objects.none()
    return (
        TeachingAssignment.objects.filter(staff__user=actor, year=year)
        .select_related("school_class", "subject", "school")
        .order_by("school_class__grade", "school_class__name", "subject__sort_order")
    )


@dataclass
class PeriodResult:
    """A learner's results for one term or the year."""

    period: int
    learning: LearningResult | None
    subjects: list[SubjectResult]
    record: TermRecord | None


@dataclass
class LearnerResults:
    student: Student
    year: object
    periods: dict = field(default_factory=dict)  # Period → PeriodResult


def learner_results(*, actor, student: Student, year) -> LearnerResults:
    """A learner's term and year results of one school year: what a transcript shows. Staff in
    scope, the learner themself and their guardians may read them."""
    if not students_visible(actor=actor).filter(pk=student.pk).exists():
        raise PermissionDenied
    learning = {
        r.term: r
        for r in LearningResult.objects.filter(student=student, year=year).select_related(
            "school_class"
        )
    }
    records = {r.term: r for r in TermRecord.objects.filter(student=student, year=year)}
    subjects: dict[int, list] = {p: [] for p in Period.values}
    for result in (
        SubjectResult.objects.filter(student=student, year=year)
        .select_related("subject")
        .order_by("subject__sort_order", "subject__code")
    ):
        subjects[result.term].append(result)
    results = LearnerResults(student=student, year=year)
    for period in (Period.FIRST, Period.SECOND, Period.YEAR):
        if period in learning or subjects[period] or period in records:
            results.periods[period] = PeriodResult(
                period, learning.get(period), subjects[period], records.get(period)
            )
    return results


LEVEL_KEYS = [*Level.values, "incomplete", "no_result"]


@dataclass
class ClassSummary:
    school_class: SchoolClass
    term: int  # 1, 2 or 0 (year)
    learners: int
    levels: dict  # Level code, "incomplete" (no level yet), "no_result" (no scores) → count
    missing: list  # [(GradeSubject, learners without a complete result)] for subjects lacking any
    status: str  # the term's LockStatus ("" for the year)


def class_summary(*, actor, school_class: SchoolClass, term: int) -> ClassSummary:
    """Counts per learning level, and the subjects with missing assessments, for a term (1, 2)
    or the year (0). A fixed number of queries whatever the size of the class.

    A subject is missing assessments for every learner without a complete result in it —
    learners with no score at all in the term included. Electives (grades 10–12) are listed
    only when some learner of the class takes them.
    """
    _check_read(actor, school_class.school)
    if term not in Period.values:
        check_term(term)
    roster = Enrollment.objects.filter(roster_filter(school_class)).values("student_id")
    learners = roster.distinct().count()
    counts = dict.fromkeys(LEVEL_KEYS, 0)
    for level, count in (
        LearningResult.objects.filter(
            student_id__in=roster, year_id=school_class.year_id, term=term
        )
        .values_list("level")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[level or "incomplete"] += count
    counts["no_result"] = max(learners - sum(counts.values()), 0)
    done = {
        subject_id: complete
        for subject_id, complete in SubjectResult.objects.filter(
            student_id__in=roster, year_id=school_class.year_id, term=term
        )
        .values_list("subject_id")
        .annotate(complete=Count("id", filter=Q(complete=True)))
        .order_by()
    }
    counted = {p.subject_id for p in plans_for_grade(school_class.grade)}
    missing = []
    for grade_subject in GradeSubject.objects.filter(
        grade=school_class.grade, subject_id__in=counted
    ).select_related("subject"):
        if not grade_subject.is_compulsory and grade_subject.subject_id not in done:
            continue
        lacking = learners - done.get(grade_subject.subject_id, 0)
        if lacking > 0:
            missing.append((grade_subject, lacking))
    status = lock_status(school_class=school_class, term=term) if term else ""
    return ClassSummary(
        school_class=school_class, term=term, learners=learners, levels=counts,
        missing=missing, status=status,
    )  # fmt: skip


def school_summary(*, actor, school, year, term: int) -> dict[int, dict[str, int]]:
    """Learning levels per grade of a school for a term (1, 2) or the year (0):
    {grade: {Level code | "incomplete": count}}. One query."""
    _check_read(actor, school)
    if term not in Period.values:
        check_term(term)
    summary: dict[int, dict[str, int]] = {}
    rows = (
        LearningResult.objects.filter(school=school, year=year, term=term)
        .values_list("school_class__grade", "level")
        .annotate(n=Count("id"))
        .order_by()
    )
    for grade, level, count in rows:
        per_grade = summary.setdefault(grade, dict.fromkeys([*Level.values, "incomplete"], 0))
        per_grade[level or "incomplete"] += count
    return dict(sorted(summary.items()))


def area_summary(*, actor, unit, year, term: int) -> dict[str, dict[str, int]]:
    """Learning levels per school under an org unit (a commune, a former district, the province)
    for the monitoring centre: {school code: {Level code | "incomplete": count}}. One query."""
    _check_read(actor, unit)
    if term not in Period.values:
        check_term(term)
    summary: dict[str, dict[str, int]] = {}
    rows = (
        LearningResult.objects.filter(Q(school__path__startswith=unit.path), year=year, term=term)
        .values_list("school__code", "level")
        .annotate(n=Count("id"))
        .order_by()
    )
    for code, level, count in rows:
        per_school = summary.setdefault(code, dict.fromkeys([*Level.values, "incomplete"], 0))
        per_school[level or "incomplete"] += count
    return dict(sorted(summary.items()))


# --- results summaries of the monitoring centre (views_summary.py) -----------------------------

SUMMARY_KEYS = [*Level.values, "incomplete"]  # what a LearningResult row can count as


def _level_counts(rows) -> dict[str, int]:
    counts = dict.fromkeys(SUMMARY_KEYS, 0)
    for level, count in rows:
        counts[level or "incomplete"] += count
    return counts


def class_learner_results(*, actor, school_class: SchoolClass, term: int) -> QuerySet[Student]:
    """The class's learners in roster order, each annotated with their learning result of the
    term (1, 2) or the year (0) — `level` (None without a result or while incomplete),
    `has_result`, `missing` (subject codes) — and their `conduct` and `days_absent` of that
    period. One query whatever the size of the class."""
    _check_read(actor, school_class.school)
    if term not in Period.values:
        check_term(term)
    results = LearningResult.objects.filter(
        student_id=OuterRef("pk"), year_id=school_class.year_id, term=term
    )
    records = TermRecord.objects.filter(
        student_id=OuterRef("pk"), year_id=school_class.year_id, term=term
    )
    return class_roster(school_class=school_class).annotate(
        has_result=Exists(results),
        level=Subquery(results.values("level")[:1]),
        missing=Subquery(results.values("missing")[:1], output_field=JSONField()),
        conduct=Subquery(records.values("conduct")[:1]),
        days_absent=Subquery(records.values("days_absent")[:1]),
    )


def class_periods_with_results(*, actor, school_class: SchoolClass) -> set[int]:
    """Which of term 1, term 2 and the year (0) have any learning result in the class. One query
    (each EXISTS stops at its first row)."""
    _check_read(actor, school_class.school)
    roster = Enrollment.objects.filter(roster_filter(school_class)).values("student_id")
    found = LearningResult.objects.filter(student_id__in=roster, year_id=school_class.year_id)
    return _periods_found(found, school_class.year_id)


def _periods_found(results: QuerySet, year_id: int) -> set[int]:
    # The year's own row carries the three EXISTS, so the answer is one small query.
    flags = (
        SchoolYear.objects.filter(pk=year_id)
        .annotate(**{f"p{p}": Exists(results.filter(term=p)) for p in Period.values})
        .values_list(*[f"p{p}" for p in Period.values])
        .first()
    )
    return {p for p, flag in zip(Period.values, flags or (), strict=False) if flag}


def _unit_results(actor, unit) -> QuerySet[LearningResult]:
    """Learning results of the schools under `unit` (or of the school itself) in the actor's
    scope: a school uses its (school, year, term) index, a unit the path prefix."""
    _check_read(actor, unit)
    if unit.kind == OrgKind.SCHOOL:
        return LearningResult.objects.filter(school=unit)
    return LearningResult.objects.filter(
        scope_for(actor).q("school__path"), school__path__startswith=unit.path
    )


def years_with_results(*, actor, unit) -> list[SchoolYear]:
    """School years (newest first) with any learning result in the school or under the unit.
    One query: one EXISTS per school year."""
    results = _unit_results(actor, unit)
    return list(
        SchoolYear.objects.filter(Exists(results.filter(year_id=OuterRef("pk")))).order_by(
            "-start_date"
        )
    )


def periods_with_results(*, actor, unit, year) -> set[int]:
    """Which of term 1, term 2 and the year (0) have any learning result in the school or under
    the unit in `year`. One query."""
    return _periods_found(_unit_results(actor, unit).filter(year=year), year.pk)


@dataclass
class ClassResultsRow:
    school_class: SchoolClass
    learners: int  # on the class's list
    levels: dict  # SUMMARY_KEYS → count of LearningResult rows

    @property
    def with_result(self) -> int:
        return sum(self.levels.values())

    @property
    def no_result(self) -> int:
        return max(self.learners - self.with_result, 0)


def school_summary_by_class(*, actor, school, year, term: int) -> list[ClassResultsRow]:
    """Every class of the school in `year` (by grade, then name) with its learners and its
    learning levels of the term (1, 2) or the year (0). Three queries whatever the number of
    classes: the classes, learners per class, results per class and level."""
    _check_read(actor, school)
    if term not in Period.values:
        check_term(term)
    classes = list(SchoolClass.objects.filter(school=school, year=year).order_by("grade", "name"))
    # The roster of every class at once: the condition of compute.roster_filter.
    learners = dict(
        Enrollment.objects.filter(
            Q(end_date__isnull=True)
            | Q(end_reason__in=[EnrollmentEnd.YEAR_END, EnrollmentEnd.GRADUATION]),
            school_class__school=school, school_class__year=year,
        )
        .values_list("school_class_id")
        .annotate(n=Count("student_id", distinct=True))
        .order_by()
    )  # fmt: skip
    levels: dict[int, list] = {}
    for class_id, level, count in (
        LearningResult.objects.filter(school=school, year=year, term=term)
        .values_list("school_class_id", "level")
        .annotate(n=Count("id"))
        .order_by()
    ):
        levels.setdefault(class_id, []).append((level, count))
    return [
        ClassResultsRow(c, learners.get(c.pk, 0), _level_counts(levels.get(c.pk, [])))
        for c in classes
    ]


@dataclass
class ChildResultsRow:
    unit: OrgUnit  # a child unit (commune, former district) or a school directly below
    levels: dict  # SUMMARY_KEYS → count, summed over the child's whole subtree
    no_result: int  # learners of secondary classes without a result, summed per school
    schools: int  # secondary schools open during the year in the subtree
    schools_with_results: int

    @property
    def with_result(self) -> int:
        return sum(self.levels.values())


SECONDARY_TYPES = [
    SchoolType.LOWER_SECONDARY,
    SchoolType.UPPER_SECONDARY,
    SchoolType.MULTI_LEVEL,
    SchoolType.CONTINUING,
]


def area_summary_by_child(*, actor, unit, year, term: int) -> list[ChildResultsRow]:
    """Learning levels under an org unit rolled up to each of its children, for the monitoring
    centre: counts are summed over each child's subtree (never percentages averaged). Children
    no longer valid show only when they hold results of that year.

    Four queries whatever the size of the area: the children; the results grouped by school
    path and level, and the learners of secondary classes per school (both summed by path
    prefix here, as orgs' children counts are); the secondary schools open during the year
    (Circular 22 results exist only from grade 6)."""
    _check_read(actor, unit)
    if term not in Period.values:
        check_term(term)
    scope = scope_for(actor)
    children = list(OrgUnit.objects.filter(scope.q("path"), parent=unit).order_by("kind", "name"))
    per_school: dict[str, list] = {}
    for path, level, count in (
        LearningResult.objects.filter(
            scope.q("school__path"), school__path__startswith=unit.path, year=year, term=term
        )
        .values_list("school__path", "level")
        .annotate(n=Count("id"))
        .order_by()
    ):
        per_school.setdefault(path, []).append((level, count))
    # The roster of every secondary class at once: the condition of compute.roster_filter.
    learners = dict(
        Enrollment.objects.filter(
            Q(end_date__isnull=True)
            | Q(end_reason__in=[EnrollmentEnd.YEAR_END, EnrollmentEnd.GRADUATION]),
            scope.q("school__path"), school__path__startswith=unit.path,
            school_class__year=year, school_class__grade__gt=LAST_PRIMARY_GRADE,
        )
        .values_list("school__path")
        .annotate(n=Count("student_id", distinct=True))
        .order_by()
    )  # fmt: skip
    school_paths = list(
        OrgUnit.objects.filter(
            scope.q("path"), path__startswith=unit.path, kind=OrgKind.SCHOOL,
            school_type__in=SECONDARY_TYPES,
        )
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=year.end_date))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=year.start_date))
        .values_list("path", flat=True)
    )  # fmt: skip
    rows = []
    for child in children:
        inside = [p for p in per_school if p.startswith(child.path)]
        levels = _level_counts(pair for p in inside for pair in per_school[p])
        # Per school first: a school whose results outnumber its list (learners who left
        # after their results were computed) must not hide another school's missing ones.
        no_result = sum(
            max(n - sum(c for _level, c in per_school.get(p, [])), 0)
            for p, n in learners.items()
            if p.startswith(child.path)
        )
        schools = sum(1 for p in school_paths if p.startswith(child.path))
        still_valid = child.valid_to is None or child.valid_to >= year.start_date
        if not still_valid and not inside:
            continue
        rows.append(ChildResultsRow(child, levels, no_result, schools, len(inside)))
    return rows
