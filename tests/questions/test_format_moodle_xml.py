"""Moodle XML exchange format: reading, writing and round trips (hocso.questions.formats.moodle_xml)."""

import base64
import html
from dataclasses import replace
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hocso.questions.formats import moodle_xml
from hocso.questions.interchange import (
    Choice,
    ItemData,
    ItemType,
    NumericAnswer,
    Pair,
    ProblemKind,
    Statement,
    TextAnswer,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
PNG_B64 = base64.b64encode(PNG).decode()


def quiz(*questions: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n' + "\n".join(questions) + "\n</quiz>\n"


def question(qtype: str, body: str, name: str = "Câu 1", text: str = "Đề bài") -> str:
    return (
        f'<question type="{qtype}">\n'
        f"  <name><text>{name}</text></name>\n"
        f'  <questiontext format="html"><text><![CDATA[{text}]]></text></questiontext>\n'
        f"{body}\n</question>"
    )


def answer(fraction: str, text: str, feedback: str = "", extra: str = "") -> str:
    return (
        f'<answer fraction="{fraction}" format="html"><text><![CDATA[{text}]]></text>'
        f'<feedback format="html"><text><![CDATA[{feedback}]]></text></feedback>{extra}</answer>'
    )


def read_one(xml: str) -> ItemData:
    result = moodle_xml.read(xml)
    assert result.problems == []
    assert len(result.items) == 1
    return result.items[0]


def round_trip(items):
    result = moodle_xml.read(moodle_xml.write(items))
    assert result.problems == []
    return result.items


def without_source(items):
    return [replace(item, source="") for item in items]


def parse_written(items) -> ElementTree.Element:
    # Our own output, parsed only to inspect its shape.
    return ElementTree.fromstring(moodle_xml.write(items))  # noqa: S314


# --- categories -------------------------------------------------------------------------------


def test_category_path_applies_to_following_questions_without_context_and_top():
    xml = quiz(
        '<question type="category"><category><text>$course$/top/Toán 12/Hàm số</text>'
        "</category></question>",
        question("essay", ""),
        '<question type="category"><category><text>$system$/top/Lý//Hoá</text></category>'
        "</question>",
        question("essay", "", name="Câu 2"),
    )
    result = moodle_xml.read(xml)
    assert [item.category for item in result.items] == [("Toán 12", "Hàm số"), ("Lý/Hoá",)]


def test_category_path_of_old_exports_without_context_is_read():
    xml = quiz(
        '<question type="category"><category><text>Default for Lớp 10A/Chương 1/</text>'
        "</category></question>",
        question("essay", ""),
    )
    assert read_one(xml).category == ("Default for Lớp 10A", "Chương 1")


def test_categories_are_written_when_they_change_and_read_back():
    items = [
        ItemData(ItemType.ESSAY, "a", name="a", category=("Toán", "Đại/số")),
        ItemData(ItemType.ESSAY, "b", name="b", category=("Toán", "Đại/số")),
        ItemData(ItemType.ESSAY, "c", name="c", category=()),
    ]
    root = parse_written(items)
    paths = [q.findtext("category/text") for q in root if q.get("type") == "category"]
    assert paths == ["$course$/top/Toán/Đại//số", "$course$/top"]
    assert [item.category for item in round_trip(items)] == [
        ("Toán", "Đại/số"),
    ] * 2 + [()]


# --- multiple choice --------------------------------------------------------------------------


def test_single_choice_reads_options_fractions_feedback_points_and_identifier():
    xml = quiz(
        question(
            "multichoice",
            "<defaultgrade>0.2500000</defaultgrade><idnumber>T12-001</idnumber>"
            "<generalfeedback format='html'><text>Giải thích</text></generalfeedback>"
            "<single>true</single><shuffleanswers>true</shuffleanswers>"
            "<answernumbering>ABCD</answernumbering>"
            + answer("100", "Hà Nội", "Đúng rồi")
            + answer("0", "Huế", "Sai")
            + answer("-25", "Đà Nẵng"),
            name="Thủ đô",
        )
    )
    item = read_one(xml)
    assert item.type == ItemType.SINGLE_CHOICE
    assert item.name == "Thủ đô"
    assert item.identifier == "T12-001"
    assert item.points == Decimal("0.25")
    assert item.general_feedback == "Giải thích"
    assert item.choices == [
        Choice("Hà Nội", Decimal(1), "Đúng rồi"),
        Choice("Huế", Decimal(0), "Sai"),
        Choice("Đà Nẵng", Decimal("-0.25"), ""),
    ]


def test_multiple_response_thirds_map_to_exact_decimals_and_back_without_drift():
    xml = quiz(
        question(
            "multichoice",
            "<single>false</single><shuffleanswers>1</shuffleanswers>"
            + answer("33.33333", "a")
            + answer("33.33333", "b")
            + answer("33.33333", "c")
            + answer("-100", "d"),
        )
    )
    item = read_one(xml)
    assert item.type == ItemType.MULTIPLE_RESPONSE
    assert [choice.fraction for choice in item.choices] == [Decimal("0.3333333")] * 3 + [-1]
    fractions = [a.get("fraction") for a in parse_written([item]).iter("answer")]
    assert fractions == ["33.33333", "33.33333", "33.33333", "-100"]


def test_multiple_response_whose_right_options_do_not_make_100_percent_is_invalid():
    xml = quiz(
        question("multichoice", "<single>false</single>" + answer("50", "a") + answer("0", "b"))
    )
    result = moodle_xml.read(xml)
    assert result.items == []
    assert [p.kind for p in result.problems] == [ProblemKind.INVALID]
    assert result.problems[0].params == {"total": "50"}


def test_single_choice_without_a_full_mark_option_is_invalid():
    xml = quiz(question("multichoice", answer("50", "a") + answer("0", "b")))
    (problem,) = moodle_xml.read(xml).problems
    assert problem.kind == ProblemKind.INVALID
    assert problem.where == "question 1 (‘Câu 1’), line 3"


def test_unshuffled_moodle_question_pins_every_option():
    xml = quiz(
        question(
            "multichoice",
            "<shuffleanswers>false</shuffleanswers>" + answer("100", "1") + answer("0", "2"),
        )
    )
    assert [choice.pinned for choice in read_one(xml).choices] == [True, True]


def test_mixed_pinning_is_written_unshuffled_with_a_pinned_tag_and_read_back():
    item = ItemData(
        ItemType.SINGLE_CHOICE,
        "Chọn",
        name="q",
        choices=[
            Choice("1", Decimal(1)),
            Choice("2"),
            Choice("Cả hai đáp án trên", pinned=True),
        ],
    )
    root = parse_written([item])
    assert root.findtext("question/shuffleanswers") == "false"
    assert [t.findtext("text") for t in root.iter("tag")] == ["hocso:pinned=3"]
    (back,) = round_trip([item])
    assert [choice.pinned for choice in back.choices] == [False, False, True]
    assert back.tags == {}


# --- true/false -------------------------------------------------------------------------------


def test_truefalse_maps_correctness_and_feedback_per_answer():
    xml = quiz(
        question(
            "truefalse",
            answer("0", "true", "Không, đây là mệnh đề sai") + answer("100", "false", "Chính xác"),
            text="Số 1 là số nguyên tố.",
        )
    )
    item = read_one(xml)
    assert item.type == ItemType.TRUE_FALSE
    assert item.correct is False
    assert item.feedback_true == "Không, đây là mệnh đề sai"
    assert item.feedback_false == "Chính xác"


def test_truefalse_without_a_full_mark_answer_is_invalid():
    xml = quiz(question("truefalse", answer("0", "true") + answer("0", "false")))
    assert [p.kind for p in moodle_xml.read(xml).problems] == [ProblemKind.INVALID]


# --- short answer -----------------------------------------------------------------------------


def test_shortanswer_reads_variants_and_case_rule():
    xml = quiz(
        question(
            "shortanswer",
            "<usecase>1</usecase>"
            + answer("100", "Hà Nội", "Đúng")
            + answer("50", "Ha Noi")
            + answer("0", r"5 \* 3"),
        )
    )
    item = read_one(xml)
    assert item.type == ItemType.SHORT_TEXT
    assert item.case_sensitive is True
    assert item.text_answers == [
        TextAnswer("Hà Nội", Decimal(1), "Đúng"),
        TextAnswer("Ha Noi", Decimal("0.5")),
        TextAnswer("5 * 3", Decimal(0)),
    ]


def test_shortanswer_literal_asterisk_is_escaped_for_moodle():
    item = ItemData(ItemType.SHORT_TEXT, "2*3 = ?", name="q", text_answers=[TextAnswer("2*3")])
    assert [a.findtext("text") for a in parse_written([item]).iter("answer")] == [r"2\*3"]
    assert round_trip([item])[0].text_answers == [TextAnswer("2*3")]


def test_shortanswer_wildcard_is_unsupported():
    xml = quiz(question("shortanswer", answer("100", "Hà Nội") + answer("0", "*", "Sai")))
    (problem,) = moodle_xml.read(xml).problems
    assert problem.kind == ProblemKind.UNSUPPORTED
    assert problem.params == {"answer": "*"}


# --- numerical --------------------------------------------------------------------------------


def test_numerical_reads_several_answers_with_tolerance():
    xml = quiz(
        question(
            "numerical",
            answer("100", "3.14", "Đúng", "<tolerance>0.01</tolerance>")
            + answer("50", "3", "Gần đúng", "<tolerance>0</tolerance>")
            + answer("0", "1e3"),
        )
    )
    item = read_one(xml)
    assert item.type == ItemType.SHORT_NUMERIC
    assert item.numeric_answers == [
        NumericAnswer(Decimal("3.14"), Decimal("0.01"), Decimal(1), "Đúng"),
        NumericAnswer(Decimal(3), Decimal(0), Decimal("0.5"), "Gần đúng"),
        NumericAnswer(Decimal(1000), Decimal(0), Decimal(0)),
    ]


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (
            answer("100", "5")
            + "<units><unit><multiplier>1</multiplier><unit_name>m</unit_name></unit></units>",
            ProblemKind.UNSUPPORTED,
        ),
        (answer("100", "5") + answer("0", "*"), ProblemKind.UNSUPPORTED),
        (answer("100", "5", extra="<tolerance>-1</tolerance>"), ProblemKind.INVALID),
        (answer("100", "năm"), ProblemKind.MALFORMED),
    ],
    ids=["units", "catch-all", "negative-tolerance", "not-a-number"],
)
def test_numerical_constructs_hocso_cannot_keep_are_reported(body, kind):
    result = moodle_xml.read(quiz(question("numerical", body)))
    assert result.items == []
    assert [p.kind for p in result.problems] == [kind]


# --- matching ---------------------------------------------------------------------------------


def test_matching_reads_pairs_and_distractors_with_plain_text_answers_escaped():
    xml = quiz(
        question(
            "matching",
            "<shuffleanswers>true</shuffleanswers>"
            '<subquestion format="html"><text><![CDATA[<p>H<sub>2</sub>O</p>]]></text>'
            "<answer><text>Nước</text></answer></subquestion>"
            '<subquestion format="html"><text>NaCl</text>'
            "<answer><text>Muối &amp; khoáng</text></answer></subquestion>"
            '<subquestion format="html"><text></text>'
            "<answer><text>a &lt; b</text></answer></subquestion>",
        )
    )
    item = read_one(xml)
    assert item.type == ItemType.MATCHING
    assert item.pairs == [
        Pair("<p>H<sub>2</sub>O</p>", "Nước"),
        Pair("NaCl", "Muối &amp; khoáng"),
        Pair("", "a &lt; b"),
    ]
    written = [a.findtext("text") for a in parse_written([item]).iter("answer")]
    assert written == ["Nước", "Muối & khoáng", "a < b"]


def test_matching_prompt_without_an_answer_is_invalid():
    xml = quiz(
        question(
            "matching",
            '<subquestion format="html"><text>A</text><answer><text>1</text></answer></subquestion>'
            '<subquestion format="html"><text>B</text><answer><text></text></answer></subquestion>',
        )
    )
    assert [p.kind for p in moodle_xml.read(xml).problems] == [ProblemKind.INVALID]


# --- essay ------------------------------------------------------------------------------------


def test_essay_grader_information_becomes_the_rubric():
    xml = quiz(
        question(
            "essay",
            "<responseformat>editor</responseformat><attachments>1</attachments>"
            '<graderinfo format="html"><text><![CDATA[<ul><li>Mở bài: 1 điểm</li></ul>]]></text>'
            "</graderinfo>",
        )
    )
    item = read_one(xml)
    assert item.type == ItemType.ESSAY
    assert item.rubric == "<ul><li>Mở bài: 1 điểm</li></ul>"


@pytest.mark.parametrize(
    "body",
    [
        "<responseformat>noinline</responseformat><attachments>1</attachments>",
        "<responseformat>editor</responseformat><attachmentsrequired>1</attachmentsrequired>",
    ],
)
def test_essay_answered_only_by_file_is_unsupported(body):
    (problem,) = moodle_xml.read(quiz(question("essay", body))).problems
    assert problem.kind == ProblemKind.UNSUPPORTED


# --- ordering ---------------------------------------------------------------------------------


def test_ordering_takes_the_file_order_as_the_right_order():
    xml = quiz(
        question(
            "ordering",
            "<layouttype>VERTICAL</layouttype><selecttype>ALL</selecttype>"
            "<selectcount>0</selectcount><gradingtype>ABSOLUTE_POSITION</gradingtype>"
            + answer("1", "Mở bài")
            + answer("2", "Thân bài")
            + answer("3", "Kết bài"),
        )
    )
    item = read_one(xml)
    assert item.type == ItemType.ORDERING
    assert item.order == ["Mở bài", "Thân bài", "Kết bài"]


def test_ordering_is_written_with_positions_and_every_item_shown():
    item = ItemData(ItemType.ORDERING, "Sắp xếp", name="q", order=["a", "b", "c"])
    written = parse_written([item]).find("question")
    assert written.get("type") == "ordering"
    assert written.findtext("selecttype") == "ALL"
    assert written.findtext("selectcount") == "3"
    assert [a.get("fraction") for a in written.iter("answer")] == ["1", "2", "3"]


def test_ordering_that_shows_a_random_subset_is_unsupported():
    xml = quiz(
        question(
            "ordering",
            "<selecttype>RANDOM</selecttype><selectcount>2</selectcount>"
            + answer("1", "a")
            + answer("2", "b")
            + answer("3", "c"),
        )
    )
    (problem,) = moodle_xml.read(xml).problems
    assert problem.kind == ProblemKind.UNSUPPORTED
    assert problem.params == {"count": "2", "total": "3"}


# --- the 2025 true/false item of 4 statements --------------------------------------------------


def test_true_false_4_is_written_as_a_tagged_multiple_response_moodle_accepts():
    item = ItemData(
        ItemType.TRUE_FALSE_4,
        "Cho hàm số \\(y = x^3\\).",
        name="Phần II",
        statements=[
            Statement("a) Đồng biến", True, "Vì y' ≥ 0"),
            Statement("b) Có cực trị", False),
            Statement("c) Đi qua O", True),
            Statement("d) Lẻ", True),
        ],
    )
    written = parse_written([item]).find("question")
    assert written.get("type") == "multichoice"
    assert written.findtext("single") == "false"
    assert written.findtext("shuffleanswers") == "false"
    assert [t.findtext("text") for t in written.iter("tag")] == ["hocso:type=true_false_4"]
    fractions = [Decimal(a.get("fraction")) for a in written.iter("answer")]
    assert fractions == [Decimal("33.33333"), -100, Decimal("33.33333"), Decimal("33.33333")]
    assert round(sum(f for f in fractions if f > 0)) == 100
    assert without_source(round_trip([item])) == [item]


def test_true_false_4_with_every_statement_false_adds_a_none_true_option():
    item = ItemData(
        ItemType.TRUE_FALSE_4,
        "Xét các mệnh đề",
        name="q",
        statements=[Statement(f"{letter}) sai", False) for letter in "abcd"],
    )
    answers = list(parse_written([item]).iter("answer"))
    assert [a.get("fraction") for a in answers] == ["-25", "-25", "-25", "-25", "100"]
    assert answers[-1].findtext("text") == moodle_xml.NONE_TRUE_TEXT
    assert without_source(round_trip([item])) == [item]


def test_true_false_4_tag_with_wrong_statement_count_is_invalid():
    xml = quiz(
        question(
            "multichoice",
            "<single>false</single>"
            + answer("50", "a")
            + answer("50", "b")
            + answer("-100", "c")
            + "<tags><tag><text>hocso:type=true_false_4</text></tag></tags>",
        )
    )
    (problem,) = moodle_xml.read(xml).problems
    assert problem.kind == ProblemKind.INVALID
    assert problem.params == {"count": "3"}


# --- tags, names, text formats ----------------------------------------------------------------


def test_tags_follow_the_key_value_convention():
    xml = quiz(
        question(
            "essay",
            "<tags><tag><text>subject=Toán</text></tag><tag><text>level = van_dung</text></tag>"
            "<tag><text>đề thi thử</text></tag><tag><text>source=SGK=2018</text></tag></tags>"
            "<coursetags><tag><text>grade=12</text></tag></coursetags>",
        )
    )
    assert read_one(xml).tags == {
        "subject": "Toán",
        "level": "van_dung",
        "đề thi thử": "",
        "source": "SGK=2018",
        "grade": "12",
    }


def test_tag_key_with_two_values_is_reported():
    xml = quiz(
        question(
            "essay",
            "<tags><tag><text>level=biet</text></tag><tag><text>level=hieu</text></tag></tags>",
        )
    )
    (problem,) = moodle_xml.read(xml).problems
    assert problem.kind == ProblemKind.UNSUPPORTED
    assert problem.params == {"key": "level", "first": "biet", "second": "hieu"}


def test_empty_name_is_written_as_the_start_of_the_stem_because_moodle_requires_one():
    item = ItemData(ItemType.ESSAY, "<p>Trình bày <b>cảm nghĩ</b> &amp; suy nghĩ</p>")
    assert parse_written([item]).findtext("question/name/text") == "Trình bày cảm nghĩ & suy nghĩ"


def test_plain_and_auto_formats_become_html_and_markdown_is_unsupported():
    xml = quiz(
        '<question type="essay"><name><text>p</text></name>'
        '<questiontext format="plain_text"><text>a &lt; b\nc</text></questiontext></question>',
        '<question type="essay"><name><text>m</text></name>'
        '<questiontext format="moodle_auto_format"><text>x\ny</text></questiontext></question>',
        '<question type="essay"><name><text>md</text></name>'
        '<questiontext format="markdown"><text>*x*</text></questiontext></question>',
    )
    result = moodle_xml.read(xml)
    assert [item.stem for item in result.items] == ["a &lt; b<br>\nc", "x<br>\ny"]
    assert [(p.kind, p.params) for p in result.problems] == [
        (ProblemKind.UNSUPPORTED, {"format": "markdown"})
    ]


# --- unsupported types ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "qtype", ["calculated", "ddwtos", "gapselect", "cloze", "multianswer", "randomsamatch"]
)
def test_unsupported_types_are_reported_by_index_and_name_and_the_rest_is_read(qtype):
    xml = quiz(
        question("essay", "", name="Trước"),
        question(qtype, "", name="Khó"),
        question("essay", "", name="Sau"),
    )
    result = moodle_xml.read(xml)
    assert [item.name for item in result.items] == ["Trước", "Sau"]
    (problem,) = result.problems
    assert problem.kind == ProblemKind.UNSUPPORTED
    assert problem.where.startswith("question 2 (‘Khó’), line ")
    assert problem.params == {"qtype": qtype}


def test_description_is_reported_as_not_a_question():
    (problem,) = moodle_xml.read(quiz(question("description", ""))).problems
    assert problem.kind == ProblemKind.UNSUPPORTED
    assert "không phải câu hỏi" in problem.message


# --- images -----------------------------------------------------------------------------------


def test_embedded_images_become_files_referenced_by_name():
    xml = quiz(
        f"""<question type="multichoice">
  <name><text>Hình</text></name>
  <questiontext format="html">
    <text><![CDATA[<p>Hình: <img src="@@PLUGINFILE@@/h%C3%ACnh.png" alt="h"></p>]]></text>
    <file name="hình.png" path="/" encoding="base64">
{PNG_B64[:8]}
{PNG_B64[8:]}
    </file>
  </questiontext>
  <answer fraction="100" format="html">
    <text><![CDATA[<img src="@@PLUGINFILE@@/sub/%C4%91%E1%BB%93%20th%E1%BB%8B.png">]]></text>
    <file name="đồ thị.png" path="/sub/" encoding="base64">{PNG_B64}</file>
  </answer>
  <answer fraction="0" format="html"><text>không</text></answer>
</question>"""
    )
    item = read_one(xml)
    assert item.stem == '<p>Hình: <img src="hình.png" alt="h"></p>'
    assert item.choices[0].text == '<img src="sub/đồ thị.png">'
    assert item.files == {"hình.png": PNG, "sub/đồ thị.png": PNG}


def test_files_are_written_beside_the_text_that_shows_them_and_read_back():
    item = ItemData(
        ItemType.SINGLE_CHOICE,
        '<p><img src="a b.png"></p>',
        name="q",
        choices=[Choice('<img src="x/c&amp;d.png">', Decimal(1)), Choice("không")],
        general_feedback='<img src="a b.png">',
        files={"a b.png": PNG, "x/c&d.png": b"GIF89a", "unused.png": b"\x00\x01"},
    )
    written = parse_written([item]).find("question")
    stem_files = [f.get("name") for f in written.findall("questiontext/file")]
    assert stem_files == ["a b.png", "unused.png"]
    assert [f.get("name") for f in written.findall("generalfeedback/file")] == ["a b.png"]
    (option_file,) = written.find("answer").findall("file")
    assert (option_file.get("name"), option_file.get("path")) == ("c&d.png", "/x/")
    assert "@@PLUGINFILE@@/a%20b.png" in written.findtext("questiontext/text")
    assert written.find("answer").findtext("text") == '<img src="@@PLUGINFILE@@/x/c%26d.png">'
    assert without_source(round_trip([item])) == [item]


def test_two_different_files_with_one_name_are_reported():
    other = base64.b64encode(b"other").decode()
    xml = quiz(
        f"""<question type="essay">
  <name><text>Hai tệp</text></name>
  <questiontext format="html"><text>x</text>
    <file name="a.png" path="/" encoding="base64">{PNG_B64}</file></questiontext>
  <generalfeedback format="html"><text>y</text>
    <file name="a.png" path="/" encoding="base64">{other}</file></generalfeedback>
</question>"""
    )
    (problem,) = moodle_xml.read(xml).problems
    assert problem.kind == ProblemKind.UNSUPPORTED
    assert problem.params == {"file": "a.png"}


def test_file_that_is_not_base64_is_malformed():
    xml = quiz(
        question(
            "essay",
            '<graderinfo format="html"><text>r</text>'
            '<file name="a.png" path="/" encoding="base64">không phải@@</file></graderinfo>',
        )
    )
    (problem,) = moodle_xml.read(xml).problems
    assert problem.kind == ProblemKind.MALFORMED


# --- malformed and hostile files --------------------------------------------------------------


def test_malformed_xml_gives_one_problem_with_the_line_and_nothing_else():
    xml = quiz(question("essay", ""), "<question type='essay'><name><text>x</name></question>")
    result = moodle_xml.read(xml)
    assert result.items == []
    (problem,) = result.problems
    assert problem.kind == ProblemKind.MALFORMED
    assert problem.where == "line 8"
    assert problem.params["line"] == "8"


@pytest.mark.parametrize("data", [b"", b"   ", "không phải XML"])
def test_empty_or_non_xml_input_is_malformed(data):
    result = moodle_xml.read(data)
    assert result.items == []
    assert [p.kind for p in result.problems] == [ProblemKind.MALFORMED]


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE quiz [
  <!ENTITY a "hahahahahahahahahahahahahahahahahahaha">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<quiz><question type="essay"><name><text>&c;</text></name></question></quiz>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="essay"><name><text>&secret;</text></name></question></quiz>
"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY.encode()])
def test_doctype_and_entity_declarations_are_refused(data):
    result = moodle_xml.read(data)
    assert result.items == []
    (problem,) = result.problems
    assert problem.kind == ProblemKind.MALFORMED
    assert problem.where == "line 2"


def test_root_other_than_quiz_is_malformed():
    (problem,) = moodle_xml.read("<questions><question/></questions>").problems
    assert problem.kind == ProblemKind.MALFORMED
    assert problem.params == {"tag": "questions"}


def test_bytes_in_a_declared_legacy_encoding_are_read():
    xml = quiz(question("essay", "", name="Café", text="Thé")).replace("UTF-8", "ISO-8859-1")
    assert read_one(xml.encode("latin-1")).name == "Café"


def test_cdata_terminator_and_markup_survive_writing():
    stem = "<p>a[1]]>b &amp; c < d ]]]]> \\(x^2\\) Tiếng Việt</p>"
    item = ItemData(ItemType.ESSAY, stem, name="]]> & <")
    (back,) = round_trip([item])
    assert (back.stem, back.name) == (stem, "]]> & <")


@pytest.mark.parametrize("value", ["1e999999999", "1e-999999", "NaN", "-Infinity", "0x10", "1,5"])
def test_hostile_or_foreign_numbers_are_malformed_not_expanded(value):
    xml = quiz(question("essay", f"<defaultgrade>{value}</defaultgrade>"))
    (problem,) = moodle_xml.read(xml).problems
    assert problem.kind == ProblemKind.MALFORMED
    assert problem.params == {"value": value, "field": "defaultgrade"}


def test_text_with_lone_surrogates_is_malformed():
    (problem,) = moodle_xml.read("<quiz>\ud800</quiz>").problems
    assert problem.kind == ProblemKind.MALFORMED


MOODLE_EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<!-- question: 0  -->
  <question type="category">
    <category>
      <text>$course$/top/Default for Toán 12/Chương 1</text>
    </category>
    <info format="moodle_auto_format">
      <text>Mặc định</text>
    </info>
    <idnumber></idnumber>
  </question>
<!-- question: 1021  -->
  <question type="multichoice">
    <name>
      <text>Đạo hàm</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p dir="ltr" style="text-align: left;">Đạo hàm của \\(y = x^2\\) là</p>]]></text>
    </questiontext>
    <generalfeedback format="html">
      <text><![CDATA[<p>\\(y' = 2x\\)</p>]]></text>
    </generalfeedback>
    <defaultgrade>0.2500000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <idnumber>DH-01</idnumber>
    <single>true</single>
    <shuffleanswers>true</shuffleanswers>
    <answernumbering>ABCD</answernumbering>
    <showstandardinstruction>0</showstandardinstruction>
    <correctfeedback format="html">
      <text>Your answer is correct.</text>
    </correctfeedback>
    <partiallycorrectfeedback format="html">
      <text>Your answer is partially correct.</text>
    </partiallycorrectfeedback>
    <incorrectfeedback format="html">
      <text>Your answer is incorrect.</text>
    </incorrectfeedback>
    <shownumcorrect/>
    <answer fraction="100" format="html">
      <text><![CDATA[<p>\\(2x\\)</p>]]></text>
      <feedback format="html">
        <text></text>
      </feedback>
    </answer>
    <answer fraction="0" format="html">
      <text><![CDATA[<p>\\(x\\)</p>]]></text>
      <feedback format="html">
        <text><![CDATA[<p>Quên nhân với số mũ</p>]]></text>
      </feedback>
    </answer>
    <hint format="html">
      <text>Nhớ công thức</text>
    </hint>
    <tags>
      <tag><text>grade=12</text>
</tag>
      <tag><text>level=biet</text>
</tag>
    </tags>
  </question>
</quiz>
"""


def test_a_moodle_export_is_read_and_survives_a_round_trip():
    (item,) = moodle_xml.read(MOODLE_EXPORT).items
    assert item.category == ("Default for Toán 12", "Chương 1")
    assert item.identifier == "DH-01"
    assert item.stem == '<p dir="ltr" style="text-align: left;">Đạo hàm của \\(y = x^2\\) là</p>'
    assert [choice.fraction for choice in item.choices] == [1, 0]
    assert item.choices[1].feedback == "<p>Quên nhân với số mũ</p>"
    assert item.tags == {"grade": "12", "level": "biet"}
    assert item.source == "question 1 (‘Đạo hàm’), line 14"
    assert without_source(round_trip([item])) == without_source([item])


# --- round trips (hypothesis) -----------------------------------------------------------------

_PIECES = [
    "Hàm số",
    "đồ thị",
    "Nguyễn Văn Ánh",
    "Ư",
    "ữ",
    "\\(x^2 + \\sqrt{y}\\)",
    "\\[\\int_0^1 f(x)\\,dx\\]",
    "a < b",
    "x > 0 && y",
    "&amp;",
    "&",
    "]]>",
    "<![CDATA[",
    "<p>",
    "</p>",
    "<b>đậm</b>",
    '"',
    "'",
    "50%",
    "\\",
    "*",
    "=",
    "/",
    "\n",
    "  ",
    "10",
]
_CHARS = st.characters(blacklist_categories=("Cs", "Cc", "Cn"))


def _text(min_size: int = 1, pieces: list[str] = _PIECES):
    """Text as Moodle keeps it (trimmed); when required, it has a non-blank piece to keep."""
    part = st.lists(st.one_of(st.sampled_from(pieces), st.text(_CHARS, max_size=4)), max_size=3)
    if not min_size:
        return part.map(lambda parts: "".join(parts).strip())
    solid = st.sampled_from([p for p in pieces if p.strip()])
    return st.tuples(part, solid, part).map(
        lambda t: ("".join(t[0]) + t[1] + "".join(t[2])).strip()
    )


_RICH = _text(1)
_MAYBE = _text(0)
_PLAIN_ONE_LINE = _text(1, [p for p in _PIECES if p not in ("\n", "=", "/")])
# A "/" at either end of a category name is ambiguous in Moodle's path syntax too.
_SEGMENT = _PLAIN_ONE_LINE.filter(lambda s: not s.startswith("/") and not s.endswith("/"))
_FRACTION_OTHER = st.sampled_from([Decimal(0), Decimal("-0.25"), Decimal("-1"), Decimal("0.5")])
_DECIMAL = st.decimals(min_value=-(10**6), max_value=10**6, places=6, allow_nan=False)


@st.composite
def _common(draw, item_type):
    return ItemData(
        type=item_type,
        stem=draw(_RICH),
        name=draw(_PLAIN_ONE_LINE),
        identifier=draw(_text(0, ["T12-", "001", "Đề", " "])),
        category=tuple(draw(st.lists(_SEGMENT, max_size=3))),
        points=draw(st.decimals(min_value=0, max_value=100, places=7, allow_nan=False)),
        general_feedback=draw(_MAYBE),
        tags=draw(
            st.dictionaries(
                _PLAIN_ONE_LINE.filter(lambda k: "=" not in k and not k.startswith("hocso:")),
                _text(0, [p for p in _PIECES if p != "\n"]),
                max_size=3,
            )
        ),
    )


@st.composite
def _single_choice(draw):
    item = draw(_common(ItemType.SINGLE_CHOICE))
    others = draw(st.lists(_FRACTION_OTHER, min_size=1, max_size=4))
    fractions = [Decimal(1), *others]
    fractions = draw(st.permutations(fractions))
    item.choices = [
        Choice(draw(_RICH), fraction, draw(_MAYBE), draw(st.booleans())) for fraction in fractions
    ]
    return item


@st.composite
def _multiple_response(draw):
    item = draw(_common(ItemType.MULTIPLE_RESPONSE))
    right = draw(st.integers(min_value=1, max_value=7))
    share = (Decimal(1) / right).quantize(Decimal("0.0000001"))
    wrong = draw(st.lists(st.sampled_from([Decimal(0), Decimal("-0.5"), Decimal(-1)]), max_size=3))
    fractions = draw(st.permutations([share] * right + wrong))
    if len(fractions) < 2:
        fractions.append(Decimal(0))
    item.choices = [
        Choice(draw(_RICH), fraction, draw(_MAYBE), draw(st.booleans())) for fraction in fractions
    ]
    return item


@st.composite
def _true_false(draw):
    item = draw(_common(ItemType.TRUE_FALSE))
    item.correct = draw(st.booleans())
    item.feedback_true, item.feedback_false = draw(_MAYBE), draw(_MAYBE)
    return item


@st.composite
def _true_false_4(draw):
    item = draw(_common(ItemType.TRUE_FALSE_4))
    item.statements = [Statement(draw(_RICH), draw(st.booleans()), draw(_MAYBE)) for _ in "abcd"]
    return item


@st.composite
def _short_text(draw):
    item = draw(_common(ItemType.SHORT_TEXT))
    item.case_sensitive = draw(st.booleans())
    others = draw(st.lists(st.sampled_from([Decimal(0), Decimal("0.5"), Decimal(1)]), max_size=3))
    item.text_answers = [
        TextAnswer(draw(_PLAIN_ONE_LINE), fraction, draw(_MAYBE))
        for fraction in [Decimal(1), *others]
    ]
    return item


@st.composite
def _short_numeric(draw):
    item = draw(_common(ItemType.SHORT_NUMERIC))
    others = draw(st.lists(st.sampled_from([Decimal(0), Decimal("0.5")]), max_size=3))
    item.numeric_answers = [
        NumericAnswer(
            draw(_DECIMAL),
            draw(st.decimals(min_value=0, max_value=100, places=4, allow_nan=False)),
            fraction,
            draw(_MAYBE),
        )
        for fraction in [Decimal(1), *others]
    ]
    return item


@st.composite
def _matching(draw):
    item = draw(_common(ItemType.MATCHING))
    lefts = draw(st.lists(_RICH, min_size=2, max_size=4)) + [""] * draw(st.integers(0, 2))
    # Moodle's right-hand side is plain text, so hocso's HTML for it is escaped text.
    item.pairs = [Pair(left, html.escape(draw(_PLAIN_ONE_LINE), quote=False)) for left in lefts]
    return item


@st.composite
def _essay(draw):
    item = draw(_common(ItemType.ESSAY))
    item.rubric = draw(_MAYBE)
    return item


@st.composite
def _ordering(draw):
    item = draw(_common(ItemType.ORDERING))
    item.order = draw(st.lists(_RICH, min_size=2, max_size=5))
    return item


_ITEMS = st.one_of(
    _single_choice(),
    _multiple_response(),
    _true_false(),
    _true_false_4(),
    _short_text(),
    _short_numeric(),
    _matching(),
    _essay(),
    _ordering(),
)


@settings(max_examples=100)
@given(st.lists(_ITEMS, min_size=1, max_size=4))
def test_every_supported_item_reads_back_exactly_after_writing(items):
    assert without_source(round_trip(items)) == items


@settings(max_examples=50)
@given(st.lists(_ITEMS, min_size=1, max_size=4))
def test_reading_and_writing_a_written_file_again_changes_nothing(items):
    first = moodle_xml.write(items)
    again = moodle_xml.write(moodle_xml.read(first).items)
    assert again == first
    assert without_source(moodle_xml.read(again).items) == items


@settings(max_examples=50)
@given(_ITEMS)
def test_a_file_that_breaks_after_any_question_reports_only_the_break(item):
    broken = moodle_xml.write([item]).replace(b"</quiz>", b"<question></quiz>")
    last_line = broken.count(b"\n")
    result = moodle_xml.read(broken)
    assert result.items == []
    assert [p.kind for p in result.problems] == [ProblemKind.MALFORMED]
    assert result.problems[0].where == f"line {last_line}"


_NUMERIC_ELEMENTS = [b"defaultgrade", b"tolerance", b"selectcount", b"usecase", b"single"]


@settings(max_examples=100)
@given(
    _ITEMS,
    st.sampled_from(_NUMERIC_ELEMENTS),
    st.one_of(st.text(_CHARS, max_size=12), st.sampled_from(["1e99999999", "-0", "1e-40", "*"])),
)
def test_reading_never_raises_whatever_a_setting_holds(item, element, value):
    data = moodle_xml.write([item])
    opening = b"<" + element + b">"
    if opening in data:
        start = data.index(opening) + len(opening)
        end = data.index(b"</" + element + b">", start)
        data = data[:start] + html.escape(value).encode() + data[end:]
    result = moodle_xml.read(data)
    assert len(result.items) + len(result.problems) == 1
