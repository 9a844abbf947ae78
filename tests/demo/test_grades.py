"""Grades of the demo province: the generator on its own, then the small demo as loaded by
`hocso seed-demo --scale small` (once for the module, see conftest.py)."""

import random
from collections import Counter, defaultdict
from decimal import Decimal
from statistics import mean

import pytest
from django.db.models import Max, Min, Q
from django.urls import reverse

from hocso.accounts.models import AuditEntry, User
from hocso.assessment import access
from hocso.assessment.models import (
    GradebookLock,
    LearningResult,
    Level,
    LockStatus,
    Period,
    PrimaryOutcome,
    PrimarySubjectAssessment,
    PrimaryTraitAssessment,
    PrimaryYearResult,
    Score,
    ScoreKind,
    Stage,
    SubjectLevel,
    SubjectResult,
    TeachingAssignment,
    TermRecord,
    Transcript,
)
from hocso.assessment.rules import primary_traits_for_grade
from hocso.assessment.selectors import learner_results
from hocso.assessment.services import allowed_cells
from hocso.assessment.transcripts import format_code, hash_matches, transcript_verify
from hocso.curriculum.models import GradeSubject
from hocso.demo.accounts import GUARDIAN, PEOPLE_CLASS, STUDENT, TEACHER
from hocso.demo.grades import (
    ELECTIVES,
    GENERAL_COMMENTS,
    HOMEROOM_SUBJECTS,
    STAND_INS,
    SUBJECT_COMMENTS,
    TEST_STAGE,
    ClassSpec,
    GradeGenerator,
    SubjectSpec,
    TeacherSpec,
    assign_teachers,
    cell_day,
    class_subjects,
    electives_for,
)
from hocso.demo.load import GRADE_TERMS, _curriculum, _points_reached, _rosters
from hocso.demo.plan import AS_OF, CURRENT_YEAR, EARLIER_YEAR, PREVIOUS_YEAR
from hocso.demo.roster import ROSTER
from hocso.orgs.models import SchoolType, SchoolYear
from hocso.registry.models import Enrollment, SchoolClass, Staff, Student

SCORED = SubjectSpec("TOAN", "Toán", "scored", (("regular", 1), ("regular", 2),
                     ("regular", 3), ("regular", 4), ("midterm", 1), ("final", 1)), 140, True)  # fmt: skip
COMMENT = SubjectSpec("GDTC", "Giáo dục thể chất", "comment",
                      (("regular", 1), ("regular", 2), ("regular", 3), ("midterm", 1),
                       ("final", 1)), 70, True)  # fmt: skip
PRIMARY = SubjectSpec("TV", "Tiếng Việt", "primary", (("midterm", 1), ("final", 1)), 245, True)
SCHOOL = next(s for s in ROSTER if s.school_type == SchoolType.LOWER_SECONDARY)
LEARNERS = [f"84{n:08d}" for n in range(40)]


def _scores(generator, learners=LEARNERS, subjects=(SCORED, COMMENT, PRIMARY), **where):
    where = {"school": SCHOOL, "year": CURRENT_YEAR, "term": 1, "class_name": "8A1", **where}
    return generator.class_scores(learners=learners, subjects=subjects, **where)


# --- the generator --------------------------------------------------------------------------------


def test_same_seed_gives_the_same_grades_and_another_seed_other_grades():
    first = _scores(GradeGenerator(5))
    assert first == _scores(GradeGenerator(5))
    assert first != _scores(GradeGenerator(6))
    records = {"school": SCHOOL, "year": CURRENT_YEAR, "term": 1, "class_name": "8A1",
               "learners": LEARNERS, "with_conduct": True}  # fmt: skip
    assert GradeGenerator(5).class_records(**records) == GradeGenerator(5).class_records(**records)


def test_a_learner_keeps_their_ability_in_every_class_term_and_year():
    """Ability comes from the learner's code, not from the order of generation."""
    a, b = GradeGenerator(5), GradeGenerator(5)
    list(map(b.ability, reversed(LEARNERS)))
    assert [a.ability(k) for k in LEARNERS] == [b.ability(k) for k in LEARNERS]
    strong = max(LEARNERS, key=a.ability)
    weak = min(LEARNERS, key=a.ability)
    for year, term in ((PREVIOUS_YEAR, 1), (PREVIOUS_YEAR, 2), (CURRENT_YEAR, 1)):
        values = defaultdict(list)
        for index, _code, _kind, _seq, value, _passed in _scores(
            a, subjects=[SCORED], year=year, term=term
        ):
            values[LEARNERS[index]].append(value)
        assert mean(values[strong]) > mean(values[weak])


def test_each_subject_gets_exactly_its_grade_book_columns_for_every_learner():
    cells = Counter((i, code) for i, code, *_ in _scores(GradeGenerator(1)))
    for index in range(len(LEARNERS)):
        assert cells[(index, "TOAN")] == 6
        assert cells[(index, "GDTC")] == 5
        assert cells[(index, "TV")] == 2
    no_scores = SubjectSpec("DD", "Đạo đức", "primary", (), 35, True)
    assert _scores(GradeGenerator(1), subjects=[no_scores]) == []


def test_values_follow_circular_22_and_27():
    rows = _scores(GradeGenerator(3), learners=[f"84{n:08d}" for n in range(400)])
    for _i, code, kind, _seq, value, passed in rows:
        if code == "GDTC":
            assert value is None and isinstance(passed, bool)
        elif code == "TV":  # primary periodic tests: integers 1–10
            assert passed is None and value == value.to_integral() and 1 <= value <= 10
        else:
            assert passed is None and Decimal(0) <= value <= Decimal(10)
            assert value.as_tuple().exponent == -1  # one decimal, as the grade book stores it
            if kind != ScoreKind.REGULAR:  # papers marked in quarters, recorded half-up
                assert int(value * 10) % 10 in (0, 3, 5, 8)
    regular = [v for _i, c, k, _s, v, _p in rows if c == "TOAN" and k == ScoreKind.REGULAR]
    whole = sum(v == v.to_integral() for v in regular) / len(regular)
    halves = sum(v % 1 == Decimal("0.5") for v in regular) / len(regular)
    assert 0.55 < whole < 0.85 and 0.08 < halves < 0.3 and whole + halves < 0.95


def test_comment_subjects_are_mostly_dat_with_a_few_chua_dat():
    learners = [f"84{n:08d}" for n in range(3000)]
    failed = {i for i, _c, _k, _s, _v, passed in
              _scores(GradeGenerator(2), learners=learners, subjects=[COMMENT]) if not passed}  # fmt: skip
    assert 0 < len(failed) < 0.03 * len(learners)


def test_days_absent_are_mostly_a_few_and_conduct_mostly_good():
    records = GradeGenerator(4).class_records(
        school=SCHOOL, year=CURRENT_YEAR, term=1, class_name="8A1",
        learners=[f"84{n:08d}" for n in range(5000)], with_conduct=True,
    )  # fmt: skip
    days = [d for d, _c in records]
    assert sum(d <= 5 for d in days) / len(days) > 0.8
    assert any(d > 10 for d in days) and max(days) <= 60
    conduct = Counter(c for _d, c in records)
    assert conduct[Level.GOOD] / len(records) > 0.7
    assert conduct[Level.GOOD] > conduct[Level.FAIR] > conduct[Level.PASS] > 0
    primary = GradeGenerator(4).class_records(
        school=SCHOOL, year=CURRENT_YEAR, term=1, class_name="3A",
        learners=LEARNERS, with_conduct=False,
    )  # fmt: skip
    assert {c for _d, c in primary} == {""}


PRIMARY_SUBJECTS = (
    SubjectSpec("TV", "Tiếng Việt", "primary", (("midterm", 1), ("final", 1)), 245, True),
    SubjectSpec("TOAN", "Toán", "primary", (("midterm", 1), ("final", 1)), 175, True),
    SubjectSpec("DD", "Đạo đức", "primary", (), 35, True),
)
PRIMARY_SCHOOL = next(s for s in ROSTER if s.school_type == SchoolType.PRIMARY)


def _primary_levels(generator, classes=30):
    """Levels of `classes` grade-5 classes at both points of term II, with their tests."""
    out = []
    for n in range(classes):
        learners = [f"85{n:04d}{i:04d}" for i in range(35)]
        where = {"school": PRIMARY_SCHOOL, "year": PREVIOUS_YEAR, "term": 2,
                 "class_name": f"5A{n}", "learners": learners}  # fmt: skip
        tests = {
            (i, code, TEST_STAGE[kind]): int(value)
            for i, code, kind, _seq, value, _p in generator.class_scores(
                subjects=PRIMARY_SUBJECTS, **where
            )
        }
        levels, traits = generator.primary_levels(
            grade=5, subjects=PRIMARY_SUBJECTS, stages=[Stage.MID, Stage.END], tests=tests,
            **where,
        )  # fmt: skip
        out.append((learners, tests, levels, traits))
    return out


def test_same_seed_gives_the_same_primary_levels_and_another_seed_others():
    assert _primary_levels(GradeGenerator(3), 2) == _primary_levels(GradeGenerator(3), 2)
    assert _primary_levels(GradeGenerator(3), 2) != _primary_levels(GradeGenerator(4), 2)


def test_primary_levels_follow_the_tests_and_chua_hoan_thanh_is_rare():
    counts, strong, weak = Counter(), Counter(), Counter()
    trait_counts = Counter()
    for learners, tests, levels, traits in _primary_levels(GradeGenerator(5)):
        assert len(levels) == len(learners) * len(PRIMARY_SUBJECTS) * 2
        assert len(traits) == len(learners) * len(primary_traits_for_grade(5)) * 2
        for i, code, stage, level, comment in levels:
            counts[level] += 1
            bank = SUBJECT_COMMENTS.get(code, {}).get(level, ()) + GENERAL_COMMENTS[level]
            assert comment in bank
            test = tests.get((i, code, stage))
            if code == "TOAN" and test is not None and test >= 9:
                strong[level] += 1
            if test is not None and test <= 5:
                weak[level] += 1
        trait_counts.update(level for *_rest, level in traits)
    total = sum(counts.values())
    assert 0.3 < counts[SubjectLevel.GOOD] / total < 0.65
    assert 0.005 < counts[SubjectLevel.NOT_DONE] / total < 0.04
    assert strong[SubjectLevel.GOOD] > 0.85 * sum(strong.values())
    assert weak[SubjectLevel.GOOD] == 0
    traits_total = sum(trait_counts.values())
    assert 0.3 < trait_counts["T"] / traits_total < 0.7
    assert 0 < trait_counts["C"] / traits_total < 0.02


def test_the_phrase_banks_are_short_vietnamese_sentences():
    banks = [*GENERAL_COMMENTS.values()]
    banks += [bank for by_level in SUBJECT_COMMENTS.values() for bank in by_level.values()]
    assert all(len(GENERAL_COMMENTS[level]) >= 8 for level in SubjectLevel)
    for phrase in (p for bank in banks for p in bank):
        assert len(phrase) <= 80 and phrase.endswith(".") and phrase[0].isupper()
        assert any(ord(ch) > 127 for ch in phrase)  # written with Vietnamese diacritics


def test_upper_secondary_classes_take_four_electives_by_track():
    assert electives_for(10, "10A1") == ELECTIVES["A"][0]
    assert electives_for(11, "11A2") == ELECTIVES["A"][1]
    assert electives_for(12, "12C1") == ELECTIVES["C"][0]
    assert electives_for(9, "9A1") == ()
    grade_subjects = [
        SubjectSpec("NV", "Ngữ văn", "scored", (), 105, True),
        SubjectSpec("VL", "Vật lí", "scored", (), 70, False),
        SubjectSpec("DL", "Địa lí", "scored", (), 70, False),
    ]
    assert [s.code for s in class_subjects(10, "10A1", grade_subjects)] == ["NV", "VL"]
    assert [s.code for s in class_subjects(10, "10C1", grade_subjects)] == ["NV", "DL"]


def test_teachers_are_assigned_by_subject_homeroom_first_then_stand_ins():
    teachers = [
        TeacherSpec.parse(1, "teacher", "Toán; Tin học"),
        TeacherSpec.parse(2, "teacher", "Toán"),
        TeacherSpec.parse(3, "teacher", "Âm nhạc"),
        TeacherSpec.parse(4, "principal", "Ngữ văn"),
        TeacherSpec.parse(5, "staff", ""),
    ]
    subjects = {
        10: [SCORED, SubjectSpec("NT", "Nghệ thuật", "comment", (), 70, True),
             SubjectSpec("HDTN", "Hoạt động trải nghiệm", "comment", (), 105, True),
             SubjectSpec("NV", "Ngữ văn", "scored", (), 140, True)],
        11: [SCORED],
        12: [SCORED],
    }  # fmt: skip
    classes = [ClassSpec(10, 8, "8A1", 2), ClassSpec(11, 8, "8A2", 3), ClassSpec(12, 8, "8A3", 3)]
    assigned = {(c, s): t for c, s, t in assign_teachers(classes, teachers, subjects)}
    assert assigned[(10, "TOAN")] == 2  # the homeroom teacher teaches their subject in their class
    assert assigned[(10, "NT")] == 3  # no arts teacher: the music teacher
    assert assigned[(10, "HDTN")] == 2  # experiential activities: the homeroom teacher
    assert assigned[(10, "NV")] == 2  # no literature teacher (the principal does not count)
    assert assigned[(11, "TOAN")] == 1  # the other maths teacher, less loaded than teacher 2
    assert {assigned[(11, "TOAN")], assigned[(12, "TOAN")]} <= {1, 2}
    assert 5 not in assigned.values() and 4 not in assigned.values()


# --- the small demo -------------------------------------------------------------------------------


def _classes(year: str):
    return SchoolClass.objects.filter(year__code=year, grade__gte=6)


@pytest.mark.django_db
def test_summary_reports_the_grade_books_the_results_and_the_transcripts(demo):
    assert "Sổ điểm (học kì I 2025-2026, học kì II 2025-2026, học kì I 2026-2027)" in demo.output
    assert "Kết quả học tập cả năm 2025-2026: Tốt" in demo.output
    assert "Kết quả học tập học kì I 2026-2027: chưa đủ điểm" in demo.output
    issued = Transcript.objects.filter(year__code=PREVIOUS_YEAR)
    secondary = issued.filter(content__class__grade__gt=5).count()
    primary = issued.filter(content__class__grade__lte=5).count()
    line = (
        f"Học bạ số năm học 2025-2026: đã cấp {secondary:,} bản cho học sinh khối 6–12 và "
        f"{primary:,} bản cho học sinh tiểu học"
    ).replace(",", ".")
    assert line in demo.output
    assert "Kết quả cả năm tiểu học 2025-2026: Hoàn thành xuất sắc" in demo.output


def _due(subject: GradeSubject, year: SchoolYear) -> set[tuple[str, int]]:
    """The columns of term I of `year` due by the demo's day."""
    cells = allowed_cells(subject)
    regular = sum(1 for kind, _seq in cells if kind == ScoreKind.REGULAR)
    return {
        (kind, seq) for kind, seq in cells
        if cell_day(kind, seq, regular, year.start_date, year.term1_end) <= AS_OF
    }  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("year_code", [PREVIOUS_YEAR, CURRENT_YEAR])
def test_every_secondary_class_subject_of_term_one_has_the_assessments_due(demo, year_code):
    """Every learner on a class's list at the end of term I (or now, for this year's) has the
    columns of every subject the class takes (its grade's compulsory subjects and, in grades
    10–12, four electives): all of them last year; this year those due by the demo's day."""
    year = SchoolYear.objects.get(code=year_code)
    complete = year_code == PREVIOUS_YEAR
    grade_subjects = {
        (gs.grade, gs.subject_id): gs for gs in GradeSubject.objects.select_related("subject")
    }
    taught = defaultdict(set)
    for class_id, subject_id in TeachingAssignment.objects.filter(year=year).values_list(
        "school_class_id", "subject_id"
    ):
        taught[class_id].add(subject_id)
    cells = defaultdict(lambda: defaultdict(set))  # (class, subject) → student → columns
    for class_id, subject_id, student_id, kind, seq in Score.objects.filter(
        year=year, term=1
    ).values_list("school_class_id", "subject_id", "student_id", "kind", "seq"):
        cells[(class_id, subject_id)][student_id].add((kind, seq))
    # On the list on the term's last day; a learner who moved that very day, in the new class.
    latest = {}
    for student_id, class_id in (
        Enrollment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=year.term1_end),
            year=year, start_date__lte=year.term1_end,
        ).order_by("start_date", "id").values_list("student_id", "school_class_id")
    ):  # fmt: skip
        latest[student_id] = class_id
    on_list = defaultdict(set)
    for student_id, class_id in latest.items():
        on_list[class_id].add(student_id)
    classes = list(_classes(year_code))
    assert len(classes) > 30
    for school_class in classes:
        subjects = taught[school_class.pk]
        compulsory = {s for (g, s), gs in grade_subjects.items()
                      if g == school_class.grade and gs.is_compulsory}  # fmt: skip
        assert compulsory <= subjects, school_class
        electives = subjects - compulsory
        assert len(electives) == (4 if school_class.grade >= 10 else 0), school_class
        for subject_id in subjects:
            subject = grade_subjects[(school_class.grade, subject_id)]
            required = set(allowed_cells(subject)) if complete else _due(subject, year)
            got = cells[(school_class.pk, subject_id)]
            assert set(got) == on_list[school_class.pk], (school_class, subject_id)
            assert {frozenset(c) for c in got.values()} == {frozenset(required)}, (
                school_class, subject_id)  # fmt: skip


@pytest.mark.django_db
def test_this_years_term_one_has_regular_and_mid_term_assessments_but_no_end_of_term(demo):
    """Late November: the mid-term papers and most regular assessments are in, the last regular
    assessment of subjects with three or four is not, nor any end-of-term paper."""
    year = SchoolYear.objects.get(code=CURRENT_YEAR)
    kinds = Counter(Score.objects.filter(year=year).values_list("kind", flat=True))
    assert kinds[ScoreKind.REGULAR] > kinds[ScoreKind.MIDTERM] > 0
    assert kinds[ScoreKind.FINAL] == 0
    seqs = set(
        Score.objects.filter(year=year, kind=ScoreKind.REGULAR).values_list("seq", flat=True)
    )
    assert seqs == {1, 2, 3}
    entered = Score.objects.filter(year=year).aggregate(first=Min("updated_at"),
                                                        last=Max("updated_at"))  # fmt: skip
    assert entered["first"].date() >= year.start_date and entered["last"].date() <= AS_OF


@pytest.mark.django_db
def test_last_year_has_both_terms_and_this_year_term_two_is_empty(demo):
    terms = set(Score.objects.values_list("year__code", "term").distinct())
    assert terms == set(GRADE_TERMS)
    assert not Score.objects.filter(year__code=CURRENT_YEAR, term=2).exists()
    assert not Score.objects.filter(year__code=EARLIER_YEAR).exists()
    # Primary classes have their periodic tests, integers: last year's mid-term and end-of-term
    # tests, this year's grade 4–5 mid-term tests so far.
    primary = Score.objects.filter(school_class__grade__lte=5, year__code=PREVIOUS_YEAR)
    assert set(primary.values_list("kind", flat=True)) == {ScoreKind.MIDTERM, ScoreKind.FINAL}
    assert all(v == v.to_integral() for v in primary.values_list("value", flat=True)[:2000])
    now = Score.objects.filter(school_class__grade__lte=5, year__code=CURRENT_YEAR)
    assert set(now.values_list("kind", flat=True)) == {ScoreKind.MIDTERM}
    assert set(now.values_list("school_class__grade", flat=True)) == {4, 5}


@pytest.mark.django_db
def test_class_averages_are_realistic_with_some_weak_learners(demo):
    class_of = dict(
        LearningResult.objects.filter(year__code=PREVIOUS_YEAR, term=1).values_list(
            "student_id", "school_class_id"
        )
    )
    averages = defaultdict(list)
    for student_id, average in SubjectResult.objects.filter(
        year__code=PREVIOUS_YEAR, term=1, average__isnull=False
    ).values_list("student_id", "average"):
        averages[class_of[student_id]].append(float(average))
    class_means = [mean(v) for v in averages.values() if len(v) > 100]
    assert len(class_means) > 30
    assert 6.5 <= mean(class_means) <= 7.5
    assert sum(6.0 <= m <= 8.0 for m in class_means) / len(class_means) > 0.9
    results = SubjectResult.objects.filter(year__code=PREVIOUS_YEAR, term=1)
    scored = results.filter(average__isnull=False).count()
    weak = results.filter(average__lt=5).count()
    assert 0.02 * scored < weak < 0.15 * scored
    not_passed = results.filter(passed=False).count()
    assert 0 < not_passed < 0.03 * results.filter(passed__isnull=False).count()


@pytest.mark.django_db
def test_results_are_computed_with_every_level_present(demo):
    first = LearningResult.objects.filter(year__code=PREVIOUS_YEAR, term=Period.FIRST)
    levels = Counter(first.values_list("level", flat=True))
    assert set(levels) >= set(Level.values)
    learners = sum(levels.values())
    assert levels[None] <= 0.01 * learners  # a learner who changed elective track mid-year
    assert levels[Level.FAIL] < 0.1 * learners
    assert levels[Level.FAIR] > levels[Level.GOOD] and levels[Level.FAIR] > levels[Level.FAIL]
    # Last year: term and year results, with promotion decided and a few awards.
    year = LearningResult.objects.filter(year__code=PREVIOUS_YEAR, term=Period.YEAR)
    assert set(year.values_list("level", flat=True)) >= set(Level.values)
    promoted = Counter(year.values_list("promoted", flat=True))
    assert promoted[True] > 0.85 * year.count() and promoted[False] > 0
    assert year.exclude(award="").exists()
    assert (
        TermRecord.objects.filter(year__code=PREVIOUS_YEAR, term=Period.YEAR)
        .exclude(conduct="")
        .count()
        == year.count()
    )
    # This year's term I is under way: no learner has a level yet, for want of end-of-term papers.
    now = LearningResult.objects.filter(year__code=CURRENT_YEAR, term=Period.FIRST)
    assert now.count() > 1000
    assert set(now.values_list("level", flat=True)) == {None}
    assert not LearningResult.objects.filter(year__code=CURRENT_YEAR, term=Period.YEAR).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("term", [1, 2])
def test_days_absent_and_conduct_are_recorded_per_learner_and_term(demo, term):
    records = TermRecord.objects.filter(year__code=PREVIOUS_YEAR, term=term)
    secondary = records.filter(school_class__grade__gte=6)
    conduct = Counter(secondary.values_list("conduct", flat=True))
    assert "" not in conduct
    assert conduct[Level.GOOD] > 0.7 * secondary.count()
    assert set(records.filter(school_class__grade__lte=5).values_list("conduct", flat=True)) == {""}
    days = list(records.values_list("days_absent", flat=True))
    assert sum(d <= 5 for d in days) > 0.8 * len(days) and max(days) > 10
    scored = set(Score.objects.filter(year__code=PREVIOUS_YEAR, term=term).values_list(
        "student_id", flat=True).distinct())  # fmt: skip
    assert scored == set(records.values_list("student_id", flat=True))


@pytest.mark.django_db
def test_this_terms_records_have_the_days_absent_so_far_and_no_conduct_yet(demo):
    now = TermRecord.objects.filter(year__code=CURRENT_YEAR, term=1)
    assert set(now.values_list("conduct", flat=True)) == {""}
    days_now = list(now.values_list("days_absent", flat=True))
    days_then = list(
        TermRecord.objects.filter(year__code=PREVIOUS_YEAR, term=1).values_list(
            "days_absent", flat=True
        )
    )
    assert 0.4 < mean(days_now) / mean(days_then) < 0.8  # about 60% of the term has gone by
    # Every learner on a list has the record; grades 1–3 have no test before the end of term.
    scored = set(Score.objects.filter(year__code=CURRENT_YEAR, term=1).values_list(
        "student_id", flat=True).distinct())  # fmt: skip
    recorded = set(now.values_list("student_id", flat=True))
    assert scored <= recorded
    unscored = now.filter(student_id__in=recorded - scored)
    assert set(unscored.values_list("school_class__grade", flat=True)) == {1, 2, 3}


@pytest.mark.django_db
def test_teachers_of_the_school_teach_the_subjects_they_list(demo):
    """…or, where the school has no one for a subject, a teacher of a neighbouring subject (the
    music teacher for the arts), and as a last resort the homeroom teacher."""
    rows = TeachingAssignment.objects.select_related("staff", "subject", "school_class")
    by_subject = 0
    for assignment in rows:
        assert assignment.staff.school_id == assignment.school_class.school_id
        assert assignment.school_id == assignment.school_class.school_id
        assert assignment.year_id == assignment.school_class.year_id
        subjects = {s.strip() for s in assignment.staff.subjects.split(";")}
        homeroom = assignment.staff_id == assignment.school_class.homeroom_teacher_id
        code = assignment.subject.code
        listed = assignment.subject.name in subjects or subjects & set(STAND_INS.get(code, ()))
        assert listed or homeroom, assignment
        by_subject += bool(listed) or (homeroom and code in HOMEROOM_SUBJECTS)
    assert by_subject > 0.9 * rows.count()
    # The demo teacher account teaches their subject in their own homeroom class and may write it.
    teacher = User.objects.get(username=TEACHER)
    staff = Staff.objects.get(user=teacher)
    school_class = SchoolClass.objects.get(
        homeroom_teacher=staff, year__code=CURRENT_YEAR, name=PEOPLE_CLASS
    )
    mine = TeachingAssignment.objects.filter(staff=staff, school_class=school_class)
    assert mine.filter(subject__code="HDTN").exists() and mine.count() >= 2
    for assignment in mine:
        assert access.can_write_scores(teacher, school_class, assignment.subject)


@pytest.mark.django_db
def test_last_year_is_approved_and_locked_and_this_year_is_open(demo):
    last_year = SchoolClass.objects.filter(year__code=PREVIOUS_YEAR, grade__gte=1)
    with_grades = last_year.filter(
        pk__in=Score.objects.filter(year__code=PREVIOUS_YEAR).values("school_class_id")
    )
    locks = GradebookLock.objects.filter(year__code=PREVIOUS_YEAR)
    assert locks.count() == 2 * with_grades.count()
    assert set(locks.values_list("status", flat=True)) == {LockStatus.LOCKED}
    assert all(lock.events.count() == 2 for lock in locks[:20])
    assert not GradebookLock.objects.filter(year__code=CURRENT_YEAR).exists()


@pytest.mark.django_db
def test_the_demo_guardian_sees_their_childs_grade_six_year_and_this_term_so_far(demo):
    guardian = User.objects.get(username=GUARDIAN)
    child = Student.objects.get(user__username=STUDENT, guardianship__guardian__user=guardian)
    last_year = learner_results(
        actor=guardian, student=child, year=SchoolYear.objects.get(code=PREVIOUS_YEAR)
    )
    year = last_year.periods[Period.YEAR]
    assert year.learning is not None and year.learning.level in Level.values
    assert year.learning.promoted is True  # the child moved up to 7A1 after all
    for period in (Period.FIRST, Period.SECOND):
        term = last_year.periods[period]
        assert len(term.subjects) >= 10 and all(s.complete for s in term.subjects)
        assert term.record is not None and term.record.conduct in Level.values
    now = learner_results(
        actor=guardian, student=child, year=SchoolYear.objects.get(code=CURRENT_YEAR)
    ).periods[Period.FIRST]
    assert len(now.subjects) >= 10 and not any(s.complete for s in now.subjects)
    assert now.learning is not None and now.learning.level is None


@pytest.mark.django_db
def test_every_learner_with_a_complete_year_has_its_transcript(demo):
    complete = LearningResult.objects.filter(
        year__code=PREVIOUS_YEAR, term=Period.YEAR, level__isnull=False
    )
    primary = PrimaryYearResult.objects.filter(year__code=PREVIOUS_YEAR, outcome__isnull=False)
    transcripts = Transcript.objects.filter(year__code=PREVIOUS_YEAR)
    secondary_ones = transcripts.filter(content__class__grade__gt=5)
    primary_ones = transcripts.filter(content__class__grade__lte=5)
    assert secondary_ones.count() == complete.count() > 2000
    assert set(secondary_ones.values_list("student_id", flat=True)) == set(
        complete.values_list("student_id", flat=True)
    )
    assert primary_ones.count() == primary.count() > 500
    assert set(primary_ones.values_list("student_id", flat=True)) == set(
        primary.values_list("student_id", flat=True)
    )
    # The demo's primary school account has its learners' transcripts.
    assert primary_ones.filter(school__name="Trường Tiểu học Phường 1").count() > 100
    assert not transcripts.filter(version__gt=1).exists()
    assert not Transcript.objects.exclude(year__code=PREVIOUS_YEAR).exists()
    for transcript in transcripts.order_by("?")[:20]:
        assert hash_matches(transcript)
        assert transcript_verify(transcript.code).state == "valid"
    sample = primary_ones.order_by("?").first()
    assert sample.content["programme"] == "primary" and sample.content["traits"]
    assert all(s["level"] in ("T", "H", "C") for s in sample.content["subjects"])


@pytest.mark.django_db
def test_transcripts_were_issued_a_class_at_a_time_with_one_audit_entry_per_class(demo):
    per_class = AuditEntry.objects.filter(action="transcript.issue_class")
    classes = set(
        Transcript.objects.filter(year__code=PREVIOUS_YEAR).values_list(
            "content__class__name", "school_id"
        )
    )
    assert per_class.count() == len(classes)
    assert sum(e.detail["issued"] for e in per_class) == Transcript.objects.count()
    assert AuditEntry.objects.filter(action="transcript.issue").count() == (
        Transcript.objects.count()
    )


@pytest.mark.django_db
def test_the_demo_guardian_opens_the_childs_transcript_and_its_pdf(demo, client):
    guardian = User.objects.get(username=GUARDIAN)
    child = Student.objects.get(user__username=STUDENT, guardianship__guardian__user=guardian)
    client.force_login(guardian)
    mine = client.get(reverse("transcripts:mine"))
    assert mine.status_code == 200 and child.full_name in mine.content.decode()
    transcript = Transcript.objects.get(student=child, year__code=PREVIOUS_YEAR)
    assert transcript.content["class"]["name"] == "6A1"
    page = client.get(reverse("transcripts:page", args=[child.pk, PREVIOUS_YEAR]))
    assert page.status_code == 200
    assert format_code(transcript.code) in page.content.decode()
    pdf = client.get(reverse("transcripts:pdf", args=[child.pk, PREVIOUS_YEAR]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


@pytest.mark.django_db
def test_loaded_grades_are_those_the_seed_generates(demo):
    """Regenerating one class's grade book from the seed gives the stored scores (this term's,
    the columns due by the demo's day)."""
    year = SchoolYear.objects.get(code=CURRENT_YEAR)
    school_class = SchoolClass.objects.select_related("school").get(
        school__name="Trường THCS Lý Tự Trọng", year=year, name=PEOPLE_CLASS
    )
    roster = _rosters([school_class.pk], {CURRENT_YEAR: year}, [(CURRENT_YEAR, 1)])
    roster = roster[(school_class.pk, 1)]
    specs, subject_ids = _curriculum()
    due = {gs.subject.code: _due(gs, year) for gs in GradeSubject.objects.filter(
        grade=school_class.grade).select_related("subject")}  # fmt: skip
    school = next(s for s in ROSTER if s.code == school_class.school.code)
    expected = {
        (roster[i][0], subject_ids[code], kind, seq): (value, passed)
        for i, code, kind, seq, value, passed in GradeGenerator(demo.seed).class_scores(
            school=school, year=CURRENT_YEAR, term=1, class_name=school_class.name,
            learners=[key for _id, key in roster],
            subjects=class_subjects(school_class.grade, school_class.name,
                                    specs[school_class.grade]),
        )
        if (kind, seq) in due[code]
    }  # fmt: skip
    assert expected
    stored = {
        (s, subject, kind, seq): (value, passed)
        for s, subject, kind, seq, value, passed in Score.objects.filter(
            school_class=school_class, year=year, term=1
        ).values_list("student_id", "subject_id", "kind", "seq", "value", "passed")
    }
    assert stored == expected


@pytest.mark.django_db
def test_a_sample_of_grade_rows_passes_full_validation(demo):
    rng = random.Random(1)
    for model in (Score, TermRecord, TeachingAssignment, GradebookLock, SubjectResult):
        bounds = model.objects.aggregate(low=Min("pk"), high=Max("pk"))
        ids = rng.sample(range(bounds["low"], bounds["high"] + 1), 80)
        rows = model.objects.filter(pk__in=ids)
        assert rows.exists()
        for row in rows:
            row.full_clean()


# --- primary levels (Circular 27) ---------------------------------------------------------------


@pytest.mark.django_db
def test_primary_levels_are_recorded_at_the_points_the_demos_day_has_reached(demo):
    points = {
        year: set(
            PrimarySubjectAssessment.objects.filter(year__code=year)
            .values_list("term", "stage")
            .distinct()
        )
        for year in (PREVIOUS_YEAR, CURRENT_YEAR)
    }
    every = {(1, Stage.MID), (1, Stage.END), (2, Stage.MID), (2, Stage.END)}
    assert points == {PREVIOUS_YEAR: every, CURRENT_YEAR: {(1, Stage.MID)}}
    trait_points = set(
        PrimaryTraitAssessment.objects.values_list("year__code", "term", "stage").distinct()
    )
    assert trait_points == {(PREVIOUS_YEAR, t, st) for t, st in every} | {
        (CURRENT_YEAR, 1, Stage.MID)
    }
    for year in (PREVIOUS_YEAR, CURRENT_YEAR):
        primary_classes = SchoolClass.objects.filter(year__code=year, grade__lte=5, grade__gte=1)
        with_levels = PrimarySubjectAssessment.objects.filter(year__code=year).values(
            "school_class_id"
        )
        assert primary_classes.exists()
        assert not primary_classes.exclude(pk__in=with_levels).exists()
    assert not PrimarySubjectAssessment.objects.filter(comment="").exists()
    assert not PrimarySubjectAssessment.objects.filter(school_class__grade__gt=5).exists()


@pytest.mark.django_db
def test_each_primary_learner_has_every_subject_and_trait_of_the_grade_at_a_point(demo):
    school_class = (
        SchoolClass.objects.filter(year__code=PREVIOUS_YEAR, grade=4).order_by("pk").first()
    )
    at_end = {"year__code": PREVIOUS_YEAR, "term": 2, "stage": Stage.END,
              "school_class": school_class}  # fmt: skip
    compulsory = set(
        GradeSubject.objects.filter(grade=4, is_compulsory=True).values_list(
            "subject__code", flat=True
        )
    )
    by_learner = defaultdict(set)
    for student_id, code in PrimarySubjectAssessment.objects.filter(**at_end).values_list(
        "student_id", "subject__code"
    ):
        by_learner[student_id].add(code)
    assert len(by_learner) >= 25
    assert all(codes == compulsory for codes in by_learner.values())
    traits = defaultdict(set)
    for student_id, trait in PrimaryTraitAssessment.objects.filter(**at_end).values_list(
        "student_id", "trait"
    ):
        traits[student_id].add(trait)
    assert set(traits) == set(by_learner)
    assert all(codes == set(primary_traits_for_grade(4)) for codes in traits.values())


@pytest.mark.django_db
def test_primary_levels_are_mostly_good_or_done_and_follow_the_maths_test(demo):
    levels = Counter(PrimarySubjectAssessment.objects.values_list("level", flat=True))
    total = sum(levels.values())
    assert 0.3 < levels[SubjectLevel.GOOD] / total < 0.65
    assert 0.005 < levels[SubjectLevel.NOT_DONE] / total < 0.04
    traits = Counter(PrimaryTraitAssessment.objects.values_list("level", flat=True))
    assert traits["T"] + traits["D"] > 0.98 * sum(traits.values()) and traits["C"] > 0
    tests = {
        (student_id, term): int(value)
        for student_id, term, value in Score.objects.filter(
            year__code=PREVIOUS_YEAR, subject__code="TOAN", kind=ScoreKind.FINAL,
            school_class__grade__lte=5,
        ).values_list("student_id", "term", "value")
    }  # fmt: skip
    strong = Counter(
        level
        for student_id, term, level in PrimarySubjectAssessment.objects.filter(
            year__code=PREVIOUS_YEAR, subject__code="TOAN", stage=Stage.END
        ).values_list("student_id", "term", "level")
        if tests.get((student_id, term), 0) >= 9
    )
    assert strong[SubjectLevel.GOOD] > 0.85 * sum(strong.values()) > 100


@pytest.mark.django_db
def test_last_years_primary_learners_have_their_year_results(demo):
    results = PrimaryYearResult.objects.filter(year__code=PREVIOUS_YEAR)
    outcomes = Counter(results.values_list("outcome", flat=True))
    learners = sum(outcomes.values())
    assert learners > 500 and outcomes[None] <= 0.01 * learners
    assert set(outcomes) >= set(PrimaryOutcome.values)
    assert outcomes[PrimaryOutcome.COMPLETED] > learners / 2
    assert outcomes[PrimaryOutcome.NOT_COMPLETED] < 0.1 * learners
    assert results.filter(outstanding=True).exists()
    # Every learner on a primary class's list at the end of last year has a result.
    on_lists = set(
        Enrollment.objects.filter(
            year__code=PREVIOUS_YEAR, school_class__grade__lte=5, school_class__grade__gte=1
        )
        .filter(Q(end_date__isnull=True) | Q(end_reason__in=["year_end", "graduation"]))
        .values_list("student_id", flat=True)
    )
    assert on_lists == set(results.values_list("student_id", flat=True))
    # This year is under way: results exist but none is decided.
    now = PrimaryYearResult.objects.filter(year__code=CURRENT_YEAR)
    assert now.exists() and not now.filter(outcome__isnull=False).exists()


@pytest.mark.django_db
def test_loaded_primary_levels_are_those_the_seed_generates(demo):
    """Regenerating one primary class's levels of last year's term II from the seed gives the
    stored ones (with the periodic tests stored beside them)."""
    year = SchoolYear.objects.get(code=PREVIOUS_YEAR)
    school_class = (
        SchoolClass.objects.filter(
            year=year, grade__gte=1, grade__lte=5, school__name="Trường Tiểu học Phường 1"
        )
        .select_related("school")
        .order_by("-grade", "name")
        .first()
    )
    grade = school_class.grade
    roster = _rosters([school_class.pk], {PREVIOUS_YEAR: year}, [(PREVIOUS_YEAR, 2)])
    roster = roster[(school_class.pk, 2)]
    specs, _ids = _curriculum()
    subjects = class_subjects(grade, school_class.name, specs[grade])
    school = next(s for s in ROSTER if s.code == school_class.school.code)
    generator = GradeGenerator(demo.seed)
    where = {"school": school, "year": PREVIOUS_YEAR, "term": 2, "class_name": school_class.name,
             "learners": [key for _id, key in roster]}  # fmt: skip
    tests = {
        (i, code, TEST_STAGE[kind]): int(value)
        for i, code, kind, _seq, value, _p in generator.class_scores(subjects=subjects, **where)
    }
    reached = _points_reached(year, 2, AS_OF)
    levels, _traits = generator.primary_levels(
        grade=grade, subjects=subjects, stages=list(reached), tests=tests, **where
    )
    expected = {(roster[i][0], code, stage): (level, comment)
                for i, code, stage, level, comment in levels}  # fmt: skip
    stored = {
        (student_id, code, stage): (level, comment)
        for student_id, code, stage, level, comment in PrimarySubjectAssessment.objects.filter(
            school_class=school_class, term=2
        ).values_list("student_id", "subject__code", "stage", "level", "comment")
    }
    assert expected and stored == expected


@pytest.mark.django_db
def test_the_learner_and_guardian_accounts_belong_to_the_same_people_as_before(demo):
    """Primary levels draw from random streams of their own: adding them changed nobody the
    secondary grades pick (the names seed 11 gives since the cohorts' sizes drift with the
    births, plan.cohort_factor)."""
    assert demo.seed == 11
    assert User.objects.get(username=STUDENT).full_name == "Châu Kha Na"
    assert User.objects.get(username=GUARDIAN).full_name == "Sơn Mỹ Như"
