"""The delivery API as the exam page uses it: Bearer token (and once the browser session with
CSRF), the 409 refusals with their codes and Vietnamese messages, 404 for anyone but the
candidate, and a save route whose query count does not grow beyond one statement per save."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hocso.accounts.services import token_create
from hocso.exams.models import Attempt, AttemptStatus

from .delivery_setup import ESSAY, MULTIPLE, SINGLE, TF4, opened_hours_ago, stored

API = "/api/v1"


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {token_create(user=user)}"}


def post(client, url, body, headers):
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


@pytest.fixture
def learner(exam):
    return bearer(exam.learner_users[0])


def start(client, exam, headers, n=0, **body):
    response = post(client, f"{API}/attempts/{exam.attempts[n].pk}/start", body, headers)
    assert response.status_code == 200, response.content
    return response.json()


def saves_url(exam, n=0):
    return f"{API}/attempts/{exam.attempts[n].pk}/responses"


def test_a_learner_lists_only_their_own_attempts(client, exam, learner, users):
    body = client.get(f"{API}/attempts", headers=learner).json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == exam.attempts[0].pk
    assert item["exam"] == {
        "id": exam.session.pk,
        "code": exam.session.code,
        "name": exam.session.name,
    }
    assert item["status"] == "not_started"
    assert item["duration_minutes"] == 45
    staff = client.get(f"{API}/attempts", headers=bearer(exam.teacher)).json()
    assert staff == {"items": [], "count": 0}


def test_start_returns_the_questions_without_the_key_and_a_device_token(client, exam, learner):
    body = start(client, exam, learner, device_label="Điện thoại")
    assert body["attempt"] == exam.attempts[0].pk
    assert body["status"] == "in_progress"
    assert body["remaining_seconds"] == 45 * 60
    assert body["grace_seconds"] == 60
    assert body["one_per_page"] is False
    assert len(body["device_token"]) >= 40
    assert [q["id"] for q in body["questions"]] == [q.pk for q in exam.questions]
    first = body["questions"][SINGLE]
    assert first["options"] == [
        {"value": 0, "html": "4"},
        {"value": 1, "html": "3"},
        {"value": 2, "html": "5"},
        {"value": 3, "html": "22"},
    ]
    text = json.dumps(body)
    assert "fraction" not in text and "is_true" not in text and "rubric" not in text
    assert body["responses"] == {}


def test_save_state_and_submit(client, exam, learner):
    token = start(client, exam, learner)["device_token"]
    q = exam.questions
    response = post(
        client,
        saves_url(exam),
        {
            "device_token": token,
            "saves": [
                {"question": q[SINGLE].pk, "seq": 2, "answer": 0},
                {"question": q[MULTIPLE].pk, "seq": 1, "answer": [0, 1]},
                {"question": q[SINGLE].pk, "seq": 1, "answer": 3},  # older, in the same batch
            ],
        },
        learner,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert sorted((s["question"], s["seq"]) for s in body["saved"]) == sorted(
        [(q[SINGLE].pk, 2), (q[MULTIPLE].pk, 1)]
    )
    assert body["status"] == "in_progress"
    assert 0 < body["remaining_seconds"] <= 45 * 60
    assert stored(exam) == {SINGLE: (2, 0), MULTIPLE: (1, [0, 1])}

    state = client.get(
        f"{API}/attempts/{exam.attempts[0].pk}/state", {"device_token": token}, headers=learner
    ).json()
    assert state["saved"] == {str(q[SINGLE].pk): 2, str(q[MULTIPLE].pk): 1}
    assert state["status"] == "in_progress"

    submit_url = f"{API}/attempts/{exam.attempts[0].pk}/submit"
    first = post(client, submit_url, {"device_token": token}, learner)
    assert first.status_code == 200
    assert first.json()["status"] == "submitted"
    assert first.json()["result_url"] == f"/my-exams/{exam.attempts[0].pk}/result/"
    again = post(client, submit_url, {"device_token": token}, learner)
    assert again.status_code == 200
    assert again.json()["submitted_at"] == first.json()["submitted_at"]

    late = post(
        client,
        saves_url(exam),
        {"device_token": token, "saves": [{"question": q[TF4].pk, "seq": 1, "answer": None}]},
        learner,
    )
    assert late.status_code == 409
    assert late.json()["code"] == "closed"
    assert TF4 not in stored(exam)


def test_a_second_device_takes_over_and_the_first_is_told_why(client, exam, learner):
    old = start(client, exam, learner)["device_token"]
    new = start(client, exam, learner)["device_token"]
    question = exam.questions[SINGLE].pk
    refused = post(
        client,
        saves_url(exam),
        {"device_token": old, "saves": [{"question": question, "seq": 1, "answer": 1}]},
        learner,
    )
    assert refused.status_code == 409
    assert refused.json() == {
        "code": "device_replaced",
        "detail": "Bài làm đang mở trên thiết bị khác. Thiết bị này đã bị thay thế.",
    }
    state = client.get(
        f"{API}/attempts/{exam.attempts[0].pk}/state", {"device_token": old}, headers=learner
    )
    assert state.status_code == 409
    assert state.json()["code"] == "device_replaced"
    ok = post(
        client,
        saves_url(exam),
        {"device_token": new, "saves": [{"question": question, "seq": 1, "answer": 1}]},
        learner,
    )
    assert ok.status_code == 200


def test_a_save_after_the_grace_period_is_refused_with_a_clear_message(client, exam, learner):
    opened_hours_ago(exam)
    token = start(client, exam, learner)["device_token"]
    Attempt.objects.filter(pk=exam.attempts[0].pk).update(
        deadline=timezone.now() - timedelta(seconds=61)
    )
    response = post(
        client,
        saves_url(exam),
        {
            "device_token": token,
            "saves": [{"question": exam.questions[0].pk, "seq": 1, "answer": 1}],
        },
        learner,
    )
    assert response.status_code == 409
    assert response.json() == {
        "code": "closed",
        "detail": "Đã hết giờ làm bài; câu trả lời này không được lưu.",
    }
    assert stored(exam) == {}
    assert Attempt.objects.get(pk=exam.attempts[0].pk).status == AttemptStatus.SUBMITTED


def test_start_refusals_have_codes(client, exam, learner):
    url = f"{API}/attempts/{exam.attempts[0].pk}/start"
    exam.session.access_code = "A1B2"
    exam.session.save()
    wrong = post(client, url, {"access_code": "XXXX"}, learner)
    assert wrong.status_code == 409
    assert wrong.json()["code"] == "access_code"
    assert wrong.json()["detail"]
    exam.session.opens_at = timezone.now() + timedelta(minutes=5)
    exam.session.save()
    early = post(client, url, {"access_code": "A1B2"}, learner)
    assert early.status_code == 409
    assert early.json()["code"] == "not_open"


def test_a_badly_shaped_answer_is_422_naming_the_question(client, exam, learner):
    token = start(client, exam, learner)["device_token"]
    essay = exam.questions[ESSAY]
    response = post(
        client,
        saves_url(exam),
        {"device_token": token, "saves": [{"question": essay.pk, "seq": 1, "answer": 7}]},
        learner,
    )
    assert response.status_code == 422
    assert list(response.json()["detail"]) == [str(essay.pk)]
    zero_seq = post(
        client,
        saves_url(exam),
        {"device_token": token, "saves": [{"question": essay.pk, "seq": 0, "answer": "a"}]},
        learner,
    )
    assert zero_seq.status_code == 422
    assert stored(exam) == {}


@pytest.mark.parametrize("who", ["teacher_a", "admin_a", "superuser", "other_learner"])
def test_nobody_but_the_candidate_reaches_an_attempt(client, exam, users, who):
    """The session's creator, the school's admin and a superuser included: delivery is the
    candidate's; staff see attempts through the results pages."""
    user = exam.learner_users[1] if who == "other_learner" else getattr(users, who)
    headers = bearer(user)
    token = start(client, exam, bearer(exam.learner_users[0]))["device_token"]
    attempt = exam.attempts[0].pk
    question = exam.questions[SINGLE].pk
    saves = {"device_token": token, "saves": [{"question": question, "seq": 1, "answer": 1}]}
    assert post(client, f"{API}/attempts/{attempt}/start", {}, headers).status_code == 404
    assert post(client, f"{API}/attempts/{attempt}/responses", saves, headers).status_code == 404
    state_url = f"{API}/attempts/{attempt}/state"
    assert client.get(state_url, {"device_token": token}, headers=headers).status_code == 404
    submit = post(client, f"{API}/attempts/{attempt}/submit", {"device_token": token}, headers)
    assert submit.status_code == 404
    assert stored(exam) == {}
    assert Attempt.objects.get(pk=attempt).status == AttemptStatus.IN_PROGRESS


def test_anonymous_callers_are_refused(client, exam):
    assert client.get(f"{API}/attempts").status_code == 401
    assert post(client, f"{API}/attempts/{exam.attempts[0].pk}/start", {}, {}).status_code == 401


def test_the_browser_session_needs_the_csrf_token(exam):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(exam.learner_users[0])
    url = f"{API}/attempts/{exam.attempts[0].pk}/start"
    assert post(browser, url, {}, {}).status_code == 403
    secret = _get_new_csrf_string()
    browser.cookies["csrftoken"] = secret
    response = post(browser, url, {}, {"X-CSRFToken": secret})
    assert response.status_code == 200
    token = response.json()["device_token"]
    saved = post(
        browser,
        saves_url(exam),
        {
            "device_token": token,
            "saves": [{"question": exam.questions[0].pk, "seq": 1, "answer": 0}],
        },
        {"X-CSRFToken": secret},
    )
    assert saved.status_code == 200
    assert stored(exam) == {SINGLE: (1, 0)}


def _save_queries(client, exam, learner, token, count: int, seq: int) -> int:
    saves = [
        {"question": q.pk, "seq": seq, "answer": None if i else 1}
        for i, q in enumerate(exam.questions[:count])
    ]
    with CaptureQueriesContext(connection) as queries:
        response = post(client, saves_url(exam), {"device_token": token, "saves": saves}, learner)
    assert response.status_code == 200, response.content
    return len(queries)


def test_the_save_route_costs_one_statement_per_save_plus_a_constant(client, exam, learner):
    token = start(client, exam, learner)["device_token"]
    _save_queries(client, exam, learner, token, 1, seq=1)  # warm: the token's last use written
    one = _save_queries(client, exam, learner, token, 1, seq=2)
    seven = _save_queries(client, exam, learner, token, 7, seq=3)
    assert one <= 10
    assert seven - one <= 6  # six more saves, six more upserts, nothing else per save
