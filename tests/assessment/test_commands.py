"""`hocso import grades …` and `hocso compute-results …`: reports, last lines, exit statuses."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections

from hocso.__main__ import main
from hocso.accounts.models import AuditEntry
from hocso.assessment import services
from hocso.assessment.models import LearningResult, Score, ScoreChange, ScoreKind, SubjectResult

from ..registry._spreadsheets import write_csv, write_xlsx
from .conftest import full_term, put_scores, subject

R, M, F = ScoreKind.REGULAR, ScoreKind.MIDTERM, ScoreKind.FINAL
HEADERS = ["STT", "Mã định danh Bộ GD&ĐT", "Họ và tên", "TX1", "TX2", "GK", "CK"]


def run(*argv, command="import_records"):
    out, err = StringIO(), StringIO()
    try:
        call_command(command, *argv, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().splitlines(), err.getvalue()


def import_grades(path, school_class, code="GDCD", term="1", *extra):
    return run("grades", str(path), "--class", str(school_class.pk), "--subject", code,
               "--term", term, *extra)  # fmt: skip


def rows(people, *scores):
    """One file row per learner: [n, MOET code, name, *scores]."""
    return [
        [n + 1, learner.moet_code, learner.full_name, *values]
        for n, (learner, values) in enumerate(zip(people.learners, scores, strict=False))
    ]


@pytest.fixture
def grades_file(tmp_path, people):
    return write_xlsx(
        tmp_path / "diem.xlsx", HEADERS,
        rows(people, [8, 9, 7, 8], [6.5, "7,5", 5, 6], [10, 10, 9.5, 9]),
        title_rows=[["SỔ ĐIỂM MÔN GIÁO DỤC CÔNG DÂN — LỚP 6A1 — HỌC KÌ I"]],
    )  # fmt: skip


def test_importing_a_class_grade_book_writes_scores_and_results(people, grades_file):
    code, out, err = import_grades(grades_file, people.school_class)

    assert code == 0, (out, err)
    assert out[-1] == "created=3 updated=0 unchanged=0 rejected=0"
    first, second, _ = people.learners
    assert Score.objects.filter(subject__code="GDCD", term=1).count() == 12
    assert Score.objects.get(student=second, kind=R, seq=2).value == Decimal("7.5")
    average = SubjectResult.objects.get(student=first, subject__code="GDCD", term=1).average
    assert average == Decimal("7.9")
    assert set(ScoreChange.objects.values_list("source", flat=True)) == {"import"}
    assert AuditEntry.objects.filter(action="scores.save").count() == 1


def test_importing_the_same_file_again_changes_nothing_and_a_changed_cell_updates(
    people, grades_file, tmp_path
):
    import_grades(grades_file, people.school_class)
    assert import_grades(grades_file, people.school_class)[1][-1] == (
        "created=0 updated=0 unchanged=3 rejected=0"
    )
    changed = write_xlsx(tmp_path / "sua.xlsx", HEADERS,
                         rows(people, [8, 9, 7, 9], [6.5, 7.5, 5, 6], [10, 10, 9.5, 9]))  # fmt: skip

    code, out, _ = import_grades(changed, people.school_class)

    assert (code, out[-1]) == (0, "created=0 updated=1 unchanged=2 rejected=0")
    average = SubjectResult.objects.get(student=people.learners[0], subject__code="GDCD", term=1)
    assert average.average == Decimal("8.3")


def test_rejected_rows_are_reported_and_nothing_is_written(people, tmp_path):
    path = write_xlsx(tmp_path / "loi.xlsx", HEADERS, [
        [1, people.learners[0].moet_code, people.learners[0].full_name, 8, 9, 11, 8],
        [2, "8499999999", "Người Lạ", 8, 9, 7, 8],
        [3, people.learners[2].moet_code, people.learners[2].full_name, 8, 9, 7, 8],
    ])  # fmt: skip

    code, out, _ = import_grades(path, people.school_class)

    assert code == 1
    assert out[-1] == "created=0 updated=0 unchanged=0 rejected=2"
    assert any("Dòng 2" in line and "«GK»" in line and "0–10" in line for line in out)
    assert any("Dòng 3" in line and "8499999999" in line for line in out)
    assert not Score.objects.exists()


def test_partial_mode_writes_the_valid_rows(people, tmp_path):
    path = write_xlsx(tmp_path / "loi.xlsx", HEADERS, [
        [1, people.learners[0].moet_code, "", 8, 9, 11, 8],
        [2, people.learners[1].moet_code, "", 8, 9, 7, 8],
    ])  # fmt: skip

    code, out, _ = import_grades(path, people.school_class, "GDCD", "1", "--partial")

    assert (code, out[-1]) == (1, "created=1 updated=0 unchanged=0 rejected=1")
    assert set(Score.objects.values_list("student", flat=True)) == {people.learners[1].pk}


def test_dry_run_writes_nothing_but_says_what_it_would_do(people, grades_file):
    code, out, _ = import_grades(grades_file, people.school_class, "GDCD", "1", "--dry-run")
    assert (code, out[-1]) == (0, "created=3 updated=0 unchanged=0 rejected=0")
    assert not Score.objects.exists()


def test_learners_are_found_by_name_alone_and_names_must_agree_with_identifiers(people, tmp_path):
    first, second, _ = people.learners
    path = write_csv(tmp_path / "ten.csv", ["Họ và tên", "Mã định danh Bộ GD&ĐT", "TX1"], [
        ["KIM THI SO PHIA 00", "", "8"],  # folded name, no identifier
        ["Thạch Sa Rum", second.moet_code, "7"],  # a name that is not this learner's
    ])  # fmt: skip

    code, out, _ = import_grades(path, people.school_class)

    assert code == 1
    assert any("không khớp với họ tên" in line for line in out)
    code, out, _ = import_grades(path, people.school_class, "GDCD", "1", "--partial")
    assert Score.objects.get().student == first


def test_a_blank_cell_keeps_the_stored_score(people, tmp_path):
    learner = people.learners[0]
    services.scores_save(actor=None, school_class=people.school_class, subject=subject("GDCD"),
                         term=1, entries=[(learner.pk, F, 1, "6")])  # fmt: skip
    path = write_xlsx(tmp_path / "gk.xlsx", ["Mã định danh Bộ GD&ĐT", "GK", "CK"],
                      [[learner.moet_code, 7, None]])  # fmt: skip

    code, out, _ = import_grades(path, people.school_class)

    assert (code, out[-1]) == (0, "created=0 updated=1 unchanged=0 rejected=0")
    assert Score.objects.get(student=learner, kind=F).value == Decimal("6.0")
    assert Score.objects.get(student=learner, kind=M).value == Decimal("7.0")


def test_a_column_the_subject_does_not_have_is_rejected(people, tmp_path):
    learner = people.learners[0]
    path = write_xlsx(tmp_path / "tx3.xlsx", ["Mã định danh Bộ GD&ĐT", "TX1", "TX3"],
                      [[learner.moet_code, 8, 9]])  # fmt: skip
    code, out, _ = import_grades(path, people.school_class)
    assert code == 1
    assert any("«TX3»" in line for line in out)


def test_comment_subjects_read_dat_and_chua_dat(people, tmp_path):
    first, second, third = people.learners
    path = write_xlsx(tmp_path / "gdtc.xlsx", ["Mã định danh Bộ GD&ĐT", "TX1", "GK", "Nhận xét"], [
        [first.moet_code, "Đ", "Đạt", "Đ"],
        [second.moet_code, "CĐ", "Chưa đạt", "cđ"],
        [third.moet_code, 8, "Đ", "Đ"],
    ])  # fmt: skip

    code, out, _ = import_grades(path, people.school_class, "GDTC", "2", "--partial")

    assert (code, out[-1]) == (1, "created=2 updated=0 unchanged=0 rejected=1")
    assert any("Đ (Đạt) hoặc CĐ (Chưa đạt)" in line for line in out)
    stored = dict(Score.objects.filter(student=second, term=2).values_list("kind", "passed"))
    assert stored == {R: False, M: False, F: False}  # "Nhận xét" is the end-of-term assessment


def test_remarks_on_a_scored_subject_are_ignored_with_a_warning(people, tmp_path):
    learner = people.learners[0]
    path = write_xlsx(tmp_path / "nx.xlsx", ["Mã định danh Bộ GD&ĐT", "CK", "Nhận xét"],
                      [[learner.moet_code, 8, "Chăm chỉ, tiến bộ"]])  # fmt: skip
    code, out, _ = import_grades(path, people.school_class)
    assert code == 0
    assert any(line.startswith("Cảnh báo") and "Nhận xét" in line for line in out)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--class", "999999", "--subject", "GDCD", "--term", "1"], "Không có lớp"),
        (["--subject", "GDCD", "--term", "1"], "Không có lớp"),
        (["--class", "{class}", "--subject", "XYZ", "--term", "1"], "Không có môn"),
        (["--class", "{class}", "--subject", "LS", "--term", "1"], "không có trong chương trình"),
    ],
)
def test_a_wrong_class_or_subject_exits_2(people, grades_file, argv, message):
    argv = [a.replace("{class}", str(people.school_class.pk)) for a in argv]
    code, out, err = run("grades", str(grades_file), *argv)
    assert code == 2
    assert message in err
    assert out[-1] == "created=0 updated=0 unchanged=0 rejected=0"


def test_an_unreadable_file_exits_2(people, tmp_path):
    path = tmp_path / "diem.xlsx"
    path.write_bytes(b"%PDF-1.7\x00\x01")
    code, out, err = import_grades(path, people.school_class)
    assert (code, out[-1]) == (2, "created=0 updated=0 unchanged=0 rejected=0")
    assert "không phải bảng tính" in err


def test_a_file_without_score_columns_exits_2(people, tmp_path):
    path = write_xlsx(
        tmp_path / "ds.xlsx", ["Họ và tên", "Ngày sinh"], [["Kim Thị Sô Phia 00", ""]]
    )
    code, _, err = import_grades(path, people.school_class)
    assert code == 2
    assert "Thiếu cột" in err


def test_a_locked_grade_book_exits_2(people, grades_file):
    services.gradebook_review(actor=None, school_class=people.school_class, term=1)
    services.gradebook_approve_lock(actor=None, school_class=people.school_class, term=1)
    code, _, err = import_grades(grades_file, people.school_class)
    assert code == 2
    assert "khóa" in err
    assert not Score.objects.exists()


def test_the_registry_kinds_still_need_a_school(tmp_path, people, grades_file):
    code, out, err = run("students", str(grades_file))
    assert code == 2
    assert "Không có trường" in err


def test_the_hocso_command_line_imports_grades(people, grades_file, capsys, monkeypatch):
    # run_from_argv closes every connection when a command ends; keep the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    main(
        [
            "hocso",
            "import",
            "grades",
            grades_file,
            "--class",
            str(people.school_class.pk),
            "--subject",
            "gdcd",
            "--term",
            "1",
        ]
    )  # fmt: skip  (exit 0: returns)
    assert capsys.readouterr().out.splitlines()[-1] == "created=3 updated=0 unchanged=0 rejected=0"


# --- compute-results ---------------------------------------------------------------------------


def compute_results(*argv):
    return run(*argv, command="compute_results")


def test_compute_results_exits_0_when_every_learner_has_a_result(people):
    for learner in people.learners:
        put_scores(people.school_class, learner, 1, full_term(6))
    code, out, _ = compute_results("--school", people.school.code, "--year", "2025-2026",
                                   "--term", "1")  # fmt: skip
    assert (code, out) == (0, ["classes=1 learners=3 complete=3 incomplete=0"])
    assert LearningResult.objects.filter(term=1, level="tot").count() == 3


def test_compute_results_exits_1_and_names_the_missing_subjects(people):
    first, second, _ = people.learners
    put_scores(people.school_class, first, 1, full_term(6))
    values = full_term(6)
    del values["TOAN"]
    put_scores(people.school_class, second, 1, values)

    code, out, _ = compute_results("--school", people.school.code, "--year", "2025-2026")

    assert code == 1
    assert out[-1] == "classes=1 learners=3 complete=1 incomplete=2"
    assert "Lớp 6A1 còn thiếu điểm: Toán (1 học sinh)" in out


@pytest.mark.parametrize(
    ("school_code", "year_code", "message"),
    [("99999999", "2025-2026", "Không có trường"), ("{school}", "2030-2031", "Không có năm học")],
)
def test_compute_results_exits_2_for_an_unknown_school_or_year(
    people, school_code, year_code, message
):
    school_code = school_code.replace("{school}", people.school.code)
    code, out, err = compute_results("--school", school_code, "--year", year_code)
    assert (code, out) == (2, ["classes=0 learners=0 complete=0 incomplete=0"])
    assert message in err


def test_compute_results_is_spelled_with_a_hyphen_on_the_command_line(people, capsys, monkeypatch):
    monkeypatch.setattr(connections, "close_all", lambda: None)
    put_scores(people.school_class, people.learners[0], 1, full_term(6))
    with pytest.raises(SystemExit) as exit_info:
        main(["hocso", "compute-results", "--school", people.school.code, "--year", "2025-2026"])
    assert exit_info.value.code == 1  # two learners have no scores yet
    assert capsys.readouterr().out.splitlines()[-1] == (
        "classes=1 learners=3 complete=1 incomplete=2"
    )
