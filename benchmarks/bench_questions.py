"""Question bank: import a 10,000-item GIFT file, and generate 24 versions of a 40-item exam.

import_gift — Figure: `hocso questions import FILE --format gift --bank BENCH` into an empty
bank: parsing, validating and sanitizing every item, matching against the bank (identifier,
name, duplicate hash), and writing banks, items and their first versions in one transaction.
Then the same file again (everything `unchanged`). Floor: parsing the file alone
(`formats.gift.read`), as the issue asks.

generate_exam — Figure: `hocso exams generate --blueprint ID --versions 24 --seed 1`: choosing
and balancing 40 items per version from the bank's approved items, shuffling options, and
writing 24 exam-paper PDFs (math typeset), the answer-key PDF and the xlsx key. Floor: the same
papers written the most direct way — 24 random samples of the cells' items, each item's
plain text (stem and options) set with fpdf2's multi_cell and each distinct formula rendered
once by matplotlib's mathtext to a PNG placed in the text — no layout of options in columns, no
balancing, no answer keys.

Prints:
  import_gift: 10000 items X s; floor Y s; ratio R
  generate_exam: 24 versions × 40 items X s; floor Y s; ratio R
"""

import io
import os
import random
import re
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

from _setup import BENCH_DIR, Stopwatch, say, use_database

N = int(os.environ.get("N", "10000"))
VERSIONS = 24
# A 40-item, 10-point paper: 28 single choice × 0.25, 4 true/false-4 × 0.5, 8 short numeric
# × 0.125.
CELLS = (("I", "single_choice", 28, "0.25"), ("II", "true_false_4", 4, "0.5"),
         ("III", "short_numeric", 8, "0.125"))  # fmt: skip
POOL = {"single_choice": 150, "true_false_4": 20, "short_numeric": 40}


def item(n: int, kind: str):
    """A realistic mathematics item with a formula of its own."""
    from hocso.questions.interchange import Choice, ItemData, ItemType, NumericAnswer, Statement

    a, b = 2 + n % 7, 1 + n % 11
    tags = {"subject": "TOAN", "grade": "12", "level": ("biet", "hieu", "van_dung")[n % 3]}
    stem = f"Cho hàm số \\(f(x) = {a}x^{{2}} + {b}x - {n % 5}\\). Câu hỏi số {n}:"
    if kind == "single_choice":
        right = 2 * a + b
        return ItemData(
            type=ItemType.SINGLE_CHOICE,
            name=f"Câu {n}",
            stem=stem + " tính \\(f'(1)\\).",
            choices=[Choice(str(right), Decimal(1))] + [Choice(str(right + d)) for d in (1, -1, 2)],
            tags=tags,
        )
    if kind == "true_false_4":
        return ItemData(
            type=ItemType.TRUE_FALSE_4,
            name=f"Câu {n}",
            stem=stem + " xét tính đúng sai.",
            statements=[
                Statement(f"\\(f(0) = {-(n % 5)}\\)", True),
                Statement(f"\\(f'(x) = {2 * a}x + {b}\\)", True),
                Statement(f"Đồ thị đi qua điểm \\((1; {a + b})\\)", n % 5 == 0),
                Statement("Hàm số đồng biến trên \\(\\mathbb{R}\\)", False),
            ],
            tags=tags,
        )
    return ItemData(
        type=ItemType.SHORT_NUMERIC, name=f"Câu {n}", stem=stem + " tính \\(f(1)\\).",
        numeric_answers=[NumericAnswer(Decimal(a + b - n % 5))], tags=tags,
    )  # fmt: skip


def make_gift(path: Path) -> None:
    from hocso.questions.formats import gift

    kinds = ("single_choice", "true_false_4", "short_numeric")
    items = [item(n, kinds[n % 3]) for n in range(N)]
    path.write_text(gift.write(items), encoding="utf-8")


def bench_import() -> None:
    from django.core.management import call_command
    from django.db import transaction

    from hocso.questions.formats import gift
    from hocso.questions.models import Bank, Item, ItemVersion

    path = BENCH_DIR / f"questions-{N}.gift"
    if not path.exists():
        say(f"bench_questions: writing {N} items to {path.name}…")
        make_file_path = path.with_suffix(".tmp")
        make_gift(make_file_path)
        make_file_path.rename(path)
    with transaction.atomic():  # start from an empty bank (items and versions refer to each other)
        Item.objects.filter(bank__code="BENCH").update(current_version=None)
        ItemVersion.objects.filter(item__bank__code="BENCH").delete()
        Item.objects.filter(bank__code="BENCH").delete()
        Bank.objects.filter(code="BENCH").delete()
    args = ("questions", "import", str(path), "--format", "gift", "--bank", "BENCH")
    with Stopwatch() as figure:
        call_command(*args, stdout=io.StringIO())
    with Stopwatch() as again:
        call_command(*args, stdout=io.StringIO())
    with Stopwatch() as floor:
        result = gift.read(path.read_bytes())
    assert len(result.items) == N and not result.problems, result.problems[:3]
    assert Item.objects.filter(bank__code="BENCH").count() == N
    print(
        f"import_gift: {N} items {figure.seconds:.1f} s; floor {floor.seconds:.1f} s; "
        f"ratio {figure.seconds / floor.seconds:.1f}"
    )
    print(
        f"import_gift again (all unchanged): {again.seconds:.1f} s; "
        f"ratio {again.seconds / floor.seconds:.1f}"
    )


def exam_bank():
    """A bank of approved items (the pool) and the 40-item blueprint, created once."""
    from hocso.curriculum.models import Subject
    from hocso.orgs.models import OrgUnit
    from hocso.questions import blueprints, services
    from hocso.questions.blueprints import CellInput
    from hocso.questions.interchange import ReadResult
    from hocso.questions.models import Blueprint, Item, ItemStatus

    found = Blueprint.objects.filter(code="BENCH-40").first()
    if Item.objects.filter(bank__code="BENCH-EXAM").exists() and found is not None:
        return found
    pool = [item(100_000 + 1000 * k + n, kind)
            for k, (kind, count) in enumerate(POOL.items()) for n in range(count)]  # fmt: skip
    summary = services.items_import(actor=None, bank_code="BENCH-EXAM",
                                    result=ReadResult(items=pool))  # fmt: skip
    assert summary.created == len(pool), summary.problems[:3]
    # Reviewing is not what is measured: approve the pool directly.
    Item.objects.filter(bank__code="BENCH-EXAM").update(status=ItemStatus.APPROVED)
    if found is not None:
        return found
    province = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
    cells = [
        CellInput(part=part, item_type=kind, count=count, points_per_item=Decimal(points))
        for part, kind, count, points in CELLS
    ]
    return blueprints.blueprint_create(
        actor=None, org_unit=province, code="BENCH-40", name="Đề 40 câu (benchmark)",
        subject=Subject.objects.get(code="TOAN"), grade=12, duration_minutes=90,
        parts=blueprints.parts_2025(28, 4, 8), cells=cells,
    )  # fmt: skip


def floor_papers(candidates: dict[str, list], output: Path) -> None:
    """24 papers, the direct way (see the module docstring)."""
    from fpdf import FPDF
    from matplotlib import mathtext

    from hocso.assessment.transcript_pdf import FONT_DIR
    from hocso.questions.paper_pdf import plain_text

    formula = re.compile(r"\\\((.+?)\\\)")
    images: dict[str, bytes] = {}

    def png(latex: str) -> io.BytesIO:
        if latex not in images:
            buffer = io.BytesIO()
            mathtext.math_to_image(f"${latex}$", buffer, dpi=300, format="png")
            images[latex] = buffer.getvalue()
        return io.BytesIO(images[latex])

    rng = random.Random(1)
    for version in range(VERSIONS):
        pdf = FPDF()
        pdf.add_font("DejaVu", fname=str(FONT_DIR / "DejaVuSans.ttf"))
        pdf.set_font("DejaVu", size=11)
        pdf.add_page()
        for _part, kind, count, _points in CELLS:
            for n, data in enumerate(rng.sample(candidates[kind], count), start=1):
                texts = [data.stem] + [c.text for c in data.choices]
                texts += [s.text for s in data.statements]
                for text in texts:
                    for latex in formula.findall(text):
                        pdf.image(png(latex), x=pdf.l_margin, h=5)
                    pdf.set_x(pdf.l_margin)
                    pdf.multi_cell(0, 6, f"{n}. {plain_text(formula.sub('', text))}")
        pdf.output(str(output / f"floor_{version}.pdf"))


def bench_generate() -> None:
    from django.core.management import call_command

    from hocso.questions.models import Item, ItemStatus
    from hocso.questions.services import item_data

    blueprint = exam_bank()
    candidates: dict[str, list] = {}
    for found in Item.objects.filter(bank__code="BENCH-EXAM", status=ItemStatus.APPROVED):
        data = item_data(found)
        candidates.setdefault(str(data.type), []).append(data)
    with tempfile.TemporaryDirectory() as out:
        args = ("exams", "generate", "--blueprint", str(blueprint.pk), "--versions",
                str(VERSIONS), "--seed", "1", "--output", out)  # fmt: skip
        with Stopwatch() as figure:
            call_command(*args, stdout=io.StringIO())
        written = sorted(p.name for p in Path(out).iterdir())
        assert len([n for n in written if n.startswith("de_")]) == VERSIONS, written
        with Stopwatch() as floor:
            floor_papers(candidates, Path(out))
    print(
        f"generate_exam: {VERSIONS} versions × 40 items {figure.seconds:.1f} s; "
        f"floor {floor.seconds:.1f} s; ratio {figure.seconds / floor.seconds:.1f}"
    )


def main() -> int:
    use_database("questions")
    from hocso.orgs.models import OrgUnit

    if not OrgUnit.objects.exists():  # a bank needs its province
        from hocso.orgs.services import orgunit_create

        orgunit_create(actor=None, code="86", name="Tỉnh Vĩnh Long", kind="province")
    bench_import()
    bench_generate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
