"""What makes an item's content usable, whatever wrote it (the editor, an import): the checks
each item type needs before it can be scored.

Messages are Vietnamese msgids marked with gettext_noop plus their parameters, the way
`interchange.Problem` carries them: services translate at once, imports when they report.
"""

from decimal import Decimal

from django.utils.translation import gettext_noop as N_

from .content import plain_text
from .interchange import ItemData, ItemType
from .rules import TRUE_FALSE_4_STATEMENTS, matching_prompts

Message = tuple[str, dict]

MAX_POINTS = Decimal(100)


def _fraction_problems(fractions, label: str) -> list[Message]:
    bad = [f for f in fractions if not Decimal(-1) <= f <= Decimal(1)]
    if bad:
        return [
            (
                N_("Tỉ lệ điểm của %(what)s phải từ -100%% đến 100%%, không phải %(value)s"),
                {"what": label, "value": f"{bad[0] * 100:g}%"},
            )
        ]
    return []


def item_problems(item: ItemData) -> list[Message]:
    """Everything that keeps `item` from being a well-formed question of its type."""
    problems: list[Message] = []
    if not plain_text(item.stem) and "<img" not in (item.stem or ""):
        problems.append((N_("Câu hỏi chưa có đề bài"), {}))
    if not Decimal(0) <= item.points <= MAX_POINTS:
        problems.append(
            (N_("Điểm của câu hỏi phải từ 0 đến 100, không phải %(value)s"), {"value": item.points})
        )
    check = _BY_TYPE.get(item.type)
    if check is None:
        return [*problems, (N_("Dạng câu hỏi không hợp lệ: %(type)s"), {"type": item.type})]
    return problems + check(item)


def _single_choice(item: ItemData) -> list[Message]:
    problems = _fraction_problems((c.fraction for c in item.choices), "phương án")
    if len(item.choices) < 2:
        problems.append((N_("Câu trắc nghiệm cần ít nhất 2 phương án"), {}))
    if not any(c.fraction == 1 for c in item.choices):
        problems.append((N_("Câu trắc nghiệm một lựa chọn cần một phương án đúng (100%%)"), {}))
    return problems


def _multiple_response(item: ItemData) -> list[Message]:
    problems = _fraction_problems((c.fraction for c in item.choices), "phương án")
    if len(item.choices) < 2:
        problems.append((N_("Câu trắc nghiệm cần ít nhất 2 phương án"), {}))
    right = sum((c.fraction for c in item.choices if c.fraction > 0), Decimal(0))
    # Moodle's rule: the right options together are worth the whole question. A few
    # hundredths are allowed for thirds written as 33.333%.
    if abs(right - 1) > Decimal("0.01"):
        problems.append(
            (
                N_("Các phương án đúng phải cộng lại thành 100%%, không phải %(value)s"),
                {"value": f"{right * 100:g}%"},
            )
        )
    return problems


def _true_false(item: ItemData) -> list[Message]:
    if item.correct is None:
        return [(N_("Câu Đúng/Sai chưa cho biết mệnh đề đúng hay sai"), {})]
    return []


def _true_false_4(item: ItemData) -> list[Message]:
    problems = []
    if len(item.statements) != TRUE_FALSE_4_STATEMENTS:
        problems.append(
            (
                N_("Câu Đúng/Sai dạng 2025 có đúng 4 ý a), b), c), d), không phải %(count)s"),
                {"count": len(item.statements)},
            )
        )
    if any(not plain_text(s.text) for s in item.statements):
        problems.append((N_("Có ý của câu Đúng/Sai chưa có nội dung"), {}))
    return problems


def _short_text(item: ItemData) -> list[Message]:
    problems = _fraction_problems((a.fraction for a in item.text_answers), "đáp án")
    if not any(a.fraction == 1 and a.text.strip() for a in item.text_answers):
        problems.append((N_("Câu trả lời ngắn cần ít nhất một đáp án đúng (100%%)"), {}))
    return problems


def _short_numeric(item: ItemData) -> list[Message]:
    problems = _fraction_problems((a.fraction for a in item.numeric_answers), "đáp án")
    if not any(a.fraction == 1 for a in item.numeric_answers):
        problems.append((N_("Câu trả lời ngắn dạng số cần ít nhất một đáp án đúng (100%%)"), {}))
    if any(a.tolerance < 0 for a in item.numeric_answers):
        problems.append((N_("Sai số cho phép không được âm"), {}))
    return problems


def _matching(item: ItemData) -> list[Message]:
    problems = []
    if len(matching_prompts(item.pairs)) < 2:
        problems.append((N_("Câu ghép đôi cần ít nhất 2 cặp"), {}))
    if any(not p.right.strip() for p in item.pairs):
        problems.append((N_("Có cặp ghép đôi thiếu vế phải"), {}))
    return problems


def _ordering(item: ItemData) -> list[Message]:
    problems = []
    if len(item.order) < 2:
        problems.append((N_("Câu sắp xếp cần ít nhất 2 mục"), {}))
    if any(not text.strip() for text in item.order):
        problems.append((N_("Có mục sắp xếp chưa có nội dung"), {}))
    return problems


def _essay(item: ItemData) -> list[Message]:
    return []


_BY_TYPE = {
    ItemType.SINGLE_CHOICE: _single_choice,
    ItemType.MULTIPLE_RESPONSE: _multiple_response,
    ItemType.TRUE_FALSE: _true_false,
    ItemType.TRUE_FALSE_4: _true_false_4,
    ItemType.SHORT_TEXT: _short_text,
    ItemType.SHORT_NUMERIC: _short_numeric,
    ItemType.MATCHING: _matching,
    ItemType.ORDERING: _ordering,
    ItemType.ESSAY: _essay,
}
