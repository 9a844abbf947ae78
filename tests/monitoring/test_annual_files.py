"""The annual report's files (monitoring/annual.py): the workbook read back with openpyxl cell
by cell, the PDF read back with pypdf, and the public PDF with small cells suppressed."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from hocso.assessment.models import LearningResult, Level, Period
from hocso.monitoring import annual
from hocso.monitoring.models import AnnualReport
from hocso.orgs.models import OrgKind
from hocso.registry.services import class_create

from ..factories import make_school, make_unit
from .conftest import add_learner

D = Decimal


@pytest.fixture
def report(school_data, indicators, users):
    return AnnualReport.objects.create(
        org_unit=school_data.tree.commune1, year=school_data.year,
        narrative="Năm học có nhiều chuyển biến.\nCần bổ sung mã định danh.",
        updated_by=users.province,
    )  # fmt: skip


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def _squeezed(text: str) -> str:
    return "".join(text.split())


def test_workbook_has_cover_plan_statistics_and_children_sheets(school_data, report):
    tree, year = school_data.tree, school_data.year
    book = load_workbook(io.BytesIO(annual.annual_xlsx(tree.commune1, year)))
    assert book.sheetnames == ["Bìa", "Chỉ tiêu kế hoạch", "Thống kê", "Đơn vị trực thuộc"]
    cover = book["Bìa"]
    assert cover["A1"].value == "Báo cáo năm học 2025-2026"
    assert cover["A2"].value == "Phường 1 (28432)"
    assert cover["A7"].value == report.narrative
    assert users_name(report) in cover["A8"].value

    plan = book["Chỉ tiêu kế hoạch"]
    assert plan.freeze_panes == "A3"
    assert [c.value for c in plan[2]][:6] == ["STT", "Mã", "Chỉ tiêu", "Tử số", "Mẫu số",
                                                "Giá trị"]  # fmt: skip
    row = next(r for r in plan.iter_rows(min_row=3) if r[1].value == "learners_valid_id")
    assert row[0].value == 1
    assert (row[3].value, row[4].value) == (4, 6)  # numbers, not text
    assert row[5].value == pytest.approx(0.6667)
    assert row[5].number_format == "0.00%"
    assert row[7].value == 1 and row[7].number_format == "0.00%"  # target 100%
    assert row[8].value == 2025
    assert row[9].value == pytest.approx(-33.33)
    assert row[10].value == "Chưa đạt"
    assert plan.column_dimensions["C"].width == 60
    no_source = next(r for r in plan.iter_rows(min_row=3) if r[1].value == "eservices_online")
    assert no_source[5].value is None and no_source[10].value == "Chưa có nguồn dữ liệu"

    stats = book["Thống kê"]
    enrollment = next(r for r in stats.iter_rows(min_row=3) if r[1].value == "enrollment")
    assert enrollment[3].value == 6 and enrollment[3].number_format == "#,##0"
    ratio = next(r for r in stats.iter_rows(min_row=3) if r[1].value == "learner_teacher_ratio")
    assert ratio[5].value == 2 and ratio[5].number_format == "#,##0.00"
    total = next(r for r in stats.iter_rows() if r[0].value == "Tổng số")
    assert [c.value for c in total[:4]] == ["Tổng số", 4, 2, 6]

    children = book["Đơn vị trực thuộc"]
    assert children.freeze_panes == "C3"
    assert [children.cell(row=r, column=1).value for r in (3, 4)] == ["84000001", "84000002"]
    assert children.cell(row=3, column=2).value == "THCS Lý Tự Trọng"
    assert children.cell(row=3, column=3).value == pytest.approx(0.5)
    assert children.cell(row=4, column=3).value == 1
    assert children.cell(row=4, column=3).number_format == "0.00%"


def users_name(report):
    return report.updated_by.get_full_name() or report.updated_by.username


def test_text_that_looks_like_a_formula_is_neutralised(school_data, indicators, users):
    tree, year = school_data.tree, school_data.year
    AnnualReport.objects.create(org_unit=tree.commune1, year=year, narrative="=HYPERLINK(1)")
    book = load_workbook(io.BytesIO(annual.annual_xlsx(tree.commune1, year)))
    assert book["Bìa"]["A7"].value == "'=HYPERLINK(1)"


def test_pdf_has_title_narrative_figures_with_decimal_comma_and_page_numbers(school_data, report):
    tree, year = school_data.tree, school_data.year
    data = annual.annual_pdf(tree.commune1, year)
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    assert "Báo cáo năm học 2025-2026" in text
    assert "Phường 1" in text
    assert "Năm học có nhiều chuyển biến." in text
    assert "66,67%" in text  # 4 of 6 learners with a valid ID
    assert "66.67" not in text
    assert "Chưacónguồndữliệu" in _squeezed(text)  # wrapped in its cell
    assert users_name(report) in text
    pages = len(PdfReader(io.BytesIO(data)).pages)
    assert f"Trang 1/{pages}" in text
    assert f"Trang {pages}/{pages}" in text


@pytest.fixture
def small_commune(school_data, indicators):
    """A commune of district 842 whose only school has 3 learners (2 with a valid ID, all
    boys; year results: 2 Tốt, 1 Khá)."""
    tree, year = school_data.tree, school_data.year
    commune = make_unit("28433", "Phường Nhỏ", OrgKind.COMMUNE, tree.district1)
    school = make_school("84000009", commune, name="THCS Phường Nhỏ")
    klass = class_create(actor=None, school=school, year=year, grade=6, name="6A")
    for n, (nid, level) in enumerate(
        [("084212000801", Level.GOOD), ("084212000802", Level.GOOD), (None, Level.FAIR)]
    ):
        student = add_learner(klass, start=year.start_date, national_id=nid,
                              date_of_birth=date(2012, 1, 1 + n))  # fmt: skip
        LearningResult.objects.create(
            school=school, year=year, term=Period.YEAR, student=student, school_class=klass,
            level=level,
        )  # fmt: skip
    return commune


def test_public_figures_hide_a_commune_of_three_learners_and_its_complement(
    school_data, small_commune
):
    tree, year = school_data.tree, school_data.year
    private = annual.annual_figures(tree.district1, year)
    public = annual.annual_figures(tree.district1, year, public=True)
    position = [i.code for i in public.child_indicators].index("learners_valid_id")
    cells = {c.unit.code: c.cells[position] for c in public.children}
    private_cells = {c.unit.code: c.cells[position] for c in private.children}
    assert private_cells["28433"][0].value == D("66.67")
    # 3 learners: hidden; the only sibling is hidden with it, or 28433 = district − 28432.
    assert cells["28433"] == (cells["28433"][0], True) and cells["28433"][0].value is None
    assert cells["28432"][1] is True
    # Not about learners: nothing hidden (facilities).
    facilities = [i.code for i in public.child_indicators].index("facilities_managed")
    assert not any(c.cells[facilities][1] for c in public.children)


def test_public_figures_are_the_open_data_snapshot_not_the_moving_stored_values(
    school_data, small_commune
):
    """After the snapshot, stored values move (an incremental recompute): the public report keeps
    publishing the snapshot's figures, so no two published states can be subtracted."""
    from hocso.monitoring.compute import recompute
    from hocso.monitoring.models import IndicatorValue, OpenDataSnapshot

    tree, year = school_data.tree, school_data.year
    recompute(year=year)  # stores every value and writes the year's snapshot
    assert OpenDataSnapshot.objects.filter(year=year).exists()
    before = annual.annual_figures(tree.district1, year, public=True).row("enrollment")
    IndicatorValue.objects.filter(
        indicator__code="enrollment", org_unit=tree.district1, year=year, breakdown=""
    ).update(numerator=D(999))
    after = annual.annual_figures(tree.district1, year, public=True).row("enrollment")
    assert after.figure == before.figure and after.figure.numerator != D(999)
    private = annual.annual_figures(tree.district1, year).row("enrollment")
    assert private.figure.numerator == D(999)


def test_public_enrollment_table_hides_small_cells_in_rows_and_columns(school_data, small_commune):
    public = annual.annual_figures(small_commune, school_data.year, public=True)
    total = public.enrollment[-1]
    # 3 male learners: every cell of 1–4 hidden; the 0 female cells stay.
    assert total.total.hidden and total.male.hidden
    assert total.female.text == "0"
    assert public.row("enrollment").hidden
    assert public.row("enrollment").value_text == "*"
    private = annual.annual_figures(small_commune, school_data.year)
    assert private.enrollment[-1].total.text == "3"


def test_public_pdf_suppresses_small_cells_and_leaves_out_the_author(
    school_data, small_commune, users
):
    tree, year = school_data.tree, school_data.year
    AnnualReport.objects.create(
        org_unit=tree.district1, year=year, narrative="Nhận định của phòng.",
        updated_by=users.province,
    )  # fmt: skip
    private = _pdf_text(annual.annual_pdf(tree.district1, year))
    public = _pdf_text(annual.annual_pdf(tree.district1, year, public=True))
    # The child units' table: Phường Nhỏ has 2 of 3 learners with a valid ID.
    assert _line(private, "Phường Nhỏ").startswith("Phường Nhỏ (28433) 66,67% ")
    assert _line(public, "Phường Nhỏ").startswith("Phường Nhỏ (28433) * ")
    assert _line(public, "Phường 1").startswith("Phường 1 (28432) * ")  # its complement
    assert "Nhận định của phòng." in public
    assert users_name_of(users.province) in private
    assert users_name_of(users.province) not in public
    assert "Bản công khai" in public
    assert "(*) Số liệu được ẩn" in public


def _line(text: str, start: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(start + " "))


def users_name_of(user):
    return user.get_full_name() or user.username


def _hidden_texts(private, public) -> set[str]:
    """What the private figures show where the public tables show "*": row values (and the
    previous year's), enrollment counts, learning-result counts and shares, child values."""
    texts = set()
    for row in public.plan + public.statistics:
        private_row = private.row(row.code)
        if row.hidden:
            texts.add(private_row.value_text)
        if row.previous_hidden:
            texts.add(private_row.previous_text)
    for pub, priv in zip(public.enrollment, private.enrollment, strict=True):
        for field in ("male", "female", "total"):
            if getattr(pub, field).hidden:
                texts.add(getattr(priv, field).text)
    for pub, priv in zip(public.results, private.results, strict=True):
        for p_count, (count, share) in zip(pub.counts, priv.cells, strict=True):
            if p_count.hidden:
                texts |= {count.text, share}
    for pub, priv in zip(public.children, private.children, strict=True):
        for (_p, hidden), text in zip(pub.cells, priv.texts(private.child_indicators), strict=True):
            if hidden:
                texts.add(text)
    return {t for t in texts if t not in ("—", "*")}


def _numbers(text: str) -> set[str]:
    """The figures written in a text ("66,67%", "3", "0")."""
    import re

    return {n.rstrip(".,") for n in re.findall(r"\d[\d.,]*%?", text)}


@pytest.mark.parametrize("code", ["28433", "842"])
def test_the_generated_draft_leaks_nothing_hidden_in_the_public_pdf_and_workbook(
    school_data, small_commune, users, code
):
    from hocso.orgs.models import OrgUnit

    unit, year = OrgUnit.objects.get(code=code), school_data.year
    private = annual.annual_figures(unit, year)
    public = annual.annual_figures(unit, year, public=True)
    hidden = _hidden_texts(private, public)
    assert hidden  # the case is about small cells
    # What the page fills in when the officer asks for a draft, saved as it is.
    draft = annual.draft_narrative(private)
    annual.narrative_save(actor=users.province, unit=unit, year=year, narrative=draft)
    # The draft's figures are all shown in the public tables ...
    shown = set()
    for row in public.plan + public.statistics:
        shown |= {row.value_text, row.previous_text, row.target_text}
        shown |= {annual.format_number(abs(row.gap))} if row.gap is not None else set()
    shown |= {n.text for r in public.enrollment for n in (r.male, r.female, r.total)}
    shown |= {t for r in public.results for c, share in r.cells for t in (c.text, share)}
    shown |= {t for c in public.children for t in c.texts(public.child_indicators)}
    years = {year.code, *year.code.split("-"), "2025", "2030"}
    words = draft
    for child in public.children:  # "Phường 1" is a name, not a figure
        words = words.replace(child.unit.name, "")
    unexplained = {n for n in _numbers(words) if n not in shown and n not in years}
    assert not unexplained, (unexplained, draft)
    # ... and none of the hidden ones is written in the narrative of either public file.
    book = load_workbook(io.BytesIO(annual.annual_xlsx(unit, year, public=True)))
    narrative = book["Bìa"]["A7"].value
    assert narrative == draft
    assert not (_numbers(words) & (hidden - shown)), (hidden - shown, narrative)
    pdf = _pdf_text(annual.annual_pdf(unit, year, public=True))
    section = pdf.split("I. Nhận định, đánh giá", 1)[1].split("II. Chỉ tiêu", 1)[0]
    assert _squeezed(draft.split(".")[0]) in _squeezed(section)
    for child in public.children:
        section = section.replace(child.unit.name, "")
    assert not (_numbers(section) & (hidden - shown)), (hidden - shown, section)
    if code == "28433":
        assert "66,67%" in hidden and "66,67%" not in pdf  # 2 of the 3 learners
        assert "3ngườihọc" not in _squeezed(pdf)
    else:
        assert "PhườngNhỏ(" not in _squeezed(section)
