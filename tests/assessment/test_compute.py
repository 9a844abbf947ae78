"""Results computed in bulk from grade books: levels, missing subjects, the year, query counts."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hocso.assessment import services
from hocso.assessment.compute import compute_class, periods_for, plans_for_grade
from hocso.assessment.models import (
    Award,
    LearningResult,
    Level,
    ScoreKind,
    SubjectResult,
    TermRecord,
)
from hocso.registry import services as registry

from ..factories import StaffFactory
from .conftest import enrol, full_term, put_scores, subject

R, M, F = ScoreKind.REGULAR, ScoreKind.MIDTERM, ScoreKind.FINAL


def compute(people, term=None, actor=None):
    return services.results_compute(actor=actor, school=people.school, year=people.year, term=term)


def result(student, term):
    return LearningResult.objects.get(student=student, term=term)


def conduct(people, student, term, level, days=0):
    services.term_record_save(
        actor=None, student=student, school_class=people.school_class, term=term,
        days_absent=days, conduct=level,
    )  # fmt: skip


def test_grade_6_counts_twelve_subjects_eight_of_them_scored(db):
    plans = plans_for_grade(6)
    assert len(plans) == 12
    assert sorted(p.code for p in plans if not p.scored) == ["GDDP", "GDTC", "HDTN", "NT"]
    assert {p.code: p.required for p in plans if p.scored} == {
        "NV": 4, "TOAN": 4, "NN1": 4, "GDCD": 2, "LSDL": 4, "KHTN": 4, "CN": 2, "TIN": 2,
    }  # fmt: skip


def test_a_class_with_complete_and_incomplete_learners(people):
    complete, partial, absent = people.learners
    put_scores(people.school_class, complete, 1, full_term(6))
    toan_without_final = {(R, 1): 8, (R, 2): 8, (R, 3): 8, (R, 4): 8, (M, 1): 8}
    values = full_term(6, TOAN=toan_without_final)
    del values["NT"]
    put_scores(people.school_class, partial, 1, values)

    outcome = compute(people, term=1)

    assert (outcome.classes, outcome.learners, outcome.complete, outcome.incomplete) == (1, 3, 1, 2)
    assert result(complete, 1).level == Level.GOOD
    incomplete = result(partial, 1)
    assert incomplete.level is None
    assert incomplete.missing == ["TOAN", "NT"]
    assert not LearningResult.objects.filter(student=absent).exists()
    toan = SubjectResult.objects.get(student=partial, subject__code="TOAN", term=1)
    assert (toan.complete, toan.average) == (False, None)
    nv = SubjectResult.objects.get(student=partial, subject__code="NV", term=1)
    assert (nv.complete, nv.average) == (True, Decimal("8.0"))
    assert outcome.incomplete_by_class == {"6A1": {"TOAN": 1, "NT": 1}}


@pytest.mark.parametrize(
    ("overrides", "level", "adjusted"),
    [
        ({}, Level.GOOD, False),
        ({"TOAN": 6.4}, Level.FAIR, False),  # one scored subject below 6.5: Khá, not adjusted
        ({"GDTC": False}, Level.FAIR, True),  # Tốt → Đạt by one comment subject: raised to Khá
        ({"KHTN": 3.0}, Level.PASS, True),  # Tốt → Chưa đạt by one subject: raised to Đạt
        ({"KHTN": 3.0, "TIN": 3.0}, Level.FAIL, False),  # two subjects: no adjustment
    ],
)
def test_levels_and_the_single_subject_adjustment(people, overrides, level, adjusted):
    learner = people.learners[0]
    put_scores(people.school_class, learner, 1, full_term(6, scored=9, **overrides))
    compute(people, term=1)
    found = result(learner, 1)
    assert (found.level, found.adjusted) == (level, adjusted)


def test_the_year_needs_both_terms_and_decides_promotion_and_award(people):
    best, absent_often, first_term_only = people.learners
    for learner in (best, absent_often):
        put_scores(people.school_class, learner, 1, full_term(6, scored=9))
        put_scores(people.school_class, learner, 2, full_term(6, scored=9))
        conduct(people, learner, 1, "Tốt")
    conduct(people, best, 2, "Tốt", days=2)
    conduct(people, absent_often, 2, "Tốt", days=46)
    put_scores(people.school_class, first_term_only, 1, full_term(6))

    outcome = compute(people)

    year = result(best, 0)
    assert (year.level, year.promoted, year.award) == (Level.GOOD, True, Award.EXCELLENT)
    assert SubjectResult.objects.get(student=best, subject__code="NV", term=0).average == Decimal(
        "9.0"
    )
    assert result(absent_often, 0).promoted is False  # 46 days absent
    assert not LearningResult.objects.filter(student=first_term_only, term=0).exists()
    assert result(first_term_only, 1).level == Level.GOOD
    assert TermRecord.objects.get(student=absent_often, term=0).days_absent == 46
    assert outcome.learners == 3


def test_promotion_waits_for_the_year_conduct(people):
    learner = people.learners[0]
    put_scores(people.school_class, learner, 1, full_term(6))
    put_scores(people.school_class, learner, 2, full_term(6))
    compute(people)
    year = result(learner, 0)
    assert (year.level, year.promoted, year.award) == (Level.GOOD, None, "")

    conduct(people, learner, 1, "Khá")
    conduct(people, learner, 2, "Khá")  # recomputes the year on its own
    year = result(learner, 0)
    assert (year.promoted, year.award) == (True, "")  # conduct Khá: no award


def test_year_averages_follow_the_formula(people):
    learner = people.learners[0]
    put_scores(people.school_class, learner, 1, full_term(6, NV={
        (R, 1): 8, (R, 2): 9, (R, 3): 7, (R, 4): 7, (M, 1): 7, (F, 1): 8}))  # fmt: skip
    put_scores(people.school_class, learner, 2, full_term(6, NV=8.3))
    compute(people)
    nv = {
        r.term: r.average for r in SubjectResult.objects.filter(student=learner, subject__code="NV")
    }
    # Term I: (8+9+7+7 + 2·7 + 3·8)/9 = 69/9 = 7.67 → 7.7; year: (7.7 + 2·8.3)/3 = 8.1
    assert nv == {1: Decimal("7.7"), 2: Decimal("8.3"), 0: Decimal("8.1")}


def test_recomputing_unchanged_grade_books_writes_nothing(people):
    for learner in people.learners:
        put_scores(people.school_class, learner, 1, full_term(6))
    assert compute(people).written > 0
    assert compute(people).written == 0


def _class_of(people, year, name, size):
    school_class = registry.class_create(
        actor=None, school=people.school, year=year, grade=6, name=name
    )
    for learner in enrol(school_class, size, start=100 + len(name) * size):
        put_scores(school_class, learner, 1, full_term(6))
        put_scores(school_class, learner, 2, full_term(6, scored=7))
    return school_class


def test_queries_per_class_do_not_grow_with_the_number_of_learners(
    people, year, django_assert_max_num_queries
):
    """Reads and updates are a fixed handful per class; the new rows of each table go in one
    statement (COPY on PostgreSQL, executemany on SQLite)."""
    small = _class_of(people, year, "6B1", 2)
    large = _class_of(people, year, "6B2", 12)
    counts = []
    for school_class in (small, large):
        with CaptureQueriesContext(connection) as queries:
            outcome = compute_class(school_class, periods=periods_for(None))
        assert outcome.complete == outcome.learners
        counts.append([q["sql"] for q in queries if "INSERT INTO" not in q["sql"]])
    assert len(counts[0]) == len(counts[1]) <= 8
    # 20 learners, both terms and the year: 20 · (12 · 3 + 3) + 20 = 800 rows, three tables.
    inserts = 3
    biggest = _class_of(people, year, "6B3", 20)
    with django_assert_max_num_queries(len(counts[0]) + inserts):
        compute_class(biggest, periods=periods_for(None))


def test_changing_one_score_gives_the_same_results_as_a_full_recompute(people):
    for learner in people.learners:
        put_scores(people.school_class, learner, 1, full_term(6))
        put_scores(people.school_class, learner, 2, full_term(6))
    compute(people)
    learner = people.learners[1]

    services.scores_save(
        actor=people.teacher, school_class=people.school_class, subject=subject("TOAN"),
        term=2, entries=[(learner.pk, F, 1, "2")],
    )  # fmt: skip

    def snapshot():
        return (
            sorted(SubjectResult.objects.values_list("student", "subject", "term", "average",
                                                     "passed", "complete")),
            sorted(LearningResult.objects.values_list("student", "term", "level", "adjusted",
                                                      "missing", "promoted", "award")),
        )  # fmt: skip

    after_save = snapshot()
    SubjectResult.objects.all().delete()
    LearningResult.objects.all().delete()
    compute(people)
    assert snapshot() == after_save
    # TOAN term II: (8·4 + 2·8 + 3·2)/9 = 54/9 = 6.0
    toan = SubjectResult.objects.get(student=learner, subject__code="TOAN", term=2)
    assert toan.average == Decimal("6.0")
    assert result(learner, 2).level == Level.FAIR


def test_upper_secondary_learners_take_the_electives_taught_in_their_class(tree, year):
    school = tree.school_c
    school_class = registry.class_create(actor=None, school=school, year=year, grade=10,
                                         name="10A1")  # fmt: skip
    teacher = StaffFactory(school=school)
    for code in ("VL", "HH", "SH", "TIN"):
        services.teaching_assign(actor=None, school_class=school_class, subject=subject(code),
                                 staff=teacher)  # fmt: skip
    taught, extra, short = enrol(school_class, 3, start=200)
    compulsory = full_term(10)
    assert set(compulsory) == {"NV", "TOAN", "NN1", "LS", "GDTC", "GDQPAN", "HDTN", "GDDP"}
    electives = {"VL": 8, "HH": 8, "SH": 8, "TIN": 8}
    put_scores(school_class, taught, 1, {**compulsory, **electives})
    put_scores(school_class, extra, 1, {**compulsory, **electives, "DL": 8})
    put_scores(school_class, short, 1, {**compulsory, "VL": 8, "HH": 8, "SH": 8})

    services.results_compute(actor=None, school=school, year=year, term=1)

    assert LearningResult.objects.get(student=taught, term=1).level == Level.GOOD
    assert SubjectResult.objects.filter(student=taught, term=1).count() == 12
    assert SubjectResult.objects.filter(student=extra, term=1).count() == 13
    missing = LearningResult.objects.get(student=short, term=1)
    assert (missing.level, missing.missing) == (None, ["TIN"])


def test_a_school_recompute_gives_primary_classes_their_circular_27_year_result(tree, year):
    school_class = registry.class_create(actor=None, school=tree.school_b, year=year, grade=3,
                                         name="3A")  # fmt: skip
    enrol(school_class, 2, start=300)
    outcome = services.results_compute(actor=None, school=tree.school_b, year=year)
    assert (outcome.classes, outcome.skipped_classes, outcome.learners) == (1, 0, 2)
    assert outcome.incomplete == 2  # no levels given yet: no outcome
    assert not LearningResult.objects.exists()  # no Circular 22 results for primary


def test_recomputing_a_school_needs_write_access_to_it(people, users):
    with pytest.raises(PermissionDenied):
        compute(people, actor=users.teacher_a)
    with pytest.raises(PermissionDenied):
        compute(people, actor=users.admin_c)
    assert compute(people, actor=users.admin_a).learners == 3
    assert compute(people, actor=users.province).learners == 3


def test_assigning_an_elective_to_a_class_makes_it_one_of_its_learners_subjects(tree, year):
    school = tree.school_c
    school_class = registry.class_create(actor=None, school=school, year=year, grade=11,
                                         name="11A1")  # fmt: skip
    teacher = StaffFactory(school=school)
    learner = enrol(school_class, 1, start=400)[0]
    put_scores(school_class, learner, 1, {**full_term(11), "VL": 8, "HH": 8, "SH": 8})
    services.results_compute(actor=None, school=school, year=year, term=1)
    assert LearningResult.objects.get(student=learner, term=1).level == Level.GOOD

    assignment = services.teaching_assign(actor=None, school_class=school_class,
                                          subject=subject("TIN"), staff=teacher)  # fmt: skip
    waiting = LearningResult.objects.get(student=learner, term=1)
    assert (waiting.level, waiting.missing) == (None, ["TIN"])

    services.teaching_unassign(actor=None, assignment=assignment)
    assert LearningResult.objects.get(student=learner, term=1).level == Level.GOOD
