"""xlsx question-bank spreadsheet: hand-filled reading, writing, the template and round trips
(hocso.questions.formats.xlsx)."""

import csv
import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hocso.assessment.rules import SUBJECTS
from hocso.core.text import clean_text
from hocso.questions import services
from hocso.questions.formats import xlsx
from hocso.questions.interchange import (
    Choice,
    CognitiveLevel,
    ItemData,
    ItemType,
    NumericAnswer,
    Pair,
    ProblemKind,
    Statement,
    TextAnswer,
)
from hocso.questions.validation import item_problems

from .items import PNG_1PX, short_numeric, single_choice, true_false_4

HEADER = ["Loại câu", "Câu hỏi", "A", "B", "C", "D", "Đáp án"]


def sheet(rows, header=HEADER, above=()) -> bytes:
    """A workbook as a teacher fills it: optional title rows, the header, then the rows."""
    book = openpyxl.Workbook()
    ws = book.active
    for line in [*above, header, *rows]:
        ws.append(list(line))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def without_source(items):
    return [replace(item, source="") for item in items]


def read_one(data: bytes) -> ItemData:
    result = xlsx.read(data)
    assert result.problems == []
    (item,) = result.items
    return item


def answer_of(kind: str, answer, options=("", "", "", "")) -> ItemData:
    return read_one(sheet([[kind, "Câu hỏi?", *options, answer]]))


def round_trip(items):
    result = xlsx.read(xlsx.write(items))
    assert result.problems == []
    return without_source(result.items)


# --- the template and the examples ------------------------------------------------------------


def test_every_example_is_a_valid_item_and_reads_back_equal():
    assert [item_problems(item) for item in xlsx.EXAMPLES] == [[]] * len(xlsx.EXAMPLES)
    assert {item.type for item in xlsx.EXAMPLES} == set(ItemType)
    assert round_trip(list(xlsx.EXAMPLES)) == list(xlsx.EXAMPLES)


def test_template_has_the_headers_frozen_with_drop_downs_and_reads_as_empty():
    book = openpyxl.load_workbook(io.BytesIO(xlsx.template()))
    assert book.sheetnames == ["Câu hỏi", "Hướng dẫn"]
    ws = book["Câu hỏi"]
    headers = [cell.value for cell in ws[1]]
    assert headers[:4] == ["Loại câu", "Mã câu", "Tên", "Câu hỏi"]
    assert [h for h in headers if len(h) == 1] == list("ABCDEFGH")
    assert ws.freeze_panes == "A2"
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in ws.data_validations.dataValidation}
    type_cell = f"{openpyxl.utils.get_column_letter(headers.index('Loại câu') + 1)}2"
    level_cell = f"{openpyxl.utils.get_column_letter(headers.index('Mức độ') + 1)}2"
    assert "Đúng-Sai 4 ý (2025)" in lists[type_cell] and "Trả lời ngắn (số)" in lists[type_cell]
    assert "Vận dụng cao" in lists[level_cell] and "Biết" in lists[level_cell]
    assert ws.max_row == 1
    assert xlsx.read(xlsx.template()).items == xlsx.read(xlsx.template()).problems == []


def test_guide_explains_every_column_and_type():
    guide = openpyxl.load_workbook(io.BytesIO(xlsx.template()))["Hướng dẫn"]
    first_column = {row[0] for row in guide.iter_rows(values_only=True) if row and row[0]}
    for header in ("Loại câu", "Mã câu", "Tên", "Câu hỏi", "A … H", "Đáp án", "Điểm", "Môn",
                   "Khối", "Chủ đề", "Mức độ", "Nguồn", "Giải thích", "Hướng dẫn chấm",
                   "Danh mục", "Phản hồi A … H", "Giữ vị trí", "Phân biệt hoa thường",
                   "Thẻ khác"):  # fmt: skip
        assert header in first_column
    assert set(xlsx.TYPE_LABELS.values()) <= first_column


def test_example_rows_copied_from_the_guide_to_the_data_sheet_are_read():
    book = openpyxl.load_workbook(io.BytesIO(xlsx.template()))
    guide, data = book["Hướng dẫn"], book["Câu hỏi"]
    rows = list(guide.iter_rows(values_only=True))
    start = next(n for n, row in enumerate(rows) if row[0] == "Loại câu" and row[1] == "Mã câu")
    headers = [cell.value for cell in data[1]]
    example_headers = rows[start]
    for row in rows[start + 1 :]:
        by_header = dict(zip(example_headers, row, strict=False))
        data.append([by_header.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    assert without_source(xlsx.read(out.getvalue()).items) == list(xlsx.EXAMPLES)


def test_guide_examples_are_never_taken_for_the_question_table():
    # The data sheet lost its "Loại câu" column: the examples must not be imported instead.
    book = openpyxl.load_workbook(io.BytesIO(xlsx.write(list(xlsx.EXAMPLES))))
    book["Câu hỏi"].delete_cols(1)
    out = io.BytesIO()
    book.save(out)
    result = xlsx.read(out.getvalue())
    assert result.items == []
    (problem,) = result.problems
    assert problem.kind == ProblemKind.MALFORMED and "Loại câu" in problem.params["columns"]


def test_columns_have_distinct_header_keys_and_english_names_are_accepted():
    keys = [k for column in xlsx.SPEC.columns for k in column.keys]
    assert len(keys) == len(set(keys))
    header = ["Type", "Question", "Option A", "Option B", "Answer", "Points", "Level"]
    item = read_one(sheet([["single_choice", "2 + 2 = ?", "4", "5", "A", 0.5, "hieu"]], header))
    assert item.type == ItemType.SINGLE_CHOICE
    assert item.choices == [Choice("4", Decimal(1)), Choice("5")]
    assert item.points == Decimal("0.5") and item.tags == {"level": "hieu"}


# --- hand-filled sheets ------------------------------------------------------------------------


def test_title_rows_row_numbers_and_header_spellings_are_tolerated():
    header = ["STT", "LOẠI CÂU", "Mã câu", "Nội dung câu hỏi", "Phương án A", "Phương án B",
              "Đáp án đúng", "Môn học", "Khối", "Mức độ (nhận thức)"]  # fmt: skip
    rows = [
        [1, "Một lựa chọn", "Q1", "Thủ đô?", "Huế", "Hà Nội", "b", "Địa lí", 8, "Nhận biết"],
        [2, None, None, None, None, None, None, None, None, None],
        [3, "Tự luận", "Q2", "Viết đoạn văn.", None, None, None, "NV", "12", "Vận dụng cao"],
    ]
    above = [["SỞ GIÁO DỤC VÀ ĐÀO TẠO"], ["NGÂN HÀNG CÂU HỎI HỌC KỲ I"], []]
    result = xlsx.read(sheet(rows, header, above))
    assert result.problems == []
    first, second = result.items
    assert first.source == "dòng 5" and second.source == "dòng 7"
    assert first.identifier == "Q1" and first.choices[1] == Choice("Hà Nội", Decimal(1))
    assert first.tags == {"subject": "DL", "grade": "8", "level": "nhan_biet"}
    assert second.type == ItemType.ESSAY
    assert second.tags == {"subject": "NV", "grade": "12", "level": "van_dung_cao"}


_VALID = {
    ItemType.SINGLE_CHOICE: (("a", "b"), "A"),
    ItemType.MULTIPLE_RESPONSE: (("a", "b"), "A,B"),
    ItemType.TRUE_FALSE: ((), "Đúng"),
    ItemType.TRUE_FALSE_4: (("a", "b", "c", "d"), "ĐĐĐĐ"),
    ItemType.SHORT_NUMERIC: ((), "1"),
    ItemType.SHORT_TEXT: ((), "x"),
    ItemType.MATCHING: (("a | b", "c | d"), None),
    ItemType.ORDERING: (("a", "b"), None),
    ItemType.ESSAY: ((), None),
}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Một lựa chọn", ItemType.SINGLE_CHOICE), ("nhieu lua chon", ItemType.MULTIPLE_RESPONSE),
        ("ĐÚNG-SAI", ItemType.TRUE_FALSE), ("Đúng-Sai 4 ý (2025)", ItemType.TRUE_FALSE_4),
        ("Đúng sai 4 ý", ItemType.TRUE_FALSE_4), ("Trả lời ngắn (số)", ItemType.SHORT_NUMERIC),
        ("Trả lời ngắn (chữ)", ItemType.SHORT_TEXT), ("Ghép đôi", ItemType.MATCHING),
        ("Sắp xếp", ItemType.ORDERING), ("Tự luận", ItemType.ESSAY),
        ("true_false_4", ItemType.TRUE_FALSE_4), ("short_numeric", ItemType.SHORT_NUMERIC),
    ],
)  # fmt: skip
def test_type_is_read_from_its_label_in_any_case_or_its_code(text, kind):
    options, answer = _VALID[kind]
    options = (*options, "", "", "", "")[:4]
    assert answer_of(text, answer, options).type == kind


@pytest.mark.parametrize(
    ("answer", "truths"),
    [
        ("Đ,S,Đ,Đ", [True, False, True, True]),
        ("ĐSĐĐ", [True, False, True, True]),
        ("a) Đ; b) S; c) Đ; d) Đ", [True, False, True, True]),
        ("d) S; c) S; b) Đ; a) Đ", [True, True, False, False]),
        ("Đúng, Sai, Sai, Đúng", [True, False, False, True]),
        ("T F T T", [True, False, True, True]),
        ("1010", [True, False, True, False]),
    ],
)
def test_true_false_4_answer_spellings(answer, truths):
    item = answer_of("Đúng-Sai 4 ý (2025)", answer, ("Ý a", "Ý b", "Ý c", "Ý d"))
    assert [s.is_true for s in item.statements] == truths
    assert [s.text for s in item.statements] == ["Ý a", "Ý b", "Ý c", "Ý d"]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("3,5", [NumericAnswer(Decimal("3.5"))]),
        ("3.5", [NumericAnswer(Decimal("3.5"))]),
        (3.5, [NumericAnswer(Decimal("3.5"))]),
        (0.1 + 0.2, [NumericAnswer(Decimal("0.3"))]),  # a formula's float artefact
        (-12, [NumericAnswer(Decimal(-12))]),
        ("3,5 ± 0,1", [NumericAnswer(Decimal("3.5"), Decimal("0.1"))]),
        ("3,5+/-0,05", [NumericAnswer(Decimal("3.5"), Decimal("0.05"))]),
        ("3,5±0,1", [NumericAnswer(Decimal("3.5"), Decimal("0.1"))]),
        ("−2,25", [NumericAnswer(Decimal("-2.25"))]),
        (
            "3,5 | 3,6 ± 0,1 (50%)",
            [NumericAnswer(Decimal("3.5")), NumericAnswer(Decimal("3.6"), Decimal("0.1"),
                                                          Decimal("0.5"))],
        ),
    ],
)  # fmt: skip
def test_numeric_answer_spellings_and_excel_floats_are_exact(answer, expected):
    assert answer_of("Trả lời ngắn (số)", answer).numeric_answers == expected


def test_text_answer_variants_shares_and_case_sensitivity():
    header = [*HEADER, "Phân biệt hoa thường"]
    item = read_one(sheet([["Trả lời ngắn (chữ)", "Thủ đô?", None, None, None, None,
                            "Hà Nội | Ha Noi (50%) | HN", "x"]], header))  # fmt: skip
    assert item.text_answers == [
        TextAnswer("Hà Nội"),
        TextAnswer("Ha Noi", Decimal("0.5")),
        TextAnswer("HN"),
    ]
    assert item.case_sensitive is True


@pytest.mark.parametrize(
    ("kind", "answer", "fractions"),
    [
        ("Một lựa chọn", "b", [0, 1, 0, 0]),
        ("Nhiều lựa chọn", "A,C", [Decimal("0.5"), 0, Decimal("0.5"), 0]),
        ("Nhiều lựa chọn", "A; C", [Decimal("0.5"), 0, Decimal("0.5"), 0]),
        ("Nhiều lựa chọn", "ACD", [Decimal("0.3333333"), 0, Decimal("0.3333333"),
                                   Decimal("0.3333333")]),
        ("Nhiều lựa chọn", "A (70%), C (30%), D (-50%)",
         [Decimal("0.7"), 0, Decimal("0.3"), Decimal("-0.5")]),
        ("Một lựa chọn", "A, B (33,33333%)", [1, Decimal("0.3333333"), 0, 0]),
    ],
)  # fmt: skip
def test_choice_answers_give_each_option_its_share(kind, answer, fractions):
    item = answer_of(kind, answer, ("p", "q", "r", "s"))
    assert [c.fraction for c in item.choices] == fractions


def test_matching_pairs_split_on_the_bar_outside_latex_and_escaped_bars():
    item = answer_of(
        "Ghép đôi", None, (r"\(|x|\) với \(x = -2\) | 2", r"a \| b | c", "| nhiễu", "")
    )
    assert item.pairs == [Pair(r"\(|x|\) với \(x = -2\)", "2"), Pair("a | b", "c"),
                          Pair("", "nhiễu")]  # fmt: skip


def test_ordering_takes_the_options_in_their_right_order():
    item = answer_of("Sắp xếp", None, ("Một", "Hai", "Ba", ""))
    assert item.order == ["Một", "Hai", "Ba"]


def test_points_category_feedback_and_level_scales():
    header = [*HEADER, "Điểm", "Danh mục", "Giải thích", "Mức độ", "Hướng dẫn chấm", "Môn"]
    rows = [
        ["Tự luận", "Q", None, None, None, None, None, "0,25", "Toán 12 / Hàm số // đồ thị",
         "Xem SGK", "Vận dụng (4 mức)", "Ý 1: 0,5 điểm", "Toán"],
        ["Tự luận", "R", None, None, None, None, None, 0.1 + 0.2, "", "", "van_dung", "", "TOAN"],
    ]  # fmt: skip
    first, second = xlsx.read(sheet(rows, header)).items
    assert first.points == Decimal("0.25") and second.points == Decimal("0.3")
    assert first.category == ("Toán 12", "Hàm số / đồ thị")
    assert first.general_feedback == "Xem SGK" and first.rubric == "Ý 1: 0,5 điểm"
    assert first.tags == {"subject": "TOAN", "level": CognitiveLevel.VAN_DUNG_4.value}
    assert second.tags == {"subject": "TOAN", "level": CognitiveLevel.VAN_DUNG.value}


def test_utf8_csv_saved_from_the_template_is_read_too():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerow(["Một lựa chọn", "Thủ đô?", "Huế", "Hà Nội", "", "", "B"])
    item = read_one(out.getvalue().encode("utf-8-sig"))
    assert item.choices[1] == Choice("Hà Nội", Decimal(1))


# --- problems ----------------------------------------------------------------------------------


def problems_of(rows, header=HEADER):
    result = xlsx.read(sheet(rows, header))
    return result, [(p.where, p.params.get("column"), p.kind) for p in result.problems]


def test_bad_rows_are_named_by_row_and_column_and_the_rest_is_read():
    rows = [
        ["Một lựa chọn", "Đúng?", "1", "2", "3", "4", "B"],
        ["Một lựa chọn", "Sai đáp án", "1", "2", "3", "4", "E"],
        ["Đúng-Sai 4 ý (2025)", "Thiếu ý", "a", "b", "c", None, "Đ,S,Đ"],
        ["Trả lời ngắn (số)", "Không phải số", None, None, None, None, "ba phẩy năm"],
        ["Trả lời ngắn (số)", "Đúng", None, None, None, None, "3,5"],
    ]
    result, found = problems_of(rows)
    assert [item.source for item in result.items] == ["dòng 2", "dòng 6"]
    assert ("dòng 3", "Đáp án", ProblemKind.INVALID) in found
    assert ("dòng 4", "A", ProblemKind.INVALID) in found  # 3 statements, not 4
    assert ("dòng 4", "Đáp án", ProblemKind.MALFORMED) in found  # 3 answers, not 4
    assert ("dòng 5", "Đáp án", ProblemKind.MALFORMED) in found
    assert {where for where, _, _ in found} == {"dòng 3", "dòng 4", "dòng 5"}
    letter = next(p for p in result.problems if p.where == "dòng 3")
    assert letter.params["letter"] == "E" and letter.params["letters"] == "A–D"
    assert letter.params["row"] == 3
    assert letter.message % letter.params == (
        "Cột «Đáp án»: đáp án «E» không có trong các phương án đã điền (A–D)"
    )
    count = next(p for p in result.problems if p.where == "dòng 4" and p.params["column"] == "A")
    assert count.params["count"] == 3


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (["Câu đố", "?", "a", "b", None, None, "A"], "Loại câu"),
        ([None, "?", "a", "b", None, None, "A"], "Loại câu"),
        (["Một lựa chọn", "?", "a", "b", None, None, "A,B"], "Đáp án"),
        (["Một lựa chọn", "?", "a", "b", None, None, "A hoặc B"], "Đáp án"),
        (["Một lựa chọn", "?", "a", "b", None, None, "A, A"], "Đáp án"),
        (["Một lựa chọn", "?", "a", "b", None, None, None], "Đáp án"),
        (["Một lựa chọn", "?", "a", None, "c", None, "A"], "B"),
        (["Một lựa chọn", "?", None, None, None, None, "A"], "A"),
        (["Một lựa chọn", "?", "a", date(2025, 2, 1), None, None, "A"], "B"),
        (["Đúng-Sai", "?", None, None, None, None, "Có lẽ"], "Đáp án"),
        (["Đúng-Sai", "?", "thừa", None, None, None, "Đúng"], "A"),
        (["Đúng-Sai 4 ý (2025)", "?", "a", "b", "c", "d", "Đ,S,Đ,X"], "Đáp án"),
        (["Đúng-Sai 4 ý (2025)", "?", "a", "b", "c", "d", "a) Đ; b) S; c) Đ"], "Đáp án"),
        (["Trả lời ngắn (chữ)", "?", None, None, None, None, "Hà Nội || Huế"], "Đáp án"),
        (["Trả lời ngắn (số)", "?", None, None, None, None, "1.000,5"], "Đáp án"),
        (["Trả lời ngắn (số)", "?", None, None, None, None, "3 ± x"], "Đáp án"),
        (["Ghép đôi", "?", "a | b", "không có vạch", None, None, None], "B"),
        (["Ghép đôi", "?", "a | b | c", "d | e", None, None, None], "A"),
        (["Ghép đôi", "?", "a | b", "c | d", None, None, "A"], "Đáp án"),
        (["Tự luận", "?", "a", None, None, None, None], "A"),
        (["Tự luận", "?", None, None, None, None, None, 12345678901234567890], "Mã câu"),
    ],
)
def test_each_kind_of_bad_cell_is_a_problem_naming_its_column(row, column):
    result, found = problems_of([row], [*HEADER, "Mã câu"])
    assert result.items == []
    assert found and all(where == "dòng 2" for where, _, _ in found)
    assert column in [c for _, c, _ in found]


def test_bad_tags_points_and_optional_columns_are_reported():
    header = [*HEADER, "Điểm", "Mức độ", "Thẻ khác", "Giữ vị trí", "Phản hồi E"]
    rows = [
        ["Một lựa chọn", "?", "a", "b", None, None, "A", "một", "Khó", "không dấu bằng", "E",
         "phản hồi lạc"],
    ]  # fmt: skip
    _, found = problems_of(rows, header)
    assert {column for _, column, _ in found} == {
        "Điểm",
        "Mức độ",
        "Thẻ khác",
        "Giữ vị trí",
        "Phản hồi E",
    }


def test_unknown_and_repeated_columns_are_reported_as_their_content_would_be_lost():
    header = [*HEADER, "Ghi chú", "Đáp án"]
    _, found = problems_of([["Một lựa chọn", "?", "a", "b", None, None, "A", "x", "B"]], header)
    assert ("dòng 1", "Ghi chú", ProblemKind.MALFORMED) in found
    assert ("dòng 1", "Đáp án", ProblemKind.MALFORMED) in found


@pytest.mark.parametrize(
    "data", [b"", b"\x00\x01 not a spreadsheet", b"\xd0\xcf\x11\xe0legacy", b"PK\x03\x04broken"]
)
def test_a_file_that_is_not_a_spreadsheet_is_one_problem_not_an_exception(data):
    result = xlsx.read(data)
    assert result.items == []
    (problem,) = result.problems
    assert problem.kind == ProblemKind.MALFORMED and problem.where == ""


def test_the_registry_size_limit_applies(settings):
    settings.HOCSO_MAX_UPLOAD_BYTES = 2000
    result = xlsx.read(xlsx.write([single_choice()]))
    (problem,) = result.problems
    assert "MB" in problem.message


# --- writing -----------------------------------------------------------------------------------


def test_values_that_look_like_formulas_are_written_as_text_and_read_back_exactly():
    texts = ["=1+1", "+84 912", "-5", "@SUM(A1)", "'=1+1", "'", "''x", "#N/A", "_x0041_",
             "a\rb", "ký tự \x01 lạ"]  # fmt: skip
    item = single_choice(stem='=HYPERLINK("http://x")', right="=1+1", wrong=texts[1:])
    item.choices = item.choices[:8]
    data = xlsx.write([item])
    ws = openpyxl.load_workbook(io.BytesIO(data))["Câu hỏi"]
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)
    assert ws["D2"].value.startswith("'=")
    assert round_trip([item]) == [item]


def test_optional_columns_appear_only_when_an_item_needs_them():
    plain = xlsx.write([single_choice(), short_numeric()])
    headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(plain))["Câu hỏi"][1]]
    assert "Phản hồi A" not in headers and "Thẻ khác" not in headers
    rich = single_choice(tags={"bloom": "nhớ"})
    rich.choices[1].feedback = "Sai: 3 < 4"
    rich.choices[3].pinned = True
    data = xlsx.write([rich])
    headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(data))["Câu hỏi"][1]]
    assert {"Phản hồi A", "Phản hồi B", "Giữ vị trí", "Thẻ khác"} <= set(headers)
    assert round_trip([rich]) == [rich]


def test_numbers_are_written_as_excel_numbers_only_when_exact():
    items = [
        short_numeric(points=Decimal("0.25")),
        short_numeric(stem="b", points=Decimal("0.12345678901234567")),
        true_false_4(points=Decimal(2), tags={"grade": "12"}),
    ]
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.write(items)))["Câu hỏi"]
    headers = [c.value for c in ws[1]]
    points = [ws.cell(row=r, column=headers.index("Điểm") + 1).value for r in (2, 3, 4)]
    assert points == [0.25, "0,12345678901234567", 2]
    assert ws.cell(row=4, column=headers.index("Khối") + 1).value == 12
    assert ws.cell(row=2, column=headers.index("Đáp án") + 1).value == "3,5"
    assert round_trip(items) == items


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (replace(single_choice(), files={"a.png": PNG_1PX}), xlsx.W_FILES),
        (single_choice(wrong=tuple(str(n) for n in range(8))), xlsx.W_TOO_MANY),
        (single_choice(stem="x" * 40000), xlsx.W_TOO_LONG),
        (true_false_4(truths=(True, False, True)), xlsx.W_TF4_COUNT),
        (ItemData(type=ItemType.TRUE_FALSE, stem="?"), xlsx.W_TRUE_FALSE_UNSET),
        (single_choice(tags={"level": "Biết"}), xlsx.W_LEVEL),
        (single_choice(tags={"a b ": "x"}), xlsx.W_TAG),
        (single_choice(category=("Toán", "")), xlsx.W_CATEGORY),
        (short_numeric(value="Infinity"), xlsx.W_NUMBER),
        (ItemData(type=ItemType.MATCHING, stem="?", pairs=[Pair(r"\(x", "1"), Pair("y", "2")]),
         xlsx.W_OPEN_MATH),
        (ItemData(type=ItemType.SHORT_TEXT, stem="?", text_answers=[TextAnswer(" ")]),
         xlsx.W_EMPTY_TEXT),
    ],
)  # fmt: skip
def test_items_a_spreadsheet_cannot_hold_are_named_and_refused(item, reason):
    assert xlsx.unsupported_for_write(item) == reason
    with pytest.raises(ValueError, match="#2"):
        xlsx.write([single_choice(), item])


def test_writing_nothing_gives_a_workbook_with_the_header_only():
    assert xlsx.read(xlsx.write([])).items == []


# --- round trip property -----------------------------------------------------------------------

# Pieces chosen to hit formula triggers, quotes, the cell escapes, bars in and out of LaTeX,
# share suffixes, answer words, separators and white space.
_FRAGMENTS = [
    "=1+1", "=", "+", "-", "@", "'", "''", "|", "\\|", "\\(|x|\\)", "\\[a|b\\]", "\\(", "\\)",
    "\\", "\\frac{1}{2}", "(50%)", "(-5%)", " (100%)", "Việt Nam", "Đúng", "Sai", "Đ", "ắ", "ữ",
    "x", "a b", "  ", "\n", "\t", "\r", "#N/A", "_x0041_", "_x005F_", "\x01", "<b>đậm</b>",
    "&amp;", ",", ";", "±", "3,5", "0.1", "A", "a)", "/", "//", "\u00a0", "«»", "1/2",
]  # fmt: skip
_WS = " \t\n\r"

text = (
    st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=6)
    .map(lambda parts: "".join(parts).strip(_WS))
    .filter(bool)
)
splittable = text.filter(lambda value: not xlsx._ends_in_math(value))
short = text.map(clean_text).filter(bool)
maybe = lambda strategy: st.one_of(st.just(""), strategy)  # noqa: E731
category_part = short.filter(lambda value: value[0] != "/" and value[-1] != "/")
subject = st.sampled_from(sorted(SUBJECTS)) | short.filter(
    lambda value: value.upper() in SUBJECTS or xlsx._key(value) not in xlsx._SUBJECT_BY_NAME
)
other_key = st.from_regex(r"[a-z][a-z0-9_.-]{0,6}", fullmatch=True).filter(
    lambda key: key not in xlsx.KNOWN_TAG_COLUMNS
)


@st.composite
def tags(draw):
    found = draw(st.dictionaries(other_key, maybe(short), max_size=2))
    for key, strategy in (
        ("subject", subject),
        ("grade", short),
        ("topic", short),
        ("source", short),
        ("level", st.sampled_from(list(CognitiveLevel))),
    ):
        if draw(st.booleans()):
            found[key] = str(draw(strategy))
    return found  # fmt: skip


@st.composite
def common(draw, kind):
    return {
        "type": kind,
        "stem": draw(text),
        "name": draw(maybe(short)),
        "identifier": draw(maybe(short)),
        "category": tuple(draw(st.lists(category_part, max_size=3))),
        "points": draw(st.sampled_from([Decimal(1), Decimal("0.25"), Decimal("0.1"), Decimal(4),
                                        Decimal("0.12345678901234567"), Decimal(0)])),
        "general_feedback": draw(maybe(text)),
        "rubric": draw(maybe(text)),
        "tags": draw(tags()),
    }  # fmt: skip


@st.composite
def choice_item(draw):
    kind = draw(st.sampled_from([ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE]))
    if kind == ItemType.SINGLE_CHOICE:
        right = [Decimal(1)]
        others = st.sampled_from([Decimal(0), Decimal("0.25"), Decimal("-0.5")])
    else:
        right = draw(
            st.sampled_from(
                [
                    [Decimal(1)],
                    [Decimal("0.5")] * 2,
                    [Decimal("0.3333333")] * 3,
                    [Decimal("0.7"), Decimal("0.3")],
                ]
            )
        )
        others = st.sampled_from([Decimal(0), Decimal("-0.5"), Decimal(-1)])
    fractions = draw(st.permutations(right + draw(st.lists(others, min_size=1, max_size=4))))
    choices = [Choice(draw(text), f, draw(maybe(text)), draw(st.booleans())) for f in fractions]
    return ItemData(**draw(common(kind)), choices=choices)  # fmt: skip


@st.composite
def true_false_item(draw):
    return ItemData(**draw(common(ItemType.TRUE_FALSE)), correct=draw(st.booleans()),
                    feedback_true=draw(maybe(text)), feedback_false=draw(maybe(text)))  # fmt: skip


@st.composite
def true_false_4_item(draw):
    statements = [Statement(draw(text), draw(st.booleans()), draw(maybe(text))) for _ in range(4)]
    return ItemData(**draw(common(ItemType.TRUE_FALSE_4)), statements=statements)


@st.composite
def short_text_item(draw):
    fractions = [Decimal(1), *draw(st.lists(st.sampled_from([Decimal("0.5"), Decimal(1)]),
                                            max_size=3))]  # fmt: skip
    texts = [draw(splittable) for _ in fractions[:-1]] + [draw(text)]
    answers = [TextAnswer(t, f, draw(maybe(text))) for t, f in zip(texts, fractions, strict=True)]
    return ItemData(**draw(common(ItemType.SHORT_TEXT)), text_answers=answers,
                    case_sensitive=draw(st.booleans()))  # fmt: skip


decimal = st.decimals(min_value=-(10**6), max_value=10**6, places=4)


@st.composite
def numeric_item(draw):
    fractions = [Decimal(1), *draw(st.lists(st.sampled_from([Decimal("0.5"), Decimal("0.1")]),
                                            max_size=2))]  # fmt: skip
    answers = [NumericAnswer(draw(decimal), draw(decimal.map(abs)), f, draw(maybe(text)))
               for f in fractions]  # fmt: skip
    return ItemData(**draw(common(ItemType.SHORT_NUMERIC)), numeric_answers=answers)


@st.composite
def matching_item(draw):
    pairs = [Pair(draw(splittable), draw(text)) for _ in range(draw(st.integers(2, 7)))]
    if draw(st.booleans()):
        pairs.append(Pair("", draw(text)))
    return ItemData(**draw(common(ItemType.MATCHING)), pairs=pairs)


@st.composite
def ordering_item(draw):
    order = draw(st.lists(text, min_size=2, max_size=8))
    return ItemData(**draw(common(ItemType.ORDERING)), order=order)


@st.composite
def essay_item(draw):
    return ItemData(**draw(common(ItemType.ESSAY)))


items = st.one_of(
    choice_item(), true_false_item(), true_false_4_item(), short_text_item(), numeric_item(),
    matching_item(), ordering_item(), essay_item(),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(items, min_size=1, max_size=4))
def test_every_item_reads_back_equal_after_writing(generated):
    assert [xlsx.unsupported_for_write(item) for item in generated] == [None] * len(generated)
    assert round_trip(generated) == generated


# --- through the bank --------------------------------------------------------------------------


def test_examples_imported_into_a_bank_export_the_same_and_reimport_unchanged(qworld):
    first = services.items_import(
        actor=None, bank_code="A-TOAN", result=xlsx.read(xlsx.write(list(xlsx.EXAMPLES)))
    )
    assert (first.created, first.rejected, first.problems) == (len(xlsx.EXAMPLES), 0, [])
    exported = services.items_export(actor=None, bank_code="A-TOAN")
    assert exported == list(xlsx.EXAMPLES)
    again = services.items_import(
        actor=None, bank_code="A-TOAN", result=xlsx.read(xlsx.write(exported))
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(xlsx.EXAMPLES))
