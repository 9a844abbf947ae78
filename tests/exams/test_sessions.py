"""Session services: creating with its checks, who may, preparing attempts (idempotent,
deterministic, shuffled within parts, pinned options kept), changes, deletion, candidates listed
one by one, accommodations and the supervisor's actions."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from hocso.accounts.models import AuditEntry, Role
from hocso.accounts.services import role_grant
from hocso.exams import services
from hocso.exams.models import (
    Attempt,
    AttemptStatus,
    ExamForm,
    ExamQuestion,
    ExamSession,
    SessionStatus,
    SubmittedHow,
)
from hocso.orgs.models import SchoolYear
from hocso.questions.generation import shuffled_options
from hocso.questions.interchange import Choice, ItemData, ItemType
from hocso.questions.models import Item, ItemStatus
from hocso.registry import services as registry

from ..factories import StudentFactory, UserFactory
from .sessions_setup import create, pool, two_part_blueprint


def _enroll(exam, name, start=date(2025, 9, 5)):
    student = StudentFactory(school=exam.school_class.school, full_name=name)
    registry.student_enroll(
        actor=None, student=student, school_class=exam.school_class, start_date=start
    )
    return student


def _blueprint_session(exam, **kwargs):
    pool(exam.bank)
    blueprint = two_part_blueprint(exam.school_class.school)
    kwargs.setdefault("form_count", 2)
    return create(exam.teacher, exam, blueprint=blueprint, **kwargs)


def _shown(attempt):
    """What a candidate sees, independent of database ids: (form, [(item, options)])."""
    questions = {q.pk: q for q in ExamQuestion.objects.filter(form=attempt.form)}
    return attempt.form.code, [
        (questions[qid].item_id, attempt.option_orders.get(str(qid)))
        for qid in attempt.question_order
    ]


# --- create -----------------------------------------------------------------------------------


def test_a_teacher_creates_a_draft_with_one_fixed_form_of_the_chosen_items(exam):
    session = create(exam.teacher, exam)
    assert session.status == SessionStatus.DRAFT
    assert session.created_by == exam.teacher and session.seed
    form = ExamForm.objects.get(session=session)
    assert form.code == "101"
    assert [q.item_id for q in form.questions.order_by("position")] == [
        i.pk for i in exam.items[:3]
    ]
    assert list(session.classes.values_list("school_class", flat=True)) == [exam.school_class.pk]
    assert AuditEntry.objects.filter(action="exam.create", object_id=str(session.pk)).exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"closes_at": timezone.now() + timedelta(hours=23)}, "closes_at"),
        ({"duration_minutes": 200}, "duration_minutes"),
        ({"gradebook_column": "regular", "term": 1}, "gradebook_seq"),
        ({"gradebook_column": "final"}, "term"),
        ({"items": []}, "items"),
    ],
)
def test_create_refuses_a_bad_window_duration_gradebook_target_or_no_items(exam, change, field):
    with pytest.raises(ValidationError) as caught:
        create(exam.teacher, exam, **change)
    assert field in caught.value.message_dict


def test_create_refuses_items_not_approved(exam):
    Item.objects.filter(pk=exam.items[0].pk).update(status=ItemStatus.DRAFT)
    with pytest.raises(ValidationError) as caught:
        create(exam.teacher, exam)
    assert "items" in caught.value.message_dict


def test_create_refuses_a_blueprint_of_another_grade(exam):
    pool(exam.bank)
    blueprint = two_part_blueprint(exam.school_class.school)
    with pytest.raises(ValidationError) as caught:
        create(exam.teacher, exam, blueprint=blueprint, grade=7, classes=[])
    assert "blueprint" in caught.value.message_dict


def test_create_refuses_a_class_of_another_school_or_year(exam, tree, year):
    other_school = registry.class_create(
        actor=None, school=tree.school_c, year=year, grade=10, name="10C"
    )
    with pytest.raises(ValidationError) as caught:
        create(exam.teacher, exam, classes=[other_school])
    assert "classes" in caught.value.message_dict
    next_year = SchoolYear.objects.create(
        code="2026-2027", start_date=date(2026, 9, 5), end_date=date(2027, 5, 31),
        term1_end=date(2027, 1, 15), term2_start=date(2027, 1, 18),
    )  # fmt: skip
    later = registry.class_create(
        actor=None, school=tree.school_a, year=next_year, grade=6, name="6A9"
    )
    with pytest.raises(ValidationError) as caught:
        create(exam.teacher, exam, classes=[later])
    assert "classes" in caught.value.message_dict


def test_teachers_of_other_schools_learners_and_outsiders_cannot_create(exam, tree, users):
    teacher_c = UserFactory(username="teacher_c")
    role_grant(actor=None, user=teacher_c, role=Role.TEACHER, org_unit=tree.school_c)
    for actor in (teacher_c, users.admin_c, exam.learner_users[0], users.outsider):
        with pytest.raises(PermissionDenied):
            create(actor, exam)
    assert not ExamSession.objects.filter(code="GK-TOAN6").exists()


# --- prepare ----------------------------------------------------------------------------------


def test_prepare_makes_one_attempt_per_enrolled_learner_and_is_idempotent(exam):
    session = _blueprint_session(exam)
    outcome = services.session_prepare(actor=exam.teacher, session=session)
    assert (outcome.forms, outcome.created, outcome.existing) == (2, 3, 0)
    session.refresh_from_db()
    assert session.status == SessionStatus.READY
    before = {a.pk: (a.form_id, a.question_order, a.option_orders) for a in session.attempts.all()}
    again = services.session_prepare(actor=exam.teacher, session=session)
    assert (again.created, again.existing) == (0, 3)
    newcomer = _enroll(exam, "Lâm Văn Tới")
    third = services.session_prepare(actor=exam.teacher, session=session)
    assert (third.created, third.existing) == (1, 3)
    after = {a.pk: (a.form_id, a.question_order, a.option_orders) for a in session.attempts.all()}
    assert {pk: after[pk] for pk in before} == before  # existing attempts untouched
    assert session.attempts.filter(student=newcomer).exists()
    assert ExamForm.objects.filter(session=session).count() == 2
    assert AuditEntry.objects.filter(action="exam.prepare", object_id=str(session.pk)).count() == 3


def test_prepare_deals_the_forms_round_robin(exam):
    session = _blueprint_session(exam)
    services.session_prepare(actor=exam.teacher, session=session)
    codes = [a.form.code for a in session.attempts.select_related("form").order_by("pk")]
    assert codes == ["101", "102", "101"]


def test_prepare_takes_the_learners_enrolled_on_the_opening_day(exam):
    session = _blueprint_session(exam)
    opening = timezone.localdate(session.opens_at)
    later = _enroll(exam, "Kim Thị Sau", start=opening + timedelta(days=3))
    left = exam.students[0]
    enrollment = left.enrollments.get()
    enrollment.end_date, enrollment.end_reason = opening, "transfer_out"
    enrollment.save()
    services.session_prepare(actor=exam.teacher, session=session)
    sitting = set(session.attempts.values_list("student_id", flat=True))
    assert sitting == {exam.students[1].pk, exam.students[2].pk}
    assert later.pk not in sitting


def test_the_same_seed_deals_the_same_papers(exam):
    session = _blueprint_session(exam, seed="hat-giong-1")
    services.session_prepare(actor=exam.teacher, session=session)
    first = {a.student_id: _shown(a) for a in session.attempts.select_related("form")}
    services.session_delete(actor=exam.teacher, session=session)
    again = create(exam.teacher, exam, blueprint=session.blueprint, form_count=2,
                   seed="hat-giong-1")  # fmt: skip
    services.session_prepare(actor=exam.teacher, session=again)
    second = {a.student_id: _shown(a) for a in again.attempts.select_related("form")}
    assert first == second


def test_questions_are_shuffled_within_their_parts_and_pinned_options_stay(exam):
    session = _blueprint_session(exam, form_count=1)
    services.session_prepare(actor=exam.teacher, session=session)
    form = session.forms.get()
    parts = {q.pk: q.part for q in form.questions.all()}
    for attempt in session.attempts.all():
        assert sorted(attempt.question_order) == sorted(parts)
        assert [parts[q] for q in attempt.question_order] == ["I"] * 4 + ["II"]
        assert len(attempt.option_orders) == 4  # the single-choice questions only
        for shown in attempt.option_orders.values():
            assert sorted(shown) == [0, 1, 2, 3, 4]
            assert shown[4] == 4  # "Cả ba phương án trên" stays last


def test_without_shuffling_every_candidate_sees_the_form_as_it_is(exam):
    session = _blueprint_session(exam, form_count=1, shuffle_questions=False,
                                 shuffle_options=False)  # fmt: skip
    services.session_prepare(actor=exam.teacher, session=session)
    form_order = list(
        session.forms.get().questions.order_by("position").values_list("pk", flat=True)
    )
    for attempt in session.attempts.all():
        assert attempt.question_order == form_order
        assert attempt.option_orders == {}


def test_a_shortage_in_the_bank_stops_prepare_with_a_message(exam):
    blueprint = two_part_blueprint(exam.school_class.school, single=30)
    session = create(exam.teacher, exam, blueprint=blueprint)
    with pytest.raises(ValidationError) as caught:
        services.session_prepare(actor=exam.teacher, session=session)
    assert "blueprint" in caught.value.message_dict
    assert not session.attempts.exists()


def test_another_schools_admin_cannot_prepare(exam, users):
    session = create(exam.teacher, exam)
    with pytest.raises(PermissionDenied):
        services.session_prepare(actor=users.admin_c, session=session)
    services.session_prepare(actor=users.admin_a, session=session)  # the school's admin may


def test_learners_listed_one_by_one_get_attempts_without_a_class(exam, tree):
    other = StudentFactory(school=tree.school_a, full_name="Sơn Văn Lẻ")
    session = create(exam.teacher, exam, students=[other])
    assert session.status == SessionStatus.READY
    attempt = session.attempts.get(student=other)
    assert attempt.school_class is None and attempt.school_id == tree.school_a.pk
    assert session.attempts.count() == 4
    assert services.candidates_add(actor=exam.teacher, session=session, students=[other]) == 0


def test_a_learner_of_another_school_cannot_be_listed(exam, tree):
    stranger = StudentFactory(school=tree.school_c)
    with pytest.raises(ValidationError):
        create(exam.teacher, exam, students=[stranger])


# --- change and delete --------------------------------------------------------------------------


def test_changing_the_papers_of_a_prepared_session_deals_again_under_the_same_ids(exam):
    session = create(exam.teacher, exam)
    services.session_prepare(actor=exam.teacher, session=session)
    attempt = session.attempts.first()
    services.accommodation_set(actor=exam.teacher, attempt=attempt, extra_minutes=15)
    ids = set(session.attempts.values_list("pk", flat=True))
    services.session_update(actor=exam.teacher, session=session, items=exam.items[2:5])
    assert set(session.attempts.values_list("pk", flat=True)) == ids
    form = session.forms.get()
    assert [q.item_id for q in form.questions.order_by("position")] == [
        i.pk for i in exam.items[2:5]
    ]
    attempt.refresh_from_db()
    assert attempt.form == form and attempt.extra_minutes == 15
    assert sorted(attempt.question_order) == sorted(form.questions.values_list("pk", flat=True))


def test_papers_do_not_change_once_the_window_opened_but_the_duration_may(exam):
    session = exam.session  # opened ten minutes ago
    with pytest.raises(ValidationError):
        services.session_update(actor=exam.teacher, session=session, shuffle_questions=False)
    services.session_update(actor=exam.teacher, session=session, duration_minutes=60)
    session.refresh_from_db()
    assert session.duration_minutes == 60


def test_update_checks_the_window_again(exam):
    session = create(exam.teacher, exam)
    with pytest.raises(ValidationError):
        services.session_update(
            actor=exam.teacher, session=session, closes_at=session.opens_at - timedelta(minutes=1)
        )


def test_a_prepared_session_nobody_started_can_be_deleted(exam):
    session = create(exam.teacher, exam)
    services.session_prepare(actor=exam.teacher, session=session)
    services.session_delete(actor=exam.teacher, session=session)
    assert not ExamSession.objects.filter(pk=session.pk).exists()
    assert AuditEntry.objects.filter(action="exam.delete", object_id=str(session.pk)).exists()


def test_a_session_with_a_started_attempt_cannot_be_deleted(exam, users):
    Attempt.objects.filter(pk=exam.attempts[0].pk).update(
        status=AttemptStatus.IN_PROGRESS, started_at=timezone.now()
    )
    with pytest.raises(ValidationError):
        services.session_delete(actor=exam.teacher, session=exam.session)
    with pytest.raises(PermissionDenied):
        services.session_delete(actor=users.admin_c, session=exam.session)


# --- accommodations and the supervisor --------------------------------------------------------


def _start(attempt, minutes_ago=5):
    started = timezone.now() - timedelta(minutes=minutes_ago)
    Attempt.objects.filter(pk=attempt.pk).update(
        status=AttemptStatus.IN_PROGRESS, started_at=started,
        deadline=started + timedelta(minutes=45),
    )  # fmt: skip
    attempt.refresh_from_db()
    return attempt


def test_extra_time_and_added_time_move_the_deadline_of_a_started_attempt(exam):
    attempt = _start(exam.attempts[0])
    deadline = attempt.deadline
    attempt = services.accommodation_set(actor=exam.teacher, attempt=attempt, extra_minutes=10)
    assert attempt.deadline == deadline + timedelta(minutes=10)
    attempt = services.attempt_add_time(actor=exam.teacher, attempt=attempt, minutes=5)
    attempt.refresh_from_db()
    assert (attempt.extra_minutes, attempt.added_minutes) == (10, 5)
    assert attempt.deadline == deadline + timedelta(minutes=15)
    assert AuditEntry.objects.filter(action="exam.add_time", object_id=str(attempt.pk)).exists()


def test_extra_time_before_the_start_sets_no_deadline(exam):
    attempt = services.accommodation_set(
        actor=exam.teacher, attempt=exam.attempts[1], extra_minutes=20
    )
    assert attempt.extra_minutes == 20 and attempt.deadline is None


def test_added_time_is_refused_to_others_and_beyond_the_limit(exam, users):
    attempt = _start(exam.attempts[0])
    with pytest.raises(PermissionDenied):
        services.attempt_add_time(actor=users.admin_c, attempt=attempt, minutes=5)
    with pytest.raises(PermissionDenied):
        services.attempt_add_time(actor=exam.learner_users[0], attempt=attempt, minutes=5)
    with pytest.raises(ValidationError):
        services.attempt_add_time(actor=exam.teacher, attempt=attempt, minutes=0)


def test_closing_an_attempt_submits_it_as_the_supervisor(exam, users):
    attempt = _start(exam.attempts[0])
    with pytest.raises(PermissionDenied):
        services.attempt_close(actor=users.admin_c, attempt=attempt)
    services.attempt_close(actor=exam.teacher, attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED
    assert attempt.submitted_how == SubmittedHow.SUPERVISOR
    assert AuditEntry.objects.filter(action="exam.close_attempt").count() == 1
    with pytest.raises(ValidationError):
        services.attempt_close(actor=exam.teacher, attempt=exam.attempts[1])  # not started


def test_check_in_records_the_time_once(exam):
    attempt = services.attempt_check_in(actor=exam.teacher, attempt=exam.attempts[0])
    first = attempt.checked_in_at
    assert first is not None
    again = services.attempt_check_in(actor=exam.teacher, attempt=exam.attempts[0])
    assert again.checked_in_at == first


def test_the_option_shuffle_follows_the_rule_of_the_paper_generator():
    choices = [Choice(text=t, fraction=Decimal(t == "a"), pinned=t in "cz") for t in "abcdz"]
    data = ItemData(type=ItemType.SINGLE_CHOICE, stem="?", choices=choices)
    for seed in range(20):
        _data, expected = shuffled_options(data, random.Random(seed))
        shown = services.option_shuffle([c.pinned for c in choices], random.Random(seed))
        assert shown == expected
        assert shown[2] == 2 and shown[4] == 4
