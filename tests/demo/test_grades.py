"""Grades of the demo province: the generator on its own, then the small demo as loaded by
`hocso seed-demo --scale small` (once for the module, see conftest.py)."""

import random
from collections import Counter, defaultdict
from decimal import Decimal
from statistics import mean

import pytest
from django.db.models import Count, Max, Min, Q

from hocso.accounts.models import User
from hocso.assessment import access
from hocso.assessment.models import (
    GradebookLock,
    LearningResult,
    Level,
    LockStatus,
    Period,
    Score,
    ScoreKind,
    SubjectResult,
    TeachingAssignment,
    TermRecord,
)
from hocso.assessment.selectors import learner_results
from hocso.assessment.services import allowed_cells
from hocso.curriculum.models import GradeSubject
from hocso.demo.accounts import GUARDIAN, PEOPLE_CLASS, STUDENT, TEACHER
from hocso.demo.grades import (
    ELECTIVES,
    HOMEROOM_SUBJECTS,
    STAND_INS,
    ClassSpec,
    GradeGenerator,
    SubjectSpec,
    TeacherSpec,
    assign_teachers,
    class_subjects,
    electives_for,
)
from hocso.demo.load import GRADE_TERMS, _curriculum, _rosters
from hocso.demo.plan import CURRENT_YEAR, PREVIOUS_YEAR
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
def test_summary_reports_the_grade_books_and_the_results(demo):
    assert "Sổ điểm (học kì I 2024-2025, học kì II 2024-2025, học kì I 2025-2026)" in demo.output
    assert "Kết quả học tập học kì I 2025-2026: Tốt" in demo.output
    assert "Kết quả học tập cả năm 2024-2025: Tốt" in demo.output


@pytest.mark.django_db
def test_every_secondary_class_subject_of_term_one_has_every_required_assessment(demo):
    """Every learner on a class's list at the end of term I has every column of every subject
    the class takes: its grade's compulsory subjects and, in grades 10–12, four electives."""
    year = SchoolYear.objects.get(code=CURRENT_YEAR)
    grade_subjects = {
        (gs.grade, gs.subject_id): gs for gs in GradeSubject.objects.select_related("subject")
    }
    taught = defaultdict(set)
    for class_id, subject_id in TeachingAssignment.objects.filter(year=year).values_list(
        "school_class_id", "subject_id"
    ):
        taught[class_id].add(subject_id)
    cells = defaultdict(Counter)  # (class, subject) → student → cells
    for class_id, subject_id, student_id, n in (
        Score.objects.filter(year=year, term=1)
        .values_list("school_class_id", "subject_id", "student_id")
        .annotate(n=Count("id"))
    ):
        cells[(class_id, subject_id)][student_id] = n
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
    classes = list(_classes(CURRENT_YEAR))
    assert len(classes) > 30
    for school_class in classes:
        subjects = taught[school_class.pk]
        compulsory = {s for (g, s), gs in grade_subjects.items()
                      if g == school_class.grade and gs.is_compulsory}  # fmt: skip
        assert compulsory <= subjects, school_class
        electives = subjects - compulsory
        assert len(electives) == (4 if school_class.grade >= 10 else 0), school_class
        for subject_id in subjects:
            required = len(allowed_cells(grade_subjects[(school_class.grade, subject_id)]))
            got = cells[(school_class.pk, subject_id)]
            assert set(got) == on_list[school_class.pk], (school_class, subject_id)
            assert set(got.values()) == {required}, (school_class, subject_id)


@pytest.mark.django_db
def test_last_year_has_both_terms_and_this_year_term_two_is_empty(demo):
    terms = set(Score.objects.values_list("year__code", "term").distinct())
    assert terms == set(GRADE_TERMS)
    assert not Score.objects.filter(year__code=CURRENT_YEAR, term=2).exists()
    # Primary classes have their periodic tests, integers.
    primary = Score.objects.filter(school_class__grade__lte=5, year__code=CURRENT_YEAR)
    assert primary.exists()
    assert set(primary.values_list("kind", flat=True)) <= {ScoreKind.MIDTERM, ScoreKind.FINAL}
    assert all(v == v.to_integral() for v in primary.values_list("value", flat=True)[:2000])


@pytest.mark.django_db
def test_class_averages_are_realistic_with_some_weak_learners(demo):
    class_of = dict(
        LearningResult.objects.filter(year__code=CURRENT_YEAR, term=1).values_list(
            "student_id", "school_class_id"
        )
    )
    averages = defaultdict(list)
    for student_id, average in SubjectResult.objects.filter(
        year__code=CURRENT_YEAR, term=1, average__isnull=False
    ).values_list("student_id", "average"):
        averages[class_of[student_id]].append(float(average))
    class_means = [mean(v) for v in averages.values() if len(v) > 100]
    assert len(class_means) > 30
    assert 6.5 <= mean(class_means) <= 7.5
    assert sum(6.0 <= m <= 8.0 for m in class_means) / len(class_means) > 0.9
    results = SubjectResult.objects.filter(year__code=CURRENT_YEAR, term=1)
    scored = results.filter(average__isnull=False).count()
    weak = results.filter(average__lt=5).count()
    assert 0.02 * scored < weak < 0.15 * scored
    not_passed = results.filter(passed=False).count()
    assert 0 < not_passed < 0.03 * results.filter(passed__isnull=False).count()


@pytest.mark.django_db
def test_results_are_computed_with_every_level_present(demo):
    current = LearningResult.objects.filter(year__code=CURRENT_YEAR, term=Period.FIRST)
    levels = Counter(current.values_list("level", flat=True))
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


@pytest.mark.django_db
def test_days_absent_and_conduct_are_recorded_per_learner_and_term(demo):
    records = TermRecord.objects.filter(year__code=CURRENT_YEAR, term=1)
    secondary = records.filter(school_class__grade__gte=6)
    conduct = Counter(secondary.values_list("conduct", flat=True))
    assert "" not in conduct
    assert conduct[Level.GOOD] > 0.7 * secondary.count()
    assert set(records.filter(school_class__grade__lte=5).values_list("conduct", flat=True)) == {""}
    days = list(records.values_list("days_absent", flat=True))
    assert sum(d <= 5 for d in days) > 0.8 * len(days) and max(days) > 10
    scored = set(Score.objects.filter(year__code=CURRENT_YEAR, term=1).values_list(
        "student_id", flat=True).distinct())  # fmt: skip
    assert scored == set(records.values_list("student_id", flat=True))


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
def test_the_demo_guardian_sees_their_childs_results(demo):
    guardian = User.objects.get(username=GUARDIAN)
    child = Student.objects.get(user__username=STUDENT, guardianship__guardian__user=guardian)
    year = SchoolYear.objects.get(code=CURRENT_YEAR)
    results = learner_results(actor=guardian, student=child, year=year)
    term = results.periods[Period.FIRST]
    assert term.learning is not None and term.learning.level in Level.values
    assert len(term.subjects) >= 10 and all(s.complete for s in term.subjects)
    assert term.record is not None and term.record.conduct in Level.values


@pytest.mark.django_db
def test_loaded_grades_are_those_the_seed_generates(demo):
    """Regenerating one class's grade book from the seed gives the stored scores."""
    year = SchoolYear.objects.get(code=CURRENT_YEAR)
    school_class = SchoolClass.objects.select_related("school").get(
        school__name="Trường THCS Lý Tự Trọng", year=year, name=PEOPLE_CLASS
    )
    roster = _rosters([school_class.pk], {CURRENT_YEAR: year}, [(CURRENT_YEAR, 1)])
    roster = roster[(school_class.pk, 1)]
    specs, subject_ids = _curriculum()
    school = next(s for s in ROSTER if s.code == school_class.school.code)
    expected = {
        (roster[i][0], subject_ids[code], kind, seq): (value, passed)
        for i, code, kind, seq, value, passed in GradeGenerator(demo.seed).class_scores(
            school=school, year=CURRENT_YEAR, term=1, class_name=school_class.name,
            learners=[key for _id, key in roster],
            subjects=class_subjects(school_class.grade, school_class.name,
                                    specs[school_class.grade]),
        )
    }  # fmt: skip
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
