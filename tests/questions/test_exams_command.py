"""`hocso exams generate` and `hocso exams blueprint-2025`, run in-process."""

from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from hocso.__main__ import main
from hocso.questions.models import Blueprint

from .blueprint_setup import math_2025_blueprint, math_2025_pool

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run(*argv):
    out, err = StringIO(), StringIO()
    try:
        call_command("exams", *argv, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def ready(tree, qworld):
    math_2025_pool(qworld.province_bank, single=14)
    return math_2025_blueprint(tree.province, qworld.math)


def test_generate_writes_a_pdf_per_version_and_both_answer_keys(ready, tmp_path):
    out_dir = tmp_path / "out"
    code, out, err = run("generate", "--blueprint", str(ready.pk), "--versions", "2",
                         "--seed", "7", "--output", str(out_dir))  # fmt: skip
    assert code == 0, err
    names = ["de_101.pdf", "de_102.pdf", "dap_an.pdf", "dap_an.xlsx"]
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(names)
    lines = out.strip().splitlines()
    assert lines[:4] == [str(out_dir / name) for name in names]
    assert "2 mã đề" in lines[-1] and "22 câu" in lines[-1]
    for name in names[:3]:
        assert (out_dir / name).read_bytes().startswith(b"%PDF-")


def test_the_xlsx_key_has_one_row_per_version_and_question(ready, tmp_path):
    code, _out, err = run("generate", "--blueprint", str(ready.pk), "--versions", "3",
                          "--seed", "x", "--output", str(tmp_path))  # fmt: skip
    assert code == 0, err
    sheet = load_workbook(BytesIO((tmp_path / "dap_an.xlsx").read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Mã đề", "Câu", "Phần", "Đáp án")
    body = rows[1:]
    assert len(body) == 3 * 22
    assert {r[0] for r in body} == {101, 102, 103}
    part_one = [r for r in body if r[0] == 101 and r[2] == "I"]
    assert [r[1] for r in part_one] == list(range(1, 13))
    assert all(r[3] in "ABCD" and len(r[3]) == 1 for r in part_one)
    assert {r[3] for r in body if r[2] == "II"} == {"ĐSĐS"}
    numeric = {r[3] for r in body if r[2] == "III"}
    assert numeric == {"0", "0,25", "0,5", "0,75", "1", "1,25"}


def test_the_same_seed_writes_the_same_answer_key(ready, tmp_path):
    for folder in ("a", "b"):
        run("generate", "--blueprint", str(ready.pk), "--versions", "2", "--seed", "42",
            "--output", str(tmp_path / folder))  # fmt: skip
    rows = [
        list(load_workbook(tmp_path / f / "dap_an.xlsx").active.iter_rows(values_only=True))
        for f in ("a", "b")
    ]
    assert rows[0] == rows[1]


def test_a_bank_short_of_items_lists_the_cells_and_writes_nothing(tree, qworld, tmp_path):
    math_2025_pool(qworld.province_bank, single=10, tf=4, short=2)
    blueprint = math_2025_blueprint(tree.province, qworld.math)
    code, out, err = run("generate", "--blueprint", str(blueprint.pk), "--versions", "2",
                         "--seed", "1", "--output", str(tmp_path / "out"))  # fmt: skip
    assert code == 1
    assert "2 ô" in err
    assert "Phần I, Trắc nghiệm một lựa chọn: cần 12 câu, có 10" in err
    assert "Phần III, Trả lời ngắn (số): cần 6 câu, có 2" in err
    assert "Phần II," not in err
    assert not (tmp_path / "out").exists()


def test_an_unknown_blueprint_exits_2(db, tmp_path):
    code, _out, err = run("generate", "--blueprint", "999", "--versions", "1", "--seed", "1",
                          "--output", str(tmp_path))  # fmt: skip
    assert code == 2
    assert "999" in err


def test_version_codes_may_be_given(ready, tmp_path):
    code, _out, err = run("generate", "--blueprint", str(ready.pk), "--versions", "2",
                          "--seed", "1", "--codes", "201,202", "--output", str(tmp_path))  # fmt: skip
    assert code == 0, err
    assert (tmp_path / "de_201.pdf").exists() and (tmp_path / "de_202.pdf").exists()


def test_blueprint_2025_creates_the_ready_blueprint_for_the_banks_subject(qworld):
    code, out, err = run("blueprint-2025", "--bank", "SO-TOAN")
    assert code == 0, err
    blueprint = Blueprint.objects.get()
    assert f"số hiệu {blueprint.pk}" in out
    assert blueprint.duration_minutes == 90 and blueprint.subject == qworld.math


def test_blueprint_2025_refuses_an_unknown_bank(db):
    code, _out, err = run("blueprint-2025", "--bank", "KHONG-CO")
    assert code == 2 and "KHONG-CO" in err


def test_the_hocso_command_runs_exams(ready, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["hocso", "exams", "generate", "--blueprint", str(ready.pk), "--versions", "1",
              "--seed", "3", "--output", str(tmp_path)])  # fmt: skip
        raise SystemExit(0)
    assert exit_info.value.code in (0, None)
    assert (tmp_path / "de_101.pdf").exists()
