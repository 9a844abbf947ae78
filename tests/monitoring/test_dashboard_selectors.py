"""monitoring/dashboard.py: the figures behind the dashboard pages (values, targets, status, the
indicators without a source, trends, rankings, breakdowns) and how many queries they take."""

from decimal import Decimal

import pytest
from django.utils import timezone

from hocso.monitoring import dashboard
from hocso.monitoring.compute import recompute
from hocso.monitoring.models import Indicator, IndicatorValue, Target
from hocso.monitoring.selectors import NO_DATA, Figure
from hocso.orgs.models import OrgKind, SchoolType

from ..factories import make_school, make_unit, make_year

D = Decimal


def _store(code, unit, year, numerator, denominator=None, breakdown=""):
    return IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code=code), org_unit=unit, year=year,
        breakdown=breakdown, numerator=D(numerator),
        denominator=None if denominator is None else D(denominator), computed_at=timezone.now(),
    )  # fmt: skip


def _frame(users, unit, year, actor=None):
    return dashboard.frame_for(actor=actor or users.province, unit=unit, year=year)


def _card(result, code):
    return next(c for c in result.cards if c.indicator.code == code)


@pytest.fixture
def stored(school_data):
    recompute(year=school_data.year)
    return school_data


# --- status against the target ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "target", "higher", "expected"),
    [
        ("100", "100", True, "met"),
        ("96", "100", True, "near"),  # 4 points short: within the 5-point margin
        ("95", "100", True, "near"),
        ("94.99", "100", True, "below"),
        ("120", "100", True, "met"),
        ("3", "5", False, "met"),  # lower is better: under the target is met
        ("9", "5", False, "near"),
        ("11", "5", False, "below"),
        (None, "100", True, "no_value"),
        ("50", None, True, "no_target"),
    ],
)
def test_status_honours_the_target_and_which_way_is_better(db, value, target, higher, expected):
    indicator = Indicator(code="x", unit="percent", source="enrollment", higher_is_better=higher)
    value = None if value is None else D(value)
    target = None if target is None else D(target)
    assert dashboard.status_of(value, target, indicator) == expected


def test_near_is_a_share_of_the_target_for_a_ratio(db):
    indicator = Indicator(code="x", unit="ratio", source="enrollment", higher_is_better=False)
    assert dashboard.status_of(D("20.9"), D("20"), indicator) == "near"  # within 5% of 20
    assert dashboard.status_of(D("21.1"), D("20"), indicator) == "below"


def test_an_indicator_without_a_source_has_no_status_but_that(db):
    indicator = Indicator(code="x", unit="percent", source="")
    assert dashboard.status_of(None, D("100"), indicator) == "no_source"


# --- the overview -------------------------------------------------------------------------------


def test_the_overview_gives_each_indicator_its_figure_target_gap_and_status(users, stored):
    result = dashboard.overview(unit=stored.tree.province, year=stored.year)
    card = _card(result, "learners_valid_id")
    assert (card.figure.numerator, card.figure.denominator) == (D(4), D(6))
    assert card.value == D("66.67")
    assert card.target == D(100)  # the 2025 target stays in force after 2025
    assert card.gap == D("-33.33")
    assert card.status == "below"
    assert card.value_text == "66,7%"
    teachers = _card(result, "teachers_with_record")
    assert (teachers.figure.numerator, teachers.figure.denominator) == (D(3), D(4))
    enrollment = _card(result, "enrollment")
    assert (enrollment.value, enrollment.target, enrollment.status) == (D(6), None, "no_target")
    assert result.stored


def test_the_overview_lists_the_plan_first_then_the_statistics(users, stored):
    result = dashboard.overview(unit=stored.tree.province, year=stored.year)
    assert all(c.indicator.in_plan for c in result.plan)
    assert not any(c.indicator.in_plan for c in result.statistics)
    assert [c.indicator.code for c in result.cards] == list(
        Indicator.objects.filter(in_plan=True)
        .order_by("order", "code")
        .values_list("code", flat=True)
    ) + list(
        Indicator.objects.filter(in_plan=False)
        .order_by("order", "code")
        .values_list("code", flat=True)
    )


def test_an_indicator_without_a_source_says_so_and_never_shows_zero(users, stored):
    result = dashboard.overview(unit=stored.tree.province, year=stored.year)
    for code in ("online_curriculum_share", "eservices_online"):
        card = _card(result, code)
        assert card.figure == NO_DATA
        assert card.status == "no_source"
        assert card.value_text == "—"
        assert card.status_label == "Chưa có nguồn dữ liệu"


def test_a_school_gets_its_own_figures(users, stored):
    result = dashboard.overview(unit=stored.tree.school_a, year=stored.year)
    card = _card(result, "learners_valid_id")
    assert (card.figure.numerator, card.figure.denominator, card.value) == (D(2), D(4), D(50))
    # One school's share of schools managing facilities is 0 or 100%: flagged as such.
    assert _card(result, "facilities_managed").below_lowest_level
    assert not card.below_lowest_level


def test_without_stored_values_the_figures_are_computed_and_the_same(users, school_data):
    computed = dashboard.overview(unit=school_data.tree.province, year=school_data.year)
    assert not computed.stored
    assert not IndicatorValue.objects.exists()  # a read writes nothing
    recompute(year=school_data.year)
    stored = dashboard.overview(unit=school_data.tree.province, year=school_data.year)
    assert [c.figure for c in computed.cards] == [c.figure for c in stored.cards]


def test_the_table_computed_on_demand_matches_the_stored_one(users, school_data):
    frame = _frame(users, school_data.tree.province, school_data.year)
    computed = dashboard.indicator_table(frame=frame)
    recompute(year=school_data.year)
    stored = dashboard.indicator_table(frame=frame)
    assert [[c.figure for c in r.cells] for r in computed.rows] == [
        [c.figure for c in r.cells] for r in stored.rows
    ]


# --- one indicator: trend, ranking, breakdowns --------------------------------------------------


def test_the_trend_runs_over_every_year_with_a_stored_value_with_each_years_target(
    users, tree, django_assert_num_queries
):
    years = [make_year(code) for code in ("2023-2024", "2024-2025", "2025-2026")]
    indicator = Indicator.objects.get(code="facilities_managed")  # targets 2025: 80, 2030: 100
    for year, (num, den) in zip(years, [(1, 4), (2, 4), (3, 4)], strict=True):
        _store("facilities_managed", tree.province, year, num, den)
    _store("facilities_managed", tree.commune1, years[0], 4, 4)  # another unit: not in the trend
    indicator = dashboard.selectors.indicators_catalog().get(code="facilities_managed")
    current = Figure(D(3), D(4), D(75))
    with django_assert_num_queries(1):
        points = dashboard.trend(indicator, tree.province, years[2], current)
    assert [p.year.code for p in points] == ["2023-2024", "2024-2025", "2025-2026"]
    assert [p.figure.value for p in points] == [D(25), D(50), D(75)]
    assert [p.target for p in points] == [D(80), D(80), D(100)]
    assert all(p.stored for p in points)


def test_the_shown_year_joins_the_trend_when_it_is_not_stored(users, tree):
    old, shown = make_year("2024-2025"), make_year("2025-2026")
    _store("enrollment", tree.province, old, 10)
    indicator = Indicator.objects.get(code="enrollment")
    points = dashboard.trend(indicator, tree.province, shown, Figure(D(12), None, D(12)))
    assert [(p.year.code, p.figure.value, p.stored) for p in points] == [
        ("2024-2025", D(10), True),
        ("2025-2026", D(12), False),
    ]


def _communes(province, year, values):
    """Communes under the province, each with a stored learners_valid_id pair."""
    units = []
    for position, (name, pair) in enumerate(values.items()):
        commune = make_unit(f"9{position:04d}", name, OrgKind.COMMUNE, province)
        if pair is not None:
            _store("learners_valid_id", commune, year, *pair)
        units.append(commune)
    return units


def test_the_ranking_puts_the_best_first_ties_share_a_rank_and_no_value_last(users, tree, year):
    _communes(
        tree.province,
        year,
        {"Xã An": (9, 10), "Xã Bình": (5, 10), "Xã Cầu": None, "Xã Đông": (9, 10)},
    )
    frame = _frame(users, tree.province, year)
    detail = dashboard.indicator_detail(frame=frame, code="learners_valid_id")
    ranked = [(r.rank, r.unit.name, r.figure.value) for r in detail.ranking]
    assert ranked[:3] == [(1, "Xã An", D(90)), (1, "Xã Đông", D(90)), (3, "Xã Bình", D(50))]
    # The districts (no learners: 0/0) and Xã Cầu (computed on demand: 0/0) have no value.
    assert {name for rank, name, value in ranked[3:]} == {
        "Xã Cầu", "Thành phố Trà Vinh", "Huyện Trà Cú",
    }  # fmt: skip
    assert all(rank is None and value is None for rank, _, value in ranked[3:])


def test_when_lower_is_better_the_lowest_ranks_first(users, tree, year):
    for name, pair in {"Xã An": (1, 10), "Xã Bình": (3, 10)}.items():
        commune = make_unit(name[-3:].upper() + "1", name, OrgKind.COMMUNE, tree.province)
        _store("dropout_rate", commune, year, *pair)
    detail = dashboard.indicator_detail(
        frame=_frame(users, tree.province, year), code="dropout_rate"
    )
    assert [r.unit.name for r in detail.ranking[:2]] == ["Xã An", "Xã Bình"]


def test_the_breakdowns_are_the_stored_ones_by_gender_and_school_level(users, stored):
    frame = _frame(users, stored.tree.province, stored.year)
    detail = dashboard.indicator_detail(frame=frame, code="learners_valid_id")
    gender = {
        row.label: (row.figure.numerator, row.figure.denominator)
        for row in detail.breakdowns["gender"]
    }
    assert gender == {"Nữ": (D(2), D(2)), "Nam": (D(2), D(4))}
    levels = {
        row.label: (row.figure.numerator, row.figure.denominator)
        for row in detail.breakdowns["school_level"]
    }
    assert levels == {"THCS": (D(2), D(4)), "Tiểu học": (D(2), D(2))}


def test_an_indicator_without_a_source_has_no_trend_ranking_values_or_breakdowns(users, stored):
    frame = _frame(users, stored.tree.province, stored.year)
    detail = dashboard.indicator_detail(frame=frame, code="eservices_online")
    assert detail.trend == []
    assert detail.breakdowns == {}
    assert all(r.figure == NO_DATA and r.rank is None for r in detail.ranking)


def test_an_unknown_indicator_is_does_not_exist(users, tree, year):
    with pytest.raises(Indicator.DoesNotExist):
        dashboard.indicator_detail(frame=_frame(users, tree.province, year), code="nope")


def test_the_table_sorts_children_by_an_indicator_and_keeps_the_unit_first(users, tree, year):
    _communes(tree.province, year, {"Xã An": (5, 10), "Xã Bình": (9, 10), "Xã Cầu": (7, 10)})
    frame = _frame(users, tree.province, year)
    table = dashboard.indicator_table(frame=frame, sort="learners_valid_id", descending=True)
    names = [row.unit.name for row in table.rows]
    assert names[0] == "Tỉnh Trà Vinh"
    assert names[1:4] == ["Xã Bình", "Xã Cầu", "Xã An"]
    ascending = dashboard.indicator_table(frame=frame, sort="learners_valid_id")
    assert [row.unit.name for row in ascending.rows][1:4] == ["Xã An", "Xã Cầu", "Xã Bình"]


# --- the frame: breadcrumb and picker -----------------------------------------------------------


def test_the_frame_lists_readable_ancestors_and_children_in_scope(users, tree, year):
    frame = _frame(users, tree.commune1, year)
    assert [u.code for u in frame.ancestors] == ["84", "842"]
    # By name: "THCS Lý Tự Trọng" before "Tiểu học Phường 1".
    assert [u.code for u in frame.children] == ["84000001", "84000002"]
    teacher_frame = _frame(users, tree.school_a, year, actor=users.teacher_a)
    assert teacher_frame.ancestors == []  # the commune is outside a teacher's scope


# --- queries do not grow with the number of children or years -----------------------------------


def _grow(province, year, communes: int, tag: str):
    for n in range(communes):
        commune = make_unit(f"7{tag}{n:03d}", f"Xã {tag} {n}", OrgKind.COMMUNE, province)
        make_school(f"8{tag}{n:06d}", commune, SchoolType.PRIMARY)


@pytest.mark.parametrize("stored_first", [True, False], ids=["stored", "on-demand"])
def test_query_counts_do_not_grow_with_the_number_of_children(
    users, school_data, django_assert_max_num_queries, stored_first
):
    tree, year = school_data.tree, school_data.year

    def pages():
        frame = _frame(users, tree.province, year)
        dashboard.overview(unit=tree.province, year=year)
        dashboard.indicator_detail(frame=frame, code="learners_valid_id")
        dashboard.indicator_table(frame=frame, sort="enrollment")

    _grow(tree.province, year, 2, "a")
    if stored_first:
        recompute(year=year)
    with django_assert_max_num_queries(80) as small:
        pages()
    _grow(tree.province, year, 8, "b")
    if stored_first:
        recompute(year=year)
    with django_assert_max_num_queries(len(small.captured_queries)):
        pages()


def test_query_counts_do_not_grow_with_the_number_of_years(
    users, tree, django_assert_max_num_queries
):
    def detail(year):
        frame = _frame(users, tree.province, year)
        dashboard.indicator_detail(frame=frame, code="enrollment")

    first = make_year("2025-2026")
    _store("enrollment", tree.province, first, 5)
    with django_assert_max_num_queries(40) as few:
        detail(first)
    for code in ("2020-2021", "2021-2022", "2022-2023", "2023-2024", "2024-2025"):
        _store("enrollment", tree.province, make_year(code), 5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        detail(first)


def test_targets_come_from_the_prefetched_catalog(users, stored, django_assert_max_num_queries):
    Target.objects.update_or_create(
        indicator=Indicator.objects.get(code="enrollment"), year=2030, defaults={"value": 10}
    )
    with django_assert_max_num_queries(6):
        result = dashboard.overview(unit=stored.tree.province, year=stored.year)
    assert _card(result, "enrollment").target == D(10)
