"""Grade book writes: who may write, what is refused, history, locks, and results kept in step."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hocso.accounts.models import AuditEntry
from hocso.assessment import services
from hocso.assessment.models import (
    GradebookLockEvent,
    LockAction,
    LockStatus,
    Score,
    ScoreChange,
    ScoreKind,
    SubjectResult,
    TeachingAssignment,
)
from hocso.registry import services as registry

from ..factories import StaffFactory
from .conftest import enrol, subject

R, M, F = ScoreKind.REGULAR, ScoreKind.MIDTERM, ScoreKind.FINAL


def worked_example(student_id, final="8"):
    """DOMAIN.md §1: tx 8, 9; gk 7; ck 8 → 55/7 = 7.857 → 7.9 (GDCD: 35 periods → 2 regular)."""
    return [(student_id, R, 1, "8"), (student_id, R, 2, "9"), (student_id, M, 1, "7"),
            (student_id, F, 1, final)]  # fmt: skip


def save(people, actor, entries, code="GDCD", term=1):
    return services.scores_save(
        actor=actor, school_class=people.school_class, subject=subject(code), term=term,
        entries=entries,
    )  # fmt: skip


def term_average(student, code="GDCD", term=1):
    return SubjectResult.objects.get(student=student, subject__code=code, term=term).average


# --- permission --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("teacher", True),  # assigned to GDCD in 6A1
        ("admin", True),  # school admin of school A
        ("superuser", True),
        ("other_teacher", False),  # teaches at school A, not this subject here
        ("homeroom", False),  # the class's homeroom teacher does not teach GDCD
        ("principal", False),  # approves, does not enter grades
        ("admin_c", False),  # admin of another school
        ("province", False),  # officers read grades, they do not write them
        ("student_a", False),
        ("guardian_a", False),
        ("outsider", False),
    ],
)
def test_only_the_subject_teacher_or_a_school_admin_writes_grades(people, users, who, allowed):
    actor = getattr(people, who, None) or getattr(users, who)
    learner = people.learners[0]
    if allowed:
        result = save(people, actor, [(learner.pk, R, 1, "8")])
        assert result.created == 1
        assert Score.objects.get(student=learner).updated_by == actor
    else:
        with pytest.raises(PermissionDenied):
            save(people, actor, [(learner.pk, R, 1, "8")])
        assert not Score.objects.exists()


def test_a_teacher_assigned_to_another_subject_of_the_class_cannot_write_this_one(people):
    with pytest.raises(PermissionDenied):
        save(people, people.teacher, [(people.learners[0].pk, R, 1, "8")], code="NV")


def test_a_teacher_who_left_the_school_can_no_longer_write(people):
    people.teacher_staff.is_active = False
    people.teacher_staff.save()
    with pytest.raises(PermissionDenied):
        save(people, people.teacher, [(people.learners[0].pk, R, 1, "8")])


# --- the worked example, history and idempotence -----------------------------------------------


def test_worked_example_gives_7_9_and_changing_the_final_score_updates_the_average(people):
    learner = people.learners[0]
    save(people, people.teacher, worked_example(learner.pk))
    assert term_average(learner) == Decimal("7.9")

    result = save(people, people.teacher, [(learner.pk, F, 1, "9")])

    assert (result.updated, result.created) == (1, 0)
    # (8 + 9 + 2·7 + 3·9) / 7 = 58/7 = 8.2857 → 8.3
    assert term_average(learner) == Decimal("8.3")
    change = ScoreChange.objects.filter(kind=F).order_by("id").last()
    assert (change.old_value, change.new_value) == (Decimal("8.0"), Decimal("9.0"))
    assert change.changed_by == people.teacher
    assert change.source == "entry"


def test_saving_the_same_values_again_changes_nothing(people):
    learner = people.learners[0]
    save(people, people.teacher, worked_example(learner.pk))
    history, audit = ScoreChange.objects.count(), AuditEntry.objects.count()
    stamp = Score.objects.get(student=learner, kind=F).updated_at

    # The same values written differently: "8.0", 8, Decimal("8").
    again = [(learner.pk, R, 1, "8.0"), (learner.pk, R, 2, 9), (learner.pk, M, 1, Decimal("7")),
             (learner.pk, F, 1, "8,0")]  # fmt: skip
    result = save(people, people.teacher, again)

    assert (result.changed, result.unchanged) == (0, 4)
    assert ScoreChange.objects.count() == history
    assert AuditEntry.objects.count() == audit
    assert Score.objects.get(student=learner, kind=F).updated_at == stamp


def test_every_real_change_is_kept_with_who_made_it(people):
    learner = people.learners[0]
    save(people, people.teacher, [(learner.pk, R, 1, "6")])
    save(people, people.admin, [(learner.pk, R, 1, "6.5")])
    save(people, people.teacher, [(learner.pk, R, 1, None)])

    changes = list(ScoreChange.objects.filter(student=learner).order_by("id"))
    assert [(c.old_value, c.new_value, c.changed_by) for c in changes] == [
        (None, Decimal("6.0"), people.teacher),
        (Decimal("6.0"), Decimal("6.5"), people.admin),
        (Decimal("6.5"), None, people.teacher),
    ]
    assert not Score.objects.filter(student=learner).exists()
    assert AuditEntry.objects.filter(action="scores.save").count() == 3


def test_clearing_a_score_makes_the_subject_result_incomplete_again(people):
    learner = people.learners[0]
    save(people, people.teacher, worked_example(learner.pk))
    save(people, people.teacher, [(learner.pk, M, 1, "")])

    result = SubjectResult.objects.get(student=learner, subject__code="GDCD", term=1)
    assert (result.complete, result.average) == (False, None)


def test_comment_subjects_take_dat_or_chua_dat(people):
    learner = people.learners[0]
    gdtc = subject("GDTC")  # 70 periods → 3 regular assessments
    services.teaching_assign(
        actor=people.admin, school_class=people.school_class, subject=gdtc,
        staff=people.teacher_staff,
    )  # fmt: skip
    entries = [(learner.pk, R, 1, True), (learner.pk, R, 2, True), (learner.pk, R, 3, False),
               (learner.pk, M, 1, True), (learner.pk, F, 1, True)]  # fmt: skip
    save(people, people.teacher, entries, code="GDTC")

    result = SubjectResult.objects.get(student=learner, subject=gdtc, term=1)
    assert (result.complete, result.passed, result.average) == (True, False, None)
    with pytest.raises(services.ScoreErrors) as info:
        save(people, people.teacher, [(learner.pk, R, 1, "8")], code="GDTC")
    assert "Đạt hoặc Chưa đạt" in info.value.messages[0]


# --- refused entries ---------------------------------------------------------------------------


def test_invalid_entries_are_refused_all_together_naming_learner_and_column(people):
    first, second = people.learners[:2]
    entries = [
        (first.pk, R, 1, "8"),  # fine, but not written either
        (first.pk, R, 2, "10.5"),
        (second.pk, M, 1, "7.25"),
        (second.pk, R, 3, "7"),  # GDCD has 2 regular assessments
        (second.pk, "oral", 1, "7"),
    ]
    with pytest.raises(services.ScoreErrors) as info:
        save(people, people.teacher, entries)

    messages = info.value.messages
    assert len(messages) == 4
    assert first.full_name in messages[0] and "TX2" in messages[0] and "0–10" in messages[0]
    assert second.full_name in messages[1] and "GK" in messages[1]
    assert "TX3" in messages[2]
    assert [p.index for p in info.value.problems] == [1, 2, 3, 4]
    assert not Score.objects.exists()


def test_learners_not_on_the_class_list_are_refused(people, year):
    other_class = registry.class_create(
        actor=None, school=people.school, year=year, grade=6, name="6A2"
    )
    stranger = enrol(other_class, 1, start=50)[0]
    with pytest.raises(services.ScoreErrors) as info:
        save(people, people.teacher, [(stranger.pk, R, 1, "8")])
    assert "không có trong danh sách lớp 6A1" in info.value.messages[0]


def test_a_learner_who_left_the_class_is_no_longer_on_its_list(people, year):
    other_class = registry.class_create(
        actor=None, school=people.school, year=year, grade=6, name="6A2"
    )
    learner = people.learners[0]
    registry.student_change_class(
        actor=None, student=learner, to_class=other_class, on=year.term2_start
    )
    with pytest.raises(services.ScoreErrors):
        save(people, people.teacher, [(learner.pk, R, 1, "8")])


def test_a_cell_entered_twice_in_one_save_is_refused(people):
    learner = people.learners[0]
    with pytest.raises(services.ScoreErrors) as info:
        save(people, people.teacher, [(learner.pk, R, 1, "8"), (learner.pk, R, 1, "9")])
    assert "hai lần" in info.value.messages[0]


def test_a_subject_the_grade_does_not_have_is_refused(people):
    with pytest.raises(ValidationError):
        save(people, people.admin, [(people.learners[0].pk, R, 1, "8")], code="LS")


# --- locks -------------------------------------------------------------------------------------


def lock(people, term=1):
    services.gradebook_review(actor=people.homeroom, school_class=people.school_class, term=term)
    return services.gradebook_approve_lock(
        actor=people.principal, school_class=people.school_class, term=term
    )


def test_a_locked_term_refuses_every_change_even_from_the_school_admin(people):
    learner = people.learners[0]
    save(people, people.teacher, [(learner.pk, R, 1, "8")])
    assert lock(people).status == LockStatus.LOCKED

    for actor in (people.teacher, people.admin):
        with pytest.raises(ValidationError, match="đã được duyệt và khóa"):
            save(people, actor, [(learner.pk, R, 1, "9")])
    with pytest.raises(ValidationError):
        services.term_record_save(
            actor=people.homeroom, student=learner, school_class=people.school_class, term=1,
            days_absent=1, conduct="Tốt",
        )  # fmt: skip
    assert Score.objects.get(student=learner).value == Decimal("8.0")
    # The other term is not locked.
    assert save(people, people.teacher, [(learner.pk, R, 1, "9")], term=2).created == 1


def test_unlocking_needs_a_reason_which_is_kept_and_audited(people):
    learner = people.learners[0]
    lock(people)
    for blank in ("", "   "):
        with pytest.raises(ValidationError) as info:
            services.gradebook_unlock(
                actor=people.principal, school_class=people.school_class, term=1, reason=blank
            )
        assert "reason" in info.value.message_dict

    reopened = services.gradebook_unlock(
        actor=people.principal, school_class=people.school_class, term=1,
        reason="Sai điểm cuối kì của em Sô Phia",
    )  # fmt: skip

    assert reopened.status == LockStatus.OPEN
    event = GradebookLockEvent.objects.filter(lock=reopened).last()
    assert (event.action, event.actor, event.reason) == (
        LockAction.UNLOCK, people.principal, "Sai điểm cuối kì của em Sô Phia",
    )  # fmt: skip
    entry = AuditEntry.objects.get(action="gradebook.unlock")
    assert entry.actor == people.principal
    assert entry.detail["reason"] == "Sai điểm cuối kì của em Sô Phia"
    assert save(people, people.teacher, [(learner.pk, R, 1, "9")]).created == 1


def test_the_workflow_runs_teacher_then_homeroom_teacher_then_principal(people):
    args = {"school_class": people.school_class, "term": 1}
    with pytest.raises(PermissionDenied):
        services.gradebook_review(actor=people.teacher, **args)
    with pytest.raises(ValidationError, match="chưa được giáo viên chủ nhiệm rà soát"):
        services.gradebook_approve_lock(actor=people.principal, **args)
    services.gradebook_review(actor=people.homeroom, **args)
    with pytest.raises(PermissionDenied):
        services.gradebook_approve_lock(actor=people.homeroom, **args)
    with pytest.raises(PermissionDenied):
        services.gradebook_approve_lock(actor=people.teacher, **args)
    locked = services.gradebook_approve_lock(actor=people.principal, **args)

    assert (locked.reviewed_by, locked.approved_by) == (people.homeroom, people.principal)
    assert [e.action for e in locked.events.all()] == [LockAction.REVIEW, LockAction.APPROVE_LOCK]
    with pytest.raises(PermissionDenied):
        services.gradebook_unlock(actor=people.teacher, reason="Sửa điểm", **args)


def test_a_school_admin_can_review_approve_and_unlock(people):
    args = {"school_class": people.school_class, "term": 2}
    services.gradebook_review(actor=people.admin, **args)
    assert services.gradebook_approve_lock(actor=people.admin, **args).is_locked
    assert not services.gradebook_unlock(
        actor=people.admin, reason="Nhập bổ sung", **args
    ).is_locked


def test_a_change_after_the_review_sends_the_grade_book_back_to_review(people):
    learner = people.learners[0]
    services.gradebook_review(actor=people.homeroom, school_class=people.school_class, term=1)
    save(people, people.teacher, [(learner.pk, R, 1, "8")])

    lock_row = people.school_class.gradebook_locks.get(term=1)
    assert lock_row.status == LockStatus.OPEN
    assert lock_row.events.last().action == LockAction.REOPEN
    with pytest.raises(ValidationError):
        services.gradebook_approve_lock(
            actor=people.principal, school_class=people.school_class, term=1
        )


# --- teaching assignments and term records -----------------------------------------------------


def test_teaching_assignments_are_made_by_the_school_admin_for_its_own_staff(people, tree):
    toan, args = subject("TOAN"), {"school_class": people.school_class}
    with pytest.raises(PermissionDenied):
        services.teaching_assign(actor=people.teacher, subject=toan, staff=people.other_staff,
                                 **args)  # fmt: skip
    outsider = StaffFactory(school=tree.school_c)
    with pytest.raises(ValidationError):
        services.teaching_assign(actor=people.admin, subject=toan, staff=outsider, **args)
    with pytest.raises(ValidationError):
        services.teaching_assign(actor=people.admin, subject=subject("LS"),
                                 staff=people.other_staff, **args)  # fmt: skip

    first = services.teaching_assign(
        actor=people.admin, subject=toan, staff=people.other_staff, **args
    )
    again = services.teaching_assign(
        actor=people.admin, subject=toan, staff=people.other_staff, **args
    )
    assert first.pk == again.pk
    assert AuditEntry.objects.filter(action="teaching.assign", actor=people.admin).count() == 1
    # Now the second teacher of Toán writes Toán in 6A1 as well.
    assert save(people, people.other_teacher, [(people.learners[0].pk, R, 1, "7")],
                code="TOAN").created == 1  # fmt: skip
    services.teaching_unassign(actor=people.admin, assignment=first)
    assert not TeachingAssignment.objects.filter(pk=first.pk).exists()


def test_term_records_are_kept_by_the_homeroom_teacher_and_give_the_year_conduct(people):
    learner = people.learners[0]
    args = {"student": learner, "school_class": people.school_class}
    with pytest.raises(PermissionDenied):
        services.term_record_save(actor=people.teacher, term=1, days_absent=0, conduct="Tốt",
                                  **args)  # fmt: skip
    with pytest.raises(ValidationError):
        services.term_record_save(actor=people.homeroom, term=1, days_absent=0, conduct="Giỏi",
                                  **args)  # fmt: skip
    with pytest.raises(ValidationError):
        services.term_record_save(actor=people.homeroom, term=1, days_absent=-1, conduct="",
                                  **args)  # fmt: skip

    services.term_record_save(actor=people.homeroom, term=1, days_absent=3, conduct="khá", **args)
    services.term_record_save(actor=people.admin, term=2, days_absent=4, conduct="Tốt", **args)

    year_record = learner.term_records.get(term=0)
    # Term II Tốt and term I Khá → Tốt for the year (Circular 22 Điều 8).
    assert (year_record.conduct, year_record.days_absent) == ("tot", 7)
    assert AuditEntry.objects.filter(action="term_record.save").count() == 2


def test_primary_periodic_tests_take_whole_scores_from_1_to_10(tree, year):
    school_class = registry.class_create(actor=None, school=tree.school_b, year=year, grade=4,
                                         name="4A")  # fmt: skip
    learner = enrol(school_class, 1, start=600)[0]
    args = {"actor": None, "school_class": school_class, "term": 1}

    with pytest.raises(services.ScoreErrors) as info:
        services.scores_save(subject=subject("TOAN"), entries=[
            (learner.pk, M, 1, "7.5"), (learner.pk, F, 1, 0), (learner.pk, R, 1, 8),
        ], **args)  # fmt: skip
    assert [p.kind for p in info.value.problems] == [M, F, R]
    with pytest.raises(services.ScoreErrors):  # Đạo đức has no periodic test
        services.scores_save(subject=subject("DD"), entries=[(learner.pk, F, 1, 9)], **args)

    services.scores_save(subject=subject("TOAN"), entries=[
        (learner.pk, M, 1, "8"), (learner.pk, F, 1, 9.0),
    ], **args)  # fmt: skip
    assert sorted(Score.objects.values_list("kind", "value")) == [
        (F, Decimal("9.0")), (M, Decimal("8.0")),
    ]  # fmt: skip
    assert not SubjectResult.objects.exists()  # Circular 27 results are levels, not averages
