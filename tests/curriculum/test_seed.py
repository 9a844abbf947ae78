"""The seed migration reproduces the 2018 program (DOMAIN.md §3) and can run twice."""

import pytest

from hocso.curriculum.models import AssessmentMode, ElectiveGroup, GradeSubject, Subject
from hocso.curriculum.selectors import subjects_for_grade

from .conftest import run_seed, run_unseed

# DOMAIN.md §3, written out independently of the migration. Primary Nghệ thuật is seeded as
# its two parts, Âm nhạc (AN) and Mĩ thuật (MT).
PRIMARY_ARTS = {"AN", "MT"}
GRADE_1_2 = {"TV", "TOAN", "DD", "TNXH", "GDTC", *PRIMARY_ARTS, "HDTN"}
GRADE_3 = GRADE_1_2 | {"NN1", "TINCN"}
GRADE_4_5 = (GRADE_3 - {"TNXH"}) | {"KH", "LSDL"}
GRADE_6_9 = {"NV", "TOAN", "NN1", "GDCD", "LSDL", "KHTN", "CN", "TIN", "GDTC", "NT", "HDTN", "GDDP"}
GRADE_10_12 = {"NV", "TOAN", "NN1", "LS", "GDTC", "GDQPAN", "HDTN", "GDDP"}
ELECTIVES_10_12 = {"DL", "GDKTPL", "VL", "HH", "SH", "CN", "TIN", "AN", "MT"}

# grade: (compulsory subjects, optional subjects outside any group, 10–12 electives)
EXPECTED = {
    1: (GRADE_1_2, {"NN1"}, set()),
    2: (GRADE_1_2, {"NN1"}, set()),
    3: (GRADE_3, set(), set()),
    4: (GRADE_4_5, set(), set()),
    5: (GRADE_4_5, set(), set()),
    **{grade: (GRADE_6_9, set(), set()) for grade in (6, 7, 8, 9)},
    **{grade: (GRADE_10_12, set(), ELECTIVES_10_12) for grade in (10, 11, 12)},
}

# Circular 22: assessed by comment only in grades 6–12 (DOMAIN.md §1).
COMMENT_ONLY = {"GDTC", "NT", "AN", "MT", "GDDP", "HDTN"}


def _codes(rows, **filters):
    return {
        row.subject.code for row in rows if all(getattr(row, k) == v for k, v in filters.items())
    }


@pytest.mark.parametrize("grade", range(1, 13))
def test_seed_gives_exactly_the_subjects_of_each_grade(seeded, grade):
    compulsory, optional, electives = EXPECTED[grade]
    rows = list(subjects_for_grade(grade))

    assert _codes(rows) == compulsory | optional | electives
    assert _codes(rows, is_compulsory=True) == compulsory
    assert _codes(rows, is_compulsory=False, elective_group="") == optional
    assert _codes(rows, elective_group=ElectiveGroup.UPPER_SECONDARY) == electives
    assert len(rows) == len(compulsory | optional | electives)  # no subject twice


def test_no_grade_outside_1_to_12_is_seeded(seeded):
    assert set(GradeSubject.objects.values_list("grade", flat=True)) == set(range(1, 13))


@pytest.mark.parametrize("grade", range(6, 13))
def test_comment_only_subjects_are_assessed_by_comment_in_grades_6_to_12(seeded, grade):
    for row in subjects_for_grade(grade):
        expected = (
            AssessmentMode.COMMENT if row.subject.code in COMMENT_ONLY else AssessmentMode.SCORED
        )
        assert row.effective_assessment_mode == expected, row.subject.code
        assert row.is_comment_only is (expected == AssessmentMode.COMMENT)


@pytest.mark.parametrize("grade", range(1, 6))
def test_every_primary_subject_is_assessed_by_level(seeded, grade):
    modes = {row.effective_assessment_mode for row in subjects_for_grade(grade)}

    assert modes == {AssessmentMode.PRIMARY}


@pytest.mark.parametrize(
    ("grade", "periodic", "midterm"),
    [
        (1, {"TV", "TOAN"}, set()),
        (2, {"TV", "TOAN"}, set()),
        (3, {"TV", "TOAN", "NN1", "TINCN"}, set()),
        (4, {"TV", "TOAN", "NN1", "LSDL", "KH", "TINCN"}, {"TV", "TOAN"}),
        (5, {"TV", "TOAN", "NN1", "LSDL", "KH", "TINCN"}, {"TV", "TOAN"}),
        (8, set(), set()),
        (11, set(), set()),
    ],
)
def test_periodic_tests_follow_circular_27(seeded, grade, periodic, midterm):
    rows = list(subjects_for_grade(grade))

    assert _codes(rows, has_periodic_tests=True) == periodic
    assert _codes(rows, has_midterm_tests=True) == midterm


# Totals stated by the program for each grade, optional subjects not counted: a typo in any
# single figure of the seed changes its grade's total.
@pytest.mark.parametrize(
    ("grade", "total"),
    [
        (1, 875),
        (2, 875),
        (3, 980),
        (4, 1050),
        (5, 1050),
        (6, 1015),
        (7, 1015),
        (8, 1032),
        (9, 1032),
    ],
)
def test_yearly_periods_add_up_to_the_programs_totals(seeded, grade, total):
    rows = subjects_for_grade(grade).filter(is_compulsory=True)

    assert sum(row.periods_per_year for row in rows) == total


@pytest.mark.parametrize(
    ("grade", "code", "periods"),
    [
        (1, "TV", 420), (2, "TV", 350), (3, "TV", 245), (5, "TV", 245),
        (1, "TOAN", 105), (2, "TOAN", 175), (5, "TOAN", 175),
        (1, "NN1", 70), (3, "NN1", 140), (1, "AN", 35), (1, "MT", 35),
        (6, "TOAN", 140), (9, "NV", 140), (7, "NN1", 105), (6, "GDCD", 35), (8, "LSDL", 105),
        (9, "KHTN", 140), (6, "CN", 35), (7, "CN", 35), (8, "CN", 52), (9, "CN", 52),
        (6, "TIN", 35), (6, "GDTC", 70), (6, "NT", 70), (6, "HDTN", 105), (6, "GDDP", 35),
        (10, "NV", 105), (11, "TOAN", 105), (12, "NN1", 105), (10, "LS", 52),
        (10, "GDTC", 70), (10, "GDQPAN", 35), (12, "HDTN", 105), (12, "GDDP", 35),
    ],
)  # fmt: skip
def test_official_yearly_periods(seeded, grade, code, periods):
    from hocso.curriculum.selectors import grade_subject_get

    assert grade_subject_get(grade, code).periods_per_year == periods


@pytest.mark.parametrize("grade", [10, 11, 12])
def test_every_upper_secondary_elective_has_70_periods(seeded, grade):
    rows = subjects_for_grade(grade).filter(elective_group=ElectiveGroup.UPPER_SECONDARY)

    assert {row.periods_per_year for row in rows} == {70}


def test_experiential_activities_are_named_with_career_guidance_from_grade_6(seeded):
    names = {
        row.grade: row.display_name for row in GradeSubject.objects.filter(subject__code="HDTN")
    }

    assert {names[g] for g in range(1, 6)} == {"Hoạt động trải nghiệm"}
    assert {names[g] for g in range(6, 13)} == {"Hoạt động trải nghiệm, hướng nghiệp"}


def test_seeded_text_is_nfc(seeded):
    import unicodedata

    for text in [*Subject.objects.values_list("name", flat=True)] + [
        row.display_name for row in GradeSubject.objects.select_related("subject")
    ]:
        assert unicodedata.is_normalized("NFC", text), text


def _snapshot():
    return (
        sorted(Subject.objects.values_list("code", "name", "assessment_mode", "sort_order")),
        sorted(
            GradeSubject.objects.values_list(
                "grade",
                "subject__code",
                "name",
                "periods_per_year",
                "is_compulsory",
                "elective_group",
                "assessment_mode",
                "has_periodic_tests",
                "has_midterm_tests",
            )
        ),
    )


def test_seed_is_idempotent(seeded):
    before = _snapshot()
    subject_ids = set(Subject.objects.values_list("pk", flat=True))

    run_seed()
    run_seed()

    assert _snapshot() == before
    assert set(Subject.objects.values_list("pk", flat=True)) == subject_ids
    assert Subject.objects.count() == 26
    assert GradeSubject.objects.count() == sum(len(set().union(*e)) for e in EXPECTED.values())


def test_seed_restores_an_official_figure(seeded):
    GradeSubject.objects.filter(grade=8, subject__code="TOAN").update(periods_per_year=1)

    run_seed()

    assert GradeSubject.objects.get(grade=8, subject__code="TOAN").periods_per_year == 140


def test_reverse_removes_only_the_seeded_rows(seeded):
    khmer = Subject.objects.create(code="KHMER", name="Tiếng Khmer", assessment_mode="primary")
    GradeSubject.objects.create(
        grade=3, subject=khmer, periods_per_year=70, is_compulsory=False, assessment_mode="primary"
    )
    # A seeded row already removed by hand does not stop the reverse.
    GradeSubject.objects.filter(grade=12, subject__code="TOAN").delete()
    # A province officer's own row for a seeded subject (music taught apart in grade 6) keeps
    # that subject alive.
    GradeSubject.objects.create(
        grade=6, subject=Subject.objects.get(code="AN"), periods_per_year=35
    )

    run_unseed()

    assert list(GradeSubject.objects.values_list("grade", "subject__code").order_by("grade")) == [
        (3, "KHMER"),
        (6, "AN"),
    ]
    assert set(Subject.objects.values_list("code", flat=True)) == {"KHMER", "AN"}


def test_seed_agrees_with_the_assessment_rules_module(seeded):
    """The curriculum data and hocso.assessment.rules encode the same Circulars: they must
    agree on every seeded row (comment-only subjects, primary periodic and mid-term tests)."""
    from hocso.assessment import rules

    for row in GradeSubject.objects.select_related("subject"):
        code = row.subject.code
        assert code in rules.SUBJECTS
        if row.grade >= 6:
            assert row.is_comment_only is not rules.secondary_is_scored(code), (row.grade, code)
        else:
            tests = rules.primary_periodic_tests(code, row.grade)
            assert row.has_periodic_tests is bool(tests), (row.grade, code)
            assert row.has_midterm_tests is (rules.MID_TERM_1 in tests), (row.grade, code)
