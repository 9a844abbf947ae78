"""GIFT exchange format: reading, writing and round trips (hocso.questions.formats.gift)."""

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hocso.questions.formats import gift
from hocso.questions.interchange import (
    Choice,
    ItemData,
    ItemType,
    NumericAnswer,
    Pair,
    ProblemKind,
    ReadResult,
    Statement,
    TextAnswer,
)


def read_one(text: str) -> ItemData:
    result = gift.read(text)
    assert result.problems == []
    (item,) = result.items
    return item


def read_problem(text: str):
    result = gift.read(text)
    assert result.items == []
    (problem,) = result.problems
    return problem


def without_source(items):
    return [replace(item, source="") for item in items]


def round_trip(items):
    result = gift.read(gift.write(items))
    assert result.problems == []
    return without_source(result.items)


# --- the examples of the Moodle docs (question/format/gift/examples.txt) ----------------------

MOODLE_EXAMPLES = """\
// ===Multiple Choice===

Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}

Grant is {~buried =entombed ~living} in Grant's tomb.

The American holiday of Thanksgiving is celebrated on the {
    ~second
    ~third
    =fourth
} Thursday of November.

// ===Short Answer===

Two plus two equals {=four =4}.

// ===True-False===

Grant is buried in Grant's tomb.{F}

The sun rises in the east.{T}

// ===Matching===

Match the following countries with their corresponding capitals. {
    =Canada -> Ottawa
    =Italy  -> Rome
    =Japan  -> Tokyo
    =India  -> New Delhi
    }

// ===Numerical===

When was Ulysses S. Grant born? {#1822}

What is the value of pi (to 3 decimal places)? {#3.1415:0.0005}.

What is the value of pi (to 3 decimal places)? {#3.141..3.142}.

When was Ulysses S. Grant born? {#
    =1822:0
    =%50%1822:2}

// ===Question Name===

::Kanji Origins::Japanese characters originally
came from what country? {=China}

// ===Feedback===

What's the answer to this multiple-choice question?{
~wrong answer#feedback comment on the wrong answer
~another wrong answer#feedback comment on this wrong answer
=right answer#Very good!}

// ===Specify text format===
[markdown]Who's buried in **Grant's tomb**?{
=no one#excellent answer!
=nobody#excellent answer!}

// ===Percentage Answer Weights===
Grant is buried in Grant's tomb.{FALSE#No one is buried in Grant's tomb.}

::Jesus' hometown::Jesus Christ was from {
    ~Jerusalem#This was an important city, but the wrong answer.
    ~%25%Bethlehem#He was born here, but not raised here.
    ~%50%Galilee#You need to be more specific.
    =Nazareth#Yes! That's right!}.

::Jesus' hometown:: Jesus Christ was from {
    =Nazareth#Yes! That's right!
    =%75%Nazereth#Right, but misspelled.
    =%25%Bethlehem#He was born here, but not raised here.}

// ===Multiple Answers===

What two people are entombed in Grant's tomb? {
    ~%-50%No one
    ~%50%Grant
    ~%50%Grant's wife
    ~%-50%Grant's father }

// ===Special Characters===
Which answer equals 5? {
     ~ \\= 2 + 2
     = \\= 2 + 3
     ~ \\= 2 + 4  }

::GIFT Control Characters::
Which of the following is NOT a control character for the GIFT import format? {
   ~ \\~     # \\~ is a control character.
   ~ \\=     # \\= is a control character.
   ~ \\#     # \\# is a control character.
   ~ \\{     # \\{ is a control character.
   ~ \\}     # \\} is a control character.
   = \\\\     # Correct! \\\\ (backslash) is not a control character.
}

//this comment will be ignored by the filter
::Numerical example::
When was Ulysses S. Grant born? {#
     =1822:0      #Correct! 100% credit
     =%50%1822:2  #He was born in 1822.
                  You get 50% credit for being close.
}
"""


def test_moodle_docs_examples_all_read_with_the_types_moodle_gives_them():
    result = gift.read(MOODLE_EXAMPLES)
    assert result.problems == []
    assert [item.type for item in result.items] == [
        ItemType.SINGLE_CHOICE,
        ItemType.SINGLE_CHOICE,
        ItemType.SINGLE_CHOICE,
        ItemType.SHORT_TEXT,
        ItemType.TRUE_FALSE,
        ItemType.TRUE_FALSE,
        ItemType.MATCHING,
        ItemType.SHORT_NUMERIC,
        ItemType.SHORT_NUMERIC,
        ItemType.SHORT_NUMERIC,
        ItemType.SHORT_NUMERIC,
        ItemType.SHORT_TEXT,
        ItemType.SINGLE_CHOICE,
        ItemType.SHORT_TEXT,
        ItemType.TRUE_FALSE,
        ItemType.SINGLE_CHOICE,
        ItemType.SHORT_TEXT,
        ItemType.MULTIPLE_RESPONSE,
        ItemType.SINGLE_CHOICE,
        ItemType.SINGLE_CHOICE,
        ItemType.SHORT_NUMERIC,
    ]


def test_moodle_docs_examples_keep_their_details():
    items = gift.read(MOODLE_EXAMPLES).items
    assert items[0].stem == "Who's buried in Grant's tomb?"
    assert [(c.text, c.fraction) for c in items[0].choices] == [
        ("Grant", 0),
        ("Jefferson", 0),
        ("no one", 1),
    ]
    assert (
        items[2].stem
        == "The American holiday of Thanksgiving is celebrated on the _____ Thursday of November."
    )
    assert [a.text for a in items[3].text_answers] == ["four", "4"]
    assert (items[4].correct, items[5].correct) == (False, True)
    assert items[6].pairs[3] == Pair("India", "New Delhi")
    assert items[8].stem == "What is the value of pi (to 3 decimal places)? _____."
    assert items[9].numeric_answers == [NumericAnswer(Decimal("3.1415"), Decimal("0.0005"))]
    assert items[10].numeric_answers == [
        NumericAnswer(Decimal(1822), Decimal(0)),
        NumericAnswer(Decimal(1822), Decimal(2), fraction=Decimal("0.5")),
    ]
    assert items[11].name == "Kanji Origins"
    assert items[11].stem == "Japanese characters originally<br>came from what country?"
    assert items[12].choices[2] == Choice("right answer", Decimal(1), "Very good!")
    assert items[13].stem == "Who's buried in **Grant's tomb**?"  # markdown kept as typed
    assert items[14].feedback_false == "" and items[14].feedback_true == (
        "No one is buried in Grant's tomb."
    )
    assert [c.fraction for c in items[15].choices] == [0, Decimal("0.25"), Decimal("0.5"), 1]
    assert [a.fraction for a in items[16].text_answers] == [1, Decimal("0.75"), Decimal("0.25")]
    half = Decimal("0.5")
    assert [c.fraction for c in items[17].choices] == [-half, half, half, -half]
    assert [c.text for c in items[18].choices] == ["= 2 + 2", "= 2 + 3", "= 2 + 4"]
    controls = items[19].choices
    assert [c.text for c in controls] == ["~", "=", "#", "{", "}", "\\"]
    assert controls[5].fraction == 1 and controls[0].feedback == "~ is a control character."
    assert items[20].numeric_answers[1].feedback == (
        "He was born in 1822.<br>You get 50% credit for being close."
    )


def test_moodle_docs_examples_survive_a_write_and_a_second_read():
    items = without_source(gift.read(MOODLE_EXAMPLES).items)
    assert round_trip(items) == items


# --- comments, categories, names, formats, escapes --------------------------------------------


def test_comment_lines_are_ignored_but_a_double_slash_inside_a_line_is_text():
    item = read_one(
        "// a comment before\n"
        "Xem http://moodle.org rồi trả lời {\n"
        "  // a comment between answers\n"
        "  =đúng ~sai\n"
        "}"
    )
    assert item.stem == "Xem http://moodle.org rồi trả lời"
    assert [c.text for c in item.choices] == ["đúng", "sai"]


def test_category_applies_to_the_following_questions_without_context_and_top():
    result = gift.read(
        "Câu 0 {T}\n\n"
        "$CATEGORY: $course$/top/Toán 12/Hàm số\n\n"
        "Câu 1 {T}\n\n"
        "Câu 2 {F}\n\n"
        "$CATEGORY: Lớp 10//11/Đại số\n"
        "Câu 3 {T}\n"
    )
    assert result.problems == []
    assert [item.category for item in result.items] == [
        (),
        ("Toán 12", "Hàm số"),
        ("Toán 12", "Hàm số"),
        ("Lớp 10/11", "Đại số"),
    ]


def test_categories_are_written_when_they_change_and_a_return_to_none_reads_back():
    items = [
        ItemData(ItemType.TRUE_FALSE, "A", correct=True, category=("Toán", "a/b")),
        ItemData(ItemType.TRUE_FALSE, "B", correct=True, category=("Toán", "a/b")),
        ItemData(ItemType.TRUE_FALSE, "C", correct=True),
    ]
    text = gift.write(items)
    assert text.count("$CATEGORY:") == 2
    assert "$CATEGORY: $course$/top/Toán/a//b\n" in text
    assert round_trip(items) == items


def test_question_name_is_read_and_written():
    item = read_one("::Câu 1\\: thủ đô::Thủ đô của Việt Nam? {=Hà Nội}")
    assert item.name == "Câu 1: thủ đô"
    assert gift.write([item]).startswith("::Câu 1\\: thủ đô::[html]")


def test_html_text_is_kept_as_it_is():
    item = read_one("[html]<p>Tính <b>đạo hàm</b></p>\n<p>của y</p>{=a ~b}")
    assert item.stem == "<p>Tính <b>đạo hàm</b></p>\n<p>của y</p>"


def test_moodle_text_keeps_markup_and_turns_line_breaks_into_br():
    item = read_one("[moodle]Dòng <i>một</i>\n   dòng hai\\ndòng ba{=a ~b}")
    assert item.stem == "Dòng <i>một</i><br>dòng hai<br>dòng ba"


@pytest.mark.parametrize("marker", ["[plain]", "[markdown]"])
def test_plain_and_markdown_text_is_escaped_and_markdown_is_not_rendered(marker):
    item = read_one(f"{marker}Nếu a < b & **b** > c{{=đúng ~sai}}")
    assert item.stem == "Nếu a &lt; b &amp; **b** &gt; c"
    assert item.choices[0].text == "đúng"


def test_answers_default_to_the_stem_format_and_may_set_their_own():
    item = read_one("[plain]Chọn{=a < b ~[html]<b>c</b>#[moodle]x<br>y}")
    assert item.choices[0].text == "a &lt; b"
    assert item.choices[1] == Choice("<b>c</b>", Decimal(0), "x<br>y")


def test_escapes_give_the_special_characters_and_a_line_break():
    item = read_one(
        "Ký tự \\~ \\= \\# \\{ \\} \\: và \\\\ rồi\\nxuống dòng, \\q giữ nguyên {=a ~b}"
    )
    assert item.stem == "Ký tự ~ = # { } : và \\ rồi<br>xuống dòng, \\q giữ nguyên"


def test_latex_needs_its_braces_escaped_and_keeps_its_backslashes():
    item = read_one("[html]Tính \\\\(\\frac\\{1\\}\\{2\\} + \\\\sqrt\\{x\\}\\\\){#0.5}")
    assert item.stem == "Tính \\(\\frac{1}{2} + \\sqrt{x}\\)"
    written = gift.write([item])
    assert "\\\\frac\\{1\\}\\{2\\}" in written
    assert round_trip([replace(item, source="")]) == [replace(item, source="")]


# --- multiple choice ---------------------------------------------------------------------------


def test_single_choice_with_feedback_and_general_feedback():
    item = read_one(
        "::Q2:: Màu giữa cam và lục? {\n"
        "  =vàng # đúng rồi!\n"
        "  ~đỏ # sai, là vàng\n"
        "  ~lam\n"
        "  ####Quang phổ: đỏ, cam, vàng, lục…\n"
        "}"
    )
    assert item.type == ItemType.SINGLE_CHOICE
    assert item.choices == [
        Choice("vàng", Decimal(1), "đúng rồi!"),
        Choice("đỏ", Decimal(0), "sai, là vàng"),
        Choice("lam", Decimal(0), ""),
    ]
    assert item.general_feedback == "Quang phổ: đỏ, cam, vàng, lục…"


def test_weights_without_an_equals_sign_make_a_multiple_response_item():
    item = read_one("Chọn hai {~%50%a ~%50%b ~%-100%c ~d}")
    assert item.type == ItemType.MULTIPLE_RESPONSE
    assert [c.fraction for c in item.choices] == [
        Decimal("0.5"),
        Decimal("0.5"),
        Decimal(-1),
        Decimal(0),
    ]


def test_thirds_are_accepted_as_full_marks_and_written_back_exactly():
    item = read_one("Chọn ba {~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d}")
    assert item.choices[0].fraction == Decimal("0.3333333")
    assert "~%33.33333%a" in gift.write([item])


def test_multiple_response_whose_right_options_do_not_make_full_marks_is_invalid():
    problem = read_problem("Chọn {~%50%a ~b}")
    assert problem.kind == ProblemKind.INVALID
    assert problem.params["total"] == "50"


def test_an_equals_sign_keeps_a_single_choice_with_partial_credit_as_moodle_does():
    item = read_one("Khó {~sai ~%50%gần đúng =đúng}")
    assert item.type == ItemType.SINGLE_CHOICE
    assert [c.fraction for c in item.choices] == [0, Decimal("0.5"), 1]
    assert round_trip([replace(item, source="")]) == [replace(item, source="")]


def test_weight_outside_plus_minus_hundred_percent_is_invalid_and_names_its_line():
    problem = read_problem("Câu\n{\n=a\n~%150%b\n}")
    assert problem.kind == ProblemKind.INVALID
    assert problem.where == "dòng 4 (câu hỏi bắt đầu ở dòng 1)"
    assert problem.params["weight"] == "150"


def test_choice_question_needs_two_options_and_no_empty_one():
    assert read_problem("Câu {=a ~}").kind == ProblemKind.INVALID
    assert read_problem("Câu {~%100%a}").kind == ProblemKind.INVALID


def test_text_before_the_first_answer_mark_is_malformed():
    problem = read_problem("Câu {oops =a ~b}")
    assert problem.kind == ProblemKind.MALFORMED
    assert problem.params["text"] == "oops"


def test_pinned_options_travel_in_a_hocso_comment():
    item = ItemData(
        ItemType.SINGLE_CHOICE,
        "Chọn",
        choices=[
            Choice("1", Decimal(1)),
            Choice("2"),
            Choice("Cả hai đáp án trên", pinned=True),
        ],
    )
    text = gift.write([item])
    assert "// hocso: pinned=3\n" in text
    assert round_trip([item]) == [item]


# --- true/false --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "correct"),
    [("{T}", True), ("{TRUE}", True), ("{F}", False), ("{FALSE}", False), ("{true}", True)],
)
def test_true_false_words(block, correct):
    item = read_one("Mặt trời mọc ở hướng đông." + block)
    assert (item.type, item.correct) == (ItemType.TRUE_FALSE, correct)


def test_true_false_feedback_first_for_the_wrong_answer_then_for_the_right_one():
    item = read_one("2 là số lẻ.{F#Sai: 2 chia hết cho 2.#Đúng vậy.####2 là số chẵn duy nhất.}")
    assert item.correct is False
    assert item.feedback_true == "Sai: 2 chia hết cho 2."
    assert item.feedback_false == "Đúng vậy."
    assert item.general_feedback == "2 là số chẵn duy nhất."
    assert gift.write([item]).endswith(
        "{FALSE#Sai\\: 2 chia hết cho 2.#Đúng vậy.####2 là số chẵn duy nhất.}\n"
    )


# --- short answer ------------------------------------------------------------------------------


def test_short_answer_variants_weights_and_feedback():
    item = read_one(
        "Thủ đô của Việt Nam là {\n  =Hà Nội#Đúng!\n  =%50%Ha Noi#Thiếu dấu.\n  =%0%Huế\n}."
    )
    assert item.type == ItemType.SHORT_TEXT
    assert item.stem == "Thủ đô của Việt Nam là _____."
    assert item.text_answers == [
        TextAnswer("Hà Nội", Decimal(1), "Đúng!"),
        TextAnswer("Ha Noi", Decimal("0.5"), "Thiếu dấu."),
        TextAnswer("Huế", Decimal(0), ""),
    ]
    assert item.case_sensitive is False


def test_short_answer_variants_are_plain_text_even_in_an_html_question():
    item = read_one("[html]<p>Viết</p>{=a < b}")
    assert item.text_answers[0].text == "a < b"


def test_short_answer_first_variant_may_omit_the_equals_sign_as_moodle_allows():
    assert [a.text for a in read_one("Hai cộng hai {bốn =4}").text_answers] == ["bốn", "4"]


def test_short_answer_needs_a_full_mark_variant():
    assert read_problem("Câu {=%50%a}").kind == ProblemKind.INVALID


def test_case_sensitive_short_answer_travels_in_a_hocso_comment():
    item = ItemData(
        ItemType.SHORT_TEXT, "Ký hiệu hoá học của sắt?", text_answers=[TextAnswer("Fe")],
        case_sensitive=True,
    )  # fmt: skip
    assert "// hocso: case_sensitive=true\n" in gift.write([item])
    assert round_trip([item]) == [item]


# --- numerical ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "value", "tolerance"),
    [
        ("{#5:0.1}", "5", "0.1"),
        ("{#4..6}", "5", "1"),
        ("{#-2.5}", "-2.5", "0"),
        ("{#1.5e2:1}", "150", "1"),
        ("{#3.141..3.142}", "3.1415", "0.0005"),
    ],
)
def test_numerical_value_with_tolerance_or_range(block, value, tolerance):
    item = read_one("Tính " + block)
    assert item.type == ItemType.SHORT_NUMERIC
    assert item.numeric_answers == [NumericAnswer(Decimal(value), Decimal(tolerance))]


def test_several_numerical_answers_with_weights_and_feedback():
    item = read_one("Năm sinh? {#\n=1822:0 #Đúng\n=%50%1822:2 #Gần đúng\n####Năm 1822.}")
    assert item.numeric_answers == [
        NumericAnswer(Decimal(1822), Decimal(0), Decimal(1), "Đúng"),
        NumericAnswer(Decimal(1822), Decimal(2), Decimal("0.5"), "Gần đúng"),
    ]
    assert item.general_feedback == "Năm 1822."
    assert round_trip([replace(item, source="")]) == [replace(item, source="")]


@pytest.mark.parametrize(
    ("block", "kind", "line"),
    [
        ("{#\n=3,14}", ProblemKind.MALFORMED, 3),  # decimal comma
        ("{#\n=abc:1}", ProblemKind.MALFORMED, 3),
        ("{#\n=6..4}", ProblemKind.INVALID, 3),
        ("{#\n=5:-1}", ProblemKind.INVALID, 3),
        ("{#\n=*}", ProblemKind.UNSUPPORTED, 3),
        ("{#\n=5\n~#Sai rồi}", ProblemKind.UNSUPPORTED, 4),  # catch-all feedback
        ("{#\n=1..5\n~%50%6}", ProblemKind.UNSUPPORTED, 4),  # choices mixed into a number
        ("{#\n=%50%5}", ProblemKind.INVALID, 1),
    ],
)
def test_numerical_problems_name_their_line(block, kind, line):
    problem = read_problem("Câu\n" + block)
    assert problem.kind == kind
    assert problem.params["line"] == line
    assert problem.params["question_line"] == 1


def test_empty_catch_all_of_a_numerical_question_loses_nothing_and_is_accepted():
    item = read_one("Câu {#5 ~}")
    assert item.numeric_answers == [NumericAnswer(Decimal(5))]


# --- matching, essay, missing word -------------------------------------------------------------


def test_matching_pairs_and_a_distractor():
    item = read_one("Ghép động vật với thức ăn. {\n  =mèo -> cá\n  =bò -> cỏ\n  = -> thịt\n}")
    assert item.type == ItemType.MATCHING
    assert item.pairs == [Pair("mèo", "cá"), Pair("bò", "cỏ"), Pair("", "thịt")]
    assert round_trip([replace(item, source="")]) == [replace(item, source="")]


def test_matching_without_an_arrow_or_with_one_pair_is_reported():
    assert read_problem("Ghép {=a -> b =c}").kind == ProblemKind.MALFORMED
    assert read_problem("Ghép {=a -> b = -> c}").kind == ProblemKind.INVALID


def test_essay_with_and_without_general_feedback():
    assert read_one("Viết đoạn văn {}").type == ItemType.ESSAY
    item = read_one("Viết đoạn văn {####Chú ý bố cục.}")
    assert (item.type, item.general_feedback) == (ItemType.ESSAY, "Chú ý bố cục.")


def test_essay_rubric_travels_in_a_hocso_comment():
    item = ItemData(ItemType.ESSAY, "Nghị luận", rubric='<p>Mở bài "rõ"\n1 điểm</p>')
    assert '// hocso: rubric="<p>Mở bài \\"rõ\\"\\n1 điểm</p>"\n' in gift.write([item])
    assert round_trip([item]) == [item]


def test_missing_word_puts_a_blank_where_the_answers_were():
    item = read_one("Hà Nội là {~thành phố =thủ đô} của Việt Nam.")
    assert item.stem == "Hà Nội là _____ của Việt Nam."


def test_description_without_answers_is_unsupported():
    problem = read_problem("Phần sau gồm các câu về hàm số.")
    assert problem.kind == ProblemKind.UNSUPPORTED


# --- the 2025 true/false item of 4 statements --------------------------------------------------

TF4 = """\
// hocso: type=true_false_4 feedback_b="Vì f'(x) > 0"
::Đ1::Cho hàm số y = x³ − 3x. {
  =a) Hàm số có hai cực trị. -> Đúng
  =b) Hàm số đồng biến trên ℝ. -> Sai
  =c) Đồ thị đi qua gốc toạ độ. -> Đúng
  =d) Giá trị cực đại bằng −2. -> Sai
}
"""


def test_true_false_4_is_read_from_the_tagged_matching_convention():
    item = read_one(TF4)
    assert item.type == ItemType.TRUE_FALSE_4
    assert item.statements == [
        Statement("Hàm số có hai cực trị.", True),
        Statement("Hàm số đồng biến trên ℝ.", False, "Vì f'(x) > 0"),
        Statement("Đồ thị đi qua gốc toạ độ.", True),
        Statement("Giá trị cực đại bằng −2.", False),
    ]
    assert item.pairs == []


def test_true_false_4_is_written_as_the_tagged_matching_convention():
    item = read_one(TF4)
    assert gift.write([item]) == (
        '// hocso: type=true_false_4 feedback_b="Vì f\'(x) > 0"\n'
        "::Đ1::[html]Cho hàm số y \\= x³ − 3x.{\n"
        "\t=a) Hàm số có hai cực trị. -> Đúng\n"
        "\t=b) Hàm số đồng biến trên ℝ. -> Sai\n"
        "\t=c) Đồ thị đi qua gốc toạ độ. -> Đúng\n"
        "\t=d) Giá trị cực đại bằng −2. -> Sai\n"
        "}\n"
    )


def test_true_false_4_without_the_tag_is_an_ordinary_matching_question_for_moodle():
    item = read_one(TF4.split("\n", 1)[1])
    assert item.type == ItemType.MATCHING
    assert item.pairs[0] == Pair("a) Hàm số có hai cực trị.", "Đúng")


@pytest.mark.parametrize(("truths", "distractor"), [((True,) * 4, "Sai"), ((False,) * 4, "Đúng")])
def test_true_false_4_that_agrees_everywhere_offers_both_answers_through_a_distractor(
    truths, distractor
):
    item = ItemData(
        ItemType.TRUE_FALSE_4,
        "Xét các mệnh đề",
        statements=[Statement(f"Ý {n}", truth) for n, truth in enumerate(truths)],
    )
    text = gift.write([item])
    assert f"\t= -> {distractor}\n" in text
    assert round_trip([item]) == [item]


@pytest.mark.parametrize(
    "body",
    [
        "=a) x -> Đúng =b) y -> Sai =c) z -> Đúng",  # three statements
        "=a) x -> Đúng =b) y -> Sai =d) z -> Đúng =c) t -> Sai",  # labels out of order
        "=a) x -> Đúng =b) y -> Có thể =c) z -> Đúng =d) t -> Sai",  # not true or false
        "=a) x -> Đúng =b) -> Sai =c) z -> Đúng =d) t -> Sai",  # empty statement
    ],
)
def test_true_false_4_of_the_wrong_shape_is_invalid(body):
    problem = read_problem(f"// hocso: type=true_false_4\nCâu {{{body}}}")
    assert problem.kind == ProblemKind.INVALID
    assert problem.params["line"] == 1


def test_hocso_type_that_contradicts_the_gift_syntax_is_invalid():
    problem = read_problem("// hocso: type=essay\nCâu {=a ~b}")
    assert problem.kind == ProblemKind.INVALID
    assert problem.params["detected"] == "single_choice"


# --- hocso comments: tags, points, identifier --------------------------------------------------


def test_tags_points_and_identifier_are_read_from_comments():
    item = read_one(
        "// question: 12  name: Moodle's own export comment\n"
        '// hocso: subject=TOAN grade=12 topic="Hàm số bậc ba" level=biet\n'
        '// hocso: points=0.25 source="Đề minh hoạ 2025"\n'
        "// [id:TOAN-12-001]\n"
        "Câu hỏi {=a ~b}"
    )
    assert item.tags == {
        "subject": "TOAN",
        "grade": "12",
        "topic": "Hàm số bậc ba",
        "level": "biet",
        "source": "Đề minh hoạ 2025",
    }
    assert item.points == Decimal("0.25")
    assert item.identifier == "TOAN-12-001"


def test_written_tags_and_fields_are_comments_moodle_ignores():
    item = ItemData(
        ItemType.SINGLE_CHOICE,
        "Câu",
        identifier="Q]1",
        points=Decimal("0.5"),
        choices=[Choice("a", Decimal(1)), Choice("b")],
        tags={"subject": "TOAN", "topic": 'Hàm "số"\\ bậc 2', "empty": ""},
    )
    text = gift.write([item])
    assert text.splitlines()[:3] == [
        "// hocso: points=0.5",
        '// hocso: subject=TOAN topic="Hàm \\"số\\"\\\\ bậc 2" empty=""',
        "// [id:Q\\]1]",
    ]
    assert round_trip([item]) == [item]


@pytest.mark.parametrize(
    ("text", "kind", "line"),
    [
        ('// hocso: topic="unterminated\nCâu {=a ~b}', ProblemKind.MALFORMED, 1),
        ("// hocso: = x\nCâu {=a ~b}", ProblemKind.MALFORMED, 1),
        ("// hocso: grade=10\n// hocso: grade=11\nCâu {=a ~b}", ProblemKind.MALFORMED, 2),
        ("// hocso: points=-1\nCâu {=a ~b}", ProblemKind.INVALID, 1),
        ("// hocso: rubric=x\nCâu {=a ~b}", ProblemKind.INVALID, 1),
        ("// hocso: case_sensitive=yes\nCâu {=a}", ProblemKind.INVALID, 1),
        ("// hocso: pinned=3\nCâu {=a ~b}", ProblemKind.INVALID, 1),
    ],
)
def test_bad_hocso_comments_are_reported_on_their_line(text, kind, line):
    problem = read_problem(text)
    assert problem.kind == kind
    assert problem.params["line"] == line


def test_hocso_comment_separated_from_its_question_by_a_blank_line_is_reported():
    result = gift.read("// hocso: subject=TOAN\n\nCâu {=a ~b}")
    assert [item.tags for item in result.items] == [{}]
    assert [(p.kind, p.where) for p in result.problems] == [(ProblemKind.MALFORMED, "dòng 1")]


# --- malformed files and line numbers ----------------------------------------------------------

MALFORMED_FILE = """\
// Đề kiểm tra: bốn câu đúng, bốn câu hỏng.
Câu 1 {=a ~b}

::Câu 2:: Thiếu ngoặc đóng {
  =a
  ~b

Câu 3 {T}

::Câu 4 tên không đóng {=a ~b}

Câu 5 {=a ~b} và {=c ~d}

Câu 6 {#
  =1
  =hai
}

Câu 7 } lạc {=a ~b}

Câu 8 {=a -> b =c -> d}
"""


def test_malformed_file_reports_every_broken_question_by_line_and_reads_the_rest():
    result = gift.read(MALFORMED_FILE)
    assert [item.stem for item in result.items] == ["Câu 1", "Câu 3", "Câu 8"]
    assert [item.source for item in result.items] == ["dòng 2", "dòng 8", "dòng 21"]
    assert [(p.kind, p.where) for p in result.problems] == [
        (ProblemKind.MALFORMED, "dòng 4"),
        (ProblemKind.MALFORMED, "dòng 10"),
        (ProblemKind.MALFORMED, "dòng 12"),
        (ProblemKind.MALFORMED, "dòng 16 (câu hỏi bắt đầu ở dòng 14)"),
        (ProblemKind.MALFORMED, "dòng 19"),
    ]
    assert result.problems[3].params == {"line": 16, "question_line": 14, "value": "hai"}
    assert all(isinstance(p.message, str) and p.message for p in result.problems)


def test_unclosed_brace_is_reported_at_the_brace_line():
    problem = read_problem("Câu hỏi\ndài\n{=a\n~b")
    assert problem.where == "dòng 3 (câu hỏi bắt đầu ở dòng 1)"


def test_bytes_are_utf8_with_or_without_a_bom_and_crlf_line_ends():
    data = "\ufeff::Q::Thủ đô?\r\n{=Hà Nội}\r\n\r\nCâu 2 {T}\r\n".encode()
    result = gift.read(data)
    assert result.problems == []
    assert [(i.name, i.source) for i in result.items] == [("Q", "dòng 1"), ("", "dòng 4")]


def test_bytes_that_are_not_utf8_are_malformed_with_the_line():
    problem = read_problem("Câu 1 {T}\n\nCâu 2 {F}\n".encode() + b"\xff\xfe {T}")
    assert (problem.kind, problem.where) == (ProblemKind.MALFORMED, "dòng 4")


def test_empty_file_has_nothing_and_no_problem():
    assert gift.read("") == gift.read(b"\n// only a comment\n\n") == ReadResult()


# --- writing -----------------------------------------------------------------------------------


def test_ordering_cannot_be_written_and_is_named_not_dropped():
    ordering = ItemData(ItemType.ORDERING, "Sắp xếp", order=["a", "b"])
    assert gift.unsupported_for_write(ordering) == gift.W_ORDERING
    with pytest.raises(ValueError, match="Sắp xếp|#1"):
        gift.write([ordering])


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (ItemData(ItemType.ESSAY, "Ảnh <img src='a.png'>", files={"a.png": b"x"}), gift.W_FILES),
        (ItemData(ItemType.ESSAY, "  "), gift.W_EMPTY_STEM),
        (
            ItemData(ItemType.SINGLE_CHOICE, "C", choices=[Choice("a"), Choice("b")]),
            gift.W_SINGLE_SHAPE,
        ),
        (
            ItemData(
                ItemType.MULTIPLE_RESPONSE, "C", choices=[Choice("a", Decimal("0.5")), Choice("b")]
            ),
            gift.W_MULTIPLE_TOTAL,
        ),
        (
            ItemData(ItemType.SHORT_TEXT, "C", text_answers=[TextAnswer("x->y")]),
            gift.W_ARROW_SHORT,
        ),
        (
            ItemData(ItemType.MATCHING, "C", pairs=[Pair("a->b", "c"), Pair("d", "e")]),
            gift.W_ARROW_LEFT,
        ),
        (ItemData(ItemType.TRUE_FALSE, "C"), gift.W_TRUE_FALSE_UNSET),
        (
            ItemData(ItemType.TRUE_FALSE_4, "C", statements=[Statement("a", True)]),
            gift.W_TF4_COUNT,
        ),
        (ItemData(ItemType.ESSAY, "C", tags={"type": "x"}), gift.W_TAG_KEY),
        (ItemData(ItemType.ESSAY, "C", tags={"a b": "x"}), gift.W_TAG_KEY),
        (ItemData(ItemType.ESSAY, "C", identifier="a[b"), gift.W_IDENTIFIER),
        (ItemData(ItemType.ESSAY, "C", category=("a/",)), gift.W_CATEGORY),
        (ItemData(ItemType.ESSAY, "C", tags={"note": "[id:x]"}), gift.W_COMMENT_TOKEN),
        (ItemData(ItemType.SHORT_NUMERIC, "C"), gift.W_NUMERIC),
    ],
)
def test_items_gift_cannot_hold_are_named_with_the_reason(item, reason):
    assert gift.unsupported_for_write(item) == reason


def test_written_file_uses_html_text_escapes_and_one_answer_per_line():
    item = ItemData(
        ItemType.SINGLE_CHOICE,
        "Giá trị của \\(\\frac{1}{2}\\) = ?",
        name="Phân số",
        choices=[Choice("0.5", Decimal(1), "Đúng # rồi"), Choice("%50%", feedback="")],
        general_feedback="[chú ý] ~ hết",
    )
    assert gift.write([item]) == (
        "::Phân số::[html]Giá trị của \\\\(\\\\frac\\{1\\}\\{2\\}\\\\) \\= ?{\n"
        "\t=0.5#Đúng \\# rồi\n"
        "\t~%0%%50%\n"
        "\t####[html][chú ý] \\~ hết\n"
        "}\n"
    )


def test_writing_nothing_gives_an_empty_file():
    assert gift.write([]) == ""


def test_ten_thousand_item_file_parses():
    kinds = [
        ItemData(ItemType.SINGLE_CHOICE, "Câu {n}: 2 + 2 = ?", choices=[
            Choice("4", Decimal(1)), Choice("3"), Choice("5"), Choice("22"),
        ], tags={"subject": "TOAN", "grade": "6"}),
        ItemData(ItemType.SHORT_NUMERIC, "Câu {n}: π ≈ ?", numeric_answers=[
            NumericAnswer(Decimal("3.14"), Decimal("0.01")),
        ]),
        ItemData(ItemType.TRUE_FALSE, "Câu {n}: 1 + 1 = 2", correct=True),
        ItemData(ItemType.TRUE_FALSE_4, "Câu {n}", statements=[
            Statement("a", True), Statement("b", False), Statement("c", True), Statement("d", False),
        ]),
    ]  # fmt: skip
    items = [
        replace(kinds[n % 4], stem=kinds[n % 4].stem.format(n=n), name=f"Q{n}")
        for n in range(10_000)
    ]
    result = gift.read(gift.write(items).encode())
    assert result.problems == []
    assert len(result.items) == 10_000
    assert result.items[9_999].name == "Q9999"
    assert result.items[9_999].type == ItemType.TRUE_FALSE_4


# --- round trip property -----------------------------------------------------------------------

# Pieces chosen to hit every escape, format marker, weight, separator and comment lookalike.
_FRAGMENTS = [
    "~", "=", "#", "{", "}", ":", "\\", "\\\\", "\\frac{1}{2}", "\\(x^2\\)", "\\n", "\n", "\t",
    " ", "Việt Nam", "Đúng", "Sai", "ắ", "ữ", "x", "a b", "%", "%50%", "[", "]", "[plain]",
    "[html]", "/", "//", "->", "-", ">", "####", "::", "<b>đậm</b>", "&amp;", "_____",
    "$CATEGORY:", "T", "TRUE", "\u00a0", "a)", "\"", "[id:x]",
]  # fmt: skip
_WS = " \t\n\r\0\x0b"

text = (
    st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=8)
    .map(lambda parts: "".join(parts).strip(_WS))
    .filter(bool)
)
text_without_arrow = text.filter(lambda value: "->" not in value)
comment_text = st.text(st.sampled_from(list('aăđ "\\=#{}:\n[]-')), max_size=12).filter(
    lambda value: "[id:" not in value and "[tag:" not in value
)
fraction = st.sampled_from([Decimal(0), Decimal("-0.5"), Decimal("0.25"), Decimal(-1)])
# Keys the hocso comment uses for fields; any other key is a tag.
RESERVED_KEYS = {"type", "points", "case_sensitive", "rubric", "pinned"}
RESERVED_KEYS |= {"feedback_a", "feedback_b", "feedback_c", "feedback_d"}
key = st.from_regex(r"[a-z][a-z0-9_.-]{0,6}", fullmatch=True).filter(
    lambda value: value not in RESERVED_KEYS
)
tags = st.dictionaries(key, comment_text, max_size=3)
category_part = text.filter(
    lambda value: "\n" not in value and value[0] != "/" and value[-1] != "/"
)
category = st.sampled_from([(), ("Toán 12",), ("Toán 12", "Hàm số")]) | st.lists(
    category_part, max_size=3
).map(tuple)
decimal = st.decimals(min_value=-(10**6), max_value=10**6, places=4)


def maybe(strategy):
    return st.one_of(st.just(""), strategy)


@st.composite
def common(draw, kind):
    return {
        "type": kind,
        "stem": draw(text),
        "name": draw(maybe(text)),
        "identifier": draw(maybe(st.from_regex(r"[A-Za-z0-9_.\]-]{1,10}", fullmatch=True))),
        "category": draw(category),
        "points": draw(st.sampled_from([Decimal(1), Decimal("0.25"), Decimal("0.5"), Decimal(2)])),
        "general_feedback": draw(maybe(text)),
        "tags": draw(tags),
    }


@st.composite
def choice_item(draw):
    kind = draw(st.sampled_from([ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE]))
    if kind == ItemType.SINGLE_CHOICE:
        right = [Decimal(1)]
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
    # A multiple-response item's right options make exactly full marks; the others are wrong
    # or penalised. A single choice may give partial credit.
    others = fraction if kind == ItemType.SINGLE_CHOICE else fraction.filter(lambda f: f <= 0)
    fractions = right + draw(st.lists(others, min_size=1, max_size=3))
    fractions = draw(st.permutations(fractions))
    choices = [Choice(draw(text), f, draw(maybe(text)), draw(st.booleans())) for f in fractions]
    return ItemData(**draw(common(kind)), choices=choices)


@st.composite
def true_false_item(draw):
    return ItemData(
        **draw(common(ItemType.TRUE_FALSE)),
        correct=draw(st.booleans()),
        feedback_true=draw(maybe(text)),
        feedback_false=draw(maybe(text)),
    )


@st.composite
def true_false_4_item(draw):
    statements = [
        Statement(draw(text_without_arrow), draw(st.booleans()), draw(maybe(comment_text)))
        for _ in range(4)
    ]
    return ItemData(**draw(common(ItemType.TRUE_FALSE_4)), statements=statements)


@st.composite
def short_text_item(draw):
    fractions = [Decimal(1)] + draw(
        st.lists(st.sampled_from([Decimal("0.5"), Decimal(0), Decimal(1)]), max_size=2)
    )
    answers = [
        TextAnswer(draw(text_without_arrow), f, draw(maybe(text_without_arrow))) for f in fractions
    ]
    return ItemData(
        **draw(common(ItemType.SHORT_TEXT)),
        text_answers=answers,
        case_sensitive=draw(st.booleans()),
    )


@st.composite
def numeric_item(draw):
    fractions = [Decimal(1)] + draw(
        st.lists(st.sampled_from([Decimal("0.5"), Decimal("0.1")]), max_size=2)
    )
    answers = [
        NumericAnswer(draw(decimal), draw(decimal.map(abs)), f, draw(maybe(text)))
        for f in fractions
    ]
    return ItemData(**draw(common(ItemType.SHORT_NUMERIC)), numeric_answers=answers)


@st.composite
def matching_item(draw):
    pairs = [Pair(draw(text_without_arrow), draw(text)) for _ in range(draw(st.integers(2, 4)))]
    if draw(st.booleans()):
        pairs.append(Pair("", draw(text)))
    return ItemData(**draw(common(ItemType.MATCHING)), pairs=pairs)


@st.composite
def essay_item(draw):
    return ItemData(**draw(common(ItemType.ESSAY)), rubric=draw(maybe(comment_text)))


items = st.one_of(
    choice_item(),
    true_false_item(),
    true_false_4_item(),
    short_text_item(),
    numeric_item(),
    matching_item(),
    essay_item(),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(items, min_size=1, max_size=4))
def test_every_supported_item_reads_back_equal_after_writing(generated):
    assert [gift.unsupported_for_write(item) for item in generated] == [None] * len(generated)
    assert round_trip(generated) == generated


@settings(max_examples=100, deadline=None)
@given(st.lists(items, min_size=1, max_size=3))
def test_writing_what_was_read_gives_the_same_file(generated):
    written = gift.write(generated)
    assert gift.write(gift.read(written).items) == written
