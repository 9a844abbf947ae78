"""Approved items and blueprints for the blueprint, generation, paper and command tests."""

from decimal import Decimal

from hocso.questions import services
from hocso.questions.blueprints import CellInput, blueprint_2025_create, blueprint_create
from hocso.questions.interchange import Choice, ItemType
from hocso.questions.models import ReviewDecision

from .items import short_numeric, single_choice, true_false_4


def approved(bank, data, *, grade, topic=None, level="", subject="TOAN"):
    """`data` as an approved item of `bank`, tagged with the subject, grade, topic and level."""
    data.tags = {"subject": subject, "grade": str(grade)}
    if topic is not None:
        data.tags["topic"] = topic.code
    if level:
        data.tags["level"] = level
    item = services.item_create(actor=None, bank=bank, data=data)
    services.item_submit(actor=None, item=item)
    services.item_review(actor=None, item=item, decision=ReviewDecision.APPROVE)
    item.refresh_from_db()
    return item


def math_2025_pool(bank, *, single=12, tf=4, short=6, grade=12):
    """Enough (or, with other counts, too few) grade-12 items for the 2025 mathematics exam.
    Every single-choice item has a pinned "all of the above" last option."""
    items = []
    for n in range(single):
        data = single_choice(
            stem=f"Câu hỏi số {n}: tính \\(\\frac{{{n}}}{{2}} + \\sqrt{{{n + 1}}}\\) và chọn đáp án.",
            right=f"Đáp án đúng {n}",
            wrong=(f"Sai một {n}", f"Sai hai {n}"),
        )
        data.choices.append(Choice(text="Cả ba phương án trên", pinned=True))
        items.append(approved(bank, data, grade=grade))
    for n in range(tf):
        items.append(approved(bank, true_false_4(stem=f"Xét hàm số y = x² + {n}."), grade=grade))
    for n in range(short):
        items.append(
            approved(bank, short_numeric(stem=f"Tính {n} : 4.", value=str(Decimal(n) / 4)),
                     grade=grade)
        )  # fmt: skip
    return items


def math_2025_blueprint(unit, subject, **kwargs):
    return blueprint_2025_create(actor=None, org_unit=unit, subject=subject, **kwargs)


def small_blueprint(unit, subject, *, grade=6, topic=None, level="", count=2, code="KT15"):
    """One part of `count` single-choice items (of `topic`/`level` when given) × 1 point."""
    return blueprint_create(
        actor=None, org_unit=unit, code=code, name="Kiểm tra 15 phút", subject=subject,
        grade=grade, duration_minutes=15, total_points=Decimal(count),
        parts=[{"code": "I", "title": "PHẦN I", "instructions": "Chọn một phương án."}],
        cells=[CellInput(part="I", item_type=ItemType.SINGLE_CHOICE, count=count,
                         points_per_item=Decimal(1), topic=topic, level=level)],
    )  # fmt: skip
