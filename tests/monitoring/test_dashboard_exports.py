"""Exports of the dashboard views (`&format=xlsx`, `&format=pdf`): the same tables as the page,
numbers as numbers, the heading (title, unit, year, generated at), the header row frozen."""

import io
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from hocso.monitoring.compute import recompute
from hocso.orgs.models import OrgKind

from ..factories import make_unit

OVERVIEW = "/monitoring/"
TABLE = "/monitoring/table/"
INDICATOR = "/monitoring/indicators/learners_valid_id/"


@pytest.fixture
def stored(school_data):
    recompute(year=school_data.year)
    return school_data


@pytest.fixture
def officer(client, users):
    client.force_login(users.province)
    return client


def _workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    return load_workbook(io.BytesIO(response.content))


def _rows_by_first_cell(sheet, header_row=6) -> dict:
    return {
        row[0]: row
        for row in sheet.iter_rows(min_row=header_row + 1, values_only=True)
        if row[0] is not None
    }


def _pdf_text(response) -> tuple[str, PdfReader]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages), reader


# --- xlsx ---------------------------------------------------------------------------------------


def test_the_overview_workbook_has_the_heading_and_the_same_figures_as_numbers(officer, stored):
    response = officer.get(OVERVIEW, {"org": "84", "year": "2025-2026", "format": "xlsx"})
    assert response["Content-Disposition"] == (
        'attachment; filename="tong-quan-giam-sat-84-2025-2026.xlsx"'
    )
    sheet = _workbook(response).active
    assert sheet.title == "Tổng quan"
    assert sheet["A1"].value == "Tổng quan giám sát"
    assert (sheet["A2"].value, sheet["B2"].value) == ("Đơn vị", "Tỉnh Trà Vinh (84)")
    assert (sheet["A3"].value, sheet["B3"].value) == ("Năm học", "2025-2026")
    assert sheet["A4"].value == "Lập lúc"
    assert isinstance(sheet["B4"].value, datetime)
    assert sheet.freeze_panes == "A7"
    headers = [c.value for c in sheet[6]]
    assert headers == [
        "Mã", "Chỉ tiêu", "Đơn vị tính", "Nhóm", "Giá trị", "Tử số", "Mẫu số", "Mục tiêu",
        "Chênh lệch so với mục tiêu", "Đánh giá",
    ]  # fmt: skip
    rows = _rows_by_first_cell(sheet)
    valid_id = rows["learners_valid_id"]
    assert valid_id[1] == "Tỉ lệ người học có hồ sơ số với mã định danh cá nhân hợp lệ"
    assert valid_id[2] == "Tỉ lệ (%)"
    assert valid_id[3] == "Kế hoạch"
    assert valid_id[4] == pytest.approx(66.67)
    assert (valid_id[5], valid_id[6], valid_id[7]) == (4, 6, 100)
    assert valid_id[8] == pytest.approx(-33.33)
    assert valid_id[9] == "Chưa đạt"
    enrollment = rows["enrollment"]
    assert (enrollment[3], enrollment[4], enrollment[6], enrollment[7]) == (
        "Thống kê",
        6,
        None,
        None,
    )
    # No data source: empty cells, never a zero.
    assert rows["eservices_online"][4:9] == (None, None, None, None, None)
    assert rows["eservices_online"][9] == "Chưa có nguồn dữ liệu"
    assert len(rows) == 15  # the 14 of 0002 and learning_results (0004)


def test_the_indicator_workbook_has_the_trend_ranking_and_breakdowns(officer, stored):
    response = officer.get(INDICATOR, {"org": "28432", "format": "xlsx"})
    book = _workbook(response)
    assert book.sheetnames == ["Xu hướng", "Xếp hạng đơn vị trực thuộc", "Phân tổ"]
    trend = book["Xu hướng"]
    assert trend["A1"].value == "Tỉ lệ người học có hồ sơ số với mã định danh cá nhân hợp lệ"
    assert trend["B2"].value == "Phường 1 (28432)"
    assert list(trend.iter_rows(min_row=7, values_only=True)) == [("2025-2026", 66.67, 4, 6, 100)]
    ranking = list(book["Xếp hạng đơn vị trực thuộc"].iter_rows(min_row=7, values_only=True))
    assert ranking == [
        (1, "84000002", "Tiểu học Phường 1", 100, 2, 2, "Đạt mục tiêu"),
        (2, "84000001", "THCS Lý Tự Trọng", 50, 2, 4, "Chưa đạt"),
    ]
    groups = list(book["Phân tổ"].iter_rows(min_row=7, values_only=True))
    assert ("Giới tính", "Nữ", 100, 2, 2) in groups
    assert ("Cấp học (loại trường)", "THCS", 50, 2, 4) in groups
    assert book["Phân tổ"].freeze_panes == "A7"


def test_the_table_workbook_has_a_row_per_unit_and_a_column_per_indicator(officer, stored):
    response = officer.get(TABLE, {"org": "842", "sort": "enrollment", "format": "xlsx"})
    sheet = _workbook(response).active
    headers = [c.value for c in sheet[6]]
    assert headers[:3] == [
        "Mã đơn vị",
        "Đơn vị",
        "Tỉ lệ người học có hồ sơ số với mã định danh cá nhân hợp lệ (%)",
    ]
    assert (
        "Tỉ lệ hồ sơ dịch vụ công được tiếp nhận và xử lí trực tuyến (%) — chưa có nguồn dữ liệu"
        in headers
    )
    rows = list(sheet.iter_rows(min_row=7, values_only=True))
    assert [r[:2] for r in rows] == [("842", "Thành phố Trà Vinh"), ("28432", "Phường 1")]
    enrollment = headers.index("Số người học")
    assert [r[enrollment] for r in rows] == [6, 6]
    assert rows[0][2] == pytest.approx(66.67)


def test_text_a_spreadsheet_would_run_is_neutralised(officer, stored):
    make_unit("99999", '=HYPERLINK("http://x")', OrgKind.COMMUNE, stored.tree.province)
    sheet = _workbook(officer.get(TABLE, {"org": "84", "format": "xlsx"})).active
    names = [r[1] for r in sheet.iter_rows(min_row=7, values_only=True)]
    assert '\'=HYPERLINK("http://x")' in names


# --- pdf ----------------------------------------------------------------------------------------


def test_the_overview_pdf_is_a_table_with_the_heading(officer, stored):
    response = officer.get(OVERVIEW, {"org": "84", "format": "pdf"})
    assert response["Content-Disposition"].endswith('tong-quan-giam-sat-84-2025-2026.pdf"')
    text, reader = _pdf_text(response)
    flat = re.sub(r"\s+", " ", text)
    assert "Tổng quan giám sát" in flat
    assert "Tỉnh Trà Vinh (84)" in flat and "2025-2026" in flat
    assert "Tỉ lệ giáo viên có hồ sơ số" in flat
    assert "66,67" in flat and "Chưa đạt" in flat
    # A long cell wraps inside its column: compare without spaces.
    assert "Chưacónguồndữliệu" in re.sub(r"\s+", "", text)
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert width < height  # portrait


def test_the_big_table_pdf_is_a4_landscape(officer, stored):
    text, reader = _pdf_text(officer.get(TABLE, {"org": "84", "format": "pdf"}))
    page = reader.pages[0]
    assert round(float(page.mediabox.width)) == 842 and round(float(page.mediabox.height)) == 595
    flat = re.sub(r"\s+", " ", text)
    assert "Bảng số liệu các chỉ tiêu" in flat
    assert "Thành phố Trà Vinh" in flat and "Huyện Trà Cú" in flat


def test_the_indicator_pdf_has_its_three_tables(officer, stored):
    text, _ = _pdf_text(officer.get(INDICATOR, {"org": "28432", "format": "pdf"}))
    flat = re.sub(r"\s+", " ", text)
    for heading in ("Xu hướng", "Xếp hạng đơn vị trực thuộc", "Phân tổ"):
        assert heading in flat
    assert "Tiểu học Phường 1" in flat and "THCS Lý Tự Trọng" in flat
