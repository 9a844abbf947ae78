"""Small ItemData builders for the question-bank tests."""

from decimal import Decimal

from hocso.questions.interchange import (
    Choice,
    ItemData,
    ItemType,
    NumericAnswer,
    Statement,
    TextAnswer,
)


def single_choice(stem="2 + 2 = ?", right="4", wrong=("3", "5", "22"), **extra) -> ItemData:
    options = [Choice(text=right, fraction=Decimal(1))]
    options += [Choice(text=w) for w in wrong]
    return ItemData(type=ItemType.SINGLE_CHOICE, stem=stem, choices=options, **extra)


def true_false_4(stem="Xét hàm số y = x².", truths=(True, False, True, False), **extra):
    statements = [Statement(text=f"Ý {c}", is_true=t) for c, t in zip("abcd", truths, strict=False)]
    return ItemData(type=ItemType.TRUE_FALSE_4, stem=stem, statements=statements, **extra)


def short_numeric(stem="Tính 7 : 2.", value="3.5", **extra) -> ItemData:
    answers = [NumericAnswer(value=Decimal(value))]
    return ItemData(type=ItemType.SHORT_NUMERIC, stem=stem, numeric_answers=answers, **extra)


def short_text(stem="Thủ đô của Việt Nam?", answers=("Hà Nội",), **extra) -> ItemData:
    return ItemData(
        type=ItemType.SHORT_TEXT, stem=stem, text_answers=[TextAnswer(a) for a in answers], **extra
    )


# The smallest valid PNG: 1×1 pixel.
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415478"
    "9c63f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)
