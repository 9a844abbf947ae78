"""The reads behind the monitoring centre's dashboard pages (issue 7, "Dashboard").

For one unit and school year in the actor's scope:

- `overview`: every indicator of the catalog with its figure, the plan's target, the gap to it
  and a status (met / near / below, honouring `higher_is_better`); an indicator without a data
  source says so and never shows a zero.
- `indicator_detail`: one indicator's trend over every school year with a stored value (one
  query for all years), the ranking of the unit's child units, and the stored breakdowns
  (gender, school level).
- `indicator_table`: every indicator × (the unit and each child unit).

Figures are the stored `IndicatorValue` rows (`hocso monitoring recompute`), read in ONE query
for every indicator and unit of a page; the units without a stored row are computed on demand —
an additive source by one pass of its per-school query rolled up the tree, whatever the number
of children — and never written from here (a read must not change data). So the number of
queries depends on the number of indicators, not on the number of child units or years.

Scope: the unit comes from `selectors.unit_for` (DoesNotExist out of scope: a 404), its children
from `selectors._children_in_scope`; the pages check `access.can_view` first.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hocso.assessment.models import Level
from hocso.orgs.models import (
    Area,
    OrgKind,
    OrgUnit,
    Ownership,
    SchoolType,
    SchoolYear,
    ancestor_paths,
)
from hocso.registry.models import Gender

from . import selectors
from .models import Indicator, IndicatorValue, Unit
from .selectors import NO_DATA, Figure

# "Near" the target: within this many percentage points of a percent target, or within this share
# of any other target (`near_margin`; the alerts' below-target margin too).
NEAR_MARGIN_POINTS = Decimal(5)
NEAR_MARGIN_SHARE = Decimal("0.05")

MET, NEAR, BELOW = "met", "near", "below"
NO_TARGET, NO_SOURCE, NO_VALUE = "no_target", "no_source", "no_value"

STATUS_LABELS = {
    MET: gettext_lazy("Đạt mục tiêu"),
    NEAR: gettext_lazy("Gần đạt"),
    BELOW: gettext_lazy("Chưa đạt"),
    NO_TARGET: gettext_lazy("Không đặt mục tiêu"),
    NO_SOURCE: gettext_lazy("Chưa có nguồn dữ liệu"),
    NO_VALUE: gettext_lazy("Chưa có số liệu"),
}
# Bootstrap colour of each status (badges and the charts' bars).
STATUS_COLOURS = {
    MET: "success",
    NEAR: "warning",
    BELOW: "danger",
    NO_TARGET: "secondary",
    NO_SOURCE: "secondary",
    NO_VALUE: "secondary",
}

BREAKDOWN_GROUPS = {
    "gender": gettext_lazy("Giới tính"),
    "school_level": gettext_lazy("Cấp học (loại trường)"),
    "ownership": gettext_lazy("Công lập/ngoài công lập"),
    "area": gettext_lazy("Thành thị/nông thôn"),
    "ethnicity": gettext_lazy("Dân tộc"),
    "result": gettext_lazy("Kết quả học tập cả năm"),
}
# The labels of the breakdown values other than gender and school level (sources.py keys).
BREAKDOWN_VALUES = {
    "ownership": dict(Ownership.choices),
    "area": {**dict(Area.choices), "unknown": gettext_lazy("Chưa xác định")},
    "ethnicity": {
        # Proper names, the same in every language (the msgid "Khmer" is the language's name).
        "kinh": "Kinh",
        "khmer": "Khmer",
        "other": gettext_lazy("Dân tộc khác"),
    },
    "result": {
        "good": Level.GOOD.label,
        "fair": Level.FAIR.label,
        "pass": Level.PASS.label,
        "fail": Level.FAIL.label,
    },
}
KIND_ORDER = [OrgKind.MINISTRY, OrgKind.PROVINCE, OrgKind.DISTRICT, OrgKind.COMMUNE, OrgKind.SCHOOL]


# ---------------------------------------------------------------- status and formatting


def status_of(value: Decimal | None, target: Decimal | None, indicator: Indicator) -> str:
    """met / near / below against the target, honouring `higher_is_better`; no_source,
    no_value (nothing to divide yet) or no_target otherwise."""
    if not indicator.has_source:
        return NO_SOURCE
    if value is None:
        return NO_VALUE
    if target is None:
        return NO_TARGET
    gap = value - target
    if (gap >= 0) if indicator.higher_is_better else (gap <= 0):
        return MET
    return NEAR if abs(gap) <= near_margin(indicator, target) else BELOW


def near_margin(indicator: Indicator, target: Decimal) -> Decimal:
    """How far short of `target` a value may be and still be near it, in the indicator's unit.
    The one rule of the dashboard, the annual report and the below-target alert (raised when
    the status is BELOW)."""
    if indicator.unit == Unit.PERCENT:
        return NEAR_MARGIN_POINTS
    return abs(target) * NEAR_MARGIN_SHARE


def gap_of(value: Decimal | None, target: Decimal | None) -> Decimal | None:
    """value − target (in the indicator's unit; percentage points for a percent)."""
    if value is None or target is None:
        return None
    return value - target


def format_number(value, unit: str = Unit.COUNT, *, places: int | None = None) -> str:
    """A figure as Vietnamese readers write it ("1.234", "85,3"), rounded half-up (Django's
    number_format cuts digits off); a whole number without decimals; "—" for none."""
    if value is None:
        return "—"
    value = Decimal(value)
    if places is None:
        places = 2 if unit == Unit.COUNT else 1
    value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if value == value.to_integral_value():
        places = 0
    # Groups of three whatever the locale's NUMBER_GROUPING (vi sets none): "215.340".
    return numberformat.format(
        value,
        get_format("DECIMAL_SEPARATOR"),
        decimal_pos=places,
        grouping=3,
        thousand_sep=get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


def format_value(value, unit: str) -> str:
    """The value with its unit sign ("85,3%")."""
    if value is None:
        return "—"
    text = format_number(value, unit)
    return f"{text}%" if unit == Unit.PERCENT else text


def format_gap(gap: Decimal | None, unit: str) -> str:
    if gap is None:
        return "—"
    sign = "+" if gap > 0 else ("−" if gap < 0 else "±")
    text = format_number(abs(gap), unit)
    return f"{sign}{text}" + (_(" điểm %") if unit == Unit.PERCENT else "")


# ---------------------------------------------------------------- figures, many at once


def _common_path(units: list[OrgUnit]) -> str:
    """The longest path every unit's path starts with, ending on a "/" ("" when none)."""
    paths = [u.path for u in units]
    prefix = paths[0]
    for path in paths[1:]:
        while not path.startswith(prefix):
            prefix = prefix[: prefix.rstrip("/").rfind("/") + 1]
    return prefix


def _computed(indicator: Indicator, units: list[OrgUnit], year: SchoolYear) -> dict[int, tuple]:
    """(numerator, denominator) of units without a stored row, computed now: an additive source
    by one per-school pass rolled up to every unit of today's tree under them, the rest (a
    per-unit source, a closed unit) one by one through the engine."""
    from . import compute
    from .sources import SOURCES, current_units

    source = SOURCES.get(indicator.source)
    pairs: dict[int, tuple] = {}
    rest = list(units)
    if source is not None and source.additive and len(units) > 1:
        under = _common_path(units)
        tree = {
            u.path: u for u in current_units().filter(path__startswith=under).only("pk", "path")
        }
        totals = compute.rollup(source.per_school(year, under=under or None), tree)
        empty = (Decimal(0), None) if indicator.unit == Unit.COUNT else (Decimal(0), Decimal(0))
        in_tree = {u.pk for u in tree.values()}
        rest = []
        for unit in units:
            if unit.pk in in_tree:
                pairs[unit.pk] = totals.get(unit.pk, empty)
            else:
                rest.append(unit)
    elif indicator.source == "curriculum_covered" and len(units) > 1:
        rest = _coverage_of_siblings(units, pairs)
    for unit in rest:
        pairs[unit.pk] = compute.compute_one(indicator, unit, year)
    return pairs


def _coverage_of_siblings(units: list[OrgUnit], pairs: dict[int, tuple]) -> list[OrgUnit]:
    """The library's coverage of units sharing a parent, from one pass for all of them
    (resources.coverage.coverage_children), into `pairs`; returns the units left to compute."""
    from hocso.resources.coverage import coverage_children

    by_parent: dict[int, list[OrgUnit]] = {}
    for unit in units:
        by_parent.setdefault(unit.parent_id, []).append(unit)
    rest = []
    for parent_id, siblings in by_parent.items():
        if parent_id is None or len(siblings) < 2:
            rest += siblings
            continue
        parent = OrgUnit.objects.get(pk=parent_id)
        totals = {row.unit.pk: row for row in coverage_children(org_unit=parent)}
        for unit in siblings:
            row = totals.get(unit.pk)
            if row is None:  # closed: not among today's children
                rest.append(unit)
            else:
                pairs[unit.pk] = (Decimal(row.covered), Decimal(row.topics))
    return rest


def figures_for(
    indicators: list[Indicator], units: list[OrgUnit], year: SchoolYear
) -> dict[tuple[int, int], Figure]:
    """{(indicator pk, unit pk): Figure} for every indicator × unit: the stored rows in one
    query, the missing ones computed (per indicator, not per unit); NO_DATA without a source."""
    from . import compute

    live = [i for i in indicators if i.has_source]
    stored: dict[tuple[int, int], tuple] = {}
    if live and units:
        rows = IndicatorValue.objects.filter(
            indicator__in=live, year=year, breakdown="", org_unit__in=units
        ).values_list("indicator_id", "org_unit_id", "numerator", "denominator")
        stored = {(i, u): (n, d) for i, u, n, d in rows}
    out: dict[tuple[int, int], Figure] = {}
    for indicator in indicators:
        if not indicator.has_source:
            for unit in units:
                out[(indicator.pk, unit.pk)] = NO_DATA
            continue
        missing = [u for u in units if (indicator.pk, u.pk) not in stored]
        if missing:
            for pk, pair in _computed(indicator, missing, year).items():
                stored[(indicator.pk, pk)] = pair
        for unit in units:
            numerator, denominator = stored[(indicator.pk, unit.pk)]
            value = compute.value_of(numerator, denominator, indicator.unit)
            out[(indicator.pk, unit.pk)] = Figure(numerator, denominator, value)
    return out


def has_stored_values(unit: OrgUnit, year: SchoolYear) -> bool:
    """Whether `hocso monitoring recompute` has stored any figure of the unit for the year."""
    return IndicatorValue.objects.filter(org_unit=unit, year=year).exists()


# ---------------------------------------------------------------- the page's frame


@dataclass
class Frame:
    """What every dashboard page shows around its figures: the unit, its readable ancestors (the
    breadcrumb), its children in scope (the picker), the school years to choose from."""

    unit: OrgUnit
    year: SchoolYear
    ancestors: list[OrgUnit]
    children: list[OrgUnit]
    years: list[SchoolYear]
    # "As of a date" (monitoring/asof.py): the day and boundaries ("then" / "today") shown, the
    # units being those of that day's tree; None / "" for the stored values of the school year.
    day: date | None = None
    boundaries: str = ""

    @property
    def query(self) -> str:
        """org & year: what the other sections of the centre keep (section nav)."""
        from urllib.parse import urlencode

        return urlencode({"org": self.unit.code, "year": self.year.code})

    def query_for(self, unit_code: str) -> str:
        """The query of this view for another unit: the same year, or the same day and
        boundaries (drill-down keeps them)."""
        from urllib.parse import urlencode

        if self.day is None:
            return urlencode({"org": unit_code, "year": self.year.code})
        params = {"org": unit_code, "date": self.day.isoformat(), "boundaries": self.boundaries}
        return urlencode(params)


def frame_for(*, actor, unit: OrgUnit, year: SchoolYear) -> Frame:
    ancestors = list(
        selectors.units_readable(actor=actor)
        .filter(path__in=[p for p in ancestor_paths(unit.path) if p != unit.path])
        .order_by("depth")
    )
    children = selectors._children_in_scope(actor=actor, unit=unit, year=year)
    years = list(SchoolYear.objects.order_by("-start_date"))
    return Frame(unit=unit, year=year, ancestors=ancestors, children=children, years=years)


# ---------------------------------------------------------------- the overview


@dataclass
class Card:
    """One indicator on the overview for the unit and year."""

    indicator: Indicator
    figure: Figure
    target: Decimal | None
    gap: Decimal | None
    status: str
    below_lowest_level: bool = False

    @property
    def value(self) -> Decimal | None:
        return self.figure.value

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self.status]

    @property
    def value_text(self) -> str:
        return format_value(self.figure.value, self.indicator.unit)

    @property
    def target_text(self) -> str:
        return format_value(self.target, self.indicator.unit)

    @property
    def gap_text(self) -> str:
        return format_gap(self.gap, self.indicator.unit)

    @property
    def numerator_text(self) -> str:
        return format_number(self.figure.numerator)

    @property
    def denominator_text(self) -> str:
        return format_number(self.figure.denominator)

    @property
    def chart(self) -> dict:
        """What the bullet chart draws (static/monitoring/dashboard.js)."""
        return {
            "value": _float(self.figure.value),
            "target": _float(self.target),
            "unit": self.indicator.unit,
            "max": 100 if self.indicator.unit == Unit.PERCENT else None,
            "higher_is_better": self.indicator.higher_is_better,
            "status": self.status,
        }


def _float(value) -> float | None:
    return None if value is None else float(value)


def _below_lowest_level(indicator: Indicator, unit: OrgUnit) -> bool:
    """Whether the unit sits below the lowest level where the indicator means something (one
    school's share of schools managing their facilities is 0% or 100%)."""
    try:
        return KIND_ORDER.index(unit.kind) > KIND_ORDER.index(indicator.lowest_level)
    except ValueError:
        return False


def card_for(indicator: Indicator, figure: Figure, year: SchoolYear, unit: OrgUnit) -> Card:
    target = selectors.target_for(indicator, year)
    return Card(
        indicator=indicator,
        figure=figure,
        target=target,
        gap=gap_of(figure.value, target),
        status=status_of(figure.value, target, indicator),
        below_lowest_level=_below_lowest_level(indicator, unit),
    )


@dataclass
class Overview:
    unit: OrgUnit
    year: SchoolYear
    plan: list[Card] = field(default_factory=list)
    statistics: list[Card] = field(default_factory=list)
    stored: bool = False

    @property
    def cards(self) -> list[Card]:
        return [*self.plan, *self.statistics]


def overview(*, unit: OrgUnit, year: SchoolYear) -> Overview:
    """Every indicator of the catalog for the unit and year, the plan's first."""
    indicators = list(selectors.indicators_catalog())
    figures = figures_for(indicators, [unit], year)
    result = Overview(unit=unit, year=year, stored=has_stored_values(unit, year))
    for indicator in indicators:
        card = card_for(indicator, figures[(indicator.pk, unit.pk)], year, unit)
        (result.plan if indicator.in_plan else result.statistics).append(card)
    return result


# ---------------------------------------------------------------- one indicator


@dataclass
class TrendPoint:
    year: SchoolYear
    figure: Figure
    target: Decimal | None
    stored: bool = True


@dataclass
class RankRow:
    rank: int | None
    unit: OrgUnit
    figure: Figure
    status: str


@dataclass
class BreakdownRow:
    group: str
    key: str
    label: str
    figure: Figure


@dataclass
class IndicatorDetail:
    indicator: Indicator
    unit: OrgUnit
    year: SchoolYear
    card: Card
    trend: list[TrendPoint]
    ranking: list[RankRow]
    breakdowns: dict[str, list[BreakdownRow]]


def trend(indicator: Indicator, unit: OrgUnit, year: SchoolYear, current: Figure) -> list:
    """The indicator's value for the unit in every school year with a stored value (one query),
    oldest first, with the target of each year; the shown year's figure joins it when it is
    not stored (computed on demand)."""
    from . import compute

    points = []
    if indicator.has_source:
        rows = (
            IndicatorValue.objects.filter(indicator=indicator, org_unit=unit, breakdown="")
            .select_related("year")
            .order_by("year__start_date")
        )
        for row in rows:
            figure = Figure(
                row.numerator,
                row.denominator,
                compute.value_of(row.numerator, row.denominator, indicator.unit),
            )
            points.append(TrendPoint(row.year, figure, selectors.target_for(indicator, row.year)))
        if all(p.year.pk != year.pk for p in points) and current.value is not None:
            points.append(
                TrendPoint(year, current, selectors.target_for(indicator, year), stored=False)
            )
            points.sort(key=lambda p: p.year.start_date)
    return points


def ranking(
    indicator: Indicator, children: list[OrgUnit], figures: dict[int, Figure], year: SchoolYear
) -> list[RankRow]:
    """The child units, best first (highest value, or lowest when lower is better); units
    without a value last, unranked. Ties share a rank."""
    target = selectors.target_for(indicator, year)
    with_value = [c for c in children if figures[c.pk].value is not None]
    without = [c for c in children if figures[c.pk].value is None]
    sign = -1 if indicator.higher_is_better else 1
    with_value.sort(key=lambda c: sign * figures[c.pk].value)  # stable: by name within a tie
    rows = []
    previous, rank = None, 0
    for position, child in enumerate(with_value, start=1):
        value = figures[child.pk].value
        if value != previous:
            rank, previous = position, value
        rows.append(RankRow(rank, child, figures[child.pk], status_of(value, target, indicator)))
    for child in without:
        rows.append(RankRow(None, child, figures[child.pk], status_of(None, target, indicator)))
    return rows


def breakdown_label(key: str) -> tuple[str, str]:
    """("gender", "Nữ") for "gender:F"; ("school_level", "THCS") for "school_level:…"."""
    group, _sep, value = key.partition(":")
    if group == "gender":
        try:
            return group, str(Gender(value).label)
        except ValueError:
            return group, value
    if group == "school_level":
        if value == "other":
            return group, _("Khác")
        try:
            return group, str(SchoolType(value).label)
        except ValueError:
            return group, value
    if group in BREAKDOWN_VALUES:
        return group, str(BREAKDOWN_VALUES[group].get(value, value))
    return group, value


def breakdown_order(key: str) -> tuple:
    """Sort key of a breakdown: by group, then in the order BREAKDOWN_VALUES lists the values
    (Tốt, Khá, Đạt, Chưa đạt — not alphabetically), others by key."""
    group, _sep, value = key.partition(":")
    listed = list(BREAKDOWN_VALUES.get(group, {}))
    return (group, listed.index(value) if value in listed else len(listed), value)


def breakdowns(indicator: Indicator, unit: OrgUnit, year: SchoolYear) -> dict:
    """The stored breakdowns of the unit's figure ({group: [BreakdownRow]}), one query."""
    from . import compute

    groups: dict[str, list[BreakdownRow]] = {}
    if not indicator.has_source:
        return groups
    rows = IndicatorValue.objects.filter(indicator=indicator, org_unit=unit, year=year).exclude(
        breakdown=""
    )
    for row in sorted(rows, key=lambda r: breakdown_order(r.breakdown)):
        group, label = breakdown_label(row.breakdown)
        value = compute.value_of(row.numerator, row.denominator, indicator.unit)
        groups.setdefault(group, []).append(
            BreakdownRow(group, row.breakdown, label, Figure(row.numerator, row.denominator, value))
        )
    return groups


def indicator_detail(*, frame: Frame, code: str) -> IndicatorDetail:
    """One indicator for the frame's unit and year (Indicator.DoesNotExist for an unknown code)."""
    indicator = selectors.indicators_catalog().get(code=code)
    unit, year, children = frame.unit, frame.year, frame.children
    figures = figures_for([indicator], [unit, *children], year)
    own = figures[(indicator.pk, unit.pk)]
    by_unit = {u.pk: figures[(indicator.pk, u.pk)] for u in children}
    return IndicatorDetail(
        indicator=indicator,
        unit=unit,
        year=year,
        card=card_for(indicator, own, year, unit),
        trend=trend(indicator, unit, year, own),
        ranking=ranking(indicator, children, by_unit, year),
        breakdowns=breakdowns(indicator, unit, year),
    )


# ---------------------------------------------------------------- the big table


@dataclass
class TableRow:
    unit: OrgUnit
    cells: list[Card]
    is_self: bool = False


@dataclass
class IndicatorTable:
    indicators: list[Indicator]
    rows: list[TableRow]  # the unit first, then its children (sorted as asked)
    sort: str = ""
    descending: bool = False


def indicator_table(*, frame: Frame, sort: str = "", descending: bool = False) -> IndicatorTable:
    """Every indicator × (the unit and each child in scope). `sort` = an indicator code (or
    "name"): the children sorted by it, units without a value last; the unit stays first."""
    indicators = list(selectors.indicators_catalog())
    units = [frame.unit, *frame.children]
    figures = figures_for(indicators, units, frame.year)
    rows = [
        TableRow(
            unit=u,
            cells=[card_for(i, figures[(i.pk, u.pk)], frame.year, u) for i in indicators],
            is_self=u.pk == frame.unit.pk,
        )
        for u in units
    ]
    head, children = rows[0], rows[1:]
    codes = [i.code for i in indicators]
    if sort in codes:
        position = codes.index(sort)
        known = [r for r in children if r.cells[position].value is not None]
        unknown = [r for r in children if r.cells[position].value is None]
        known.sort(key=lambda r: r.cells[position].value, reverse=descending)
        children = known + unknown
    elif sort == "name" and descending:
        children = children[::-1]
    else:
        sort = "" if sort != "name" else sort
    return IndicatorTable(indicators, [head, *children], sort=sort, descending=descending)


__all__ = [
    "Card",
    "Frame",
    "IndicatorDetail",
    "IndicatorTable",
    "Overview",
    "figures_for",
    "format_number",
    "format_value",
    "frame_for",
    "indicator_detail",
    "indicator_table",
    "overview",
    "status_of",
]
