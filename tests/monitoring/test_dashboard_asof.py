"""The indicator page "as of a date" (`/monitoring/indicators/<code>/?org=&date=&boundaries=`):
the unit and its children on the tree of that day ("then") or of today ("today"), the same
figures as the values API, drill-down keeping the date, clear errors, scope, exports; and the
unread alerts badge of the centre's nav.

The `reformed` fixture (test_as_of.py): 84 Trà Vinh → 842 → 28432 → A, B; 84 → 847 → 29161 → C;
B moves to 29161 on 2025-01-01; 84, 842, 847 close on 2025-06-30 for 86 Vĩnh Long, whose
communes 28432 and 29161 are from 2025-07-01. The officer holds 86 (reads 84's archive).
"""

import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from hocso.accounts.models import Role
from hocso.accounts.services import token_create
from hocso.monitoring import alerts
from hocso.monitoring.models import Alert

from . import test_as_of

reformed = test_as_of.reformed  # the merger fixture

PAGE = "/monitoring/indicators/{code}/"
MARCH = "2025-03-01"  # after B's move, before the reform


def _page(client, user, code="enrollment", **params):
    client.force_login(user)
    return client.get(PAGE.format(code=code), params)


def _api(client, user, code="enrollment", **params):
    return client.get(
        f"/api/v1/indicators/{code}/values",
        params,
        headers={"Authorization": f"Bearer {token_create(user=user)}"},
    ).json()


def _text(response) -> str:
    html = response.content.decode()
    main = html[html.index("<main") :]
    main = re.sub(r"<script.*?</script>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def _number(value):
    return None if value is None else float(value)


def _ranked(response) -> dict:
    return {r.unit.code: r.figure for r in response.context["detail"].ranking}


def _same_as_api(response, body) -> None:
    card = response.context["card"]
    assert response.context["frame"].unit.code == body["org"]
    assert response.context["frame"].year.code == body["year"]
    assert (_number(card.figure.numerator), _number(card.figure.denominator)) == (
        body["numerator"], body["denominator"],
    )  # fmt: skip
    assert _number(card.figure.value) == body["value"]
    ranked = _ranked(response)
    assert set(ranked) == {c["org"] for c in body["children"]}
    for child in body["children"]:
        figure = ranked[child["org"]]
        assert (_number(figure.numerator), _number(figure.denominator), _number(figure.value)) == (
            child["numerator"], child["denominator"], child["value"],
        )  # fmt: skip


# --- the boundaries of that day, or of today -----------------------------------------------------


@pytest.mark.parametrize("code", ["enrollment", "dropout_rate", "learners_valid_id"])
def test_before_the_merger_on_then_boundaries_the_old_districts_are_ranked(client, reformed, code):
    response = _page(client, reformed.officer, code, org="84", date=MARCH, boundaries="then")
    assert response.status_code == 200
    assert set(_ranked(response)) == {"842", "847"}
    assert {u.code for u in response.context["frame"].children} == {"842", "847"}
    body = _api(client, reformed.officer, code, org="84", date=MARCH, boundaries="then")
    _same_as_api(response, body)
    text = _text(response)
    assert "01/03/2025" in text and "ranh giới đơn vị tại ngày đó" in text
    assert "Năm học 2024-2025" in text


def test_the_counts_on_then_boundaries_follow_the_moved_school(client, reformed):
    response = _page(client, reformed.officer, org="84", date=MARCH, boundaries="then")
    assert response.context["card"].figure.numerator == Decimal(6)
    assert {k: f.numerator for k, f in _ranked(response).items()} == {
        "842": Decimal(2), "847": Decimal(4),
    }  # fmt: skip


@pytest.mark.parametrize("code", ["enrollment", "dropout_rate"])
def test_the_same_day_on_todays_boundaries_ranks_the_new_units(client, reformed, code):
    response = _page(client, reformed.officer, code, org="86", date=MARCH, boundaries="today")
    assert response.status_code == 200
    assert set(_ranked(response)) == {"28432", "29161"}
    body = _api(client, reformed.officer, code, org="86", date=MARCH, boundaries="today")
    _same_as_api(response, body)
    assert "ranh giới đơn vị hiện nay" in _text(response)


def test_drill_down_and_breadcrumb_keep_the_date_and_boundaries(client, reformed):
    response = _page(client, reformed.officer, org="84", date="2024-10-01", boundaries="then")
    rows = {r.unit.code: r.url for r in response.context["detail"].ranking}
    assert "date=2024-10-01" in rows["842"] and "boundaries=then" in rows["842"]
    assert "year=" not in rows["842"]
    district = client.get(rows["842"])
    assert district.status_code == 200
    assert set(_ranked(district)) == {"28432"}  # 842's commune on that day
    assert [a.code for a in district.context["frame"].ancestors] == ["84"]
    html = district.content.decode()
    assert "?org=84&amp;date=2024-10-01&amp;boundaries=then" in html  # breadcrumb
    # The unit picker carries the date and boundaries too.
    assert '<input type="hidden" name="date" value="2024-10-01">' in html


def test_without_a_unit_the_officer_gets_the_province_of_that_day(client, reformed):
    response = _page(client, reformed.officer, date="2024-10-01")
    assert response.context["frame"].unit.code == "84"
    assert response.context["frame"].boundaries == "then"


def test_without_a_date_the_stored_values_page_is_unchanged(client, reformed):
    response = _page(client, reformed.officer, org="86", year="2025-2026")
    assert response.status_code == 200
    assert response.context["frame"].day is None
    assert "asof" not in response.context
    assert 'data-testid="asof-notice"' not in response.content.decode()
    assert 'id="trend-heading"' in response.content.decode()
    for row in response.context["detail"].ranking:
        assert "year=2025-2026" in row.url and "date=" not in row.url
    assert 'data-testid="asof-form"' in response.content.decode()  # the way in


# --- errors ------------------------------------------------------------------------------------


def test_a_unit_not_in_the_tree_of_that_day_is_explained(client, reformed):
    response = _page(client, reformed.officer, org="86", date="2024-10-01", boundaries="then")
    assert response.status_code == 200
    text = _text(response)
    assert "Tỉnh Vĩnh Long (86) không có trong cây đơn vị ngày 01/10/2024" in text
    html = response.content.decode()
    # Its predecessor that day, and the same day on today's boundaries.
    assert "?org=84&amp;date=2024-10-01&amp;boundaries=then" in html
    assert "?org=86&amp;date=2024-10-01&amp;boundaries=today" in html
    assert "?org=842&amp;" not in html  # the highest predecessor only, not each district
    assert 'data-export="xlsx"' not in html


def test_a_closed_district_after_the_merger_points_to_its_successor(client, reformed):
    response = _page(client, reformed.officer, org="842", date="2025-10-01", boundaries="then")
    assert response.status_code == 200
    assert 'data-testid="not-in-tree"' in response.content.decode()
    assert "?org=86&amp;date=2025-10-01&amp;boundaries=then" in response.content.decode()
    assert 'data-testid="today-link"' not in response.content.decode()  # 842 is closed today


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"date": "2025-13-01"}, "date", "không đúng định dạng YYYY-MM-DD"),
        ({"date": "01/03/2025"}, "date", "không đúng định dạng YYYY-MM-DD"),
        ({"date": "2999-01-01"}, "date", "chưa tới"),
        ({"date": "1990-01-01"}, "date", "Không có năm học nào chứa ngày"),
        ({"date": MARCH, "boundaries": "yesterday"}, "boundaries", "không hợp lệ"),
    ],
)
def test_a_bad_date_or_boundaries_is_a_clear_error(client, reformed, params, field, words):
    response = _page(client, reformed.officer, org="86", **params)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-testid="{field}-error"' in html
    assert words in _text(response)
    # The export of it is refused the same way, not a file.
    export = _page(client, reformed.officer, org="86", format="xlsx", **params)
    assert export.status_code == 400
    assert export["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("extra", [{}, {"format": "xlsx"}, {"format": "pdf"}])
def test_a_unit_out_of_scope_on_a_date_is_not_found(client, reformed, extra):
    response = _page(client, reformed.admin_c, org="842", date="2024-10-01", **extra)
    assert response.status_code == 404
    own = _page(client, reformed.admin_c, org="84000003", date=MARCH)
    assert own.status_code == 200


def test_learners_and_guardians_are_refused_on_a_date_too(client, reformed, users):
    assert _page(client, users.student_a, date=MARCH).status_code == 403


# --- exports ------------------------------------------------------------------------------------


def test_the_workbook_of_a_date_names_the_date_and_the_boundaries(client, reformed):
    response = _page(
        client, reformed.officer, org="84", date=MARCH, boundaries="then", format="xlsx"
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    title = workbook.worksheets[0]["A1"].value
    assert "enrollment" in title  # the indicator's name (the test catalog names it by code)
    assert "01/03/2025" in title and "ranh giới đơn vị tại ngày đó" in title
    own = workbook.worksheets[0]
    assert own["A7"].value == "84" and own["C7"].value == 6
    ranking = {row[1]: row for row in workbook.worksheets[1].iter_rows(min_row=7, values_only=True)}
    assert ranking["842"][4] == 2 and ranking["847"][4] == 4
    assert (
        'filename="enrollment-ngay-2025-03-01-ranh-gioi-don-vi-tai-ngay-do-84-2024-2025.xlsx"'
        in (response["Content-Disposition"])
    )


def test_the_pdf_of_a_date_names_the_date_and_todays_boundaries(client, reformed):
    response = _page(
        client, reformed.officer, org="86", date=MARCH, boundaries="today", format="pdf"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))
    assert "01/03/2025" in text and "ranh giới đơn vị hiện nay" in text
    assert "28432" in text and "29161" in text


# --- the unread alerts badge ------------------------------------------------------------------


def test_the_nav_shows_the_unread_alerts_until_they_are_read(client, tree, year, users):
    alert = Alert.objects.create(
        rule="report_late", key="r:a", org_unit=tree.school_a, year=year,
        title="Báo cáo trễ hạn", audience=[Role.PROVINCE_OFFICER],
    )  # fmt: skip
    assert alerts.unread_count(users.province) == 1
    client.force_login(users.province)
    html = client.get("/monitoring/").content.decode()
    badge = re.search(r'data-testid="alerts-unread">(\d+)<', html)
    assert badge is not None and badge.group(1) == "1"
    alerts.mark_read(alert, users.province)
    html = client.get("/monitoring/").content.decode()
    assert 'data-testid="alerts-unread"' not in html
