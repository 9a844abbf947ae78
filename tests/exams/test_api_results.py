"""The results API: an exam's rows for staff, one attempt's result for its candidate."""

from datetime import timedelta

from django.utils import timezone

from hocso.accounts.services import token_create
from hocso.exams.grading import attempt_grade
from hocso.exams.models import ExamSession

from .grading_setup import department_exam, set_score, sit


def get(client, user, path, **query):
    headers = {"Authorization": f"Bearer {token_create(user=user)}"}
    return client.get(f"/api/v1{path}", query, headers=headers)


def test_staff_get_the_rows_they_may_see(client, exam, tree, users, year):
    session, _q, attempts_a, attempts_c = department_exam(exam, tree, users, year)
    set_score(attempts_a[0], 6)

    body = get(client, users.province, f"/exams/{session.pk}/results", sort="-score").json()
    assert body["count"] == 5
    first = body["items"][0]
    assert (first["attempt"], first["score_10"], first["school"], first["form"]) == (
        attempts_a[0].pk, "7.50", tree.school_a.code, "101",
    )  # fmt: skip

    mine = get(client, users.admin_c, f"/exams/{session.pk}/results").json()
    assert {row["attempt"] for row in mine["items"]} == {a.pk for a in attempts_c}


def test_an_exam_out_of_scope_is_a_404(client, exam, users):
    assert get(client, users.admin_c, f"/exams/{exam.session.pk}/results").status_code == 404
    student = exam.learner_users[0]
    assert get(client, student, f"/exams/{exam.session.pk}/results").status_code == 404


def test_a_candidate_gets_their_result_when_the_rules_allow(client, exam):
    attempt = attempt_grade(sit(exam.attempts[0], exam.questions, {1: 0, 6: "3,5"}))
    me = exam.learner_users[0]

    early = get(client, me, f"/attempts/{attempt.pk}/result").json()
    assert (early["available"], early["score"], early["questions"]) == (False, None, [])
    assert "kết thúc giờ thi" in early["message"]

    now = timezone.now()
    ExamSession.objects.filter(pk=exam.session.pk).update(
        opens_at=now - timedelta(hours=3), closes_at=now - timedelta(hours=2)
    )
    body = get(client, me, f"/attempts/{attempt.pk}/result").json()
    assert (body["available"], body["review_available"], body["score"]) == (True, True, "2.000")
    first = body["questions"][0]
    assert first["answer"] == 0 and first["options"][0]["correct"] is True


def test_another_learners_or_schools_attempt_is_a_404(client, exam, users):
    attempt = attempt_grade(sit(exam.attempts[0], exam.questions, {1: 0}))
    for other in (exam.learner_users[1], users.admin_c, users.outsider):
        assert get(client, other, f"/attempts/{attempt.pk}/result").status_code == 404
    staff = get(client, exam.teacher, f"/attempts/{attempt.pk}/result").json()
    assert staff["score"] == "1.000" and staff["questions"]
