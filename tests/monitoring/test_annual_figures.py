"""The annual report's figures (monitoring/annual.py): the plan's indicators against their
targets with the previous year, the statistics, the child units, the no-source rows, the draft."""

from datetime import date
from decimal import Decimal

import pytest

from hocso.assessment.models import LearningResult, Level, Period
from hocso.monitoring import annual
from hocso.monitoring.compute import recompute
from hocso.monitoring.models import IndicatorValue, Target
from hocso.monitoring.selectors import target_for
from hocso.registry.services import class_create

from ..factories import make_year
from .conftest import add_learner

D = Decimal


PLAN = [
    "learners_valid_id", "teachers_with_record", "facilities_managed", "learners_online_ready",
    "curriculum_covered", "schools_using_platform", "online_curriculum_share", "eservices_online",
]  # fmt: skip
WITH_SOURCE = PLAN[:6]


@pytest.fixture
def plan(indicators):
    """The seeded catalog (migration 0002) with the fixture's sources: the plan's indicators
    and their 2025/2030 targets, two of them without a data source."""
    return indicators


def _row(figures, code):
    row = figures.row(code)
    assert row is not None, code
    return row


def test_plan_indicators_carry_value_fraction_target_gap_and_status(school_data, plan):
    tree, year = school_data.tree, school_data.year
    figures = annual.annual_figures(tree.commune1, year)
    valid = _row(figures, "learners_valid_id")
    # A: a1 a2 valid of a1 a2 a3 a5; B: b1 b2 valid → 4 of 6.
    assert (valid.figure.numerator, valid.figure.denominator) == (D(4), D(6))
    assert valid.figure.value == D("66.67")
    assert valid.target == D(100) and valid.target_year == 2025
    assert valid.gap == D("-33.33")
    assert valid.status == annual.BELOW
    assert valid.value_text == "66,67%"
    assert valid.gap_text == "-33,33"
    # 2025-2026 ends in 2026: the next target year (2030) applies, as selectors.target_for says.
    online = _row(figures, "learners_online_ready")
    assert online.target == target_for(plan["learners_online_ready"], year)
    assert (online.target, online.target_year) == (D(100), 2030)
    assert online.figure.value == D(50) and online.status == annual.BELOW
    assert [r.code for r in figures.plan] == PLAN
    assert "enrollment" in [r.code for r in figures.statistics]


def test_status_near_and_met(school_data, plan):
    tree, year = school_data.tree, school_data.year
    Target.objects.filter(indicator__code="learners_online_ready", year=2030).update(value=D(54))
    Target.objects.filter(indicator__code="learners_valid_id").update(value=D(50))
    figures = annual.annual_figures(tree.commune1, year)
    assert _row(figures, "learners_online_ready").status == annual.NEAR  # 50 vs 54
    assert _row(figures, "learners_valid_id").status == annual.MET  # 66.67 vs 50
    assert _row(figures, "learners_valid_id").gap_text == "+16,67"


def test_indicator_without_source_is_listed_as_such_never_with_a_number(school_data, plan):
    figures = annual.annual_figures(school_data.tree.province, school_data.year)
    row = _row(figures, "eservices_online")
    assert row.status == annual.NO_SOURCE
    assert row.figure.value is None and row.figure.numerator is None
    assert row.value_text == "Chưa có nguồn dữ liệu"
    assert [r.code for r in figures.no_source] == ["online_curriculum_share", "eservices_online"]
    # Not a column of the child units' table either.
    assert [i.code for i in figures.child_indicators] == WITH_SOURCE


def test_previous_year_value_comes_from_that_year(school_data, plan):
    tree, year = school_data.tree, school_data.year
    before = make_year("2024-2025")
    klass = class_create(actor=None, school=tree.school_b, year=before, grade=1, name="1B")
    add_learner(klass, start=before.start_date, national_id="084212000901")
    add_learner(klass, start=before.start_date, national_id="084312000902")  # 3: female, not M
    add_learner(klass, start=before.start_date, national_id="084212000903")
    figures = annual.annual_figures(tree.commune1, year)
    assert figures.previous_year == before
    valid = _row(figures, "learners_valid_id")
    assert valid.previous.value == D("66.67")
    assert valid.previous_text == "66,67%"
    assert _row(figures, "khmer_share").previous.value == D(0)
    # The oldest year has none before it.
    assert annual.annual_figures(tree.commune1, before).plan[0].previous is None


def test_stored_figures_are_read_rather_than_recomputed(school_data, plan):
    tree, year = school_data.tree, school_data.year
    recompute(year=year)
    IndicatorValue.objects.filter(
        indicator__code="learners_valid_id", org_unit=tree.commune1, year=year, breakdown=""
    ).update(numerator=D(5))
    assert _row(annual.annual_figures(tree.commune1, year), "learners_valid_id").figure.value == (
        D("83.33")
    )


def test_statistics_and_enrollment_by_level_and_gender(school_data, plan):
    tree, year = school_data.tree, school_data.year
    figures = annual.annual_figures(tree.commune1, year)
    assert _row(figures, "dropout_rate").figure.value == D("14.29")  # 1 of 7 enrollments
    assert _row(figures, "learner_teacher_ratio").value_text == "2"
    rows = {r.label: (r.male.value, r.female.value, r.total.value) for r in figures.enrollment}
    # THCS: a1 a3 a5 male, a2 female; Tiểu học: b2 male, b1 female.
    assert rows == {"Tiểu học": (1, 1, 2), "THCS": (3, 1, 4), "Tổng số": (4, 2, 6)}
    assert figures.enrollment[-1].is_total


def test_learning_results_counted_per_stage_and_level(school_data, plan):
    tree, year = school_data.tree, school_data.year
    a6 = school_data.classes[0]
    learners = school_data.learners
    for student, level in ((learners.a1, Level.GOOD), (learners.a2, Level.FAIR),
                           (learners.a3, Level.FAIR), (learners.a5, None)):  # fmt: skip
        LearningResult.objects.create(
            school=tree.school_a, year=year, term=Period.YEAR, student=student,
            school_class=a6, level=level,
        )  # fmt: skip
    LearningResult.objects.create(
        school=tree.school_a, year=year, term=Period.FIRST, student=learners.a5,
        school_class=a6, level=Level.FAIL,
    )  # fmt: skip
    figures = annual.annual_figures(tree.province, year)
    assert [(r.label, [c.value for c in r.counts], r.total.value) for r in figures.results] == [
        ("THCS", [1, 2, 0, 0], 3)
    ]
    assert figures.results[0].shares == ["33,3%", "66,7%", "0%", "0%"]


def test_child_units_table_has_the_plan_indicators(school_data, plan):
    tree, year = school_data.tree, school_data.year
    figures = annual.annual_figures(tree.commune1, year)
    assert [c.unit.code for c in figures.children] == ["84000001", "84000002"]
    texts = {c.unit.code: c.texts(figures.child_indicators) for c in figures.children}
    # valid ID, teachers with a record, facilities, online-ready, (curriculum), platform.
    assert {code: t[:4] + t[5:] for code, t in texts.items()} == {
        "84000001": ["50%", "66,67%", "100%", "50%", "100%"],
        "84000002": ["100%", "100%", "0%", "50%", "0%"],
    }


def test_a_closed_child_is_not_listed(school_data, plan):
    tree, year = school_data.tree, school_data.year
    tree.school_b.valid_to = date(2020, 1, 1)
    tree.school_b.save(update_fields=["valid_to"])
    figures = annual.annual_figures(tree.commune1, year)
    assert [c.unit.code for c in figures.children] == ["84000001"]


def test_draft_narrative_reads_the_public_figures(school_data, plan):
    figures = annual.annual_figures(school_data.tree.commune1, school_data.year)
    draft = annual.draft_narrative(figures)
    # Teachers: no learner behind the figure, shown as it is.
    assert "teachers_with_record đạt 75%" in draft
    assert "còn thiếu 25 điểm phần trăm so với mục tiêu 100% năm 2025" in draft
    assert "Chưa có nguồn dữ liệu để đánh giá: Tỉ lệ nội dung chương trình được dạy học" in draft
    # 4 of 6 learners with a valid ID (66,67%) is hidden in the public tables: not written.
    assert figures.row("learners_valid_id").value_text == "66,67%"
    assert "66,67%" not in draft.split("Các đơn vị")[0]
    assert "learners_valid_id: số liệu năm học 2025-2026 được ẩn" in draft
    # 6 learners are shown, the 2 girls are not.
    assert "có 6 người học" in draft and "nữ 2" not in draft
    assert "84000001" not in draft  # names, not codes
    assert (
        annual.draft_narrative(
            annual.annual_figures(school_data.tree.commune1, school_data.year, public=True)
        )
        == draft
    )


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [(D("97.50"), 2, "97,5"), (D("1234567"), 0, "1.234.567"), (D("-2.5"), 2, "-2,5"),
     (D("0.005"), 2, "0,01"), (D(100), 2, "100"), (None, 2, "—")],
)  # fmt: skip
def test_numbers_are_written_the_vietnamese_way(value, places, text):
    assert annual.format_number(value, places) == text
