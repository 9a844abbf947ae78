"""Exam papers and the answer key as PDF (questions/paper_pdf.py), read back with pypdf."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from hocso.questions.blueprints import exam_versions_generate, paper_header
from hocso.questions.generation import Candidate, CellSpec, generate
from hocso.questions.interchange import Choice, ItemType
from hocso.questions.paper_pdf import (
    PaperHeader,
    option_columns,
    plain_text,
    render_answer_key,
    render_paper,
    tokens,
)

from .blueprint_setup import approved, math_2025_blueprint, math_2025_pool, small_blueprint
from .items import PNG_1PX, single_choice, true_false_4

HEADER = PaperHeader(
    department="SỞ GIÁO DỤC VÀ ĐÀO TẠO TRÀ VINH", school="Trường THPT Trà Cú",
    title="Kiểm tra giữa kì I", subject="Toán", grade=10, minutes=45,
    parts=[{"code": "I", "title": "PHẦN I", "instructions": "Thí sinh chọn một phương án."},
           {"code": "II", "title": "PHẦN II", "instructions": "Chọn đúng hoặc sai."}],
)  # fmt: skip


def _versions(items_i, items_ii=(), count=2):
    pool = [
        Candidate(item_id=n, version_id=n, item_type=data.type, data=data)
        for n, data in enumerate([*items_i, *items_ii], start=1)
    ]
    cells = [CellSpec(key=1, part="I", item_type=ItemType.SINGLE_CHOICE, count=len(items_i),
                      points=Decimal("0.25"))]  # fmt: skip
    if items_ii:
        cells.append(CellSpec(key=2, part="II", item_type=ItemType.TRUE_FALSE_4,
                              count=len(items_ii), points=Decimal(1)))  # fmt: skip
    return generate(cells, pool, versions=count, seed=1)


def _text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_a_paper_has_the_vietnamese_header_parts_and_version_code():
    versions = _versions([single_choice(stem="Thủ đô của Việt Nam là gì?", right="Hà Nội",
                                        wrong=("Huế", "Đà Nẵng", "Cần Thơ"))],
                         [true_false_4(stem="Xét các mệnh đề về số học.")])  # fmt: skip
    reader, text = _text(render_paper(HEADER, versions[1]))
    for expected in ("SỞ GIÁO DỤC VÀ ĐÀO TẠO TRÀ VINH", "TRƯỜNG THPT TRÀ CÚ",
                     "KIỂM TRA GIỮA KÌ I", "Môn: Toán — Lớp 10",
                     "Thời gian làm bài: 45 phút", "Mã đề 102", "Họ và tên thí sinh:",
                     "Số báo danh:", "PHẦN I.", "Thí sinh chọn một phương án.", "PHẦN II.",
                     "Câu 1.", "Thủ đô của Việt Nam là gì?", "Đà Nẵng", "a) Ý a", "d) Ý d",
                     "--- HẾT ---", f"Trang 1/{len(reader.pages)} - Mã đề 102"):  # fmt: skip
        assert expected in text, expected
    assert "Mã đề 101" not in text


def test_a_long_paper_numbers_every_page_with_the_version_code():
    items = [single_choice(stem=f"Câu hỏi dài số {n}: " + "nội dung " * 40, right=f"R{n}")
             for n in range(30)]  # fmt: skip
    [version] = _versions(items, count=1)
    reader, text = _text(render_paper(HEADER, version))
    pages = len(reader.pages)
    assert pages >= 3
    for page in range(1, pages + 1):
        assert f"Trang {page}/{pages} - Mã đề 101" in text
    assert [f"Câu {n}." in text for n in range(1, 31)] == [True] * 30


def test_math_is_typeset_as_images_not_printed_as_latex():
    stem = r"Tính \(\int_0^1 x^2\,dx\) và \[\lim_{x \to 0} \frac{\sin x}{x}\]"
    [version] = _versions([single_choice(stem=stem, right=r"\(\frac{1}{3}\)")], count=1)
    reader, text = _text(render_paper(HEADER, version))
    assert "Tính" in text and "\\int" not in text and "\\frac" not in text
    assert len(reader.pages[0].images) == 3  # two inline formulas and one displayed


def test_latex_that_mathtext_cannot_read_is_printed_as_its_source():
    [version] = _versions([single_choice(stem=r"Xét \(\unknowncommand{x}\).")], count=1)
    _reader, text = _text(render_paper(HEADER, version))
    assert "\\unknowncommand{x}" in text


def test_item_images_are_placed_from_the_items_files():
    data = single_choice(stem='<p>Quan sát hình:</p><p><img src="hinh.png"></p>')
    data.files = {"hinh.png": PNG_1PX}
    [version] = _versions([data], count=1)
    reader, text = _text(render_paper(HEADER, version))
    assert "Quan sát hình:" in text
    assert len(reader.pages[0].images) == 1


def test_options_go_in_four_two_or_one_columns_by_length():
    assert option_columns([10, 12, 9, 11], 174) == 4
    assert option_columns([50, 60, 40, 30], 174) == 2
    assert option_columns([50, 120, 40, 30], 174) == 1
    assert option_columns([10, None, 10, 10], 174) == 1  # an option with a figure


def test_the_answer_key_lists_every_version():
    versions = _versions([single_choice(stem=f"Câu {n}", right=f"R{n}") for n in range(3)],
                         [true_false_4()], count=3)  # fmt: skip
    _reader, text = _text(render_answer_key(HEADER, versions))
    assert "ĐÁP ÁN" in text
    for code in ("101", "102", "103"):
        assert f"Mã đề {code}" in text
    assert "ĐSĐS" in text and "(mỗi câu 0,25 điểm)" in text


def test_tokens_read_bold_breaks_math_and_images():
    found = tokens(r'<p><b>Cho</b> \(x^2\)<br><img src="a.png"></p> \[y\]')
    kinds = [(t.kind, t.text, t.bold) for t in found if t.kind != "space"]
    assert kinds == [("word", "Cho", True), ("math", "x^2", False), ("br", "", False),
                     ("img", "a.png", False), ("par", "", False), ("display", "y", False)]  # fmt: skip
    assert plain_text("<p>a &amp; b</p>") == "a & b"


def _png(width: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, 30), (200, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


# --- from the bank ----------------------------------------------------------------------------


@pytest.fixture
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db
@pytest.mark.usefixtures("_media_in_tmp")
def test_a_schools_paper_names_the_province_department_and_the_school(tree, qworld):
    for n in range(2):
        data = single_choice(stem=f'Hình số {n} <img src="h{n}.png">', right=f"Đúng {n}")
        data.files = {f"h{n}.png": _png(40 + n)}
        approved(qworld.bank_c, data, grade=6)
    blueprint = small_blueprint(tree.school_c, qworld.math)
    header = paper_header(blueprint)
    assert header.department == "SỞ GIÁO DỤC VÀ ĐÀO TẠO TRÀ VINH"
    assert header.school == "Trường THPT Trà Cú"
    [version] = exam_versions_generate(actor=None, blueprint=blueprint, versions=1, seed=3)
    assert all(q.data.files for q in version.questions)  # images come from the media store
    reader, text = _text(render_paper(header, version))
    assert "TRƯỜNG THPT TRÀ CÚ" in text and "Thời gian làm bài: 15 phút" in text
    assert len(reader.pages[0].images) == 2


@pytest.mark.django_db
@pytest.mark.usefixtures("_media_in_tmp")
def test_a_province_paper_has_no_school_line_and_keeps_the_pinned_option_last(tree, qworld):
    math_2025_pool(qworld.province_bank)
    blueprint = math_2025_blueprint(tree.province, qworld.math)
    versions = exam_versions_generate(actor=None, blueprint=blueprint, versions=2, seed="p")
    assert paper_header(blueprint).school == ""
    for question in (q for v in versions for q in v.questions if q.part == "I"):
        assert question.data.choices[-1] == Choice(text="Cả ba phương án trên", pinned=True)
    _reader, text = _text(render_paper(paper_header(blueprint), versions[0]))
    assert "PHẦN III." in text and "Câu trắc nghiệm trả lời ngắn" in text
