"""The open-data snapshot (monitoring/opendata.py): written by a full recompute, the ONLY source
of the open endpoints (`?org=` and the CSV included) — one state published, whatever the
incremental updates did since; a unit the snapshot does not hold is published without figures;
a year without a snapshot gets one, computed once, on its first request."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hocso.monitoring.compute import recompute, recompute_school
from hocso.monitoring.models import Indicator, IndicatorValue, OpenDataSnapshot, Target
from hocso.monitoring.opendata import refresh_snapshot, snapshot_figures
from hocso.registry import services as registry

from ..factories import StudentFactory, make_school

OPEN = "/api/v1/open/indicators"
OPEN_CSV = "/api/v1/open/indicators.csv"
VIEWS = [None, "84", "842", "847", "28432", "29161", "84000001", "84000003"]


def _open(client, year, **params):
    response = client.get(OPEN, {"year": year.code, **params})
    assert response.status_code == 200
    return response.json()


def _live(client, year, **params):
    """The body of a fresh snapshot computed now (the stored one set aside, then put back)."""
    kept = list(OpenDataSnapshot.objects.values("year_id", "items", "computed_at"))
    OpenDataSnapshot.objects.all().delete()
    body = _open(client, year, **params)
    OpenDataSnapshot.objects.all().delete()
    for row in kept:
        OpenDataSnapshot.objects.create(**row)
    return body


def _float(number):
    return None if number is None else float(number)


def _disagreements(body, figures) -> list:
    """The rows of an open body whose figures are not the snapshot's."""
    wrong = []
    for row in body["items"]:
        if row["source"] == "none":
            continue
        key = (row["code"], row["org"])
        if key in figures:
            figure, suppressed = figures[key]
            expected = (
                "live", _float(figure.numerator), _float(figure.denominator),
                _float(figure.value), suppressed,
            )  # fmt: skip
        else:  # opened since: no figures
            expected = ("unavailable", None, None, None, False)
        got = (row["source"], row["numerator"], row["denominator"], row["value"], row["suppressed"])
        if got != expected:
            wrong.append((*key, got, expected))
    return wrong


def _enroll(school, year, n, grade):
    school_class = registry.class_create(
        actor=None, school=school, year=year, grade=grade, name="X"
    )
    for _ in range(n):
        learner = StudentFactory(school=school, national_id=None)
        registry.student_enroll(
            actor=None, student=learner, school_class=school_class, start_date=year.start_date
        )


def test_a_full_recompute_stores_the_snapshot_of_every_open_unit(school_data, indicators):
    year = school_data.year
    assert not OpenDataSnapshot.objects.exists()
    recompute(year=year)
    snapshot = OpenDataSnapshot.objects.get(year=year)
    figures = snapshot_figures(year)
    # The seeded learning_results (migration 0004) is public and live too.
    seeded = Indicator.objects.get(code="learning_results")
    public_live = {i.code for i in [*indicators.values(), seeded] if i.is_public}
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


def test_a_unit_opened_after_the_snapshot_is_published_without_figures(
    client, school_data, indicators
):
    year, tree = school_data.year, school_data.tree
    recompute(year=year)
    make_school("84000099", tree.commune2)
    rows = [r for r in _open(client, year, org="29161")["items"] if r["code"] == "enrollment"]
    assert [r["org"] for r in rows] == ["29161", "84000003", "84000099"]
    new = rows[2]
    assert (new["numerator"], new["denominator"], new["value"]) == (None, None, None)
    assert (new["source"], new["suppressed"]) == ("unavailable", False)
    assert [r["source"] for r in rows[:2]] == ["live", "live"]
    assert set(new) == set(rows[0])  # the same shape
    assert _open(client, year, org="84000099")["items"][0]["source"] == "unavailable"
    recompute(year=year)  # the next full recompute publishes it
    rows = [r for r in _open(client, year, org="29161")["items"] if r["code"] == "enrollment"]
    assert (rows[2]["numerator"], rows[2]["source"]) == (0.0, "live")


def test_after_an_incremental_change_every_open_view_agrees_with_the_snapshot(
    client, school_data, indicators
):
    """An incremental task moves the stored values of school C and its ancestors; a school opened
    since the snapshot sits next to C. Until the next full recompute, every open view (JSON and
    CSV, every unit) publishes the snapshot's figures — never the moved values."""
    year, tree = school_data.year, school_data.tree
    recompute(year=year)
    figures = snapshot_figures(year)
    csv_before = {org: client.get(OPEN_CSV, {"year": year.code, "org": org or ""}).content
                  for org in VIEWS}  # fmt: skip
    make_school("84000099", tree.commune2)
    _enroll(tree.school_c, year, 12, grade=10)
    assert recompute_school(tree.school_c, year) > 0
    stored = IndicatorValue.objects.get(
        indicator__code="enrollment", org_unit=tree.commune2, year=year, breakdown=""
    )
    assert stored.numerator == Decimal(12)  # the stored values did move
    for org in VIEWS:
        body = _open(client, year, **({"org": org} if org else {}))
        assert _disagreements(body, figures) == [], org
        csv = client.get(OPEN_CSV, {"year": year.code, "org": org or ""}).content
        if org != "29161":  # the new school adds rows there, with empty figures
            assert csv == csv_before[org], org
    recompute(year=year)  # the next full recompute: the change is published everywhere at once
    rows = {
        r["org"]: r["numerator"] for r in _open(client, year, org="847")["items"]
        if r["code"] == "enrollment"
    }  # fmt: skip
    assert rows == {"847": 12.0, "29161": 12.0}


def test_without_a_snapshot_the_first_request_stores_one_and_serves_it(
    client, school_data, indicators
):
    year, tree = school_data.year, school_data.tree
    recompute(year=year, indicators=list(indicators.values()))  # stored values, no snapshot
    assert not OpenDataSnapshot.objects.exists()
    first = _open(client, year, org="28432")
    snapshot = OpenDataSnapshot.objects.get(year=year)
    figures = snapshot_figures(year)
    assert _disagreements(first, figures) == []
    assert {key[1] for key in figures} >= {"84", "842", "847", "28432", "29161", "84000003"}
    _enroll(tree.school_a, year, 7, grade=8)
    recompute_school(tree.school_a, year)
    for org in VIEWS:
        assert _disagreements(_open(client, year, **({"org": org} if org else {})), figures) == []
    assert OpenDataSnapshot.objects.get().pk == snapshot.pk  # stored once, not per request


def test_refreshing_replaces_the_years_snapshot(school_data, indicators):
    year = school_data.year
    first = refresh_snapshot(year)
    second = refresh_snapshot(year)
    assert OpenDataSnapshot.objects.count() == 1
    assert second.pk == first.pk and second.computed_at >= first.computed_at
    assert snapshot_figures(year) is not None
