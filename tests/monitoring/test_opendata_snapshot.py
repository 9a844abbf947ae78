"""The open-data snapshot (monitoring/opendata.py): written by a full recompute, read by the open
endpoints with the same output as computing, `?org=` included; computed only without one."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hocso.monitoring.compute import recompute
from hocso.monitoring.models import IndicatorValue, OpenDataSnapshot, Target
from hocso.monitoring.opendata import refresh_snapshot, snapshot_figures

from ..factories import make_school

OPEN = "/api/v1/open/indicators"
OPEN_CSV = "/api/v1/open/indicators.csv"


def _open(client, year, **params):
    response = client.get(OPEN, {"year": year.code, **params})
    assert response.status_code == 200
    return response.json()


def _live(client, year, **params):
    """The body computed without a snapshot (the snapshot set aside, then put back)."""
    kept = list(OpenDataSnapshot.objects.values("year_id", "items", "computed_at"))
    OpenDataSnapshot.objects.all().delete()
    body = _open(client, year, **params)
    for row in kept:
        OpenDataSnapshot.objects.create(**row)
    return body


def test_a_full_recompute_stores_the_snapshot_of_every_open_unit(school_data, indicators):
    year = school_data.year
    assert not OpenDataSnapshot.objects.exists()
    recompute(year=year)
    snapshot = OpenDataSnapshot.objects.get(year=year)
    figures = snapshot_figures(year)
    public_live = {i.code for i in indicators.values() if i.is_public}
    units = {"84", "842", "847", "28432", "29161", "84000001", "84000002", "84000003"}
    assert {key[0] for key in figures} == public_live
    assert {key[1] for key in figures} == units
    assert len(snapshot.items) == len(public_live) * len(units)
    figure, suppressed = figures[("enrollment", "84")]
    assert (figure.numerator, suppressed) == (Decimal(6), False)


def test_a_partial_recompute_leaves_the_snapshot_alone(school_data, indicators):
    year, tree = school_data.year, school_data.tree
    recompute(year=year, indicators=[indicators["enrollment"]])
    recompute(org=tree.commune1, year=year)
    assert not OpenDataSnapshot.objects.exists()


@pytest.mark.parametrize("org", [None, "84", "842", "28432", "84000001"])
def test_the_snapshot_gives_the_same_output_as_computing(client, school_data, indicators, org):
    year = school_data.year
    recompute(year=year)
    params = {"org": org} if org else {}
    from_snapshot = _open(client, year, **params)
    assert from_snapshot == _live(client, year, **params)
    assert from_snapshot["count"] > 0
    csv_snapshot = client.get(OPEN_CSV, {"year": year.code, **params}).content
    OpenDataSnapshot.objects.all().delete()
    assert csv_snapshot == client.get(OPEN_CSV, {"year": year.code, **params}).content


def test_suppressed_cells_come_out_of_the_snapshot_suppressed(client, school_data, indicators):
    """School B has two learners: fewer than five, suppressed — and so is its complement."""
    year = school_data.year
    recompute(year=year)
    rows = {
        row["org"]: row
        for row in _open(client, year, org="28432")["items"]
        if row["code"] == "learners_valid_id"
    }
    assert rows["84000002"]["suppressed"] and rows["84000002"]["numerator"] is None
    assert rows["84000001"]["suppressed"]  # 4 learners: small too


def test_an_anonymous_request_reads_the_snapshot_not_the_values(client, school_data, indicators):
    year = school_data.year
    recompute(year=year)
    with CaptureQueriesContext(connection) as queries:
        _open(client, year)
    assert not any("monitoring_indicatorvalue" in q["sql"] for q in queries.captured_queries)
    assert not any("registry_enrollment" in q["sql"] for q in queries.captured_queries)


def test_the_snapshot_holds_the_figures_of_the_last_full_recompute(client, school_data, indicators):
    year = school_data.year
    recompute(year=year)
    before = _open(client, year, org="84")
    IndicatorValue.objects.filter(indicator__code="enrollment").update(numerator=99)
    assert _open(client, year, org="84") == before
    refresh_snapshot(year)
    rows = [r for r in _open(client, year, org="84")["items"] if r["code"] == "enrollment"]
    assert {r["numerator"] for r in rows} == {99.0}


def test_names_and_targets_are_read_from_the_catalog(client, school_data, indicators):
    year = school_data.year
    recompute(year=year)
    Target.objects.create(indicator=indicators["enrollment"], year=2026, value=Decimal(10))
    rows = [r for r in _open(client, year)["items"] if r["code"] == "enrollment"]
    assert {r["target"] for r in rows} == {10.0}


def test_a_unit_opened_after_the_snapshot_is_computed(client, school_data, indicators):
    year, tree = school_data.year, school_data.tree
    recompute(year=year)
    make_school("84000099", tree.commune2)
    rows = [r for r in _open(client, year, org="29161")["items"] if r["code"] == "enrollment"]
    assert [r["org"] for r in rows] == ["29161", "84000003", "84000099"]
    assert rows[2]["numerator"] == 0.0


def test_refreshing_replaces_the_years_snapshot(school_data, indicators):
    year = school_data.year
    first = refresh_snapshot(year)
    second = refresh_snapshot(year)
    assert OpenDataSnapshot.objects.count() == 1
    assert second.pk == first.pk and second.computed_at >= first.computed_at
    assert snapshot_figures(year) is not None
