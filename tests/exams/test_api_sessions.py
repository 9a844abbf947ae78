"""The sessions API for staff: list, detail with counts, the attempts' progress — scoped."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hocso.accounts.services import token_create
from hocso.exams.models import Attempt, AttemptStatus


def _get(client, user, url, **query):
    headers = {"Authorization": f"Bearer {token_create(user=user)}"} if user else {}
    return client.get(f"/api/v1{url}", query, headers=headers)


def test_the_list_shows_the_schools_session_with_its_counts(client, exam):
    Attempt.objects.filter(pk=exam.attempts[0].pk).update(
        status=AttemptStatus.SUBMITTED, started_at=timezone.now()
    )
    body = _get(client, exam.teacher, "/exams").json()
    assert body["count"] == 1
    row = body["items"][0]
    assert row["id"] == exam.session.pk and row["subject"] == "TOAN"
    assert (row["candidates"], row["started"], row["submitted"]) == (3, 1, 1)


@pytest.mark.parametrize("who", ["admin_c", "learner", "outsider"])
def test_others_see_an_empty_list_and_no_detail(client, exam, users, who):
    user = exam.learner_users[0] if who == "learner" else getattr(users, who)
    assert _get(client, user, "/exams").json() == {"items": [], "count": 0}
    assert _get(client, user, f"/exams/{exam.session.pk}").status_code == 404
    assert _get(client, user, f"/exams/{exam.session.pk}/attempts").status_code == 404


def test_anonymous_callers_get_401(client, exam):
    assert _get(client, None, "/exams").status_code == 401


def test_the_list_searches_and_filters(client, exam):
    assert _get(client, exam.teacher, "/exams", q="giua ki toan").json()["count"] == 1
    assert _get(client, exam.teacher, "/exams", q="van hoc").json()["count"] == 0
    assert _get(client, exam.teacher, "/exams", status="draft").json()["count"] == 0
    assert _get(client, exam.teacher, "/exams", grade=6, subject="TOAN").json()["count"] == 1


def test_the_detail_has_settings_forms_and_classes(client, exam):
    body = _get(client, exam.teacher, f"/exams/{exam.session.pk}").json()
    assert body["forms"] == ["101"]
    assert body["classes"] == [
        {"id": exam.school_class.pk, "name": "6A1", "school": exam.school_class.school.code}
    ]
    assert body["candidates"] == 3 and body["access_code_required"] is False
    assert "access_code" not in body


def test_the_attempts_show_progress_and_connection(client, exam):
    now = timezone.now()
    Attempt.objects.filter(pk=exam.attempts[0].pk).update(
        status=AttemptStatus.IN_PROGRESS, started_at=now - timedelta(minutes=5),
        deadline=now + timedelta(minutes=40), last_seen_at=now - timedelta(minutes=2), answered=4,
    )  # fmt: skip
    body = _get(client, exam.teacher, f"/exams/{exam.session.pk}/attempts").json()
    assert body["count"] == 3
    by_id = {row["id"]: row for row in body["items"]}
    first = by_id[exam.attempts[0].pk]
    assert (first["answered"], first["total"], first["status"]) == (4, 7, "in_progress")
    assert first["disconnected"] is True and first["online"] is False
    assert 2300 < first["remaining_seconds"] <= 2400
    assert first["school_class"] == "6A1" and first["form"] == "101"
    other = by_id[exam.attempts[1].pk]
    assert other["remaining_seconds"] is None and other["disconnected"] is False
    only = _get(client, exam.teacher, f"/exams/{exam.session.pk}/attempts", status="in_progress")
    assert [row["id"] for row in only.json()["items"]] == [exam.attempts[0].pk]


def test_the_province_officer_reads_the_attempts(client, exam, users):
    body = _get(client, users.province, f"/exams/{exam.session.pk}/attempts").json()
    assert body["count"] == 3
