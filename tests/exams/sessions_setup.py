"""Builders for the session tests: a grade-6 mathematics blueprint with enough approved items
(single-choice items carry a pinned last option), and a window in the future."""

from datetime import timedelta

from django.utils import timezone

from hocso.curriculum.models import Subject
from hocso.exams import services
from hocso.questions.blueprints import CellInput, blueprint_create
from hocso.questions.interchange import Choice, ItemType

from ..questions.blueprint_setup import approved
from ..questions.items import single_choice, true_false_4


def pool(bank, *, single=6, tf=2):
    """Approved grade-6 items: `single` single-choice (4 options + pinned "all of the above")
    and `tf` 2025 true/false."""
    items = []
    for n in range(single):
        data = single_choice(stem=f"Câu {n}: {n} + 1 = ?", right=str(n + 1),
                             wrong=(f"{n + 2}", f"{n + 3}", f"{n + 4}"))  # fmt: skip
        data.choices.append(Choice(text="Cả ba phương án trên", pinned=True))
        items.append(approved(bank, data, grade=6))
    for n in range(tf):
        items.append(approved(bank, true_false_4(stem=f"Xét số {n}."), grade=6))
    return items


def two_part_blueprint(unit, *, single=4, tf=1, code="KT-2P"):
    """Part I: `single` single-choice × 0.5; part II: `tf` true/false × 1 point."""
    from decimal import Decimal

    return blueprint_create(
        actor=None, org_unit=unit, code=code, name="Kiểm tra hai phần",
        subject=Subject.objects.get(code="TOAN"), grade=6, duration_minutes=45,
        total_points=Decimal(single) / 2 + tf,
        parts=[{"code": "I", "title": "PHẦN I", "instructions": ""},
               {"code": "II", "title": "PHẦN II", "instructions": ""}],
        cells=[CellInput(part="I", item_type=ItemType.SINGLE_CHOICE, count=single,
                         points_per_item=Decimal("0.5")),
               CellInput(part="II", item_type=ItemType.TRUE_FALSE_4, count=tf,
                         points_per_item=Decimal(1))],
    )  # fmt: skip


def window(hours_ahead=24, hours=2):
    opens = timezone.now() + timedelta(hours=hours_ahead)
    return opens, opens + timedelta(hours=hours)


def create(actor, exam, *, code="GK-TOAN6", **kwargs):
    """A session of school A for class 6A1 of the `exam` fixture (tomorrow, 45 minutes)."""
    opens, closes = window()
    fields = dict(
        actor=actor, org_unit=exam.session.org_unit, year=exam.session.year,
        subject=Subject.objects.get(code="TOAN"), grade=6, name="Giữa kì Toán 6", code=code,
        opens_at=opens, closes_at=closes, duration_minutes=45, classes=[exam.school_class],
    )  # fmt: skip
    fields.update(kwargs)
    if "blueprint" not in fields and "items" not in fields:
        fields["items"] = exam.items[:3]
    return services.session_create(**fields)
