"""`hocso monitoring recompute`: output contract and errors."""

from io import StringIO

import pytest
from django.core.management import call_command

from hocso.monitoring.models import Indicator, IndicatorValue
from hocso.monitoring.sources import SOURCES


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command("monitoring", "recompute", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_last_line_gives_the_counts(school_data, indicators):
    out, _ = _run("--year", school_data.year.code)
    last = out.strip().splitlines()[-1]
    stored = IndicatorValue.objects.count()
    live = Indicator.objects.filter(source__in=list(SOURCES)).count()  # with or without the seed
    assert live >= len(indicators)
    assert last == f"indicators={live} units=8 values={stored}"


def test_org_limits_the_units(school_data, indicators):
    out, _ = _run("--org", "28432", "--year", school_data.year.code, "--indicator", "enrollment")
    stored = IndicatorValue.objects.count()
    assert out.strip().splitlines()[-1] == f"indicators=1 units=3 values={stored}"
    assert set(IndicatorValue.objects.values_list("org_unit__code", flat=True)) == {
        "28432", "84000001", "84000002",
    }  # fmt: skip


def test_year_defaults_to_the_current_school_year(school_data, indicators, monkeypatch):
    from hocso.monitoring import compute

    monkeypatch.setattr(compute, "current_school_year", lambda: school_data.year)
    out, _ = _run("--indicator", "enrollment")
    assert out.strip().splitlines()[-1].startswith("indicators=1 units=8 values=")
    assert set(IndicatorValue.objects.values_list("year", flat=True)) == {school_data.year.pk}


def test_running_twice_writes_the_same_number_of_values(school_data, indicators):
    first, _ = _run("--year", school_data.year.code)
    second, _ = _run("--year", school_data.year.code)
    assert first.strip().splitlines()[-1] == second.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "99999"], "99999"),
        (["--year", "1990-1991"], "1990-1991"),
        (["--indicator", "no_such_thing"], "no_such_thing"),
    ],
)
def test_unknown_org_year_or_indicator_exits_2(school_data, indicators, args, message):
    err = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("monitoring", "recompute", *args, stdout=StringIO(), stderr=err)
    assert exited.value.code == 2
    assert message in err.getvalue()
    assert not IndicatorValue.objects.exists()
