"""`hocso exams calibrate --exam EXAM_ID [--model rasch|2pl]`, run in-process."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from hocso.exams.models import Attempt, ItemAnalysis

from .analysis_setup import SC1, simulated

pytestmark = pytest.mark.django_db

ITEM_LINE = re.compile(r"^item (\d+) a=(-|-?\d+\.\d\d) b=(-|-?\d+\.\d\d) p=(-|\d\.\d\d)$")


def run(*argv):
    out, err = StringIO(), StringIO()
    try:
        call_command("exams", "calibrate", *argv, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_prints_a_line_per_item_and_the_summary_last(exam):
    simulated(exam, count=60)
    code, out, err = run("--exam", str(exam.session.pk))
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 7 + 1
    matches = [ITEM_LINE.match(line) for line in lines[:-1]]
    assert all(matches), lines
    assert [int(m.group(1)) for m in matches] == [item.pk for item in exam.items]
    assert re.fullmatch(r"items=7 candidates=60 converged=(true|false)", lines[-1])
    # The items nobody answered (p = 0) have no IRT parameters; answered ones have both.
    first = matches[SC1]
    assert first.group(2) != "-" and first.group(3) != "-"
    assert matches[3].group(2) == "-" and matches[3].group(4) == "0.00"
    assert out.endswith(lines[-1] + "\n")


def test_the_calibration_is_stored(exam):
    simulated(exam, count=60)
    code, _out, err = run("--exam", str(exam.session.pk), "--model", "rasch")
    assert code == 0, err
    row = ItemAnalysis.objects.get(session=exam.session, item=exam.items[SC1])
    assert row.irt_model == "rasch" and row.irt_a == 1.0
    assert Attempt.objects.filter(session=exam.session, theta__isnull=False).count() == 60


def test_a_converged_fit_says_true(exam):
    # Rasch on 200 candidates × 4 answered items converges well within the iteration cap.
    simulated(exam, count=200)
    _code, out, _err = run("--exam", exam.session.code, "--model", "rasch")
    assert out.strip().splitlines()[-1] == "items=7 candidates=200 converged=true"


def test_no_submitted_attempt_is_not_converged(exam):
    code, out, _err = run("--exam", str(exam.session.pk))
    assert code == 0
    assert out.strip().splitlines()[-1] == "items=7 candidates=0 converged=false"


def test_an_unknown_exam_exits_2(exam):
    code, out, err = run("--exam", "999999")
    assert code == 2 and out == ""
    assert "999999" in err


def test_an_unknown_model_is_refused_by_the_parser(exam):
    with pytest.raises(Exception, match="invalid choice"):
        call_command("exams", "calibrate", "--exam", str(exam.session.pk), "--model", "3pl")
