"""GET /api/v1/open/indicators and /open/indicators.csv: no login, aggregates only, small cells
suppressed, CSV for spreadsheets."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from hocso.monitoring.compute import recompute
from hocso.monitoring.models import Indicator, IndicatorValue
from hocso.registry import services as registry
from hocso.registry.models import Student

from ..factories import make_school

OPEN = "/api/v1/open/indicators"
OPEN_CSV = "/api/v1/open/indicators.csv"
ROW_KEYS_ORDER = [
    "code", "name", "name_en", "unit", "source", "org", "org_name", "numerator",
    "denominator", "value", "target", "suppressed",
]  # fmt: skip
ROW_KEYS = set(ROW_KEYS_ORDER)


def _learners(school, year, n: int, grade: int = 6):
    """`n` learners with a valid national ID in one class of `school`."""
    school_class = registry.class_create(
        actor=None, school=school, year=year, grade=grade, name=f"{grade}A"
    )
    for i in range(n):
        born = date(2019 - grade, 1 + i % 12, 1 + i // 12)
        student = registry.student_create(
            actor=None, school=school, full_name=f"Nguyễn Văn Bí Mật {school.code} {i}",
            gender="M", date_of_birth=born,
            national_id=f"0842{born.year % 100:02d}{school.pk % 1000:03d}{i:03d}",
        )  # fmt: skip
        registry.student_enroll(
            actor=None, student=student, school_class=school_class, start_date=year.start_date
        )


def _rows(body, code: str) -> dict:
    return {row["org"]: row for row in body["items"] if row["code"] == code}


def test_open_data_needs_no_login(client, tree, year):
    response = client.get(OPEN, {"year": year.code})
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == "2025-2026"
    assert body["count"] == len(body["items"]) > 0
    assert all(set(row) == ROW_KEYS for row in body["items"])
    assert client.get(OPEN_CSV, {"year": year.code}).status_code == 200


def test_by_default_every_province_and_its_children_are_listed(client, tree, year):
    body = client.get(OPEN, {"year": year.code}).json()
    rows = _rows(body, "enrollment")
    # The province first, then its children by name: Huyện Trà Cú, Thành phố Trà Vinh.
    assert list(rows) == ["84", "847", "842"]
    assert rows["84"]["org_name"] == "Tỉnh Trà Vinh"
    public = Indicator.objects.filter(is_public=True).count()
    assert body["count"] == public * 3


def test_private_indicators_are_left_out(client, tree, year):
    Indicator.objects.filter(code="khmer_share").update(is_public=False)
    body = client.get(OPEN, {"year": year.code}).json()
    assert "khmer_share" not in {row["code"] for row in body["items"]}
    assert "enrollment" in {row["code"] for row in body["items"]}


def test_indicators_without_a_data_source_are_listed_with_null_figures(client, tree, year):
    rows = _rows(client.get(OPEN, {"year": year.code}).json(), "eservices_online")
    assert rows["84"]["source"] == "none"
    assert rows["84"]["numerator"] is None and rows["84"]["value"] is None
    assert rows["84"]["suppressed"] is False


def test_a_school_of_fewer_than_five_learners_is_suppressed_with_its_sibling(client, tree, year):
    _learners(tree.school_a, year, 3)
    _learners(tree.school_b, year, 7, grade=1)
    recompute(year=year)
    body = client.get(OPEN, {"org": "28432", "year": year.code}).json()
    rows = _rows(body, "learners_valid_id")
    assert list(rows) == ["28432", "84000001", "84000002"]  # Phường 1, then THCS…, Tiểu học…
    assert rows["28432"] == {
        **rows["28432"], "numerator": 10.0, "denominator": 10.0, "value": 100.0,
        "suppressed": False, "target": 100.0,
    }  # fmt: skip
    for school in ("84000001", "84000002"):  # 3 learners, then 7 hidden so 3 = 10 − 7 fails
        assert rows[school]["suppressed"] is True
        assert rows[school]["numerator"] is None
        assert rows[school]["denominator"] is None
        assert rows[school]["value"] is None
    enrollment = _rows(body, "enrollment")
    assert enrollment["84000001"]["suppressed"] and enrollment["84000002"]["suppressed"]
    assert enrollment["28432"]["numerator"] == 10.0
    # Figures about schools, not learners, are not suppressed.
    facilities = _rows(body, "facilities_managed")
    assert facilities["84000001"]["suppressed"] is False
    assert facilities["84000001"]["denominator"] == 1.0


def test_a_unit_shown_in_one_view_is_not_hidden_in_another(client, tree, year):
    """Suppression is decided over the whole tree: a commune hidden as a complement among its
    siblings is hidden too when it is asked for as the parent of its schools."""
    school_d = make_school("84000004", tree.commune2, name="THCS Phước Hưng")
    _learners(tree.school_a, year, 2)  # commune 28432: 2 learners
    _learners(tree.school_c, year, 6, grade=10)  # commune 29161: 6 + 6
    _learners(school_d, year, 6)
    recompute(year=year)
    by_district = _rows(client.get(OPEN, {"org": "84", "year": year.code}).json(), "enrollment")
    # 842 (2 learners) is small, 847 (12) its complement; the province stays visible.
    assert by_district["842"]["suppressed"] and by_district["847"]["suppressed"]
    assert by_district["84"]["numerator"] == 14.0
    by_commune = _rows(client.get(OPEN, {"org": "847", "year": year.code}).json(), "enrollment")
    assert by_commune["847"]["suppressed"] is True


def test_values_are_computed_on_demand_when_nothing_is_stored(client, tree, year):
    _learners(tree.school_a, year, 6)
    assert not IndicatorValue.objects.exists()
    rows = _rows(client.get(OPEN, {"org": "28432", "year": year.code}).json(), "enrollment")
    assert rows["28432"]["numerator"] == 6.0
    assert rows["84000001"]["numerator"] == 6.0
    assert rows["84000002"]["numerator"] == 0.0 and rows["84000002"]["suppressed"] is False
    assert not IndicatorValue.objects.exists()  # a read writes nothing


def test_stored_rows_are_read(client, tree, year):
    IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code="enrollment"), org_unit=tree.province, year=year,
        numerator=Decimal(1234), denominator=None, computed_at=timezone.now(),
    )  # fmt: skip
    rows = _rows(client.get(OPEN, {"org": "84", "year": year.code}).json(), "enrollment")
    assert rows["84"]["numerator"] == 1234.0


def test_closed_units_are_neither_listed_nor_reachable(client, tree, year):
    yesterday = timezone.localdate() - timedelta(days=1)
    tree.school_b.__class__.objects.filter(pk=tree.school_b.pk).update(valid_to=yesterday)
    body = client.get(OPEN, {"org": "28432", "year": year.code}).json()
    assert "84000002" not in {row["org"] for row in body["items"]}
    assert client.get(OPEN, {"org": "84000002", "year": year.code}).status_code == 404
    assert client.get(OPEN, {"org": "nope", "year": year.code}).status_code == 404
    assert client.get(OPEN, {"year": "2025"}).status_code == 422


def test_no_learner_name_or_id_appears_anywhere(client, tree, year):
    _learners(tree.school_a, year, 3)
    _learners(tree.school_b, year, 8, grade=1)
    recompute(year=year)
    texts = []
    for org in ("84", "842", "28432", "84000001", "84000002"):
        for url in (OPEN, OPEN_CSV):
            texts.append(client.get(url, {"org": org, "year": year.code}).content.decode())
    for student in Student.objects.all():
        for text in texts:
            assert student.full_name not in text
            assert student.national_id not in text
            assert f'"id": {student.pk}' not in text


def test_the_csv_has_a_bom_a_header_and_the_same_rows(client, tree, year):
    _learners(tree.school_a, year, 3)
    _learners(tree.school_b, year, 7, grade=1)
    recompute(year=year)
    query = {"org": "28432", "year": year.code}
    response = client.get(OPEN_CSV, query)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == ["year", *ROW_KEYS_ORDER]
    body = client.get(OPEN, query).json()
    assert len(rows) == body["count"]
    valid = [r for r in rows if r["code"] == "learners_valid_id"]
    assert valid[0] == {
        **valid[0], "year": "2025-2026", "org": "28432", "org_name": "Phường 1",
        "numerator": "10", "denominator": "10", "value": "100", "suppressed": "false",
    }  # fmt: skip
    school = next(r for r in valid if r["org"] == "84000001")
    assert (school["numerator"], school["value"], school["suppressed"]) == ("", "", "true")


def test_csv_cells_that_look_like_formulas_are_neutralised(client, tree, year):
    tree.school_a.__class__.objects.filter(pk=tree.school_a.pk).update(name="=HYPERLINK(1)")
    Indicator.objects.filter(code="enrollment").update(name="+SUM(A1)", name_en="@cmd")
    text = client.get(OPEN_CSV, {"org": "28432", "year": year.code}).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    names = {r["org_name"] for r in rows}
    assert "'=HYPERLINK(1)" in names and "=HYPERLINK(1)" not in names
    enrollment = [r for r in rows if r["code"] == "enrollment"]
    assert enrollment[0]["name"] == "'+SUM(A1)" and enrollment[0]["name_en"] == "'@cmd"
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@"))


def test_the_query_count_does_not_grow_with_the_number_of_units(
    client, tree, year, django_assert_max_num_queries
):
    for n in range(5, 25):
        make_school(f"840000{n:02d}", tree.commune1)
    recompute(year=year)
    with django_assert_max_num_queries(25):
        assert client.get(OPEN, {"org": "28432", "year": year.code}).status_code == 200
