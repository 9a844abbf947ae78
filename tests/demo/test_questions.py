"""The demo question bank (hocso/demo/questions.py): what `hocso seed-demo` puts in it, that the
computed answers are right, and that the ready 2025 blueprint can be generated."""

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from math import gcd, isqrt

import pytest

from hocso.accounts.models import User
from hocso.curriculum.models import Topic
from hocso.demo.accounts import PROVINCE_OFFICER, SCHOOL_ADMINS, TEACHER
from hocso.demo.data.geography import SUCCESSOR_CODE
from hocso.demo.questions import (
    EVENTS,
    PROVINCE_BANK,
    SCHOOL_BANK,
    TOPICS,
    question_drafts,
    tdec,
    tfrac,
)
from hocso.demo.resources import TOPICS as LIBRARY_TOPICS
from hocso.questions.blueprints import blueprint_check, exam_versions_generate
from hocso.questions.interchange import ItemType
from hocso.questions.models import Blueprint, Item, ItemStatus, ReviewDecision, SharingScope
from hocso.questions.rules import short_answer_2025_problems
from hocso.questions.services import item_data
from hocso.questions.validation import item_problems

pytestmark = pytest.mark.django_db
DEMO_GRADES = False  # the bank does not depend on the grade books

SEED = 11  # tests/demo/conftest.py's DEMO_SEED


# --- the answers, computed again here another way ------------------------------------------------


def _sqrt(n) -> int:
    root = isqrt(n)
    assert root * root == n, f"{n} is not a perfect square"
    return root


def _quadratic_roots(a, b, c) -> list[Fraction]:
    """Rational roots of ax² + bx + c (the templates only make rational ones)."""
    disc = b * b - 4 * a * c
    root = _sqrt(disc)
    return sorted({Fraction(-b - root, 2 * a), Fraction(-b + root, 2 * a)})


def _cubic(p, x):
    return x**3 + p["b"] * x**2 + p["c"] * x + p["d"]


def _critical(p) -> list[Fraction]:
    # f(x) = x³ + bx² + cx + d, f'(x) = 3x² + 2bx + c
    return _quadratic_roots(3, 2 * p["b"], p["c"])


def _simpson(p):
    """∫ of 3a·x² + 2b·x + c over [lo, hi]: Simpson's rule is exact for a quadratic."""

    def f(x):
        return 3 * p["a"] * x * x + 2 * p["b"] * x + p["c"]

    lo, hi = Fraction(p["lo"]), Fraction(p["hi"])
    return (hi - lo) / 6 * (f(lo) + 4 * f((lo + hi) / 2) + f(hi))


def _dominant(parent1: str, parent2: str) -> Fraction:
    """Share of offspring with the dominant phenotype: every pair of gametes, counted."""
    children = [x + y for x in parent1 for y in parent2]
    return Fraction(sum(1 for child in children if any(ch.isupper() for ch in child)), 4)


def _remaining(m0, elapsed, half_life):
    """m0 · 2^(−t/T) for a whole number of half-lives."""
    halvings = Fraction(elapsed, half_life)
    assert halvings.denominator == 1
    return Fraction(m0, 2**halvings.numerator)


def _mendel(p):
    a1, b1, a2, b2 = p["cross"]
    return _dominant(a1, a2) * _dominant(b1, b2) * 100


# moles of metal per mole of H₂ from the balanced equations with hydrochloric acid
_H2_EQUATIONS = {"Mg": (1, 1), "Fe": (1, 1), "Zn": (1, 1), "Al": (2, 3)}  # (metal, H₂)
_MASS = {"Mg": 24, "Fe": 56, "Zn": 65, "Al": 27}

RECOMPUTE = {
    "derivative_at": lambda p: 3 * p["a"] * p["x0"] ** 2 + 2 * p["b"] * p["x0"] + p["c"],
    "extremum_max": lambda p: _cubic(p, _critical(p)[0]),  # a > 0: the smaller root is the max
    "extremum_min": lambda p: _cubic(p, _critical(p)[1]),
    "max_on_interval": lambda p: max(
        _cubic(p, x) for x in [p["lo"], p["hi"], *_critical(p)] if p["lo"] <= x <= p["hi"]
    ),
    "integral": _simpson,
    "vector_length": lambda p: _sqrt(sum(x * x for x in p["u"])),
    "dot_product": lambda p: sum(x * y for x, y in zip(p["u"], p["v"], strict=True)),
    "distance": lambda p: _sqrt(sum((x - y) ** 2 for x, y in zip(p["a"], p["b"], strict=True))),
    "plane_distance": lambda p: Fraction(
        abs(sum(x * y for x, y in zip(p["n"], p["m"], strict=True)) + p["d"]),
        _sqrt(sum(x * x for x in p["n"])),
    ),
    "two_red": lambda p: Fraction(
        p["red"] * (p["red"] - 1), (p["red"] + p["blue"]) * (p["red"] + p["blue"] - 1)
    ),
    "two_red_rounded": lambda p: Fraction(
        p["red"] * (p["red"] - 1), (p["red"] + p["blue"]) * (p["red"] + p["blue"] - 1)
    ),
    "conditional": lambda p: p["p_ab"] / p["p_b"],
    "grouped_range": lambda p: p["bounds"][-1] - p["bounds"][0],
    "linear_system_sum": lambda p: (
        Fraction(p["c1"] * p["b2"] - p["c2"] * p["b1"], p["a1"] * p["b2"] - p["a2"] * p["b1"])
        + Fraction(p["a1"] * p["c2"] - p["a2"] * p["c1"], p["a1"] * p["b2"] - p["a2"] * p["b1"])
    ),
    "vieta_squares": lambda p: sum(r * r for r in _quadratic_roots(1, p["b"], p["c"])),
    "sqrt_product": lambda p: _sqrt(p["a"] * p["b"]),
    "hypotenuse": lambda p: _sqrt(p["a"] ** 2 + p["b"] ** 2),
    "altitude": lambda p: Fraction(p["a"] * p["b"], _sqrt(p["a"] ** 2 + p["b"] ** 2)),
    "circumference": lambda p: 2 * p["r"],  # × π
    "gcd": lambda p: gcd(p["x"], p["y"]),
    "lcm": lambda p: p["x"] * p["y"] // gcd(p["x"], p["y"]),
    "integer_sum": lambda p: -p["a"] + p["b"] + p["c"],
    "fraction_sum": lambda p: Fraction(p["a"] * p["d"] + p["c"] * p["b"], p["b"] * p["d"]),
    "half_life_mass": lambda p: _remaining(p["m0"], p["period"] * p["halvings"], p["period"]),
    "half_life_decayed": lambda p: 100 * (1 - Fraction(1, 2 ** p["halvings"])),
    "heat": lambda p: Fraction(p["m"]) * p["c"] * p["dt"] / 1000,
    "kelvin": lambda p: p["t"] + 273,
    "boyle": lambda p: Fraction(p["p1"] * p["v1"], p["v2"]),
    "charles": lambda p: Fraction(p["v1"] * p["t2"], p["t1"]),
    "magnetic_force": lambda p: p["b"] * p["i"] * p["l"] * {30: Fraction(1, 2), 90: 1}[p["angle"]],
    "wave_speed": lambda p: p["wavelength"] * p["frequency"],
    "ohm": lambda p: Fraction(p["u"]) / p["r"],
    "series": lambda p: p["r1"] + p["r2"],
    "parallel": lambda p: 1 / (Fraction(1, p["r1"]) + Fraction(1, p["r2"])),
    "period": lambda p: 1 / Fraction(p["f"]),
    "distance_accel": lambda p: p["v0"] * p["t"] + Fraction(p["a"] * p["t"] ** 2, 2),
    "speed_accel": lambda p: p["v0"] + p["a"] * p["t"],
    "free_fall": lambda p: Fraction(p["g"] * p["t"] ** 2, 2),
    "newton": lambda p: p["m"] * p["a"],
    "metal_mass": lambda p: p["h2"] * Fraction(*_H2_EQUATIONS[p["metal"]]) * _MASS[p["metal"]],
    "molar_mass": lambda p: p["moles"] * (12 * p["atoms"][0] + p["atoms"][1] + 16 * p["atoms"][2]),
    "gene_hydrogen": lambda p: 2 * p["a"] + 3 * p["g"],
    "gene_total": lambda p: 2 * (p["a"] + p["g"]),
    "gene_length": lambda p: (p["a"] + p["g"]) * Fraction("3.4"),
    "mendel": _mendel,
    "efficiency": lambda p: Fraction(p["e2"] * 100, p["e1"]),
    "density": lambda p: p["m"] / Fraction(p["v"]),
    "pressure": lambda p: Fraction(p["f"]) / p["s"],
    "liquid_pressure": lambda p: p["d"] * Fraction(p["h"]) / 1000,
    "mass_conservation": lambda p: p["a"] + p["b"] - p["c"],
    "event_year": lambda p: EVENTS[p["index"]][2],
}


def _shown(value) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


@pytest.fixture(scope="module")
def drafts():
    return question_drafts(SEED)


def test_every_computed_answer_is_what_the_parameters_give(drafts):
    computed = [d for d in drafts if d.answer is not None]
    assert len(computed) > 200
    for draft in computed:
        expected = Fraction(RECOMPUTE[draft.kind](draft.params))
        assert draft.answer == expected, (draft.kind, draft.params, draft.data.stem)
        if draft.data.type == ItemType.SHORT_NUMERIC:
            if draft.kind == "two_red_rounded":
                expected = Fraction(
                    _shown(expected).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                )
            assert Fraction(draft.data.numeric_answers[0].value) == expected, draft.data.stem
        elif draft.data.type == ItemType.SINGLE_CHOICE:
            right = next(c.text for c in draft.data.choices if c.fraction == 1)
            forms = {str(expected)}
            if expected.denominator == 1 or 10**6 % expected.denominator == 0:
                forms.add(tdec(expected))
            forms.add(tfrac(expected))
            shapes = ("\\({}\\)", "= {}\\)", "\\({}\\%", "\\({}\\pi", "Năm {}")
            assert any(shape.format(form) in right for form in forms for shape in shapes), (
                draft.kind, right, expected,
            )  # fmt: skip


def test_short_numeric_answers_fit_the_2025_answer_sheet(drafts):
    for draft in drafts:
        if draft.data.type == ItemType.SHORT_NUMERIC:
            value = draft.data.numeric_answers[0].value
            written = format(value.normalize(), "f").replace(".", ",")
            assert short_answer_2025_problems(written) == [], (draft.data.stem, written)


def test_choice_items_have_one_right_option_and_distinct_options(drafts):
    for draft in drafts:
        data = draft.data
        if data.type == ItemType.SINGLE_CHOICE:
            assert len(data.choices) == 4
            assert [c.fraction for c in data.choices].count(1) == 1
            assert len({c.text for c in data.choices}) == 4, data.stem
        if data.type == ItemType.MULTIPLE_RESPONSE:
            assert sum(c.fraction for c in data.choices) == 1
        if data.type == ItemType.TRUE_FALSE_4:
            assert len(data.statements) == 4
            assert len({s.text for s in data.statements}) == 4, data.stem


def test_same_seed_gives_the_same_bank_and_another_seed_another(drafts):
    again = question_drafts(SEED)
    assert [(d.data, d.bank, d.status, d.revised) for d in again] == [
        (d.data, d.bank, d.status, d.revised) for d in drafts
    ]
    other = question_drafts(SEED + 1)
    assert [d.data.stem for d in other] != [d.data.stem for d in drafts]


def test_the_items_use_no_english_words_of_the_template_code(drafts):
    # A template that leaked an identifier or an English phrase would show it to teachers.
    for draft in drafts:
        text = draft.data.stem.lower()
        for word in ("none", "true", "false", "answer", "question", "fraction("):
            assert word not in text, draft.data.stem


# --- what seed-demo loaded ------------------------------------------------------------------------


def test_seed_demo_loads_a_few_hundred_items_across_subjects_and_grades(demo, drafts):
    items = Item.objects.filter(bank__code__in=(PROVINCE_BANK, SCHOOL_BANK))
    assert 300 <= items.count() <= 500
    assert items.count() == len(drafts)
    assert len(set(items.values_list("subject__code", flat=True))) >= 6
    assert set(items.values_list("grade", flat=True)) >= {6, 8, 9, 10, 11, 12}
    types = Counter(items.values_list("type", flat=True))
    assert set(types) == {t.value for t in ItemType}
    assert types[ItemType.TRUE_FALSE_4] >= 20 and types[ItemType.SHORT_NUMERIC] >= 60
    assert "Ngân hàng câu hỏi:" in demo.output


def test_every_item_is_tagged_with_a_topic_of_its_subject_and_grade_and_a_level(demo):
    # The library's demo adds topics of its own, for other subjects and grades.
    assert Topic.objects.count() == sum(len(topics) for topics in TOPICS.values()) + sum(
        len(topics) for topics in LIBRARY_TOPICS.values()
    )
    items = Item.objects.filter(bank__code__in=(PROVINCE_BANK, SCHOOL_BANK)).select_related(
        "topic__grade_subject"
    )
    for item in items:
        assert item.topic.grade_subject.subject_id == item.subject_id
        assert item.topic.grade_subject.grade == item.grade
        assert item.level and item.source
    levels = set(items.values_list("level", flat=True))
    assert {"biet", "hieu", "van_dung"} <= levels and "van_dung_cao" in levels


def test_every_stored_item_passes_the_question_validation(demo):
    items = Item.objects.filter(bank__code__in=(PROVINCE_BANK, SCHOOL_BANK)).select_related(
        "current_version", "subject", "topic"
    )
    for item in items:
        assert item_problems(item_data(item, with_files=False)) == [], item.pk


def test_province_bank_is_mostly_approved_for_the_whole_province(demo):
    items = Item.objects.filter(bank__code=PROVINCE_BANK)
    statuses = Counter(items.values_list("status", flat=True))
    assert statuses[ItemStatus.APPROVED] >= 0.9 * items.count()
    assert statuses[ItemStatus.SUBMITTED] == 8 and statuses[ItemStatus.DRAFT] == 5
    approved = items.filter(status=ItemStatus.APPROVED)
    assert not approved.exclude(sharing=SharingScope.PROVINCE).exists()
    officer = User.objects.get(username=PROVINCE_OFFICER)
    assert all(
        item.comments.filter(decision=ReviewDecision.APPROVE, author=officer).exists()
        for item in approved
    )


def test_a_few_province_items_were_edited_after_approval_and_keep_both_versions(demo):
    edited = Item.objects.filter(bank__code=PROVINCE_BANK, current_version__number=2)
    assert edited.count() == 3
    for item in edited:
        assert item.versions.count() == 2
        assert item.status == ItemStatus.APPROVED and item.sharing == SharingScope.PROVINCE
        assert item.current_version.content["general_feedback"]
        assert not item.versions.get(number=1).content.get("general_feedback")


def test_school_bank_gives_the_review_queue_work(demo):
    teacher = User.objects.get(username=TEACHER)
    admin = User.objects.get(
        username=next(name for name, unit in SCHOOL_ADMINS.items() if "Lý Tự Trọng" in unit)
    )
    items = Item.objects.filter(bank__code=SCHOOL_BANK)
    assert not items.exclude(author=teacher).exists()
    statuses = Counter(items.values_list("status", flat=True))
    assert statuses == {
        ItemStatus.DRAFT: 23, ItemStatus.SUBMITTED: 12, ItemStatus.REVIEWED: 2,
        ItemStatus.APPROVED: 2, ItemStatus.RETIRED: 1,
    }  # fmt: skip
    for item in items.filter(status__in=(ItemStatus.REVIEWED, ItemStatus.RETIRED)):
        review = item.comments.get()
        assert review.author == admin and review.text
    assert not items.filter(sharing=SharingScope.PROVINCE).exists()
    assert set(items.values_list("grade", flat=True)) <= {6, 7, 8, 9}


def test_the_ready_2025_mathematics_blueprint_can_be_generated(demo):
    officer = User.objects.get(username=PROVINCE_OFFICER)
    blueprint = Blueprint.objects.get(code="TN2025-TOAN-12")
    assert blueprint.org_unit.code == SUCCESSOR_CODE
    assert blueprint_check(actor=officer, blueprint=blueprint) == []
    versions = exam_versions_generate(actor=officer, blueprint=blueprint, versions=2, seed=7)
    for version in versions:
        kinds = Counter(q.data.type for q in version.questions)
        assert kinds == {
            ItemType.SINGLE_CHOICE: 12,
            ItemType.TRUE_FALSE_4: 4,
            ItemType.SHORT_NUMERIC: 6,
        }
