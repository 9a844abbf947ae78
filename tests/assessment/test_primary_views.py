"""The primary evaluation sheet through the Django test client: drawing it per point and tab,
the JSON autosave (who may, refused cells, the lock), the plain form, the year results tab with
the "outstanding" mark, the xlsx export, the aliases the sheet accepts when pasting, and scope."""

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from hocso.accounts.models import AuditEntry
from hocso.assessment import views_primary
from hocso.assessment.models import (
    GradebookLock,
    LockStatus,
    PrimaryOutcome,
    PrimarySubjectAssessment,
    PrimaryTraitAssessment,
    PrimaryYearResult,
    SubjectLevel,
    TraitLevel,
)
from hocso.assessment.rules import primary_quality_level, primary_subject_level
from hocso.core.text import fold

from .primary_setup import make_primary, put_year_end


@pytest.fixture
def p(tree, users, year):
    return make_primary(tree, users, year)


def url(p, term=1, stage="end", name="primary_sheet"):
    return reverse(f"assessment:{name}", args=[p.school_class.pk, term, stage])


def post_json(client, user, target, cells):
    client.force_login(user)
    return client.post(target, data=json.dumps({"cells": cells}), content_type="application/json")


def cell(student, code, value, seq=1):
    return {"student": student.pk, "kind": code, "seq": seq, "value": value}


def lock(p, term, status=LockStatus.LOCKED):
    GradebookLock.objects.create(school=p.school, year=p.year, school_class=p.school_class,
                                 term=term, status=status)  # fmt: skip


# --- drawing -----------------------------------------------------------------------------------


def test_homeroom_teacher_sees_every_subject_editable(client, p):
    client.force_login(p.homeroom)
    response = client.get(url(p))
    assert response.status_code == 200
    page = response.content.decode()
    assert p.learners[0].full_name in page
    assert 'data-mode="levels"' in page and "data-grid" in page
    assert f'name="c-{p.learners[0].pk}-TOAN-1"' in page
    assert f'name="c-{p.learners[0].pk}-NN1-1"' in page


def test_subject_teacher_edits_only_their_subject_and_sees_test_scores(client, p):
    put_year_end(p.school_class, p.learners[0], tests={"TOAN": 8})
    client.force_login(p.teacher)
    page = client.get(url(p, 2, "end")).content.decode()
    assert f'name="c-{p.learners[0].pk}-NN1-1"' in page
    assert f'name="c-{p.learners[0].pk}-TOAN-1"' not in page
    assert "KTĐK" in page and ">8<" in page


def test_traits_tab_is_read_only_for_a_subject_teacher(client, p):
    client.force_login(p.teacher)
    page = client.get(url(p) + "?tab=traits").content.decode()
    assert "Phẩm chất chủ yếu" in page and "Chăm chỉ" in page
    assert 'data-editable="0"' in page
    client.force_login(p.homeroom)
    page = client.get(url(p) + "?tab=traits").content.decode()
    assert f'name="c-{p.learners[0].pk}-cham_chi-1"' in page


def test_comments_view_of_one_subject_has_a_comment_cell(client, p):
    client.force_login(p.teacher)
    page = client.get(url(p) + "?tab=subjects&subject=NN1").content.decode()
    assert f'name="c-{p.learners[0].pk}-NN1-2"' in page
    assert client.get(url(p) + "?tab=subjects&subject=XYZ").status_code == 404


def test_a_locked_term_is_read_only(client, p):
    lock(p, 1)
    client.force_login(p.homeroom)
    page = client.get(url(p)).content.decode()
    assert "data-grid" not in page and 'data-editable="0"' in page
    assert "Đã khóa" in page
    assert "data-grid" in client.get(url(p, 2, "mid")).content.decode()


@pytest.mark.parametrize(
    "target",
    [
        lambda p, people: url(p, 1, "final"),
        lambda p, people: url(p, 3, "end"),
        lambda p, people: url(p, 1, "end") + "?tab=year",
        lambda p, people: url(p) + "?tab=other",
        lambda p, people: reverse(
            "assessment:primary_sheet", args=[people.school_class.pk, 1, "end"]
        ),
    ],
)
def test_unknown_points_tabs_and_secondary_classes_are_not_found(client, p, people, target):
    client.force_login(p.admin)
    assert client.get(target(p, people)).status_code == 404


def test_a_class_outside_the_scope_is_not_found(client, p):
    client.force_login(p.admin_a)
    assert client.get(url(p)).status_code == 404
    response = post_json(client, p.admin_a, url(p, name="primary_save"),
                         [cell(p.learners[0], "TOAN", "T")])  # fmt: skip
    assert response.status_code == 404
    assert client.get(url(p, name="primary_export")).status_code == 404


def test_primary_class_index_links_to_the_points(client, p):
    client.force_login(p.homeroom)
    page = client.get(reverse("assessment:gradebook_index", args=[p.school_class.pk]) + "?term=2")
    assert url(p, 2, "end") in page.content.decode()


# --- the JSON autosave ------------------------------------------------------------------------


def test_autosave_saves_levels_and_comments(client, p):
    a = p.learners[0]
    response = post_json(client, p.teacher, url(p, name="primary_save"),
                         [cell(a, "NN1", "T"), cell(a, "NN1", "Nghe tốt", seq=2)])  # fmt: skip
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["ok"], data["created"]) == (True, 1)
    assert data["version"] > 0
    row = PrimarySubjectAssessment.objects.get()
    assert (row.level, row.comment) == ("T", "Nghe tốt")
    response = post_json(client, p.teacher, url(p, name="primary_save"), [cell(a, "NN1", None)])
    assert response.json()["updated"] == 1
    assert PrimarySubjectAssessment.objects.get().level == ""


def test_autosave_refuses_another_teachers_subject(client, p):
    response = post_json(client, p.teacher, url(p, name="primary_save"),
                         [cell(p.learners[0], "TOAN", "T")])  # fmt: skip
    assert response.status_code == 403
    response = post_json(client, p.teacher, url(p, name="primary_save") + "?tab=traits",
                         [cell(p.learners[0], "cham_chi", "T")])  # fmt: skip
    assert response.status_code == 403
    assert not PrimarySubjectAssessment.objects.exists()


def test_autosave_refuses_wrong_cells_naming_them(client, p):
    a, b = p.learners[:2]
    response = post_json(client, p.homeroom, url(p, name="primary_save"),
                         [cell(a, "TOAN", "T"), cell(b, "TOAN", "Tốt")])  # fmt: skip
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["student"], e["kind"], e["seq"]) for e in errors] == [(b.pk, "TOAN", 1)]
    assert b.full_name in errors[0]["message"]
    assert not PrimarySubjectAssessment.objects.exists()
    bad = client.post(url(p, name="primary_save"), data="{}", content_type="application/json")
    assert bad.status_code == 400


def test_autosave_refuses_a_locked_term_with_409(client, p):
    lock(p, 1)
    response = post_json(client, p.homeroom, url(p, name="primary_save"),
                         [cell(p.learners[0], "TOAN", "T")])  # fmt: skip
    assert response.status_code == 409
    assert response.json()["locked"] is True


def test_autosave_of_traits_returns_the_year_result(client, p):
    a = p.learners[0]
    put_year_end(p.school_class, a, skip={"cham_chi"})
    response = post_json(client, p.homeroom, url(p, 2, "end", "primary_save") + "?tab=traits",
                         [cell(a, "cham_chi", "D")])  # fmt: skip
    assert response.status_code == 200
    assert response.json()["results"][str(a.pk)]["result"] == "Hoàn thành"
    assert PrimaryTraitAssessment.objects.get(trait="cham_chi").level == "D"


def test_anonymous_autosave_is_told_to_log_in(client, p):
    response = client.post(url(p, name="primary_save"), data=json.dumps({"cells": []}),
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 401


# --- the plain form ---------------------------------------------------------------------------


def test_plain_form_saves_the_changed_cells_only(client, p):
    a, b = p.learners[:2]
    PrimarySubjectAssessment.objects.create(
        school=p.school, year=p.year, term=1, stage="end", school_class=p.school_class,
        student=b, subject_id=PrimarySubjectAssessment._meta.get_field("subject")
        .related_model.objects.get(code="TOAN").pk, level="H",
    )  # fmt: skip
    client.force_login(p.homeroom)
    response = client.post(url(p), {
        f"c-{a.pk}-TOAN-1": "T", f"o-c-{a.pk}-TOAN-1": "",
        f"c-{b.pk}-TOAN-1": "T", f"o-c-{b.pk}-TOAN-1": "T",  # a stale page: not a change
    })  # fmt: skip
    assert response.status_code == 302
    levels = dict(PrimarySubjectAssessment.objects.values_list("student_id", "level"))
    assert levels == {a.pk: "T", b.pk: "H"}


def test_plain_form_shows_refused_cells_and_keeps_what_was_typed(client, p):
    a = p.learners[0]
    client.force_login(p.homeroom)
    response = client.post(url(p), {f"c-{a.pk}-TOAN-1": "X", f"o-c-{a.pk}-TOAN-1": ""})
    assert response.status_code == 400
    assert "gb-invalid" in response.content.decode()
    assert not PrimarySubjectAssessment.objects.exists()


# --- the year results -------------------------------------------------------------------------


def test_year_tab_lists_results_and_saves_the_outstanding_mark(client, p):
    a, b = p.learners[:2]
    put_year_end(p.school_class, a, tests={"TV": 8})
    put_year_end(p.school_class, b, skip={"DD"})
    from hocso.assessment.compute_primary import primary_results_compute

    primary_results_compute(school_class=p.school_class)
    client.force_login(p.homeroom)
    page = client.get(url(p, 2, "end") + "?tab=year").content.decode()
    assert "Hoàn thành tốt" in page
    assert "Còn thiếu:" in page and "Mức đạt được môn Đạo đức" in page
    response = client.post(url(p, 2, "end") + "?tab=year", {f"oo-{a.pk}": "0", f"out-{a.pk}": "1"})
    assert response.status_code == 302
    result = PrimaryYearResult.objects.get(student=a)
    assert (result.outstanding, result.outcome, result.award) == (
        True, PrimaryOutcome.GOOD, "tieu_bieu",
    )  # fmt: skip


def test_year_tab_marks_are_refused_to_a_subject_teacher(client, p):
    client.force_login(p.teacher)
    page = client.get(url(p, 2, "end") + "?tab=year").content.decode()
    assert f'name="out-{p.learners[0].pk}"' not in page
    response = client.post(url(p, 2, "end") + "?tab=year",
                           {f"oo-{p.learners[0].pk}": "0", f"out-{p.learners[0].pk}": "1"})  # fmt: skip
    assert response.status_code == 403


# --- export and pasting -----------------------------------------------------------------------


def test_export_has_a_row_per_learner_with_levels_and_scores(client, p):
    put_year_end(p.school_class, p.learners[0], traits={"nhan_ai": "D"})
    client.force_login(p.homeroom)
    response = client.get(url(p, 2, "end", "primary_export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("Mã định danh Bộ GD&ĐT", "Họ và tên", "Tiếng Việt")
    assert "KTĐK Tiếng Việt" in rows[0] and "Nhân ái" in rows[0]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert (first["Tiếng Việt"], first["KTĐK Tiếng Việt"], first["Nhân ái"]) == ("T", 10, "Đ")
    assert len(rows) == 4
    assert AuditEntry.objects.filter(action="primary.export").count() == 1


def _fold(text) -> str:
    """What gradebook.js's fold() makes of a pasted cell: the search folding of core.text."""
    return fold(str(text))


def test_paste_aliases_cover_codes_names_and_abbreviations_the_rules_accept():
    for value, label in SubjectLevel.choices:
        assert views_primary.SUBJECT_ALIASES[_fold(label)] == value
        assert views_primary.SUBJECT_ALIASES[_fold(value)] == value
    for spelling in ("HTT", "HT", "CHT"):
        assert views_primary.SUBJECT_ALIASES[_fold(spelling)] == primary_subject_level(spelling)
    for value, label in TraitLevel.choices:
        assert views_primary.TRAIT_ALIASES[_fold(label)] == value
    for spelling in ("Đ", "CCG", "Cần cố gắng", "Tốt"):
        expected = {"Đ": "D"}.get(primary_quality_level(spelling), primary_quality_level(spelling))
        assert views_primary.TRAIT_ALIASES[_fold(spelling)] == expected


# --- history ----------------------------------------------------------------------------------


def test_history_lists_level_and_comment_changes_per_learner_and_cell(client, p):
    a, b = p.learners[:2]
    post_json(client, p.homeroom, url(p, name="primary_save"),
              [cell(a, "TOAN", "T"), cell(b, "TOAN", "H")])  # fmt: skip
    post_json(client, p.homeroom, url(p, name="primary_save"),
              [cell(a, "TOAN", "H"), cell(a, "TOAN", "Cần cẩn thận", seq=2)])  # fmt: skip
    post_json(client, p.homeroom, url(p, name="primary_save") + "?tab=traits",
              [cell(a, "nhan_ai", "C")])  # fmt: skip
    history = url(p, name="primary_history")
    page = client.get(history).content.decode()
    assert page.count("<tr>") == 5  # header and four changes
    page = client.get(history, {"student": a.pk, "cell": "TOAN-1"}).content.decode()
    assert "Hoàn thành tốt → <strong>Hoàn thành</strong>" in page
    assert "Nhận xét: Cần cẩn thận" in page and b.full_name not in page
    page = client.get(history, {"student": a.pk, "cell": "nhan_ai-1"}).content.decode()
    assert "Nhân ái" in page and "Cần cố gắng" in page and "Toán" not in page
    assert client.get(history, {"student": "x"}).status_code == 404
    client.force_login(p.admin_a)
    assert client.get(history).status_code == 404
