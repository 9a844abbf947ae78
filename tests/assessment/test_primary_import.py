"""Importing a primary class's levels from a spreadsheet (importers_primary, views_primary):
the exported file round-trips, spellings of levels are accepted, a wrong cell writes nothing,
and a teacher may only import what they may assess."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from hocso.assessment.importers_primary import run_levels_import
from hocso.assessment.models import (
    ChangeSource,
    PrimaryChange,
    PrimarySubjectAssessment,
    PrimaryTraitAssessment,
)

from .primary_setup import make_primary, put_year_end


@pytest.fixture
def p(tree, users, year):
    return make_primary(tree, users, year)


def workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def write(tmp_path, rows):
    path = tmp_path / "danh-gia.xlsx"
    path.write_bytes(workbook(rows))
    return path


def url(p, term=1, stage="end", name="primary_import"):
    return reverse(f"assessment:{name}", args=[p.school_class.pk, term, stage])


def test_the_exported_file_filled_in_imports_again(client, p, tmp_path):
    a, b, c = p.learners
    put_year_end(p.school_class, a)
    client.force_login(p.homeroom)
    exported = load_workbook(io.BytesIO(client.get(url(p, 2, "end", "primary_export")).content))
    sheet = exported.active
    headers = [cell.value for cell in sheet[1]]
    rows = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    rows[1][headers.index("Toán")] = "HTT"  # b
    rows[1][headers.index("Chăm chỉ")] = "CCG"
    rows[2][headers.index("Đạo đức")] = "Chưa hoàn thành"  # c
    path = write(tmp_path, [headers, *rows])
    result = run_levels_import(path=path, school_class=p.school_class, term=2, stage="end",
                               actor=p.homeroom)  # fmt: skip
    assert (result.written, result.errors, result.changed) == (True, [], 3)
    assert result.unchanged == 25  # a's levels as exported: 10 subjects and 15 traits
    levels = {(r.student_id, r.subject.code): r.level
              for r in PrimarySubjectAssessment.objects.exclude(student=a)}  # fmt: skip
    assert levels == {(b.pk, "TOAN"): "T", (c.pk, "DD"): "C"}
    assert PrimaryTraitAssessment.objects.get(student=b).level == "C"
    assert set(PrimaryChange.objects.values_list("source", flat=True)) == {ChangeSource.IMPORT}


def test_a_wrong_cell_or_learner_writes_nothing_and_names_the_row(p, tmp_path):
    a = p.learners[0]
    path = write(tmp_path, [
        ["Họ và tên", "Toán", "Nhân ái"],
        [a.full_name, "T", "Tốt"],
        [p.learners[1].full_name, "Giỏi", ""],
        ["Không Có Tên", "T", ""],
    ])  # fmt: skip
    result = run_levels_import(path=path, school_class=p.school_class, term=1, stage="end",
                               actor=p.admin)  # fmt: skip
    assert not result.written
    assert [(e.row, e.column) for e in result.errors] == [(3, "Toán"), (4, "Họ và tên")]
    assert not PrimarySubjectAssessment.objects.exists()


def test_a_subject_teacher_imports_their_subject_but_not_others(client, p, tmp_path):
    a = p.learners[0]
    client.force_login(p.teacher)
    own = workbook([["Họ và tên", "Ngoại ngữ 1"], [a.full_name, "H"]])
    response = client.post(url(p), {"file": _upload(own)})
    assert response.status_code == 200
    assert PrimarySubjectAssessment.objects.get().level == "H"
    other = workbook([["Họ và tên", "Toán"], [a.full_name, "T"]])
    response = client.post(url(p), {"file": _upload(other)})
    assert response.status_code == 403
    assert PrimarySubjectAssessment.objects.count() == 1
    client.force_login(p.other_teacher)
    assert client.get(url(p)).status_code == 403


def test_a_dry_run_writes_nothing(client, p):
    client.force_login(p.admin)
    data = workbook([["Họ và tên", "Toán"], [p.learners[0].full_name, "T"]])
    response = client.post(url(p), {"file": _upload(data), "dry_run": "on"})
    assert response.status_code == 200
    assert "Kiểm tra xong" in response.content.decode()
    assert not PrimarySubjectAssessment.objects.exists()


def test_import_outside_the_scope_is_not_found(client, p):
    client.force_login(p.admin_a)
    assert client.get(url(p)).status_code == 404


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("danh-gia.xlsx", data)
