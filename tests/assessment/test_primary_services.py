"""Saving primary levels (services.primary_subject_levels_save / primary_traits_save /
primary_outstanding_set): who may, the lock, refused input, history, and the year result
recomputed after a level or a periodic test score changes."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hocso.assessment import services
from hocso.assessment.models import (
    GradebookLock,
    LockStatus,
    PrimaryChange,
    PrimaryOutcome,
    PrimarySubjectAssessment,
    PrimaryTraitAssessment,
    PrimaryYearResult,
    ScoreKind,
)
from hocso.curriculum.models import Subject

from .primary_setup import make_primary, put_year_end

E = services.PrimaryEntry


@pytest.fixture
def p(tree, users, year):
    return make_primary(tree, users, year)


def save_levels(p, actor, entries, term=1, stage="end"):
    return services.primary_subject_levels_save(
        actor=actor, school_class=p.school_class, term=term, stage=stage, entries=entries
    )


def save_traits(p, actor, entries, term=1, stage="end"):
    return services.primary_traits_save(
        actor=actor, school_class=p.school_class, term=term, stage=stage, entries=entries
    )


def lock(p, term, status=LockStatus.LOCKED):
    GradebookLock.objects.create(school=p.school, year=p.year, school_class=p.school_class,
                                 term=term, status=status)  # fmt: skip


# --- who may ---------------------------------------------------------------------------------


def test_subject_teacher_assesses_their_own_subject_only(p):
    learner = p.learners[0]
    result = save_levels(p, p.teacher, [E(learner.pk, "NN1", "T", "Phát âm tốt")])
    assert result.created == 1
    row = PrimarySubjectAssessment.objects.get()
    assert (row.level, row.comment, row.stage, row.term) == ("T", "Phát âm tốt", "end", 1)
    with pytest.raises(PermissionDenied):
        save_levels(p, p.teacher, [E(learner.pk, "TOAN", "T")])
    assert PrimarySubjectAssessment.objects.count() == 1


@pytest.mark.parametrize("who", ["homeroom", "admin"])
def test_homeroom_teacher_and_school_admin_assess_every_subject(p, who):
    entries = [E(p.learners[0].pk, "TOAN", "H"), E(p.learners[1].pk, "NN1", "T")]
    assert save_levels(p, getattr(p, who), entries).created == 2


@pytest.mark.parametrize("who", ["other_teacher", "admin_a"])
def test_other_teachers_and_other_schools_may_not_assess(p, who):
    with pytest.raises(PermissionDenied):
        save_levels(p, getattr(p, who), [E(p.learners[0].pk, "NN1", "T")])
    with pytest.raises(PermissionDenied):
        save_traits(p, getattr(p, who), [E(p.learners[0].pk, "cham_chi", "T")])


def test_only_homeroom_teacher_or_admin_assess_qualities_and_competences(p):
    with pytest.raises(PermissionDenied):
        save_traits(p, p.teacher, [E(p.learners[0].pk, "cham_chi", "T")])
    assert save_traits(p, p.homeroom, [E(p.learners[0].pk, "cham_chi", "Đạt")]).created == 1
    assert save_traits(p, p.admin, [E(p.learners[1].pk, "ngon_ngu", "CCG")]).created == 1
    assert sorted(PrimaryTraitAssessment.objects.values_list("trait", "level")) == [
        ("cham_chi", "D"), ("ngon_ngu", "C"),
    ]  # fmt: skip


# --- the lock ----------------------------------------------------------------------------------


def test_a_locked_term_refuses_levels_and_the_other_term_stays_open(p):
    lock(p, 1)
    with pytest.raises(ValidationError, match="khóa"):
        save_levels(p, p.admin, [E(p.learners[0].pk, "TOAN", "T")], term=1, stage="mid")
    with pytest.raises(ValidationError, match="khóa"):
        save_traits(p, p.admin, [E(p.learners[0].pk, "cham_chi", "T")], term=1)
    assert save_levels(p, p.admin, [E(p.learners[0].pk, "TOAN", "T")], term=2).created == 1


def test_a_change_after_review_reopens_the_term(p):
    lock(p, 1, status=LockStatus.REVIEWED)
    save_levels(p, p.homeroom, [E(p.learners[0].pk, "TOAN", "T")])
    assert GradebookLock.objects.get().status == LockStatus.OPEN


def test_outstanding_mark_is_refused_while_term_two_is_locked(p):
    lock(p, 2)
    with pytest.raises(ValidationError):
        services.primary_outstanding_set(actor=p.homeroom, school_class=p.school_class,
                                         student=p.learners[0], outstanding=True)  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.primary_outstanding_set(actor=p.teacher, school_class=p.school_class,
                                         student=p.learners[0], outstanding=True)  # fmt: skip


# --- input -------------------------------------------------------------------------------------


def test_levels_by_name_and_abbreviation_are_accepted(p):
    a, b, c = (s.pk for s in p.learners)
    save_levels(p, p.admin, [E(a, "TOAN", "Hoàn thành tốt"), E(b, "TOAN", "HT"),
                             E(c, "TOAN", "cht")])  # fmt: skip
    assert sorted(PrimarySubjectAssessment.objects.values_list("level", flat=True)) == [
        "C", "H", "T",
    ]  # fmt: skip


def test_wrong_entries_are_refused_as_a_whole_naming_each(p, people):
    a = p.learners[0]
    entries = [
        E(a.pk, "TOAN", "T"),
        E(a.pk, "TV", "Tốt"),
        E(people.learners[0].pk, "TOAN", "T"),
        E(a.pk, "NV", "T"),
        E(a.pk, "TOAN", "H"),
        E(a.pk, "DD", "T", "x" * 301),
    ]
    with pytest.raises(services.PrimaryErrors) as excinfo:
        save_levels(p, p.admin, entries)
    problems = excinfo.value.problems
    assert [problem.index for problem in problems] == [1, 2, 3, 4, 5]
    assert a.full_name in problems[0].message and "Tiếng Việt" in problems[0].message
    assert not PrimarySubjectAssessment.objects.exists()
    with pytest.raises(services.PrimaryErrors):
        save_traits(p, p.admin, [E(a.pk, "cham_chi", "H"), E(a.pk, "thong_minh", "T")])
    with pytest.raises(services.PrimaryErrors):
        save_traits(p, p.admin, [E(a.pk, "cham_chi", "T", "nhận xét")])


def test_a_secondary_class_is_refused(people):
    with pytest.raises(ValidationError, match="tiểu học"):
        services.primary_subject_levels_save(
            actor=None, school_class=people.school_class, term=1, stage="end",
            entries=[E(people.learners[0].pk, "TOAN", "T")],
        )  # fmt: skip


def test_unknown_point_is_refused(p):
    with pytest.raises(ValidationError):
        save_levels(p, p.admin, [E(p.learners[0].pk, "TOAN", "T")], stage="final")
    with pytest.raises(ValidationError):
        save_levels(p, p.admin, [E(p.learners[0].pk, "TOAN", "T")], term=3)


def test_level_and_comment_change_separately_and_clearing_both_removes_the_cell(p):
    a = p.learners[0].pk
    save_levels(p, p.admin, [E(a, "TOAN", "T")])
    save_levels(p, p.admin, [E(a, "TOAN", None, "  Tính   nhanh ")])
    row = PrimarySubjectAssessment.objects.get()
    assert (row.level, row.comment) == ("T", "Tính nhanh")
    assert save_levels(p, p.admin, [E(a, "TOAN", "T", "Tính nhanh")]).unchanged == 1
    save_levels(p, p.admin, [E(a, "TOAN", "")])
    assert PrimarySubjectAssessment.objects.get().level == ""
    assert save_levels(p, p.admin, [E(a, "TOAN", None, "")]).deleted == 1
    assert not PrimarySubjectAssessment.objects.exists()
    history = list(PrimaryChange.objects.values_list("old_level", "new_level", "new_comment"))
    assert history == [("", "T", ""), ("T", "T", "Tính nhanh"), ("T", "", "Tính nhanh"),
                       ("", "", "")]  # fmt: skip


def test_trait_history_is_kept(p):
    a = p.learners[0].pk
    save_traits(p, p.homeroom, [E(a, "nhan_ai", "T")])
    save_traits(p, p.homeroom, [E(a, "nhan_ai", "C")])
    save_traits(p, p.homeroom, [E(a, "nhan_ai", "")])
    changes = PrimaryChange.objects.filter(trait="nhan_ai")
    assert list(changes.values_list("old_level", "new_level")) == [("", "T"), ("T", "C"), ("C", "")]
    assert changes.first().changed_by == p.homeroom


# --- the year result follows -------------------------------------------------------------------


def test_year_result_is_recomputed_after_a_level_changes(p):
    a = p.learners[0]
    put_year_end(p.school_class, a, skip={"DD"})
    save_levels(p, p.homeroom, [E(a.pk, "DD", "T")], term=2)
    assert PrimaryYearResult.objects.get(student=a).outcome == PrimaryOutcome.EXCELLENT
    save_traits(p, p.homeroom, [E(a.pk, "trung_thuc", "Đ")], term=2)
    assert PrimaryYearResult.objects.get(student=a).outcome == PrimaryOutcome.COMPLETED
    save_levels(p, p.homeroom, [E(a.pk, "DD", "")], term=2)
    assert PrimaryYearResult.objects.get(student=a).missing == ["level:DD"]


def test_year_result_is_recomputed_after_a_periodic_test_score_changes(p):
    a = p.learners[0]
    put_year_end(p.school_class, a, skip={"test:TOAN"})
    services.scores_save(
        actor=p.admin, school_class=p.school_class, subject=Subject.objects.get(code="TOAN"),
        term=2, entries=[(a.pk, ScoreKind.FINAL, 1, "6")],
    )  # fmt: skip
    assert PrimaryYearResult.objects.get(student=a).outcome == PrimaryOutcome.COMPLETED
