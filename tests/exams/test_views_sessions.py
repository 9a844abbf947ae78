"""Session pages: list, editor, the session's page and its actions, extra time, the supervisor's
page — for the right roles, and 403/404 for the others."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hocso.accounts.models import AuditEntry
from hocso.curriculum.models import Subject
from hocso.exams.models import Attempt, AttemptStatus, ExamSession, SessionStatus

from .sessions_setup import create


def _login(client, user):
    client.force_login(user)
    return client


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _post_data(exam, **extra):
    opens = timezone.now() + timedelta(days=1)
    data = {
        "org_unit": exam.session.org_unit_id,
        "year": exam.session.year_id,
        "code": "KT-WEB-1",
        "name": "Kiểm tra 15 phút",
        "subject": Subject.objects.get(code="TOAN").pk,
        "grade": 6,
        "opens_at": _local(opens),
        "closes_at": _local(opens + timedelta(hours=1)),
        "duration_minutes": 15,
        "grace_seconds": 60,
        "source": "items",
        "form_count": 1,
        "items": [exam.items[1].pk, exam.items[0].pk],
        "classes": [exam.school_class.pk],
        "shuffle_questions": "on",
        "show_results": "after_close",
        "gradebook_column": "",
    }
    data.update(extra)
    return data


# --- list ---------------------------------------------------------------------------------------


def test_the_list_shows_the_sessions_of_the_school_with_counts(client, exam):
    response = _login(client, exam.teacher).get(reverse("exams:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert exam.session.code in body and "3 thí sinh" in body
    assert reverse("exams:create") in body
    assert reverse("exams:list") in body  # the navigation link "Thi trực tuyến"


def test_another_school_sees_an_empty_list_and_a_search_without_match_says_so(client, exam, users):
    body = _login(client, users.admin_c).get(reverse("exams:list")).content.decode()
    assert 'id="exams-empty"' in body and exam.session.code not in body
    body = _login(client, exam.teacher).get(reverse("exams:list"), {"q": "khong co"}).content
    assert "Không có bài thi nào khớp".encode() in body


def test_the_list_filters_by_status(client, exam):
    body = _login(client, exam.teacher).get(reverse("exams:list"), {"status": "draft"}).content
    assert exam.session.code.encode() not in body


@pytest.mark.parametrize("who", ["learner", "outsider"])
def test_learners_and_users_without_a_role_get_403(client, exam, users, who):
    user = exam.learner_users[0] if who == "learner" else users.outsider
    _login(client, user)
    for url in (
        reverse("exams:list"),
        reverse("exams:create"),
        reverse("exams:detail", args=[exam.session.pk]),
        reverse("exams:supervise", args=[exam.session.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_anonymous_users_are_sent_to_log_in(client, exam):
    response = client.get(reverse("exams:list"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- create and edit ------------------------------------------------------------------------------


def test_the_editor_renders_with_the_classes_of_the_school(client, exam):
    response = _login(client, exam.teacher).get(reverse("exams:create"))
    assert response.status_code == 200
    assert "6A1" in response.content.decode()


def test_a_teacher_creates_a_session_of_picked_items_in_the_order_picked(client, exam):
    response = _login(client, exam.teacher).post(reverse("exams:create"), _post_data(exam))
    session = ExamSession.objects.get(code="KT-WEB-1")
    assert response.status_code == 302
    assert response["Location"] == reverse("exams:detail", args=[session.pk])
    form = session.forms.get()
    assert list(form.questions.order_by("position").values_list("item_id", flat=True)) == [
        exam.items[1].pk,
        exam.items[0].pk,
    ]
    assert session.created_by == exam.teacher


def test_the_editor_shows_the_services_errors_next_to_the_fields(client, exam):
    data = _post_data(exam, duration_minutes=120)
    response = _login(client, exam.teacher).post(reverse("exams:create"), data)
    assert response.status_code == 200
    assert "dài hơn khoảng thời gian mở" in response.content.decode()
    assert not ExamSession.objects.filter(code="KT-WEB-1").exists()


def test_choosing_a_blueprint_source_without_a_blueprint_is_an_error(client, exam):
    data = _post_data(exam, source="blueprint")
    response = _login(client, exam.teacher).post(reverse("exams:create"), data)
    assert response.status_code == 200
    assert "Chọn ma trận đề." in response.content.decode()


def test_the_item_search_lists_approved_items(client, exam):
    response = _login(client, exam.teacher).get(reverse("exams:item_search"), {"item_q": "3 × 3"})
    assert response.status_code == 200
    assert f'value="{exam.items[1].pk}"' in response.content.decode()


def test_editing_changes_the_duration(client, exam):
    session = create(exam.teacher, exam)
    url = reverse("exams:edit", args=[session.pk])
    assert _login(client, exam.teacher).get(url).status_code == 200
    data = _post_data(exam, code=session.code, duration_minutes=30,
                      opens_at=_local(session.opens_at), closes_at=_local(session.closes_at),
                      items=[i.pk for i in exam.items[:3]])  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.duration_minutes == 30


def test_an_open_session_keeps_its_papers_but_its_duration_changes_from_the_page(client, exam):
    session = exam.session  # opened ten minutes ago, READY with attempts
    url = reverse("exams:edit", args=[session.pk])
    page = _login(client, exam.teacher).get(url).content.decode()
    assert f'value="{_local(session.opens_at)}"' in page
    data = _post_data(exam, code=session.code, name=session.name, duration_minutes=60,
                      opens_at=_local(session.opens_at), closes_at=_local(session.closes_at),
                      items=[i.pk for i in exam.items], show_results=session.show_results)  # fmt: skip
    data["shuffle_options"] = "on"
    data["review_allowed"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.duration_minutes == 60
    del data["shuffle_questions"]  # a change of the papers after the opening
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Bài thi đã mở" in response.content.decode()


def test_only_those_who_manage_may_edit(client, exam, users):
    url = reverse("exams:edit", args=[exam.session.pk])
    assert _login(client, users.admin_c).get(url).status_code == 404


# --- the session's page -------------------------------------------------------------------------


def test_the_session_page_shows_counts_and_actions_to_its_manager(client, exam):
    url = reverse("exams:detail", args=[exam.session.pk])
    body = _login(client, exam.teacher).get(url).content.decode()
    assert 'id="count-candidates">3<' in body
    assert reverse("exams:supervise", args=[exam.session.pk]) in body
    assert reverse("exams:edit", args=[exam.session.pk]) in body


def test_the_province_officer_sees_the_session_and_another_school_gets_404(client, exam, users):
    url = reverse("exams:detail", args=[exam.session.pk])
    assert _login(client, users.province).get(url).status_code == 200
    assert _login(client, users.admin_c).get(url).status_code == 404


def test_prepare_from_the_page_makes_the_attempts(client, exam):
    session = create(exam.teacher, exam)
    response = _login(client, exam.teacher).post(reverse("exams:prepare", args=[session.pk]))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.READY and session.attempts.count() == 3


def test_prepare_is_post_only_and_refused_to_another_school(client, exam, users):
    session = create(exam.teacher, exam)
    url = reverse("exams:prepare", args=[session.pk])
    assert _login(client, exam.teacher).get(url).status_code == 405
    assert _login(client, users.admin_c).post(url).status_code == 404
    assert not session.attempts.exists()


def test_delete_asks_first_then_deletes(client, exam):
    session = create(exam.teacher, exam)
    url = reverse("exams:delete", args=[session.pk])
    response = _login(client, exam.teacher).get(url)
    assert response.status_code == 200 and "Xoá bài thi" in response.content.decode()
    assert ExamSession.objects.filter(pk=session.pk).exists()
    assert client.post(url)["Location"] == reverse("exams:list")
    assert not ExamSession.objects.filter(pk=session.pk).exists()


def test_a_started_session_is_not_deleted_from_the_page(client, exam):
    Attempt.objects.filter(pk=exam.attempts[0].pk).update(
        status=AttemptStatus.IN_PROGRESS, started_at=timezone.now()
    )
    url = reverse("exams:delete", args=[exam.session.pk])
    response = _login(client, exam.teacher).post(url)
    assert response.status_code == 302
    assert ExamSession.objects.filter(pk=exam.session.pk).exists()


# --- extra time and the supervisor ----------------------------------------------------------------


def test_extra_minutes_are_saved_per_candidate(client, exam):
    url = reverse("exams:accommodations", args=[exam.session.pk])
    assert _login(client, exam.teacher).get(url).status_code == 200
    attempt = exam.attempts[1]
    response = client.post(url, {f"extra_{attempt.pk}": "25"})
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.extra_minutes == 25


def test_a_bad_extra_minutes_value_is_shown_next_to_the_candidate(client, exam):
    url = reverse("exams:accommodations", args=[exam.session.pk])
    response = _login(client, exam.teacher).post(url, {f"extra_{exam.attempts[0].pk}": "abc"})
    assert response.status_code == 200
    assert "Nhập số phút từ 0 đến 600." in response.content.decode()


def test_the_supervisor_page_refreshes_its_table_and_shows_the_access_code(client, exam):
    ExamSession.objects.filter(pk=exam.session.pk).update(access_code="PHONG7")
    started = timezone.now() - timedelta(minutes=5)
    Attempt.objects.filter(pk=exam.attempts[0].pk).update(
        status=AttemptStatus.IN_PROGRESS, started_at=started,
        deadline=started + timedelta(minutes=45), last_seen_at=timezone.now() - timedelta(minutes=3),
    )  # fmt: skip
    body = _login(client, exam.teacher).get(reverse("exams:supervise", args=[exam.session.pk]))
    text = body.content.decode()
    assert 'hx-trigger="every 10s' in text
    assert 'id="access-code">PHONG7<' in text
    assert "mất kết nối" in text and exam.students[0].full_name in text
    rows = client.get(reverse("exams:supervise_rows", args=[exam.session.pk]))
    assert rows.status_code == 200 and "<html" not in rows.content.decode()


def test_the_supervisor_adds_time_and_collects_an_attempt(client, exam):
    started = timezone.now() - timedelta(minutes=5)
    Attempt.objects.filter(pk=exam.attempts[0].pk).update(
        status=AttemptStatus.IN_PROGRESS, started_at=started,
        deadline=started + timedelta(minutes=45),
    )  # fmt: skip
    _login(client, exam.teacher)
    response = client.post(
        reverse("exams:attempt_time", args=[exam.attempts[0].pk]), {"minutes": 7}
    )
    assert response["Location"] == reverse("exams:supervise", args=[exam.session.pk])
    attempt = Attempt.objects.get(pk=exam.attempts[0].pk)
    assert attempt.added_minutes == 7
    assert attempt.deadline == started + timedelta(minutes=52)
    client.post(reverse("exams:attempt_close", args=[attempt.pk]))
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED
    assert AuditEntry.objects.filter(action="exam.close_attempt").exists()


def test_check_in_from_the_supervisor_page(client, exam):
    _login(client, exam.teacher).post(reverse("exams:attempt_check_in", args=[exam.attempts[2].pk]))
    assert Attempt.objects.get(pk=exam.attempts[2].pk).checked_in_at is not None


def test_another_school_cannot_supervise_or_add_time(client, exam, users):
    _login(client, users.admin_c)
    assert client.get(reverse("exams:supervise", args=[exam.session.pk])).status_code == 404
    url = reverse("exams:attempt_time", args=[exam.attempts[0].pk])
    assert client.post(url, {"minutes": 5}).status_code == 404
    assert Attempt.objects.get(pk=exam.attempts[0].pk).added_minutes == 0


def test_the_supervisor_narrows_the_list_to_one_class_and_stays_there(client, exam, year):
    from hocso.exams.models import ExamClass
    from hocso.registry import services as registry

    other = registry.class_create(actor=None, school=exam.school_class.school, year=year,
                                  grade=6, name="6A2")  # fmt: skip
    ExamClass.objects.create(session=exam.session, school_class=other)
    url = reverse("exams:supervise", args=[exam.session.pk])
    text = _login(client, exam.teacher).get(f"{url}?class={other.pk}").content.decode()
    assert exam.students[0].full_name not in text  # the learners are all in 6A1
    assert f"?class={other.pk}" in text  # the refresh keeps the room
    text = client.get(f"{url}?class={exam.school_class.pk}").content.decode()
    assert exam.students[0].full_name in text
    response = client.post(
        reverse("exams:attempt_check_in", args=[exam.attempts[0].pk]),
        {"class": exam.school_class.pk},
    )
    assert response["Location"] == f"{url}?class={exam.school_class.pk}"
