"""Year results of primary classes (compute_primary.py, Circular 27 Điều 14–15): incomplete
learners get no outcome and a list of what is missing, complete ones the right outcome, award
and promotion; recomputing unchanged data writes nothing; a class costs a fixed number of
queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hocso.assessment import services
from hocso.assessment.compute_primary import primary_results_compute
from hocso.assessment.models import (
    PrimaryAward,
    PrimaryOutcome,
    PrimarySubjectAssessment,
    PrimaryYearResult,
    Stage,
)
from hocso.curriculum.models import Subject
from hocso.registry import services as registry

from .conftest import enrol
from .primary_setup import make_primary, put_year_end


@pytest.fixture
def p(tree, users, year):
    return make_primary(tree, users, year)


def result(student):
    return PrimaryYearResult.objects.get(student=student)


def test_a_learner_without_any_assessment_gets_no_result_row(p):
    outcome = primary_results_compute(school_class=p.school_class)
    assert (outcome.classes, outcome.learners, outcome.incomplete, outcome.written) == (1, 3, 3, 0)
    assert not PrimaryYearResult.objects.exists()


def test_incomplete_year_has_no_outcome_and_lists_what_is_missing(p):
    put_year_end(p.school_class, p.learners[0], skip={"DD", "cham_chi", "test:TOAN"})
    outcome = primary_results_compute(school_class=p.school_class)
    row = result(p.learners[0])
    assert row.outcome is None
    assert sorted(row.missing) == ["level:DD", "test:TOAN", "trait:cham_chi"]
    assert (row.promoted, row.award) == (None, "")
    assert outcome.incomplete_by_class["3A"] == {"level:DD": 1, "test:TOAN": 1, "trait:cham_chi": 1}


@pytest.mark.parametrize(
    ("overrides", "expected", "promoted"),
    [
        ({}, PrimaryOutcome.EXCELLENT, True),
        ({"tests": {"TOAN": 8}}, PrimaryOutcome.GOOD, True),
        ({"levels": {"DD": "H"}}, PrimaryOutcome.COMPLETED, True),
        ({"traits": {"nhan_ai": "D"}}, PrimaryOutcome.COMPLETED, True),
        ({"tests": {"NN1": 4}}, PrimaryOutcome.NOT_COMPLETED, False),
        ({"traits": {"tinh_toan": "C"}}, PrimaryOutcome.NOT_COMPLETED, False),
        ({"levels": {"GDTC": "C"}}, PrimaryOutcome.NOT_COMPLETED, False),
    ],
)
def test_complete_year_gets_the_outcome_of_circular_27(p, overrides, expected, promoted):
    put_year_end(p.school_class, p.learners[0], **overrides)
    primary_results_compute(school_class=p.school_class)
    row = result(p.learners[0])
    assert (row.outcome, row.missing, row.promoted) == (expected, [], promoted)
    assert row.award == (PrimaryAward.EXCELLENT if expected == PrimaryOutcome.EXCELLENT else "")


def test_outstanding_learner_with_good_result_is_a_model_pupil(p):
    learner = p.learners[0]
    put_year_end(p.school_class, learner, tests={"TV": 7})
    services.primary_outstanding_set(actor=p.homeroom, school_class=p.school_class,
                                     student=learner, outstanding=True)  # fmt: skip
    assert (result(learner).outcome, result(learner).award) == (
        PrimaryOutcome.GOOD, PrimaryAward.OUTSTANDING,
    )  # fmt: skip
    primary_results_compute(school_class=p.school_class)
    assert result(learner).outstanding is True  # survives a recomputation
    services.primary_outstanding_set(actor=p.homeroom, school_class=p.school_class,
                                     student=learner, outstanding=False)  # fmt: skip
    assert result(learner).award == ""


def test_optional_foreign_language_counts_only_for_learners_taking_it(tree, users, year):
    school_class = registry.class_create(actor=None, school=tree.school_b, year=year, grade=1,
                                         name="1A")  # fmt: skip
    without, taking = enrol(school_class, 2, start=700)
    put_year_end(school_class, without)
    put_year_end(school_class, taking)
    nn1 = Subject.objects.get(code="NN1")
    cell = {"school": tree.school_b, "year": year, "school_class": school_class,
            "student": taking, "subject": nn1}  # fmt: skip
    PrimarySubjectAssessment.objects.create(term=1, stage=Stage.MID, level="T", **cell)
    primary_results_compute(school_class=school_class)
    assert result(without).outcome == PrimaryOutcome.EXCELLENT
    assert "trait:tin_hoc" not in result(without).missing  # grades 1–2: not assessed
    assert (result(taking).outcome, result(taking).missing) == (None, ["level:NN1"])
    PrimarySubjectAssessment.objects.create(term=2, stage=Stage.END, level="C", **cell)
    primary_results_compute(school_class=school_class)
    assert result(taking).outcome == PrimaryOutcome.NOT_COMPLETED
    assert result(without).outcome == PrimaryOutcome.EXCELLENT


def test_recomputing_unchanged_data_writes_nothing(p):
    for learner in p.learners:
        put_year_end(p.school_class, learner)
    first = primary_results_compute(school_class=p.school_class)
    assert first.written == 3
    assert first.complete == 3
    before = list(PrimaryYearResult.objects.values_list("id", "computed_at"))
    again = primary_results_compute(school_class=p.school_class)
    assert again.written == 0
    assert list(PrimaryYearResult.objects.values_list("id", "computed_at")) == before


def test_a_class_costs_the_same_queries_whatever_its_size(p):
    for learner in p.learners:
        put_year_end(p.school_class, learner)
    with CaptureQueriesContext(connection) as small:
        primary_results_compute(school_class=p.school_class)
    more = enrol(p.school_class, 10, start=600)
    for learner in more:
        put_year_end(p.school_class, learner)
    PrimaryYearResult.objects.all().delete()
    with CaptureQueriesContext(connection) as large:
        primary_results_compute(school_class=p.school_class)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_only_the_given_learners_are_recomputed(p):
    for learner in p.learners:
        put_year_end(p.school_class, learner)
    outcome = primary_results_compute(school_class=p.school_class, student_ids=[p.learners[1].pk])
    assert outcome.learners == 1
    assert list(PrimaryYearResult.objects.values_list("student_id", flat=True)) == [
        p.learners[1].pk
    ]


def test_a_secondary_class_is_skipped(people):
    outcome = primary_results_compute(school_class=people.school_class)
    assert (outcome.classes, outcome.skipped_classes) == (0, 1)
