"""Delivery services: start and takeover, the sequence rules of saves, answer shapes, the timer
and grace period, submit and auto-submit. Time is passed explicitly (`now=`): the server's clock
is the only clock, and the services take it as a parameter."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from hocso.exams import delivery
from hocso.exams.models import Attempt, AttemptStatus, Response, SubmittedHow
from hocso.questions.services import media_store

from ..questions.items import PNG_1PX
from .delivery_setup import (
    ESSAY,
    MULTIPLE,
    NUMERIC,
    SINGLE,
    SINGLE_2,
    TF4,
    matching_and_ordering_exam,
    opened_hours_ago,
    save,
    start,
    stored,
)

# --- start, resume, takeover --------------------------------------------------------------------


def test_first_start_fixes_the_deadline_and_a_resume_keeps_it(exam):
    now = timezone.now()
    first = start(exam, now=now)
    attempt = Attempt.objects.get(pk=exam.attempts[0].pk)
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert attempt.started_at == now
    assert attempt.deadline == now + timedelta(minutes=45)
    assert first.remaining_seconds == 45 * 60

    later = now + timedelta(minutes=10)
    again = start(exam, now=later)
    attempt.refresh_from_db()
    assert attempt.started_at == now
    assert attempt.deadline == now + timedelta(minutes=45)
    assert again.remaining_seconds == 35 * 60


def test_a_second_start_takes_over_and_the_first_device_is_refused(exam):
    now = timezone.now()
    phone = start(exam, now=now, device_label="phone")
    save(exam, phone, (SINGLE, 1, 2), now=now)
    laptop = start(exam, now=now + timedelta(seconds=5), device_label="laptop")
    assert laptop.device_token != phone.device_token

    with pytest.raises(delivery.DeviceReplaced):
        save(exam, phone, (SINGLE, 2, 3), now=now + timedelta(seconds=6))
    with pytest.raises(delivery.DeviceReplaced):
        delivery.attempt_state(
            actor=exam.learner_users[0],
            attempt_id=exam.attempts[0].pk,
            device_token=phone.device_token,
        )

    # The new device sees what the old one saved, and the refused save changed nothing.
    assert laptop.responses == {str(exam.questions[SINGLE].pk): {"seq": 1, "answer": 2}}
    assert stored(exam) == {SINGLE: (1, 2)}
    save(exam, laptop, (SINGLE, 2, 1), now=now + timedelta(seconds=7))
    assert stored(exam) == {SINGLE: (2, 1)}


def test_the_window_and_the_access_code_are_enforced_at_start(exam):
    session = exam.session
    with pytest.raises(delivery.NotOpen):
        start(exam, now=session.opens_at - timedelta(seconds=1))
    with pytest.raises(delivery.AttemptClosed):
        start(exam, now=session.closes_at)

    session.access_code = "Phong7"
    session.save()
    with pytest.raises(delivery.AccessCodeWrong):
        start(exam, access_code="phong8")
    assert start(exam, access_code=" phong7 ").device_token
    # A candidate the supervisor checked in needs no code.
    Attempt.objects.filter(pk=exam.attempts[1].pk).update(checked_in_at=timezone.now())
    exam.attempts[1].refresh_from_db()
    assert start(exam, n=1).device_token


def test_only_the_candidate_may_start_their_attempt(exam):
    with pytest.raises(PermissionDenied):
        delivery.attempt_start(actor=exam.learner_users[1], attempt=exam.attempts[0])
    with pytest.raises(PermissionDenied):
        delivery.attempt_start(actor=exam.teacher, attempt=exam.attempts[0])
    assert Attempt.objects.get(pk=exam.attempts[0].pk).status == AttemptStatus.NOT_STARTED


# --- what the page receives ---------------------------------------------------------------------


def test_the_question_payload_never_carries_the_key(exam):
    payload = json.dumps(start(exam).questions, default=str)
    for secret in ("fraction", "is_true", "numeric_answers", "text_answers", "rubric", "correct"):
        assert secret not in payload
    assert "Đủ 3 bước" not in payload  # the essay's rubric
    assert "3.5" not in payload  # the numeric answer


def test_options_come_in_the_candidates_order_answered_by_original_index(exam):
    question = exam.questions[SINGLE]
    attempt = exam.attempts[0]
    attempt.option_orders = {str(question.pk): [2, 0, 3, 1]}
    attempt.save()
    question.option_order = [3, 2, 1, 0]
    question.save()

    questions = start(exam).questions
    first = questions[SINGLE]
    assert [o["value"] for o in first["options"]] == [2, 0, 3, 1]
    assert [o["html"] for o in first["options"]] == ["5", "4", "22", "3"]
    # Without the attempt's own shuffle: the form's order; else the natural order.
    assert [o["value"] for o in questions[SINGLE_2]["options"]] == [0, 1, 2, 3]
    exam.attempts[1].option_orders = {}
    exam.attempts[1].save()
    assert [o["value"] for o in start(exam, n=1).questions[SINGLE]["options"]] == [3, 2, 1, 0]


def test_questions_come_in_the_attempts_order_numbered_as_shown(exam):
    attempt = exam.attempts[0]
    attempt.question_order = [q.pk for q in reversed(exam.questions)]
    attempt.save()
    questions = start(exam).questions
    assert [q["id"] for q in questions] == attempt.question_order
    assert [q["number"] for q in questions] == list(range(1, 8))
    assert questions[0]["type"] == "essay"
    assert questions[2]["type"] == "true_false_4"
    assert questions[2]["statements"] == ["Ý a", "Ý b", "Ý c", "Ý d"]


def test_stems_are_rendered_through_the_allowlist(exam):
    version = exam.questions[SINGLE].item_version
    version.stem = '2 + 2 = ?<script>alert(1)</script><img src="hinh.png" onerror="x()">'
    version.save()
    stem = start(exam).questions[SINGLE]["stem"]
    assert "<script" not in stem and "onerror" not in stem
    assert stem.startswith("2 + 2 = ?")


def test_matching_and_ordering_payloads_and_answers(exam):
    session, questions, attempts = matching_and_ordering_exam(exam)
    learner = exam.learner_users[0]
    started = delivery.attempt_start(actor=learner, attempt=attempts[0])
    matching, ordering = started.questions[0], started.questions[1]
    assert matching["prompts"] == ["Việt Nam", "Lào"]
    assert matching["right_choices"] == ["Bắc Kinh", "Hà Nội", "Viêng Chăn"]
    assert ordering["ordering_items"] == ["ba", "hai", "một"]  # as printed: sorted

    def send(question, seq, answer):
        return delivery.responses_save(
            actor=learner,
            attempt_id=attempts[0].pk,
            device_token=started.device_token,
            saves=[delivery.Save(question.pk, seq, answer)],
        )

    send(questions[0], 1, ["Hà Nội", None])
    send(questions[1], 1, ["một", "hai", "ba"])
    with pytest.raises(ValidationError):
        send(questions[0], 2, ["Hà Nội", "Paris"])
    with pytest.raises(ValidationError):
        send(questions[1], 2, ["một", "hai"])


# --- sequence rules -----------------------------------------------------------------------------


def test_a_stale_save_never_overwrites_a_newer_answer(exam):
    started = start(exam)
    save(exam, started, (SINGLE, 5, 1))
    outcome = save(exam, started, (SINGLE, 4, 3))
    assert stored(exam) == {SINGLE: (5, 1)}
    # Answered with the stored seq: the page sees its seq 4 is superseded, not lost.
    assert outcome.saved == {exam.questions[SINGLE].pk: 5}


def test_a_duplicate_save_is_idempotent(exam):
    started = start(exam)
    first = save(exam, started, (SINGLE, 1, 2))
    again = save(exam, started, (SINGLE, 1, 2))
    assert first.saved == again.saved == {exam.questions[SINGLE].pk: 1}
    assert Response.objects.filter(attempt=exam.attempts[0]).count() == 1
    assert stored(exam) == {SINGLE: (1, 2)}


def test_out_of_order_saves_keep_the_highest_seq(exam):
    started = start(exam)
    save(exam, started, (SINGLE, 3, 3))
    save(exam, started, (SINGLE, 2, 2))
    assert stored(exam) == {SINGLE: (3, 3)}


def test_a_batch_of_mixed_saves_applies_only_the_newer_ones(exam):
    started = start(exam)
    save(exam, started, (SINGLE, 4, 0), (MULTIPLE, 2, [0]))
    outcome = save(
        exam,
        started,
        (SINGLE, 3, 1),  # stale
        (MULTIPLE, 2, [0]),  # duplicate
        (TF4, 1, [True, None, False, None]),  # new
        (NUMERIC, 1, "3"),
        (NUMERIC, 2, "3,5"),  # a newer save of the same question in the same batch
    )
    q = exam.questions
    assert outcome.saved == {q[SINGLE].pk: 4, q[MULTIPLE].pk: 2, q[TF4].pk: 1, q[NUMERIC].pk: 2}
    assert stored(exam) == {
        SINGLE: (4, 0),
        MULTIPLE: (2, [0]),
        TF4: (1, [True, None, False, None]),
        NUMERIC: (2, "3,5"),
    }


def test_answers_round_trip_as_the_same_json(exam):
    started = start(exam)
    answers = {
        SINGLE: 0,
        MULTIPLE: [2, 0],
        TF4: [True, False, None, True],
        NUMERIC: "-1,5",
        ESSAY: 'Bước 1: "chuyển vế" — x = 2\nBước 2 …',
    }
    save(exam, started, *[(i, 1, a) for i, a in answers.items()])
    assert {i: answer for i, (_seq, answer) in stored(exam).items()} == answers
    assert start(exam).responses[str(exam.questions[MULTIPLE].pk)] == {"seq": 1, "answer": [2, 0]}


def test_answered_counts_the_non_empty_answers(exam):
    started = start(exam)
    save(exam, started, (SINGLE, 1, 0), (ESSAY, 1, "  "), (TF4, 1, [None, None, None, None]))
    assert Attempt.objects.get(pk=exam.attempts[0].pk).answered == 1
    save(exam, started, (ESSAY, 2, "Lời giải"), (TF4, 2, [None, True, None, None]))
    assert Attempt.objects.get(pk=exam.attempts[0].pk).answered == 3
    save(exam, started, (SINGLE, 2, None))
    assert Attempt.objects.get(pk=exam.attempts[0].pk).answered == 2


# --- answer shapes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("position", "answer"),
    [
        (SINGLE, 4),  # no such option
        (SINGLE, True),
        (SINGLE, "1"),
        (MULTIPLE, 1),
        (MULTIPLE, [0, 0]),
        (MULTIPLE, [5]),
        (TF4, [True, False]),
        (TF4, [1, 0, 1, 0]),
        (NUMERIC, 3.5),
        (NUMERIC, "9" * 1001),
        (ESSAY, "x" * 20_001),
        (ESSAY, {"text": "a"}),
    ],
)
def test_a_badly_shaped_answer_is_refused_naming_the_question(exam, position, answer):
    started = start(exam)
    question = exam.questions[position]
    with pytest.raises(ValidationError) as refused:
        save(exam, started, (SINGLE_2, 1, 1), (position, 1, answer))
    assert list(refused.value.message_dict) == [str(question.pk)]
    assert f"câu {question.number}" in refused.value.message_dict[str(question.pk)][0]
    assert stored(exam) == {}  # nothing of the batch is written


@pytest.mark.parametrize(
    ("position", "answer"),
    [
        (SINGLE, None),
        (MULTIPLE, []),
        (TF4, [None, None, None, None]),
        (NUMERIC, ""),
        (ESSAY, "x" * 20_000),
    ],
)
def test_empty_and_limit_answers_are_accepted(exam, position, answer):
    started = start(exam)
    save(exam, started, (position, 1, answer))
    assert stored(exam) == {position: (1, answer)}


def test_a_question_of_another_form_is_refused(exam):
    _session, other_questions, _attempts = matching_and_ordering_exam(exam)
    started = start(exam)
    with pytest.raises(ValidationError) as refused:
        delivery.responses_save(
            actor=exam.learner_users[0],
            attempt_id=exam.attempts[0].pk,
            device_token=started.device_token,
            saves=[delivery.Save(other_questions[0].pk, 1, None)],
        )
    assert str(other_questions[0].pk) in refused.value.message_dict
    assert not Response.objects.exists()


def test_someone_elses_attempt_is_not_found(exam):
    started = start(exam)
    with pytest.raises(Attempt.DoesNotExist):
        delivery.responses_save(
            actor=exam.learner_users[1],
            attempt_id=exam.attempts[0].pk,
            device_token=started.device_token,
            saves=[],
        )


# --- timer and grace ----------------------------------------------------------------------------


def test_remaining_seconds_come_from_the_server_clock(exam):
    now = timezone.now()
    started = start(exam, now=now)
    outcome = save(exam, started, (SINGLE, 1, 0), now=now + timedelta(minutes=20, seconds=30))
    assert outcome.remaining_seconds == 24 * 60 + 30
    state = delivery.attempt_state(
        actor=exam.learner_users[0],
        attempt_id=exam.attempts[0].pk,
        device_token=started.device_token,
        now=now + timedelta(minutes=44),
    )
    assert state.remaining_seconds == 60
    assert state.saved == {str(exam.questions[SINGLE].pk): 1}


def test_extra_and_added_minutes_move_the_deadline_capped_by_the_window(exam):
    session, attempt = exam.session, exam.attempts[0]
    attempt.started_at = session.opens_at
    attempt.extra_minutes, attempt.added_minutes = 15, 5
    assert delivery.attempt_deadline(attempt, session) == session.opens_at + timedelta(minutes=65)

    # Starting late: the window's close (plus the candidate's extras) comes first.
    attempt.started_at = session.closes_at - timedelta(minutes=10)
    assert delivery.attempt_deadline(attempt, session) == session.closes_at + timedelta(minutes=20)
    attempt.extra_minutes = attempt.added_minutes = 0
    assert delivery.attempt_deadline(attempt, session) == session.closes_at


def test_a_save_within_the_grace_period_counts_and_one_after_is_refused(exam):
    now = timezone.now()
    started = start(exam, now=now)
    deadline = Attempt.objects.get(pk=exam.attempts[0].pk).deadline
    grace = timedelta(seconds=exam.session.grace_seconds)

    in_flight = save(exam, started, (SINGLE, 1, 0), now=deadline + grace - timedelta(seconds=1))
    assert in_flight.saved == {exam.questions[SINGLE].pk: 1}
    assert in_flight.remaining_seconds == 0

    with pytest.raises(delivery.AttemptClosed) as refused:
        save(
            exam,
            started,
            (SINGLE, 2, 3),
            (ESSAY, 1, "muộn"),
            now=deadline + grace + timedelta(seconds=1),
        )
    assert refused.value.code == "closed"
    assert "không được lưu" in str(refused.value.detail)
    assert stored(exam) == {SINGLE: (1, 0)}
    # Touching an expired attempt submits it, at its deadline.
    attempt = Attempt.objects.get(pk=exam.attempts[0].pk)
    assert attempt.status == AttemptStatus.SUBMITTED
    assert attempt.submitted_how == SubmittedHow.AUTO
    assert attempt.submitted_at == deadline


def test_a_heartbeat_after_the_grace_period_submits_the_attempt(exam):
    now = timezone.now()
    started = start(exam, now=now)
    state = delivery.attempt_state(
        actor=exam.learner_users[0],
        attempt_id=exam.attempts[0].pk,
        device_token=started.device_token,
        now=now + timedelta(minutes=47),
    )
    assert state.status == AttemptStatus.SUBMITTED
    assert state.remaining_seconds == 0


# --- submit and auto-submit ---------------------------------------------------------------------


def test_submit_is_idempotent_and_a_late_save_is_refused(exam):
    now = timezone.now()
    started = start(exam, now=now)
    save(exam, started, (SINGLE, 1, 0), now=now)
    submitted = delivery.attempt_submit(
        actor=exam.learner_users[0],
        attempt=exam.attempts[0],
        device_token=started.device_token,
        now=now + timedelta(minutes=5),
    )
    assert submitted.status == AttemptStatus.SUBMITTED
    assert submitted.submitted_how == SubmittedHow.CANDIDATE
    again = delivery.attempt_submit(
        actor=exam.learner_users[0],
        attempt=exam.attempts[0],
        device_token=started.device_token,
        now=now + timedelta(minutes=6),
    )
    assert again.submitted_at == now + timedelta(minutes=5)

    with pytest.raises(delivery.AttemptClosed):
        save(exam, started, (SINGLE, 2, 1), now=now + timedelta(minutes=7))
    with pytest.raises(delivery.AttemptClosed):
        start(exam, now=now + timedelta(minutes=8))
    assert stored(exam) == {SINGLE: (1, 0)}


def test_submit_needs_the_device_that_holds_the_attempt(exam):
    phone = start(exam)
    start(exam)  # taken over
    with pytest.raises(delivery.DeviceReplaced):
        delivery.attempt_submit(
            actor=exam.learner_users[0], attempt=exam.attempts[0], device_token=phone.device_token
        )
    with pytest.raises(delivery.NotStarted):
        delivery.attempt_submit(
            actor=exam.learner_users[1], attempt=exam.attempts[1], device_token=""
        )
    with pytest.raises(PermissionDenied):
        delivery.attempt_submit(actor=exam.learner_users[1], attempt=exam.attempts[0])


def test_a_supervisor_collects_an_attempt(exam):
    start(exam)
    attempt = delivery.attempt_submit(
        actor=exam.teacher, attempt=exam.attempts[0], how=SubmittedHow.SUPERVISOR
    )
    assert attempt.submitted_how == SubmittedHow.SUPERVISOR
    with pytest.raises(PermissionDenied):
        delivery.attempt_submit(actor=exam.teacher, attempt=exam.attempts[1])


def test_submit_expired_submits_only_attempts_past_deadline_and_grace(exam):
    opened_hours_ago(exam)
    now = timezone.now()
    start(exam, n=0, now=now - timedelta(minutes=46, seconds=1))  # 45 min + 60 s grace ago
    start(exam, n=1, now=now - timedelta(minutes=45, seconds=30))  # in its grace period
    assert delivery.attempts_submit_expired(now=now) == 1
    statuses = dict(Attempt.objects.values_list("pk", "status"))
    assert statuses == {
        exam.attempts[0].pk: AttemptStatus.SUBMITTED,
        exam.attempts[1].pk: AttemptStatus.IN_PROGRESS,
        exam.attempts[2].pk: AttemptStatus.NOT_STARTED,
    }
    assert Attempt.objects.get(pk=exam.attempts[0].pk).submitted_how == SubmittedHow.AUTO
    assert delivery.attempts_submit_expired(now=now) == 0  # nothing twice
    assert delivery.attempts_submit_expired(now=now + timedelta(seconds=31)) == 1


def test_the_submit_expired_task_runs_the_service(exam):
    from hocso.exams.tasks import submit_expired

    opened_hours_ago(exam)
    start(exam, now=timezone.now() - timedelta(hours=1))
    assert submit_expired.call() == 1


@pytest.fixture
def fake_grading(monkeypatch):
    """Grading replaced by a recorder of what it was asked to grade."""
    graded = []
    monkeypatch.setattr(
        delivery.grading, "attempt_grade", lambda attempt: graded.append(attempt.pk)
    )
    return graded


def test_a_submit_is_graded_after_its_commit(
    exam, fake_grading, django_capture_on_commit_callbacks
):
    started = start(exam)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        delivery.attempt_submit(
            actor=exam.learner_users[0], attempt=exam.attempts[0], device_token=started.device_token
        )
    assert fake_grading == []  # not before the commit
    for callback in callbacks:
        callback()
    assert fake_grading == [exam.attempts[0].pk]


def test_auto_submits_are_graded_too(exam, fake_grading, django_capture_on_commit_callbacks):
    opened_hours_ago(exam)
    start(exam, now=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        delivery.attempts_submit_expired()
    assert fake_grading == [exam.attempts[0].pk]


def test_images_are_served_through_the_attempt_to_its_candidate_only(
    exam, settings, tmp_path, client
):
    settings.MEDIA_ROOT = tmp_path
    media = media_store(name="hinh.png", data=PNG_1PX)
    question = exam.questions[SINGLE]
    version = question.item_version
    version.stem = 'Xem hình: <img src="hinh.png"> và <img src="khong-co.png">'
    version.content = {**version.content, "files": {"hinh.png": media.sha256}}
    version.save()
    stem = start(exam).questions[SINGLE]["stem"]
    url = f"/my-exams/{exam.attempts[0].pk}/images/{question.pk}/hinh.png"
    assert f'src="{url}"' in stem
    assert stem.count("src=") == 1  # an image without a stored file is not fetched
    assert media.file.url not in stem  # never the storage path

    client.force_login(exam.learner_users[0])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG_1PX
    client.force_login(exam.learner_users[1])
    assert client.get(url).status_code == 404
    assert client.get(url.replace("hinh.png", "khong-co.png")).status_code == 404


def test_saving_to_an_attempt_not_started_is_refused(exam):
    with pytest.raises(delivery.NotStarted):
        delivery.responses_save(
            actor=exam.learner_users[0],
            attempt_id=exam.attempts[0].pk,
            device_token="",
            saves=[delivery.Save(exam.questions[SINGLE].pk, 1, 0)],
        )
    assert stored(exam) == {}
