"""Session selectors: scoped, counted in the same query, and no query per attempt."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hocso.accounts.scope import scope_for
from hocso.exams import selectors, services
from hocso.exams.models import Attempt, AttemptStatus
from hocso.registry import services as registry

from ..factories import StudentFactory


def _queries(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


def test_a_session_comes_with_its_counts_in_one_query(exam):
    Attempt.objects.filter(pk=exam.attempts[0].pk).update(
        status=AttemptStatus.IN_PROGRESS, started_at=timezone.now()
    )
    scope_for(exam.teacher)  # computed once per request, not part of the read
    session = None

    def read():
        nonlocal session
        session = selectors.session_get(actor=exam.teacher, pk=exam.session.pk)

    assert _queries(read) == 1
    assert (session.candidates, session.started, session.submitted) == (3, 1, 0)


def test_the_supervisor_rows_cost_the_same_for_three_or_thirteen_candidates(exam):
    scope_for(exam.teacher)
    session = exam.session

    def rows():
        return selectors.supervisor_rows(actor=exam.teacher, session=session)

    few = _queries(rows)
    for n in range(10):
        student = StudentFactory(school=exam.school_class.school, full_name=f"Thêm {n}")
        registry.student_enroll(
            actor=None, student=student, school_class=exam.school_class,
            start_date=date(2025, 9, 5),
        )  # fmt: skip
    session.opens_at = timezone.now() + timedelta(hours=1)  # so prepare may add them
    session.save(update_fields=["opens_at"])
    services.session_prepare(actor=exam.teacher, session=session)
    many = _queries(rows)
    assert len(rows()) == 13
    assert many == few <= 2


def test_a_row_says_who_lost_the_connection(exam):
    now = timezone.now()
    Attempt.objects.filter(pk=exam.attempts[0].pk).update(
        status=AttemptStatus.IN_PROGRESS, started_at=now, deadline=now + timedelta(minutes=45),
        last_seen_at=now - timedelta(seconds=20),
    )  # fmt: skip
    Attempt.objects.filter(pk=exam.attempts[1].pk).update(
        status=AttemptStatus.IN_PROGRESS, started_at=now, deadline=now + timedelta(minutes=45),
        last_seen_at=now - timedelta(seconds=90),
    )  # fmt: skip
    rows = {r.attempt.pk: r for r in selectors.supervisor_rows(actor=exam.teacher,
                                                                session=exam.session, now=now)}  # fmt: skip
    assert rows[exam.attempts[0].pk].online and not rows[exam.attempts[0].pk].disconnected
    assert rows[exam.attempts[1].pk].disconnected
    assert not rows[exam.attempts[2].pk].disconnected  # not started: not "lost"
    assert rows[exam.attempts[0].pk].time_left == "45:00"
    summary = selectors.supervisor_summary(list(rows.values()))
    assert summary == {"total": 3, "not_started": 1, "in_progress": 2, "submitted": 0,
                       "disconnected": 1}  # fmt: skip


def test_search_matches_words_without_diacritics_and_is_scoped(exam, users):
    found = selectors.sessions_search(actor=exam.teacher, q="kiem tra GIUA")
    assert list(found) == [exam.session]
    assert not selectors.sessions_search(actor=exam.teacher, q="van").exists()
    assert not selectors.sessions_search(actor=users.admin_c).exists()
    assert list(selectors.sessions_search(actor=users.province, grade=6)) == [exam.session]
