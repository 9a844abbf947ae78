"""Term and year results computed in bulk from the grade book (Circular 22, grades 6–12).

One class at a time, with a fixed number of queries whatever its size: its roster, all its
learners' scores and term records of the year, the results already stored; then every result is
computed in Python with `rules` and only the rows that differ are written (bulk create, bulk
update, delete). Recomputing unchanged data writes nothing.

What exists for a learner (so that a full recompute and the recompute after one saved score
always agree):

- term results (per subject and the learning result) for a term in which the learner has at
  least one score;
- year results when the learner has scores in both terms;
- the year's conduct record (TermRecord term 0) when the learner has a record for either term.

A subject's result is complete when every required assessment is there (n regular ones by the
subject's yearly periods, the mid-term and the end-of-term); the learning result has a level
only when every subject is complete, and otherwise lists the subjects still missing
assessments. A learner's subjects are the grade's compulsory subjects, plus (grades 10–12) the
electives taught in the class and any elective the learner has scores in.

Primary classes (grades 1–5, Circular 27) are not computed here: their results are levels the
teacher gives, not averages.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import DecimalField, ExpressionWrapper, F, IntegerField, Q
from django.db.models.functions import Cast, Round
from django.utils import timezone

from hocso.core import bulk
from hocso.curriculum.models import LAST_PRIMARY_GRADE, AssessmentMode, GradeSubject
from hocso.registry.models import Enrollment, EnrollmentEnd

from . import rules
from .models import (
    Award,
    LearningResult,
    Level,
    Period,
    Score,
    ScoreKind,
    SubjectResult,
    TeachingAssignment,
    TermRecord,
)

LEVEL_FROM_RULES = {
    rules.TOT: Level.GOOD,
    rules.KHA: Level.FAIR,
    rules.DAT: Level.PASS,
    rules.CHUA_DAT: Level.FAIL,
}
LEVEL_TO_RULES = {code: label for label, code in LEVEL_FROM_RULES.items()}
AWARD_FROM_RULES = {
    None: Award.NONE,
    rules.AWARD_EXCELLENT: Award.EXCELLENT,
    rules.AWARD_GOOD: Award.GOOD,
}
TERMS = (Period.FIRST, Period.SECOND)
# A score in tenths of a point, as an integer, computed by the database: reading millions of
# scores as Decimal objects costs more than computing every result from them.
SCORE_TENTHS = Cast(
    Round(ExpressionWrapper(F("value") * 10, output_field=DecimalField())), IntegerField()
)


def _raw_rows(query):
    """The rows of a values_list query as the driver returns them, without the ORM's
    per-value converters (half the cost of reading a class's grade book)."""
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def roster_filter(school_class) -> Q:
    """Enrollments that put a learner on the class's list: still open, or closed only because
    the year ended (or the learner graduated) while in this class."""
    return Q(school_class=school_class) & (
        Q(end_date__isnull=True)
        | Q(end_reason__in=[EnrollmentEnd.YEAR_END, EnrollmentEnd.GRADUATION])
    )


def roster_ids(school_class) -> list[int]:
    return list(
        Enrollment.objects.filter(roster_filter(school_class))
        .values_list("student_id", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class SubjectPlan:
    subject_id: int
    code: str
    scored: bool
    required: int  # regular assessments per term
    compulsory: bool


def plans_for_grade(grade: int) -> list[SubjectPlan]:
    return plans_by_grade({grade}).get(grade, [])


def plans_by_grade(grades) -> dict[int, list[SubjectPlan]]:
    """Every secondary grade's subjects (compulsory and electives), one query."""
    plans: dict[int, list[SubjectPlan]] = defaultdict(list)
    rows = GradeSubject.objects.filter(
        grade__in=[g for g in grades if g > LAST_PRIMARY_GRADE]
    ).select_related("subject")
    for row in rows:
        mode = row.effective_assessment_mode
        if mode == AssessmentMode.PRIMARY:
            continue
        if not row.is_compulsory and not row.elective_group:
            continue  # optional subjects (a second foreign language…) do not count
        plans[row.grade].append(
            SubjectPlan(
                subject_id=row.subject_id,
                code=row.subject.code,
                scored=mode == AssessmentMode.SCORED,
                required=row.regular_assessments_required,
                compulsory=row.is_compulsory,
            )
        )
    return dict(plans)


def electives_by_class(class_ids) -> dict[int, set[int]]:
    """Subject ids taught in each class (assignments), one query."""
    taught: dict[int, set[int]] = defaultdict(set)
    for class_id, subject_id in TeachingAssignment.objects.filter(
        school_class_id__in=list(class_ids)
    ).values_list("school_class_id", "subject_id"):
        taught[class_id].add(subject_id)
    return taught


@dataclass
class Cells:
    """One learner's assessments in one subject and term: scores in tenths of a point (int),
    Đạt / Chưa đạt as bool."""

    regular: dict[int, object] = field(default_factory=dict)
    midterm: object = None
    final: object = None


@dataclass
class Outcome:
    """What computing some classes did (for the command's summary and the tests)."""

    classes: int = 0
    skipped_classes: int = 0  # primary classes
    learners: int = 0
    complete: int = 0  # learners whose every computed result has a level
    incomplete: int = 0
    written: int = 0  # rows created, updated or deleted
    incomplete_by_class: dict = field(default_factory=dict)  # class name → {code: learners}

    def add(self, other: "Outcome") -> None:
        self.classes += other.classes
        self.skipped_classes += other.skipped_classes
        self.learners += other.learners
        self.complete += other.complete
        self.incomplete += other.incomplete
        self.written += other.written
        self.incomplete_by_class.update(other.incomplete_by_class)


# Decimal averages by tenths, built once: TENTHS[73] == Decimal("7.3").
TENTHS = tuple(Decimal(f"{n // 10}.{n % 10}") for n in range(101))


@dataclass
class _SubjectValue:
    complete: bool
    tenths: int | None = None  # the average, scored subjects
    passed: bool | None = None

    @property
    def average(self) -> Decimal | None:
        return None if self.tenths is None else TENTHS[self.tenths]


def _subject_term(plan: SubjectPlan, cells: Cells | None) -> _SubjectValue:
    if cells is None:
        return _SubjectValue(False)
    regular = [cells.regular.get(seq) for seq in range(1, plan.required + 1)]
    if any(v is None for v in regular) or cells.midterm is None or cells.final is None:
        return _SubjectValue(False)
    if plan.scored:
        return _SubjectValue(
            True, tenths=rules.term_average_tenths(regular, cells.midterm, cells.final)
        )
    passed = rules.comment_term_result(regular, cells.midterm, cells.final, required=plan.required)
    return _SubjectValue(True, passed=passed)


def _subject_year(plan: SubjectPlan, first: _SubjectValue, second: _SubjectValue):
    if not (first.complete and second.complete):
        return _SubjectValue(False)
    if plan.scored:
        return _SubjectValue(True, tenths=rules.year_average_tenths(first.tenths, second.tenths))
    return _SubjectValue(True, passed=rules.comment_year_result(first.passed, second.passed))


def _learning(plans: list[SubjectPlan], values: dict[int, _SubjectValue]):
    """(level code or None, adjusted, missing subject codes)."""
    missing = [p.code for p in plans if not values[p.subject_id].complete]
    if missing:
        return None, False, missing
    scored = {p.code: values[p.subject_id].average for p in plans if p.scored}
    commented = {p.code: values[p.subject_id].passed for p in plans if not p.scored}
    try:
        detail = rules.learning_result_detail(scored, commented)
    except rules.AssessmentError:
        # Fewer than six scored subjects: the learner's subjects are not all known (grades 10–12
        # electives not assigned yet). No level can be decided.
        return None, False, []
    return LEVEL_FROM_RULES[detail.level], detail.adjusted, []


class ClassComputation:
    """Results of one class's learners (all of them, or the given ones) for some periods."""

    def __init__(self, school_class, *, periods, plans, taught, student_ids=None):
        self.school_class = school_class
        self.periods = set(periods)
        self.plans = plans  # the grade's SubjectPlans
        self.taught = taught  # subject ids taught in the class
        self.student_ids = student_ids
        self.now = timezone.now()

    def run(self) -> Outcome:
        outcome = Outcome(classes=1)
        ids = roster_ids(self.school_class)
        if self.student_ids is not None:
            wanted = set(self.student_ids)
            ids = [i for i in ids if i in wanted]
        if not ids:
            return outcome
        year_id = self.school_class.year_id
        cells, data_terms, scored_subjects = self._load_scores(ids, year_id)
        records = self._load_records(ids, year_id)
        sr_rows, lr_rows, tr_rows = [], [], []
        incomplete_codes: dict[str, int] = defaultdict(int)
        for student_id in ids:
            learner_plans = self._learner_plans(scored_subjects.get(student_id, set()))
            levels = []  # has each result emitted for this learner a level?
            term_values = {}
            for term in TERMS:
                if term not in data_terms[student_id]:
                    continue
                values = {
                    p.subject_id: _subject_term(p, cells.get((student_id, p.subject_id, term)))
                    for p in learner_plans
                }
                term_values[term] = values
                if term in self.periods:
                    levels.append(self._emit(student_id, term, learner_plans, values, None,
                                             sr_rows, lr_rows, incomplete_codes))  # fmt: skip
            year_record = self._year_record(student_id, records)
            if Period.YEAR in self.periods:
                if year_record is not None:
                    tr_rows.append(year_record)
                if len(term_values) == 2:
                    values = {
                        p.subject_id: _subject_year(
                            p, term_values[1][p.subject_id], term_values[2][p.subject_id]
                        )
                        for p in learner_plans
                    }
                    levels.append(self._emit(student_id, Period.YEAR, learner_plans, values,
                                             year_record, sr_rows, lr_rows, incomplete_codes))  # fmt: skip
            outcome.learners += 1
            # Complete: some result was computed and every one has a level. A learner without
            # any score in the periods computed is incomplete too (nothing to decide on).
            if levels and all(levels):
                outcome.complete += 1
            else:
                outcome.incomplete += 1
        outcome.written += self._write_subject_results(ids, year_id, sr_rows)
        outcome.written += self._write_learning_results(ids, year_id, lr_rows)
        if Period.YEAR in self.periods:
            outcome.written += self._write_year_records(ids, year_id, tr_rows, records)
        if incomplete_codes:
            outcome.incomplete_by_class[self.school_class.name] = dict(incomplete_codes)
        return outcome

    # --- reading ------------------------------------------------------------------------------

    def _load_scores(self, ids, year_id):
        cells: dict[tuple[int, int, int], Cells] = {}
        data_terms: dict[int, set[int]] = defaultdict(set)
        with_scores: dict[int, set[int]] = defaultdict(set)
        query = (
            Score.objects.filter(student_id__in=ids, year_id=year_id)
            .annotate(tenths=SCORE_TENTHS)
            .values_list("student_id", "subject_id", "term", "kind", "seq", "tenths", "passed")
        )
        for student_id, subject_id, term, kind, seq, value, passed in _raw_rows(query):
            if passed is not None:
                passed = bool(passed)  # SQLite gives 0 / 1
            data_terms[student_id].add(term)
            with_scores[student_id].add(subject_id)
            key = (student_id, subject_id, term)
            cell = cells.get(key)
            if cell is None:
                cell = cells[key] = Cells()
            shown = value if value is not None else passed
            if kind == ScoreKind.REGULAR:
                cell.regular[seq] = shown
            elif kind == ScoreKind.MIDTERM:
                cell.midterm = shown
            else:
                cell.final = shown
        return cells, data_terms, with_scores

    def _load_records(self, ids, year_id) -> dict[tuple[int, int], tuple]:
        rows = TermRecord.objects.filter(student_id__in=ids, year_id=year_id).values_list(
            "id", "student_id", "term", "days_absent", "conduct", "school_class_id"
        )
        return {(row[1], row[2]): row for row in rows}

    def _learner_plans(self, subjects_with_scores: set[int]) -> list[SubjectPlan]:
        return [
            p
            for p in self.plans
            if p.compulsory or p.subject_id in self.taught or p.subject_id in subjects_with_scores
        ]

    # --- computing ----------------------------------------------------------------------------

    def _year_record(self, student_id, records) -> dict | None:
        first, second = records.get((student_id, 1)), records.get((student_id, 2))
        if first is None and second is None:
            return None
        conduct = ""
        if first is not None and second is not None and first[4] and second[4]:
            conduct = LEVEL_FROM_RULES[
                rules.year_conduct(LEVEL_TO_RULES[first[4]], LEVEL_TO_RULES[second[4]])
            ]
        days = (first[3] if first else 0) + (second[3] if second else 0)
        return {"student_id": student_id, "days_absent": days, "conduct": conduct}

    def _emit(self, student_id, period, plans, values, year_record, sr_rows, lr_rows,
              incomplete_codes) -> bool:  # fmt: skip
        for plan in plans:
            value = values[plan.subject_id]
            sr_rows.append((student_id, plan.subject_id, period, value.average, value.passed,
                            value.complete))  # fmt: skip
        level, adjusted, missing = _learning(plans, values)
        promoted, award = None, Award.NONE
        if period == Period.YEAR and level is not None and year_record and year_record["conduct"]:
            conduct = LEVEL_TO_RULES[year_record["conduct"]]
            promoted = rules.promotion(
                conduct, LEVEL_TO_RULES[level], year_record["days_absent"]
            ).promoted
            averages = {p.code: values[p.subject_id].average for p in plans if p.scored}
            award = AWARD_FROM_RULES[rules.award(conduct, LEVEL_TO_RULES[level], averages)]
        lr_rows.append((student_id, period, level, adjusted, missing, promoted, award))
        for code in missing:
            incomplete_codes[code] += 1
        return level is not None

    # --- writing ------------------------------------------------------------------------------

    def _write_subject_results(self, ids, year_id, rows) -> int:
        school_id = self.school_class.school_id
        existing = {
            (r[1], r[2], r[3]): r
            for r in SubjectResult.objects.filter(
                student_id__in=ids, year_id=year_id, term__in=self.periods
            ).values_list("id", "student_id", "subject_id", "term", "average", "passed", "complete")
        }
        create, update = [], []
        for student_id, subject_id, term, average, passed, complete in rows:
            key = (student_id, subject_id, term)
            old = existing.pop(key, None)
            if old is None:
                create.append(
                    {
                        "school_id": school_id, "year_id": year_id, "term": term,
                        "student_id": student_id, "subject_id": subject_id, "average": average,
                        "passed": passed, "complete": complete, "computed_at": self.now,
                    }
                )  # fmt: skip
            elif (old[4], old[5], old[6]) != (average, passed, complete):
                update.append(
                    SubjectResult(
                        id=old[0], average=average, passed=passed, complete=complete,
                        computed_at=self.now,
                    )
                )  # fmt: skip
        bulk.insert(SubjectResult, create)
        if update:
            SubjectResult.objects.bulk_update(
                update, ["average", "passed", "complete", "computed_at"], batch_size=500
            )
        obsolete = [r[0] for r in existing.values()]
        if obsolete:
            SubjectResult.objects.filter(id__in=obsolete).delete()
        return len(create) + len(update) + len(obsolete)

    def _write_learning_results(self, ids, year_id, rows) -> int:
        school_id, class_id = self.school_class.school_id, self.school_class.pk
        fields = ("school_class_id", "level", "adjusted", "missing", "promoted", "award")
        existing = {
            (r[1], r[2]): r
            for r in LearningResult.objects.filter(
                student_id__in=ids, year_id=year_id, term__in=self.periods
            ).values_list("id", "student_id", "term", *fields)
        }
        create, update = [], []
        for student_id, term, level, adjusted, missing, promoted, award in rows:
            values = dict(
                zip(fields, (class_id, level, adjusted, missing, promoted, award), strict=True)
            )
            old = existing.pop((student_id, term), None)
            if old is None:
                create.append(
                    {
                        "school_id": school_id, "year_id": year_id, "term": term,
                        "student_id": student_id, "computed_at": self.now, **values,
                    }
                )  # fmt: skip
            elif tuple(old[3:]) != tuple(values.values()):
                update.append(LearningResult(id=old[0], computed_at=self.now, **values))
        bulk.insert(LearningResult, create)
        if update:
            LearningResult.objects.bulk_update(update, [*fields, "computed_at"], batch_size=500)
        obsolete = [r[0] for r in existing.values()]
        if obsolete:
            LearningResult.objects.filter(id__in=obsolete).delete()
        return len(create) + len(update) + len(obsolete)

    def _write_year_records(self, ids, year_id, rows, records) -> int:
        create, update = [], []
        seen = set()
        for row in rows:
            student_id = row["student_id"]
            seen.add(student_id)
            old = records.get((student_id, Period.YEAR))
            if old is None:
                create.append(
                    TermRecord(
                        school_id=self.school_class.school_id, year_id=year_id, term=Period.YEAR,
                        student_id=student_id, school_class_id=self.school_class.pk,
                        days_absent=row["days_absent"], conduct=row["conduct"], updated_at=self.now,
                    )
                )  # fmt: skip
            elif (old[3], old[4], old[5]) != (
                row["days_absent"],
                row["conduct"],
                self.school_class.pk,
            ):
                update.append(
                    TermRecord(
                        id=old[0], days_absent=row["days_absent"], conduct=row["conduct"],
                        school_class_id=self.school_class.pk, updated_at=self.now,
                    )
                )  # fmt: skip
        TermRecord.objects.bulk_create(create, batch_size=2000)
        if update:
            TermRecord.objects.bulk_update(
                update, ["days_absent", "conduct", "school_class_id", "updated_at"], batch_size=500
            )
        obsolete = [
            old[0]
            for (student_id, term), old in records.items()
            if term == Period.YEAR and student_id not in seen
        ]
        if obsolete:
            TermRecord.objects.filter(id__in=obsolete).delete()
        return len(create) + len(update) + len(obsolete)


def compute_class(school_class, *, periods, student_ids=None, plans=None, taught=None) -> Outcome:
    """Compute (and store) one class's results. `plans`/`taught` may be preloaded by a caller
    computing many classes; otherwise they cost one query each."""
    if school_class.grade <= LAST_PRIMARY_GRADE:
        return Outcome(skipped_classes=1)
    if plans is None:
        plans = plans_for_grade(school_class.grade)
    if taught is None:
        taught = electives_by_class([school_class.pk]).get(school_class.pk, set())
    return ClassComputation(
        school_class, periods=periods, plans=plans, taught=taught, student_ids=student_ids
    ).run()


def periods_for(term: int | None) -> set[int]:
    """The periods to recompute when `term` changed (None: everything). The year depends on
    both terms, so it is always recomputed with either."""
    if term is None:
        return {Period.FIRST, Period.SECOND, Period.YEAR}
    return {int(term), Period.YEAR}
