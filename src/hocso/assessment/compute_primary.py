"""Year results of primary learners (Circular 27/2020, grades 1–5) computed in bulk.

A primary learner's year result (Điều 14) is not an average: it rates the levels the teachers
gave at the end of the year — every subject's T / H / C, every quality's and competence's
T / Đ / C — together with the end-of-year periodic test scores (Score rows of term II, kind
"final", entered in the grade book). `rules.primary_year_result` decides; this module gathers
the inputs of one class with a fixed number of queries whatever its size (the roster, the
grade's subjects, the year's subject levels, trait levels and scores, the results already
stored), computes in Python and writes only the rows that differ. Recomputing unchanged data
writes nothing.

What exists for a learner: a PrimaryYearResult once the learner has any level or score in the
year (or the teacher has marked them outstanding). Its outcome is NULL while something of the
end of the year is missing, and `missing` lists what:

- "level:<subject code>": the subject's end-of-year level, for the grade's compulsory subjects
  and any optional subject (Ngoại ngữ 1 in grades 1–2) the learner has a level or score in;
- "test:<subject code>": the end-of-year periodic test of such a subject that has one;
- "trait:<code>": a quality or competence of rules.primary_traits_for_grade.

Called by services after every change to levels or to a primary score, and for whole schools
by services.results_compute.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from hocso.curriculum.models import LAST_PRIMARY_GRADE, GradeSubject

from . import rules
from .compute import Outcome, roster_ids
from .models import (
    PrimaryAward,
    PrimaryOutcome,
    PrimarySubjectAssessment,
    PrimaryTraitAssessment,
    PrimaryYearResult,
    Score,
    ScoreKind,
    Stage,
    Term,
)

OUTCOME_FROM_RULES = {
    rules.RESULT_EXCELLENT: PrimaryOutcome.EXCELLENT,
    rules.RESULT_GOOD: PrimaryOutcome.GOOD,
    rules.RESULT_COMPLETED: PrimaryOutcome.COMPLETED,
    rules.RESULT_NOT_COMPLETED: PrimaryOutcome.NOT_COMPLETED,
}
AWARD_FROM_RULES = {
    None: PrimaryAward.NONE,
    rules.AWARD_PRIMARY_EXCELLENT: PrimaryAward.EXCELLENT,
    rules.AWARD_PRIMARY_OUTSTANDING: PrimaryAward.OUTSTANDING,
}
TRAIT_TO_RULES = {"T": "T", "D": "Đ", "C": "C"}  # stored TraitLevel → rules' code
TRAIT_FROM_RULES = {value: key for key, value in TRAIT_TO_RULES.items()}

END_OF_YEAR = (Term.SECOND, Stage.END)


@dataclass(frozen=True)
class PrimaryPlan:
    """One subject of a primary grade as the year result sees it."""

    subject_id: int
    code: str
    compulsory: bool
    tested: bool  # has an end-of-year periodic test


def primary_plans(grade: int) -> list[PrimaryPlan]:
    """The grade's subjects in curriculum order (one query)."""
    return [
        PrimaryPlan(row.subject_id, row.subject.code, row.is_compulsory, row.has_periodic_tests)
        for row in GradeSubject.objects.filter(grade=grade).select_related("subject")
    ]


@dataclass
class _Learner:
    """What one learner has in the year."""

    has_data: bool = False
    levels: dict = field(default_factory=dict)  # subject id → end-of-year level (non-blank)
    traits: dict = field(default_factory=dict)  # trait code → end-of-year TraitLevel
    tests: dict = field(default_factory=dict)  # subject id → end-of-year periodic test score
    subjects: set = field(default_factory=set)  # subject ids with any level or score in the year


def _gather(ids, year_id) -> dict[int, _Learner]:
    learners: dict[int, _Learner] = defaultdict(_Learner)
    for student_id, subject_id, term, stage, level in PrimarySubjectAssessment.objects.filter(
        student_id__in=ids, year_id=year_id
    ).values_list("student_id", "subject_id", "term", "stage", "level"):
        learner = learners[student_id]
        learner.has_data = True
        learner.subjects.add(subject_id)
        if (term, stage) == END_OF_YEAR and level:
            learner.levels[subject_id] = level
    for student_id, trait, term, stage, level in PrimaryTraitAssessment.objects.filter(
        student_id__in=ids, year_id=year_id
    ).values_list("student_id", "trait", "term", "stage", "level"):
        learner = learners[student_id]
        learner.has_data = True
        if (term, stage) == END_OF_YEAR:
            learner.traits[trait] = level
    for student_id, subject_id, term, kind, value in Score.objects.filter(
        student_id__in=ids, year_id=year_id
    ).values_list("student_id", "subject_id", "term", "kind", "value"):
        learner = learners[student_id]
        learner.has_data = True
        learner.subjects.add(subject_id)
        if term == Term.SECOND and kind == ScoreKind.FINAL and value is not None:
            learner.tests[subject_id] = int(value)
    return learners


def primary_decide(grade: int, plans: list[PrimaryPlan], learner: _Learner, outstanding: bool):
    """(outcome or None, missing, promoted or None, award) of one learner."""
    mine = [p for p in plans if p.compulsory or p.subject_id in learner.subjects]
    missing = [f"level:{p.code}" for p in mine if p.subject_id not in learner.levels]
    missing += [f"test:{p.code}" for p in mine if p.tested and p.subject_id not in learner.tests]
    missing += [
        f"trait:{code}"
        for code in rules.primary_traits_for_grade(grade)
        if code not in learner.traits
    ]
    if missing or not mine:
        return None, missing, None, PrimaryAward.NONE
    result = rules.primary_year_result(
        {p.code: learner.levels[p.subject_id] for p in mine},
        {code: TRAIT_TO_RULES[level] for code, level in learner.traits.items()},
        {p.code: learner.tests[p.subject_id] for p in mine if p.tested},
    )
    award = AWARD_FROM_RULES[rules.primary_award(result, outstanding)]
    return OUTCOME_FROM_RULES[result], [], rules.primary_promotion(result), award


_FIELDS = ("school_class_id", "outcome", "missing", "promoted", "award")


def primary_results_compute(*, school_class, student_ids=None, plans=None) -> Outcome:
    """Compute (and store) the year results of a primary class's learners — all of them, or
    the given ones. A secondary class is left alone (skipped). `plans` may be preloaded by a
    caller computing many classes of a grade (primary_plans)."""
    if school_class.grade > LAST_PRIMARY_GRADE:
        return Outcome(skipped_classes=1)
    outcome = Outcome(classes=1)
    ids = roster_ids(school_class)
    if student_ids is not None:
        wanted = set(student_ids)
        ids = [i for i in ids if i in wanted]
    if not ids:
        return outcome
    if plans is None:
        plans = primary_plans(school_class.grade)
    year_id = school_class.year_id
    learners = _gather(ids, year_id)
    existing = {
        row[1]: row
        for row in PrimaryYearResult.objects.filter(
            student_id__in=ids, year_id=year_id
        ).values_list("id", "student_id", *_FIELDS, "outstanding")
    }
    now = timezone.now()
    create, update, obsolete = [], [], []
    incomplete_codes: dict[str, int] = defaultdict(int)
    for student_id in ids:
        learner = learners.get(student_id) or _Learner()
        old = existing.get(student_id)
        outstanding = bool(old and old[-1])
        outcome.learners += 1
        if not learner.has_data and not outstanding:
            outcome.incomplete += 1
            if old is not None:
                obsolete.append(old[0])
            continue
        decided, missing, promoted, award = primary_decide(
            school_class.grade, plans, learner, outstanding
        )
        if decided is None:
            outcome.incomplete += 1
            for item in missing:
                incomplete_codes[item] += 1
        else:
            outcome.complete += 1
        values = dict(
            zip(_FIELDS, (school_class.pk, decided, missing, promoted, award), strict=True)
        )
        if old is None:
            create.append(
                PrimaryYearResult(
                    school_id=school_class.school_id, year_id=year_id, student_id=student_id,
                    computed_at=now, **values,
                )
            )  # fmt: skip
        elif tuple(old[2:-1]) != tuple(values.values()):
            update.append(PrimaryYearResult(id=old[0], computed_at=now, **values))
    if create:
        PrimaryYearResult.objects.bulk_create(create, batch_size=500)
    if update:
        PrimaryYearResult.objects.bulk_update(update, [*_FIELDS, "computed_at"], batch_size=500)
    if obsolete:
        PrimaryYearResult.objects.filter(id__in=obsolete).delete()
    outcome.written = len(create) + len(update) + len(obsolete)
    if incomplete_codes:
        outcome.incomplete_by_class[school_class.name] = dict(incomplete_codes)
    return outcome
