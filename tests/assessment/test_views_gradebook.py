"""Grade book pages through the Django test client: the JSON autosave endpoint, the plain form,
columns by yearly periods, history, the workflow buttons, conduct, export/import, /my/grades/."""

import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from hocso.accounts.models import AuditEntry
from hocso.assessment import services
from hocso.assessment.models import (
    GradebookLock,
    Level,
    LockStatus,
    Score,
    ScoreChange,
    ScoreKind,
    SubjectResult,
    TermRecord,
)
from hocso.registry.models import Guardian, Guardianship

from .conftest import enrol, full_term, put_scores, subject

R, M, F = ScoreKind.REGULAR, ScoreKind.MIDTERM, ScoreKind.FINAL


def book_url(people, code="TOAN", term=1, name="gradebook"):
    return reverse(f"assessment:{name}", args=[people.school_class.pk, code, term])


def post_json(client, user, url, cells):
    client.force_login(user)
    return client.post(url, data=json.dumps({"cells": cells}), content_type="application/json")


def cell(student, kind, seq, value):
    return {"student": student.pk, "kind": kind, "seq": seq, "value": value}


def full_toan(student):
    """TOAN in grade 6 (140 periods): TX 8, 9, 7, 8; GK 7; CK 8 → 70 / 9 = 7.78 → 7.8."""
    return [
        cell(student, R, 1, "8"), cell(student, R, 2, "9"), cell(student, R, 3, "7"),
        cell(student, R, 4, "8"), cell(student, M, 1, "7"), cell(student, F, 1, "8"),
    ]  # fmt: skip


def lock_term(people, term=1):
    services.gradebook_review(actor=people.homeroom, school_class=people.school_class, term=term)
    services.gradebook_approve_lock(
        actor=people.principal, school_class=people.school_class, term=term
    )


# --- the JSON autosave endpoint ----------------------------------------------------------------


def test_subject_teacher_saves_through_json_and_the_term_average_is_recomputed(client, people):
    learner = people.learners[0]

    response = post_json(client, people.teacher, book_url(people, name="gradebook_save"),
                         full_toan(learner)[:-1] + [cell(learner, F, 1, "8,0")])  # fmt: skip

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["ok"] and data["created"] == 6
    assert data["results"][str(learner.pk)] == {"result": "7,8", "complete": True}
    stored = Score.objects.get(student=learner, subject=subject("TOAN"), kind=F, term=1)
    assert stored.value == Decimal("8.0") and stored.updated_by == people.teacher
    result = SubjectResult.objects.get(student=learner, subject=subject("TOAN"), term=1)
    assert result.average == Decimal("7.8") and result.complete


def test_the_page_and_each_save_carry_the_grade_book_version(client, people):
    """The browser compares them to re-show saves a page drawn mid-save does not have."""
    learner = people.learners[0]
    client.force_login(people.teacher)
    assert client.get(book_url(people)).context["version"] == 0
    saved = post_json(client, people.teacher, book_url(people, name="gradebook_save"),
                      [cell(learner, R, 1, "8")])  # fmt: skip
    latest = ScoreChange.objects.latest("id").pk
    assert saved.json()["version"] == latest
    assert f'data-version="{latest}"' in client.get(book_url(people)).content.decode()


def test_a_comma_decimal_is_stored_as_one_decimal(client, people):
    learner = people.learners[1]
    response = post_json(client, people.teacher, book_url(people, name="gradebook_save"),
                         [cell(learner, R, 1, "7,5")])  # fmt: skip
    assert response.status_code == 200
    assert Score.objects.get(student=learner, kind=R, seq=1).value == Decimal("7.5")


def test_clearing_a_cell_through_json_deletes_the_score(client, people):
    learner = people.learners[0]
    url = book_url(people, name="gradebook_save")
    post_json(client, people.teacher, url, [cell(learner, R, 1, "6")])
    response = post_json(client, people.teacher, url, [cell(learner, R, 1, None)])
    assert response.status_code == 200 and response.json()["deleted"] == 1
    assert not Score.objects.filter(student=learner).exists()


@pytest.mark.parametrize("bad", ["11", "-1", "7,55", "bảy", "8.25"])
def test_an_invalid_value_is_refused_per_cell_and_nothing_is_saved(client, people, bad):
    first, second = people.learners[:2]

    response = post_json(client, people.teacher, book_url(people, name="gradebook_save"),
                         [cell(first, R, 1, "8"), cell(second, M, 1, bad)])  # fmt: skip

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert len(errors) == 1
    assert errors[0]["student"] == second.pk and errors[0]["kind"] == M and errors[0]["seq"] == 1
    assert second.full_name in errors[0]["message"] and "GK" in errors[0]["message"]
    assert not Score.objects.exists()


def test_a_malformed_request_is_refused(client, people):
    client.force_login(people.teacher)
    url = book_url(people, name="gradebook_save")
    assert client.post(url, data="not json", content_type="application/json").status_code == 400
    assert client.post(url, data=json.dumps({"cells": []}),
                       content_type="application/json").status_code == 400  # fmt: skip
    assert client.post(url, data=json.dumps({"cells": [{"student": "x", "kind": R}]}),
                       content_type="application/json").status_code == 400  # fmt: skip


def test_a_teacher_not_assigned_to_the_subject_gets_403(client, people):
    response = post_json(client, people.other_teacher, book_url(people, name="gradebook_save"),
                         [cell(people.learners[0], R, 1, "8")])  # fmt: skip
    assert response.status_code == 403
    assert response.json()["message"]
    assert not Score.objects.exists()


def test_a_locked_term_refuses_the_save_with_409_and_a_message(client, people):
    lock_term(people)

    response = post_json(client, people.teacher, book_url(people, name="gradebook_save"),
                         [cell(people.learners[0], R, 1, "8")])  # fmt: skip

    assert response.status_code == 409
    assert response.json()["locked"] is True
    assert "khóa" in response.json()["message"]
    assert not Score.objects.exists()


def test_an_expired_session_gets_401_json_not_the_login_page(client, people):
    response = client.post(
        book_url(people, name="gradebook_save"),
        data=json.dumps({"cells": [cell(people.learners[0], R, 1, "8")]}),
        content_type="application/json",
    )
    assert response.status_code == 401 and response.json()["ok"] is False


def test_saving_after_the_review_reopens_the_term(client, people):
    services.gradebook_review(actor=people.homeroom, school_class=people.school_class, term=1)
    response = post_json(client, people.teacher, book_url(people, name="gradebook_save"),
                         [cell(people.learners[0], R, 1, "8")])  # fmt: skip
    assert response.json()["status"] == LockStatus.OPEN


def test_comment_subject_cells_take_passed_or_not(client, people):
    learner = people.learners[0]
    url = reverse("assessment:gradebook_save", args=[people.school_class.pk, "GDTC", 1])
    response = post_json(client, people.admin, url,
                         [cell(learner, R, 1, True), cell(learner, R, 2, False)])  # fmt: skip
    assert response.status_code == 200
    passed = dict(Score.objects.filter(student=learner).values_list("seq", "passed"))
    assert passed == {1: True, 2: False}


# --- the page and the plain form -----------------------------------------------------------


def test_the_grade_book_has_as_many_regular_columns_as_the_yearly_periods_require(client, people):
    client.force_login(people.admin)

    def labels(code):
        response = client.get(book_url(people, code=code))
        assert response.status_code == 200
        return [column.label for column, _allowed in response.context["headers"]]

    assert labels("GDCD") == ["TX1", "TX2", "GK", "CK"]  # 35 periods a year
    assert labels("NN1") == ["TX1", "TX2", "TX3", "TX4", "GK", "CK"]  # 105 periods a year
    html = client.get(book_url(people, code="GDCD")).content.decode()
    assert f'name="c-{people.learners[0].pk}-regular-2"' in html
    assert f'name="c-{people.learners[0].pk}-regular-3"' not in html


def test_the_page_lists_the_roster_with_scores_and_the_term_average(client, people):
    learner = people.learners[0]
    post_json(client, people.teacher, book_url(people, name="gradebook_save"), full_toan(learner))
    response = client.get(book_url(people))
    html = response.content.decode()
    assert response.context["can_edit"]
    assert [row.student for row in response.context["rows"]] == people.learners
    assert f'data-result-for="{learner.pk}">7,8<' in html
    assert 'data-editable="1"' in html and "gradebook.js" in html


def test_a_comment_subject_shows_passed_or_not_selects(client, people):
    client.force_login(people.admin)
    html = client.get(book_url(people, code="GDTC")).content.decode()
    assert f'<select name="c-{people.learners[0].pk}-regular-1"' in html
    assert '<option value="CD"' in html


def test_another_teacher_sees_the_grade_book_read_only(client, people):
    client.force_login(people.other_teacher)
    response = client.get(book_url(people))
    assert response.status_code == 200
    assert not response.context["can_edit"]
    assert "gb-cell" not in response.content.decode()


def test_a_locked_grade_book_is_read_only_with_who_locked_it(client, people):
    people.principal.full_name = "Thạch Hiệu Trưởng"
    people.principal.save()
    lock_term(people)
    client.force_login(people.teacher)
    html = client.get(book_url(people)).content.decode()
    assert "Sổ điểm đã khóa." in html and "Thạch Hiệu Trưởng" in html
    assert "gb-cell" not in html


def test_a_term_locked_by_the_system_names_the_system(client, people):
    services.gradebook_review(actor=None, school_class=people.school_class, term=1)
    services.gradebook_approve_lock(actor=None, school_class=people.school_class, term=1)
    client.force_login(people.admin)
    response = client.get(book_url(people))
    assert response.status_code == 200
    assert "hệ thống" in response.content.decode()


def test_plain_form_post_saves_only_the_cells_changed_on_the_page(client, people):
    first, second = people.learners[:2]
    client.force_login(people.teacher)
    url = book_url(people)
    # Meanwhile a colleague stores a score the page (drawn empty) does not know about.
    services.scores_save(actor=people.admin, school_class=people.school_class,
                         subject=subject("TOAN"), term=1, entries=[(second.pk, R, 1, "9")])  # fmt: skip
    first_cell, second_cell = f"c-{first.pk}-regular-1", f"c-{second.pk}-regular-1"
    response = client.post(url, {
        first_cell: "6,5", "o-" + first_cell: "",
        second_cell: "", "o-" + second_cell: "",  # unchanged on the page: left alone
    })  # fmt: skip
    assert response.status_code == 302 and response.url == url
    assert Score.objects.get(student=first, kind=R, seq=1).value == Decimal("6.5")
    assert Score.objects.get(student=second, kind=R, seq=1).value == Decimal("9.0")


def test_plain_form_with_an_invalid_cell_keeps_the_input_and_saves_nothing(client, people):
    first, second = people.learners[:2]
    client.force_login(people.teacher)
    ok, bad = f"c-{first.pk}-final-1", f"c-{second.pk}-final-1"
    response = client.post(book_url(people), {ok: "8", "o-" + ok: "", bad: "12", "o-" + bad: ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="12"' in html and 'value="8"' in html and "gb-invalid" in html
    assert second.full_name in " ".join(response.context["form_errors"])
    assert not Score.objects.exists()


def test_plain_form_post_by_another_teacher_is_403(client, people):
    client.force_login(people.other_teacher)
    name = f"c-{people.learners[0].pk}-regular-1"
    response = client.post(book_url(people), {name: "8", "o-" + name: ""})
    assert response.status_code == 403
    assert not Score.objects.exists()


def test_plain_form_post_on_a_locked_term_says_so(client, people):
    lock_term(people)
    client.force_login(people.teacher)
    name = f"c-{people.learners[0].pk}-regular-1"
    response = client.post(book_url(people), {name: "8", "o-" + name: ""})
    assert response.status_code == 409
    assert "khóa" in response.content.decode()
    assert not Score.objects.exists()


@pytest.mark.parametrize("who", ["admin_c", "district2", "guardian_a", "student_a"])
def test_a_grade_book_outside_the_actors_scope_is_404(client, people, users, who):
    client.force_login(getattr(users, who))
    assert client.get(book_url(people)).status_code == 404
    assert client.get(reverse("assessment:gradebook_index",
                              args=[people.school_class.pk])).status_code == 404  # fmt: skip
    response = client.post(book_url(people, name="gradebook_save"),
                           data=json.dumps({"cells": [cell(people.learners[0], R, 1, "8")]}),
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 404
    assert not Score.objects.exists()


def test_a_subject_not_taught_in_the_grade_or_a_wrong_term_is_404(client, people):
    client.force_login(people.admin)
    assert client.get(book_url(people, code="VL")).status_code == 404  # grades 10–12 only
    assert client.get(book_url(people, term=3)).status_code == 404


def test_a_primary_class_has_integer_periodic_tests_only(client, tree, users, year):
    from hocso.registry import services as registry

    school_class = registry.class_create(
        actor=None, school=tree.school_b, year=year, grade=4, name="4A"
    )
    learner = enrol(school_class, 1)[0]
    client.force_login(users.superuser)
    args = [school_class.pk, "TOAN", 1]
    page = client.get(reverse("assessment:gradebook", args=args))
    assert [c.label for c, _allowed in page.context["headers"]] == ["GK", "CK"]
    save = reverse("assessment:gradebook_save", args=args)
    assert post_json(client, users.superuser, save, [cell(learner, F, 1, "7.5")]).status_code == 400
    assert post_json(client, users.superuser, save, [cell(learner, F, 1, "7")]).status_code == 200
    assert Score.objects.get(student=learner).value == Decimal("7")
    # Đạo đức has no periodic test: no grade book of scores.
    assert (
        client.get(reverse("assessment:gradebook", args=[school_class.pk, "DD", 1])).status_code
        == 404
    )


# --- the index: subjects and terms -----------------------------------------------------------


def test_a_teacher_finds_their_own_subjects_first_and_only_those_editable(client, people):
    client.force_login(people.teacher)
    response = client.get(reverse("assessment:gradebook_index", args=[people.school_class.pk]))
    assert response.status_code == 200
    choices = response.context["choices"]
    assert [c.subject.code for c in choices[:2]] == ["TOAN", "GDCD"]  # curriculum order
    assert {c.subject.code for c in choices if c.editable} == {"GDCD", "TOAN"}
    codes = {c.subject.code for c in choices}
    assert {"NV", "NN1", "GDTC", "HDTN"} <= codes and "VL" not in codes


def test_the_admin_may_edit_every_subject(client, people):
    client.force_login(people.admin)
    response = client.get(reverse("assessment:gradebook_index", args=[people.school_class.pk]))
    assert all(c.editable for c in response.context["choices"])


def test_the_class_roster_links_to_its_grade_books(client, people):
    client.force_login(people.teacher)
    html = client.get(reverse("registry:class", args=[people.school_class.pk])).content.decode()
    assert reverse("assessment:gradebook_index", args=[people.school_class.pk]) in html


# --- history ---------------------------------------------------------------------------------


def test_history_lists_who_changed_a_cell_from_what_to_what(client, people):
    people.teacher.full_name = "Sơn Thị Mo Ni"
    people.teacher.save()
    learner = people.learners[0]
    url = book_url(people, name="gradebook_save")
    post_json(client, people.teacher, url, [cell(learner, R, 2, "6")])
    post_json(client, people.teacher, url, [cell(learner, R, 2, "7,5")])

    response = client.get(book_url(people, name="gradebook_history"),
                          {"student": learner.pk, "cell": "regular-2"})  # fmt: skip

    assert response.status_code == 200
    changes = response.context["page_obj"].object_list
    assert [(c["old"], c["new"]) for c in changes] == [("6", "7,5"), ("—", "6")]
    assert changes[0]["by"] == "Sơn Thị Mo Ni" and changes[0]["column"] == "TX2"
    other_cell = client.get(book_url(people, name="gradebook_history"),
                            {"student": learner.pk, "cell": "final-1"})  # fmt: skip
    assert "Chưa có lần sửa điểm nào." in other_cell.content.decode()


def test_history_is_paginated(client, people):
    learner = people.learners[0]
    for n in range(30):
        services.scores_save(actor=people.teacher, school_class=people.school_class,
                             subject=subject("TOAN"), term=1,
                             entries=[(learner.pk, R, 1, str(n % 10 + 0.5))])  # fmt: skip
    assert ScoreChange.objects.count() == 30
    client.force_login(people.teacher)
    page = client.get(book_url(people, name="gradebook_history"))
    assert len(page.context["page_obj"].object_list) == 25
    assert page.context["page_obj"].paginator.num_pages == 2


def test_history_of_a_learner_not_in_the_class_is_404(client, people, tree):
    client.force_login(people.teacher)
    response = client.get(book_url(people, name="gradebook_history"), {"student": 999999})
    assert response.status_code == 404


# --- the workflow ----------------------------------------------------------------------------


def _workflow(people, action, term=1):
    return reverse("assessment:gradebook_workflow", args=[people.school_class.pk, term, action])


def test_each_workflow_button_shows_only_to_who_may_use_it(client, people):
    def buttons(user):
        client.force_login(user)
        html = client.get(book_url(people)).content.decode()
        return {a for a in ("review", "approve", "unlock") if _workflow(people, a) in html}

    assert buttons(people.teacher) == set()
    assert buttons(people.homeroom) == {"review"}
    assert buttons(people.principal) == set()  # waits for the review
    services.gradebook_review(actor=people.homeroom, school_class=people.school_class, term=1)
    assert buttons(people.principal) == {"approve"}
    services.gradebook_approve_lock(actor=people.principal, school_class=people.school_class,
                                    term=1)  # fmt: skip
    assert buttons(people.admin) == {"unlock"}
    assert buttons(people.homeroom) == set()


def test_review_approve_and_unlock_through_the_pages(client, people):
    back = book_url(people)
    client.force_login(people.homeroom)
    assert client.get(_workflow(people, "review")).status_code == 200  # the confirmation page
    response = client.post(_workflow(people, "review"), {"next": back})
    assert response.status_code == 302 and response.url == back
    lock = GradebookLock.objects.get(school_class=people.school_class, term=1)
    assert lock.status == LockStatus.REVIEWED

    client.force_login(people.teacher)
    assert client.post(_workflow(people, "approve"), {"next": back}).status_code == 403

    client.force_login(people.principal)
    client.post(_workflow(people, "approve"), {"next": back})
    lock.refresh_from_db()
    assert lock.status == LockStatus.LOCKED and lock.approved_by == people.principal

    client.force_login(people.admin)
    refused = client.post(_workflow(people, "unlock"), {"next": back, "reason": "  "})
    assert refused.status_code == 400
    lock.refresh_from_db()
    assert lock.status == LockStatus.LOCKED
    client.post(_workflow(people, "unlock"), {"next": back, "reason": "Nhập nhầm điểm CK"})
    lock.refresh_from_db()
    assert lock.status == LockStatus.OPEN
    assert lock.events.last().reason == "Nhập nhầm điểm CK"


def test_workflow_redirects_only_to_this_site(client, people):
    client.force_login(people.homeroom)
    response = client.post(_workflow(people, "review"), {"next": "https://evil.example/"})
    assert response.status_code == 302 and "evil" not in response.url


def test_approving_before_the_review_says_why(client, people):
    client.force_login(people.principal)
    response = client.post(_workflow(people, "approve"), follow=True)
    assert "chưa được giáo viên chủ nhiệm rà soát" in response.content.decode()
    assert not GradebookLock.objects.filter(status=LockStatus.LOCKED).exists()


# --- days absent and conduct -----------------------------------------------------------------


def _conduct_url(people, term=1):
    return reverse("assessment:conduct", args=[people.school_class.pk, term])


def test_the_homeroom_teacher_saves_days_absent_and_conduct(client, people):
    first, second = people.learners[:2]
    client.force_login(people.homeroom)
    assert client.get(_conduct_url(people)).context["editable"]
    response = client.post(_conduct_url(people), {
        f"d-{first.pk}": "3", f"od-{first.pk}": "", f"k-{first.pk}": Level.FAIR, f"ok-{first.pk}": "",
        f"d-{second.pk}": "", f"od-{second.pk}": "", f"k-{second.pk}": "", f"ok-{second.pk}": "",
    })  # fmt: skip
    assert response.status_code == 302
    record = TermRecord.objects.get(student=first, term=1)
    assert (record.days_absent, record.conduct) == (3, Level.FAIR)
    assert not TermRecord.objects.filter(student=second, term=1).exists()
    html = client.get(_conduct_url(people)).content.decode()
    assert f'name="d-{first.pk}" value="3"' in html


def test_conduct_with_a_bad_row_saves_nothing_and_keeps_the_input(client, people):
    first, second = people.learners[:2]
    client.force_login(people.homeroom)
    response = client.post(_conduct_url(people), {
        f"d-{first.pk}": "2", f"od-{first.pk}": "", f"k-{first.pk}": Level.GOOD, f"ok-{first.pk}": "",
        f"d-{second.pk}": "hai", f"od-{second.pk}": "", f"k-{second.pk}": "", f"ok-{second.pk}": "",
    })  # fmt: skip
    assert response.status_code == 400
    assert 'value="hai"' in response.content.decode()
    assert not TermRecord.objects.exists()


def test_only_the_homeroom_teacher_or_admin_saves_conduct(client, people):
    first = people.learners[0]
    client.force_login(people.teacher)
    assert not client.get(_conduct_url(people)).context["editable"]
    response = client.post(_conduct_url(people), {f"d-{first.pk}": "1", f"od-{first.pk}": ""})
    assert response.status_code == 403
    assert not TermRecord.objects.exists()


# --- export and import -----------------------------------------------------------------------


def test_export_then_import_round_trips_the_grade_book(client, people):
    first, second, third = people.learners
    post_json(client, people.teacher, book_url(people, name="gradebook_save"),
              full_toan(first) + [cell(second, R, 1, "6,5")])  # fmt: skip

    exported = client.get(book_url(people, name="gradebook_export"))

    assert exported.status_code == 200
    assert AuditEntry.objects.filter(action="gradebook.export").exists()
    sheet = load_workbook(io.BytesIO(exported.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Mã định danh Bộ GD&ĐT", "Họ và tên", "TX1", "TX2", "TX3", "TX4", "GK", "CK"]
    assert rows[1][:2] == [first.moet_code, first.full_name]
    assert rows[1][2:] == [8, 9, 7, 8, 7, 8]
    assert rows[2][2] == 6.5

    # Fill the file in as a teacher would: a new CK for the first, TX2 for the second.
    sheet["H2"] = 9.5
    sheet["D3"] = "7,5"
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "so-diem.xlsx"
    response = client.post(book_url(people, name="gradebook_import"), {"file": upload})

    assert response.status_code == 200, response.content.decode()
    assert response.context["result"].written
    scores = {
        (s.student_id, s.kind, s.seq): s.value
        for s in Score.objects.filter(subject=subject("TOAN"), term=1)
    }
    assert scores[(first.pk, F, 1)] == Decimal("9.5")
    assert scores[(first.pk, R, 1)] == Decimal("8.0")  # unchanged
    assert scores[(second.pk, R, 2)] == Decimal("7.5")
    assert not any(key[0] == third.pk for key in scores)
    changes = ScoreChange.objects.filter(source="import")
    assert changes.count() == 2


def test_import_with_a_bad_row_writes_nothing_and_lists_the_problem(client, people):
    first = people.learners[0]
    client.force_login(people.teacher)
    exported = client.get(book_url(people, name="gradebook_export"))
    sheet = load_workbook(io.BytesIO(exported.content)).active
    sheet["C2"] = 12
    sheet["C3"] = 8
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "so-diem.xlsx"
    response = client.post(book_url(people, name="gradebook_import"), {"file": upload})
    assert response.status_code == 400
    assert not response.context["result"].written
    assert any(p.row == 2 for p in response.context["problems"])
    assert not Score.objects.filter(student=first).exists()


def test_import_of_a_file_that_is_not_a_spreadsheet_says_so(client, people):
    client.force_login(people.teacher)
    upload = io.BytesIO(b"\x00\x01binary")
    upload.name = "scores.xlsx"
    response = client.post(book_url(people, name="gradebook_import"), {"file": upload})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


def test_only_who_may_write_the_subject_may_import(client, people):
    client.force_login(people.other_teacher)
    assert client.get(book_url(people, name="gradebook_import")).status_code == 403


def test_a_comment_subject_exports_passed_or_not(client, people):
    learner = people.learners[0]
    url = reverse("assessment:gradebook_save", args=[people.school_class.pk, "GDTC", 1])
    post_json(client, people.admin, url, [cell(learner, R, 1, True), cell(learner, F, 1, False)])
    exported = client.get(book_url(people, code="GDTC", name="gradebook_export"))
    rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert rows[0][2:] == ("TX1", "TX2", "TX3", "GK", "CK")  # 70 periods: 3 regular
    assert rows[1][2] == "Đ" and rows[1][6] == "CĐ"


# --- a learner's own grades ------------------------------------------------------------------


@pytest.fixture
def family(people, users):
    """student_a is the first learner; guardian_a is the second learner's mother."""
    first, second = people.learners[:2]
    first.user = users.student_a
    first.save()
    guardian = Guardian.objects.create(full_name="Lâm Thị Chanh Đa", user=users.guardian_a)
    Guardianship.objects.create(student=second, guardian=guardian, relationship="mother")
    for learner in (first, second):
        put_scores(people.school_class, learner, 1, full_term(6, scored=8))
    services.results_compute(actor=None, school=people.school, year=people.year)
    services.term_record_save(actor=None, student=first, school_class=people.school_class,
                              term=1, days_absent=2, conduct=Level.GOOD)  # fmt: skip
    return first, second


def test_a_student_sees_their_own_results(client, users, family):
    first, _second = family
    client.force_login(users.student_a)
    response = client.get(reverse("assessment:my_grades"))
    assert response.status_code == 200
    html = response.content.decode()
    assert first.full_name in html and "Toán" in html and "8,0" in html
    period = response.context["periods"][0]
    assert period["level"] == "Tốt" and period["conduct"] == "Tốt" and period["days_absent"] == 2


def test_a_guardian_sees_their_child_and_not_someone_elses(client, users, family):
    first, second = family
    client.force_login(users.guardian_a)
    own = client.get(reverse("assessment:my_grades"), {"student": second.pk})
    assert own.status_code == 200 and own.context["student"] == second
    other = client.get(reverse("assessment:my_grades"), {"student": first.pk})
    assert other.status_code == 404


def test_my_grades_for_an_account_without_learners_is_an_empty_page(client, people):
    client.force_login(people.teacher)
    response = client.get(reverse("assessment:my_grades"))
    assert response.status_code == 200
    assert "chưa được liên kết" in response.content.decode()
