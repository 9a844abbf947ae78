"""Reads of grade books and results, always within the actor's scope."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from hocso.accounts.models import Role
from hocso.accounts.services import role_grant
from hocso.assessment import selectors, services
from hocso.assessment.models import Level, LockStatus, ScoreKind
from hocso.registry.models import Guardian, Guardianship

from ..factories import UserFactory
from .conftest import full_term, put_scores, subject

R, M, F = ScoreKind.REGULAR, ScoreKind.MIDTERM, ScoreKind.FINAL


def book(people, actor, code="GDCD", term=1):
    return selectors.gradebook_get(
        actor=actor, school_class=people.school_class, subject=subject(code), term=term
    )


def test_the_grade_book_lists_the_roster_with_scores_by_column(people):
    first, second, third = people.learners
    services.scores_save(
        actor=people.teacher, school_class=people.school_class, subject=subject("GDCD"), term=1,
        entries=[(first.pk, R, 1, "8"), (first.pk, R, 2, "9"), (first.pk, M, 1, "7"),
                 (first.pk, F, 1, "8"), (second.pk, R, 1, "6,5")],
    )  # fmt: skip

    found = book(people, people.teacher)

    assert [c.label for c in found.columns] == ["TX1", "TX2", "GK", "CK"]
    assert found.regular_required == 2
    assert [row.student for row in found.rows] == [first, second, third]
    assert found.rows[0].complete and found.rows[0].average == Decimal("7.9")
    assert found.rows[1].value(found.columns[0]) == Decimal("6.5")
    assert not found.rows[1].complete and found.rows[1].average is None
    assert found.complete_count == 1
    assert found.can_edit and found.status == LockStatus.OPEN


def test_only_those_who_may_write_see_the_grade_book_as_editable(people, users):
    assert not book(people, people.other_teacher).can_edit
    assert not book(people, users.province).can_edit
    assert book(people, people.admin).can_edit
    services.gradebook_review(actor=people.homeroom, school_class=people.school_class, term=1)
    services.gradebook_approve_lock(
        actor=people.principal, school_class=people.school_class, term=1
    )
    locked = book(people, people.teacher)
    assert locked.is_locked and not locked.can_edit
    events = selectors.gradebook_events(actor=people.teacher, school_class=people.school_class,
                                        term=1)  # fmt: skip
    assert [(e.action, e.actor) for e in events] == [
        ("review", people.homeroom), ("approve_lock", people.principal),
    ]  # fmt: skip


@pytest.mark.parametrize("who", ["admin_c", "district2", "student_a", "outsider"])
def test_a_grade_book_outside_the_actors_scope_is_refused(people, users, who):
    with pytest.raises(PermissionDenied):
        book(people, getattr(users, who))
    with pytest.raises(PermissionDenied):
        selectors.class_summary(actor=getattr(users, who), school_class=people.school_class,
                                term=1)  # fmt: skip


def test_the_history_shows_who_changed_what_newest_first(people):
    learner = people.learners[0]
    for actor, value in ((people.teacher, "5"), (people.admin, "5.5")):
        services.scores_save(
            actor=actor, school_class=people.school_class, subject=subject("GDCD"), term=1,
            entries=[(learner.pk, R, 1, value)],
        )  # fmt: skip
    history = list(
        selectors.score_history(
            actor=people.homeroom, school_class=people.school_class, subject=subject("GDCD"),
            term=1,
        )
    )  # fmt: skip
    assert [(h.changed_by, h.new_value) for h in history] == [
        (people.admin, Decimal("5.5")),
        (people.teacher, Decimal("5.0")),
    ]


def test_the_class_summary_counts_levels_and_lists_subjects_missing_assessments(people):
    good, fair, missing = people.learners
    put_scores(people.school_class, good, 1, full_term(6, scored=9))
    put_scores(people.school_class, fair, 1, full_term(6, scored=7))
    values = full_term(6)
    del values["TIN"]
    put_scores(people.school_class, missing, 1, values)
    services.results_compute(actor=None, school=people.school, year=people.year, term=1)

    summary = selectors.class_summary(actor=people.homeroom, school_class=people.school_class,
                                      term=1)  # fmt: skip

    assert summary.learners == 3
    assert summary.levels == {
        Level.GOOD: 1, Level.FAIR: 1, Level.PASS: 0, Level.FAIL: 0, "incomplete": 1,
        "no_result": 0,
    }  # fmt: skip
    assert [(gs.subject.code, count) for gs, count in summary.missing] == [("TIN", 1)]
    year = selectors.class_summary(actor=people.homeroom, school_class=people.school_class,
                                   term=0)  # fmt: skip
    assert year.levels["no_result"] == 3
    assert len(year.missing) == 12  # nobody has a year result yet


def test_school_and_area_summaries_count_levels(people, users, tree):
    for learner in people.learners:
        put_scores(people.school_class, learner, 1, full_term(6))
    services.results_compute(actor=None, school=people.school, year=people.year, term=1)

    by_grade = selectors.school_summary(actor=users.admin_a, school=people.school,
                                        year=people.year, term=1)  # fmt: skip
    assert by_grade == {6: {Level.GOOD: 3, Level.FAIR: 0, Level.PASS: 0, Level.FAIL: 0,
                            "incomplete": 0}}  # fmt: skip
    by_school = selectors.area_summary(actor=users.province, unit=tree.commune1,
                                       year=people.year, term=1)  # fmt: skip
    assert by_school[people.school.code][Level.GOOD] == 3
    with pytest.raises(PermissionDenied):
        selectors.school_summary(actor=users.admin_c, school=people.school, year=people.year,
                                 term=1)  # fmt: skip


def test_a_learner_and_their_guardian_read_their_own_results_only(people, users):
    learner, other = people.learners[:2]
    for student in (learner, other):
        put_scores(people.school_class, student, 1, full_term(6))
    services.results_compute(actor=None, school=people.school, year=people.year, term=1)
    learner.user = users.student_a
    learner.save()
    guardian = Guardian.objects.create(full_name="Kim Sa Rum", user=users.guardian_a)
    Guardianship.objects.create(student=learner, guardian=guardian, relationship="father")

    for actor in (users.student_a, users.guardian_a, people.homeroom):
        results = selectors.learner_results(actor=actor, student=learner, year=people.year)
        assert results.periods[1].learning.level == Level.GOOD
        assert len(results.periods[1].subjects) == 12
    for actor in (users.student_a, users.guardian_a, users.admin_c):
        with pytest.raises(PermissionDenied):
            selectors.learner_results(actor=actor, student=other, year=people.year)


def test_a_teacher_sees_the_classes_and_subjects_they_teach(people, year):
    taught = selectors.classes_taught(actor=people.teacher, year=year)
    assert sorted((a.school_class.name, a.subject.code) for a in taught) == [
        ("6A1", "GDCD"), ("6A1", "TOAN"),
    ]  # fmt: skip
    nobody = UserFactory()
    role_grant(actor=None, user=nobody, role=Role.TEACHER, org_unit=people.school)
    assert not selectors.classes_taught(actor=nobody, year=year).exists()
