"""`hocso questions import|export`, run in-process against a tiny format defined here (so these
tests do not depend on the real GIFT, Moodle XML, QTI or xlsx modules)."""

import sys
import types
from io import StringIO

import pytest
from django.core.management import call_command

from hocso.__main__ import main
from hocso.questions.interchange import Problem, ProblemKind, ReadResult
from hocso.questions.management.commands import questions as command
from hocso.questions.models import Bank, Item

from .items import single_choice

pytestmark = pytest.mark.django_db

FAKE = "hocso.questions.formats.xlsx"


def _read(data):
    """One single-choice item per line: `stem|right|wrong|wrong`; a line starting with "!" is
    malformed. Bytes that are not UTF-8 raise, like a file of another format would."""
    result = ReadResult()
    for number, line in enumerate(data.decode("utf-8").splitlines(), start=1):
        if line.startswith("!"):
            result.problems.append(
                Problem(
                    ProblemKind.MALFORMED, f"dòng {number}", "Thiếu dấu %(mark)s", {"mark": "|"}
                )
            )
        elif line.strip():
            stem, right, *wrong = line.split("|")
            result.items.append(single_choice(stem, right, tuple(wrong), source=f"dòng {number}"))
    return result


def _write(items):
    return "".join(
        "|".join([i.stem, *(c.text for c in i.choices)]) + "\n" for i in items
    )  # fmt: skip


@pytest.fixture(autouse=True)
def fake_format(monkeypatch):
    module = types.ModuleType(FAKE)
    module.read, module.write = _read, _write
    monkeypatch.setitem(sys.modules, FAKE, module)
    return module


def run(*argv):
    out, err = StringIO(), StringIO()
    try:
        call_command("questions", *argv, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().splitlines(), err.getvalue()


def _file(tmp_path, text, name="cau_hoi.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


LINES = "1 + 1 = ?|2|3|4\nThủ đô?|Hà Nội|Huế|Vinh\n"


def test_import_creates_the_bank_and_reimport_is_unchanged(tmp_path, tree):
    path = _file(tmp_path, LINES)

    code, out, _ = run("import", path, "--format", "xlsx", "--bank", "SO-THU")
    assert code == 0
    assert out[-1] == "created=2 updated=0 unchanged=0 rejected=0"
    assert Bank.objects.get(code="SO-THU").org_unit == tree.province

    code, out, _ = run("import", path, "--format", "xlsx", "--bank", "SO-THU")
    assert (code, out[-1]) == (0, "created=0 updated=0 unchanged=2 rejected=0")
    assert Item.objects.count() == 2


def test_a_malformed_question_rejects_the_file_and_names_the_line(tmp_path, tree):
    path = _file(tmp_path, LINES + "!hỏng\n")

    code, out, _ = run("import", path, "--format", "xlsx", "--bank", "SO-THU")

    assert code == 1
    assert "dòng 3: Thiếu dấu |" in out
    assert out[-1] == "created=0 updated=0 unchanged=0 rejected=1"
    assert not Bank.objects.exists()
    assert not Item.objects.exists()


def test_an_invalid_question_is_reported_with_its_line(tmp_path, tree):
    path = _file(tmp_path, LINES + "Câu thiếu phương án|A\n")
    code, out, _ = run("import", path, "--format", "xlsx", "--bank", "SO-THU")
    assert code == 1
    assert "dòng 3: Câu trắc nghiệm cần ít nhất 2 phương án" in out
    assert out[-1].endswith("rejected=1")


def test_dry_run_reports_counts_and_writes_nothing(tmp_path, tree):
    code, out, _ = run(
        "import", _file(tmp_path, LINES), "--format", "xlsx", "--bank", "SO-THU", "--dry-run"
    )
    assert code == 0
    assert out[-1] == "created=2 updated=0 unchanged=0 rejected=0"
    assert not Item.objects.exists()


@pytest.mark.parametrize("case", ["missing", "not utf-8", "too large"])
def test_an_unreadable_file_exits_2(tmp_path, tree, settings, case):
    path = tmp_path / "x.txt"
    if case == "not utf-8":
        path.write_bytes(b"\xff\xfe\x00garbage")
    elif case == "too large":
        settings.HOCSO_MAX_UPLOAD_BYTES = 10
        path.write_text(LINES, encoding="utf-8")

    code, out, err = run("import", str(path), "--format", "xlsx", "--bank", "SO-THU")

    assert code == 2
    assert err.strip()
    assert out[-1] == "created=0 updated=0 unchanged=0 rejected=0"
    assert not Bank.objects.exists()


def test_a_format_without_a_module_is_a_clear_error(tmp_path, tree, monkeypatch):
    monkeypatch.setitem(command.FORMATS, "khac", "khong_co_dinh_dang_nay")
    code, out, err = run("import", _file(tmp_path, LINES), "--format", "khac", "--bank", "X")
    assert code == 2
    assert "khong_co_dinh_dang_nay" in err
    code, _, err = run("export", "--bank", "X", "--format", "khac", "--output", "o.txt")
    assert code == 2


def test_export_writes_the_bank_with_the_format_module(tmp_path, tree):
    run("import", _file(tmp_path, LINES), "--format", "xlsx", "--bank", "SO-THU")
    output = tmp_path / "out.txt"

    code, out, _ = run("export", "--bank", "SO-THU", "--format", "xlsx", "--output", str(output))

    assert code == 0
    assert output.read_text(encoding="utf-8") == LINES
    assert "2" in out[-1]


def test_export_names_each_item_the_format_cannot_hold_and_exits_1(tmp_path, tree, fake_format):
    fake_format.unsupported_for_write = lambda item: (
        "Định dạng này không ghi được câu hỏi về thủ đô." if "Thủ đô" in item.stem else None
    )
    run("import", _file(tmp_path, LINES), "--format", "xlsx", "--bank", "SO-THU")
    output = tmp_path / "out.txt"

    code, out, _ = run("export", "--bank", "SO-THU", "--format", "xlsx", "--output", str(output))

    assert code == 1
    assert output.read_text(encoding="utf-8") == "1 + 1 = ?|2|3|4\n"
    assert "câu hỏi «Thủ đô?»: không xuất được: Định dạng này không ghi được" in out[0]


def test_export_of_an_unknown_bank_exits_2(tmp_path, tree):
    code, _, err = run(
        "export", "--bank", "KHONG", "--format", "xlsx", "--output", str(tmp_path / "o")
    )
    assert code == 2
    assert "KHONG" in err


def test_the_hocso_entry_point_runs_the_command(tmp_path, tree, capsys):
    path = _file(tmp_path, LINES)
    main(
        ["hocso", "questions", "import", path, "--format", "xlsx", "--bank", "SO-THU", "--dry-run"]
    )  # fmt: skip  (exit status 0: returns)
    assert capsys.readouterr().out.splitlines()[-1] == "created=2 updated=0 unchanged=0 rejected=0"
