"""`hocso monitoring open-reports`: opens a period for every current school, idempotently."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from hocso.monitoring.models import ReportStatus, StatReport


def run(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("monitoring", "open-reports", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue(), err.getvalue()


def test_open_reports_creates_drafts_and_ends_with_the_counts(tree, year):
    code, out, _ = run("--year", year.code, "--period", "start", "--due", "2025-10-15")
    assert code == 0
    assert out.strip().splitlines()[-1] == "reports=3 created=3"
    rows = StatReport.objects.filter(year=year, period="start")
    assert set(rows.values_list("status", "due_date")) == {(ReportStatus.DRAFT, date(2025, 10, 15))}
    code, out, _ = run("--year", year.code, "--period", "start", "--due", "2025-10-15")
    assert out.strip().splitlines()[-1] == "reports=3 created=0"


@pytest.mark.parametrize(
    "args",
    [
        ("--year", "2030-2031", "--period", "start", "--due", "2030-10-15"),
        ("--year", "2025-2026", "--period", "start", "--due", "15/10/2025"),
    ],
)
def test_open_reports_refuses_bad_input(tree, year, args):
    code, _, err = run(*args)
    assert code == 2
    assert err
    assert not StatReport.objects.exists()
