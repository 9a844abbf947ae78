"""The shared exam fixture itself: a session ready to take, one attempt per learner."""

from hocso.exams.access import attempts_visible, can_manage, own_attempts, sessions_visible
from hocso.exams.models import AttemptStatus


def test_fixture_session_has_one_not_started_attempt_per_learner(exam):
    assert [a.status for a in exam.attempts] == [AttemptStatus.NOT_STARTED] * 3
    assert len(exam.questions) == 7
    assert exam.attempts[0].question_order == [q.pk for q in exam.questions]


def test_the_creator_manages_and_other_schools_do_not_see(exam, users):
    assert can_manage(exam.teacher, exam.session)
    assert can_manage(users.admin_a, exam.session)
    assert not can_manage(users.admin_c, exam.session)
    assert list(sessions_visible(users.province)) == [exam.session]
    assert not sessions_visible(users.admin_c).exists()
    assert not attempts_visible(users.admin_c).exists()
    assert attempts_visible(users.admin_a, exam.session).count() == 3


def test_a_learner_owns_only_their_attempt(exam):
    assert list(own_attempts(exam.learner_users[0])) == [exam.attempts[0]]
    assert not sessions_visible(exam.learner_users[0]).exists()
