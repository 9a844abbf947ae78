"""The annual report of a unit (issue 7, "Annual report"): what each level sends up each year.

`annual_figures(unit, year)` gathers it from data, never typed in:

- the plan's indicators (`in_plan`): value, numerator and denominator, the target that applies to
  the year, the gap (value − target, in the indicator's unit: percentage points for a percent),
  a status, and the previous school year's value; an indicator without a data source is listed
  as "chưa có nguồn dữ liệu", never given a number;
- the usual statistics (the other indicators: enrollment, drop-out and repetition rates,
  learner/teacher ratio, average class size, Khmer share), enrollment by school level × gender,
  and the year's learning-result distribution (Tốt/Khá/Đạt/Chưa đạt, Circular 22) by stage;
- the child units' values of the plan's indicators.

Indicator figures are the stored ones (`selectors._figures`: IndicatorValue rows, computed on
demand when missing). The enrollment cross-table and the learning results are counted live, one
grouped query each, over the schools of today's tree like the sources.

`public=True` is the version fit to publish: every learner figure goes through
monitoring/suppression.py — the indicator figures exactly as open data publishes them (read
from the year's open-data snapshot, `opendata.py`, suppressed once over the whole open tree: one
published state, never a second one to set against it), the two count tables with the same
primary and complementary rules applied to their rows and columns — and the narrative's author is
left out. The officer's narrative (`AnnualReport`) is saved by `narrative_save` and printed as written
in every version, the public one included (it is the unit's public statement); so
`draft_narrative` writes its starting text from the PUBLIC figures only, and a figure hidden in
the public tables never reaches the narrative through the draft. `annual_xlsx` and `annual_pdf`
render the report.

Met / near / below is `dashboard.status_of`, the one rule the dashboard and the below-target
alert use too (near: within 5 percentage points of a percent target, 5% of any other).
"""

import io
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hocso.accounts.services import audit_log
from hocso.assessment.models import LearningResult, Level, Period
from hocso.core.text import fold
from hocso.orgs.models import OrgUnit, SchoolType, SchoolYear
from hocso.registry.importers.cells import neutralise
from hocso.registry.rules import FEMALE, MALE

from . import access, dashboard
from .models import AnnualReport, Indicator, Target, Unit
from .opendata import snapshot_for
from .selectors import NO_DATA, Figure, _figures, indicators_catalog
from .suppression import Cell, suppress

NARRATIVE_MAX_LENGTH = 20000
# What a suppressed cell shows (primary "<5" or its complement alike: telling them apart would
# say which cell is small).
HIDDEN = "*"

MET, NEAR, BELOW, NO_TARGET, NO_DATA_YET, NO_SOURCE, SUPPRESSED = (
    "met", "near", "below", "no_target", "no_data", "no_source", "suppressed",
)  # fmt: skip
STATUS_LABELS = {
    MET: gettext_lazy("Đạt mục tiêu"),
    NEAR: gettext_lazy("Gần đạt"),
    BELOW: gettext_lazy("Chưa đạt"),
    NO_TARGET: gettext_lazy("Không đặt mục tiêu"),
    NO_DATA_YET: gettext_lazy("Chưa có số liệu"),
    NO_SOURCE: gettext_lazy("Chưa có nguồn dữ liệu"),
    SUPPRESSED: gettext_lazy("Ẩn để bảo vệ dữ liệu cá nhân"),
}

# Learning results by stage (the class's grade), in reading order.
STAGES = (
    ("primary", gettext_lazy("Tiểu học"), range(1, 6)),
    ("lower_secondary", gettext_lazy("THCS"), range(6, 10)),
    ("upper_secondary", gettext_lazy("THPT"), range(10, 13)),
)
RESULT_LEVELS = (Level.GOOD, Level.FAIR, Level.PASS, Level.FAIL)


# ---------------------------------------------------------------- Vietnamese numbers


def format_number(value, places: int = 2) -> str:
    """A number the Vietnamese way: "." between thousands, "," before decimals, at most
    `places` decimals, trailing zeros dropped: 97.50 → "97,5"; 1234 → "1.234"; None → "—"."""
    if value is None:
        return "—"
    number = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    whole, _dot, decimals = f"{abs(number):f}".partition(".")
    decimals = decimals.rstrip("0")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{decimals}" if decimals else f"{sign}{grouped}"


def format_value(value, unit: str) -> str:
    """A value in an indicator's unit: "97,5%", "18,4", "1.234"."""
    if value is None:
        return "—"
    if unit == Unit.PERCENT:
        return f"{format_number(value)}%"
    if unit == Unit.COUNT:
        return format_number(value, 0)
    return format_number(value)


def format_gap(gap, unit: str) -> str:
    """A signed gap: "+2,5" / "-2,5" (percentage points for a percent), "0" when on target."""
    if gap is None:
        return "—"
    text = format_number(gap)
    return f"+{text}" if gap > 0 else text


# ---------------------------------------------------------------- the figures


@dataclass(frozen=True)
class Num:
    """A count of a table, hidden or not."""

    value: int | None
    hidden: bool = False

    @property
    def text(self) -> str:
        return HIDDEN if self.hidden else format_number(self.value, 0)


@dataclass(frozen=True)
class Row:
    """One indicator of the report for the unit."""

    indicator: Indicator
    figure: Figure
    previous: Figure | None  # None: no earlier school year on the system
    target: Decimal | None
    target_year: int | None
    gap: Decimal | None  # value − target, in the indicator's unit
    status: str
    hidden: bool = False
    previous_hidden: bool = False

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def name(self) -> str:
        return self.indicator.name

    @property
    def unit(self) -> str:
        return self.indicator.unit

    @property
    def has_source(self) -> bool:
        return self.indicator.has_source

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def value_text(self) -> str:
        if not self.has_source:
            return str(STATUS_LABELS[NO_SOURCE])
        return HIDDEN if self.hidden else format_value(self.figure.value, self.unit)

    @property
    def numerator_text(self) -> str:
        return HIDDEN if self.hidden else format_number(self.figure.numerator)

    @property
    def denominator_text(self) -> str:
        return HIDDEN if self.hidden else format_number(self.figure.denominator)

    @property
    def previous_text(self) -> str:
        if self.previous is None or not self.has_source:
            return "—"
        return HIDDEN if self.previous_hidden else format_value(self.previous.value, self.unit)

    @property
    def target_text(self) -> str:
        return format_value(self.target, self.unit)

    @property
    def gap_text(self) -> str:
        return HIDDEN if self.hidden and self.gap is None else format_gap(self.gap, self.unit)


@dataclass(frozen=True)
class EnrollmentRow:
    label: str
    male: Num
    female: Num
    total: Num
    is_total: bool = False


@dataclass(frozen=True)
class ResultRow:
    label: str
    counts: tuple[Num, ...]  # in RESULT_LEVELS order
    total: Num

    @property
    def shares(self) -> list[str]:
        """Each level's share of the stage's learners with a result, "45,2%" (hidden with its
        count)."""
        out = []
        for count in self.counts:
            if count.hidden or self.total.hidden or not self.total.value:
                out.append(HIDDEN if count.hidden or self.total.hidden else "—")
            else:
                share = Decimal(count.value * 100) / Decimal(self.total.value)
                out.append(f"{format_number(share, 1)}%")
        return out

    @property
    def cells(self) -> list[tuple[Num, str]]:
        return list(zip(self.counts, self.shares, strict=True))


@dataclass(frozen=True)
class ChildRow:
    unit: OrgUnit
    cells: tuple[tuple[Figure, bool], ...]  # per AnnualFigures.child_indicators: (figure, hidden)

    def texts(self, indicators: list[Indicator]) -> list[str]:
        return [
            HIDDEN if hidden else format_value(figure.value, indicator.unit)
            for (figure, hidden), indicator in zip(self.cells, indicators, strict=True)
        ]


@dataclass
class AnnualFigures:
    unit: OrgUnit
    year: SchoolYear
    previous_year: SchoolYear | None
    public: bool
    plan: list[Row]
    statistics: list[Row]
    enrollment: list[EnrollmentRow]
    results: list[ResultRow]
    child_indicators: list[Indicator]
    children: list[ChildRow]
    report: AnnualReport | None
    generated_at: datetime = field(default_factory=timezone.now)

    @property
    def no_source(self) -> list[Row]:
        return [row for row in self.plan + self.statistics if not row.has_source]

    @property
    def narrative(self) -> str:
        return self.report.narrative if self.report is not None else ""

    @property
    def title(self) -> str:
        return _("Báo cáo năm học %(year)s") % {"year": self.year.code}

    @property
    def result_headings(self) -> list[str]:
        return [str(level.label) for level in RESULT_LEVELS]

    def row(self, code: str) -> Row | None:
        for row in self.plan + self.statistics:
            if row.code == code:
                return row
        return None


def previous_school_year(year: SchoolYear) -> SchoolYear | None:
    return SchoolYear.objects.filter(start_date__lt=year.start_date).order_by("-start_date").first()


def children_of(unit: OrgUnit, year: SchoolYear) -> list[OrgUnit]:
    """The unit's child units open at some point of the school year, by name as people read it
    (the actor who reads the unit reads its whole subtree)."""
    children = OrgUnit.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=year.end_date),
        Q(valid_to__isnull=True) | Q(valid_to__gte=year.start_date),
        parent=unit,
    )
    return sorted(children, key=lambda u: (fold(u.name), u.name, u.code))


def target_of(indicator: Indicator, year: SchoolYear) -> Target | None:
    """The target that applies to the school year (the rule of selectors.target_for): the one
    for the calendar year it ends in or the next one after, else the last one, else None."""
    targets = list(indicator.targets.all())
    later = [t for t in targets if t.year >= year.end_date.year]
    if later:
        return min(later, key=lambda t: t.year)
    return max(targets, key=lambda t: t.year) if targets else None


def _status(indicator: Indicator, value, target) -> tuple[str, Decimal | None]:
    """The status (dashboard.status_of: the dashboard's and the alerts' rule) and the gap."""
    value = None if value is None else Decimal(value)
    target = None if target is None else Decimal(target)
    status = dashboard.status_of(value, target, indicator)
    if status == dashboard.NO_VALUE:
        return NO_DATA_YET, None
    if status in (dashboard.NO_SOURCE, dashboard.NO_TARGET):
        return status, None
    return status, value - target


def _indicator_figures(indicator, shown, year, *, public):
    """{unit pk: (Figure, hidden)} for the `shown` units."""
    if not indicator.has_source:
        return {u.pk: (NO_DATA, False) for u in shown}
    if public:
        # The open-data snapshot, the one published state of the year: figures computed afresh
        # here could be set against it (a difference attack on its suppressed cells). A unit
        # it does not hold (closed before the snapshot, or opened since) is published hidden.
        published = snapshot_for(year)
        return {u.pk: published.get((indicator.code, u.code), (NO_DATA, True)) for u in shown}
    return {pk: (figure, False) for pk, figure in _figures(indicator, shown, year).items()}


def _row(indicator, unit, year, current, previous) -> Row:
    figure, hidden = current[unit.pk]
    target = target_of(indicator, year)
    status, gap = _status(indicator, figure.value, target.value if target else None)
    if hidden:
        status, gap = SUPPRESSED, None
    prev_figure, prev_hidden = previous[unit.pk] if previous is not None else (None, False)
    return Row(
        indicator=indicator,
        figure=figure,
        previous=prev_figure,
        target=target.value if target else None,
        target_year=target.year if target else None,
        gap=gap,
        status=status,
        hidden=hidden,
        previous_hidden=prev_hidden,
    )


# ---------------------------------------------------------------- count tables


def _hide_groups(values: dict, groups: list[tuple[object, list]], hidden: set) -> set:
    """The keys of `values` (learner counts) to hide so that no group (a total and the parts it
    is the sum of) holds exactly one hidden cell: suppression.suppress on each group in turn,
    cells already hidden passed as such, until nothing changes. A cell may sit in two groups
    (a row and a column of a cross-table)."""
    hidden = set(hidden)
    changed = True
    while changed:
        changed = False
        for parent, parts in groups:
            cells = [
                Cell(key=str(key), parent=None if key == parent else str(parent),
                     numerator=values[key], denominator=None,
                     learners=values[key], suppressed=key in hidden)
                for key in [parent, *parts]
            ]  # fmt: skip
            by_text = {str(key): key for key in [parent, *parts]}
            for text, cell in suppress(cells).items():
                if cell.suppressed and by_text[text] not in hidden:
                    hidden.add(by_text[text])
                    changed = True
    return hidden


def _enrollment(unit: OrgUnit, year: SchoolYear, *, public: bool, total_hidden: bool):
    """Learners of the year by school level (the school's type) × gender: the enrollment
    source's per-school gender counts (one grouped query) over the schools of today's tree."""
    from .sources import SOURCES, schools_qs

    types = dict(schools_qs(unit.path).values_list("pk", "school_type"))
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for (school, key), (number, _den) in (
        SOURCES["enrollment"].breakdowns["gender"](year, under=unit.path).items()
    ):
        if school in types:
            counts[(types[school] or "", key.removeprefix("gender:"))] += int(number)
    order = {value: i for i, value in enumerate(SchoolType.values)}
    levels = sorted({level for level, _g in counts}, key=lambda v: order.get(v, len(order)))
    values: dict = {}
    for level in levels:
        male, female = counts[(level, MALE)], counts[(level, FEMALE)]
        total = sum(n for (lv, _g), n in counts.items() if lv == level)
        values[(level, MALE)], values[(level, FEMALE)], values[(level, "")] = male, female, total
    for gender in (MALE, FEMALE, ""):
        values[("", gender)] = sum(values[(lv, gender)] for lv in levels)
    hidden: set = set()
    if public:
        groups = [((lv, ""), [(lv, MALE), (lv, FEMALE)]) for lv in levels]
        groups.append((("", ""), [("", MALE), ("", FEMALE)]))
        for gender in (MALE, FEMALE, ""):
            groups.append((("", gender), [(lv, gender) for lv in levels]))
        small = {key for key, n in values.items() if 0 < n < 5}
        hidden = _hide_groups(values, groups, small | ({("", "")} if total_hidden else set()))

    def num(key):
        return Num(values[key], key in hidden)

    rows = [
        EnrollmentRow(
            label=str(SchoolType(lv).label) if lv in SchoolType.values else _("Khác"),
            male=num((lv, MALE)), female=num((lv, FEMALE)), total=num((lv, "")),
        )
        for lv in levels
    ]  # fmt: skip
    rows.append(
        EnrollmentRow(label=_("Tổng số"), male=num(("", MALE)), female=num(("", FEMALE)),
                      total=num(("", "")), is_total=True)
    )  # fmt: skip
    return rows


def _results(unit: OrgUnit, year: SchoolYear, *, public: bool) -> list[ResultRow]:
    """The year's learning results (Circular 22) by stage and level: one grouped query over the
    schools of today's tree in the unit's subtree. Learners without a level yet are left out."""
    today = timezone.localdate()
    rows = (
        LearningResult.objects.filter(
            Q(school__valid_to__isnull=True) | Q(school__valid_to__gte=today),
            year=year, term=Period.YEAR, level__isnull=False,
            school__path__startswith=unit.path,
        )
        .order_by()
        .values("school_class__grade", "level")
        .annotate(n=Count("id"))
    )  # fmt: skip
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        for stage, _label, grades in STAGES:
            if row["school_class__grade"] in grades:
                counts[(stage, row["level"])] += row["n"]
    out = []
    for stage, label, _grades in STAGES:
        values = {level: counts[(stage, level)] for level in RESULT_LEVELS}
        total = sum(values.values())
        if not total:
            continue
        hidden: set = set()
        if public:
            values["total"] = total
            small = {key for key, n in values.items() if 0 < n < 5}
            hidden = _hide_groups(values, [("total", list(RESULT_LEVELS))], small)
        out.append(
            ResultRow(
                label=str(label),
                counts=tuple(Num(values[lv], lv in hidden) for lv in RESULT_LEVELS),
                total=Num(total, "total" in hidden),
            )
        )
    return out


def annual_figures(unit: OrgUnit, year: SchoolYear, *, public: bool = False) -> AnnualFigures:
    """The content of the unit's annual report for the school year (module docstring). The
    caller has checked that the actor may read the unit."""
    previous_year = previous_school_year(year)
    children = children_of(unit, year)
    catalog = list(indicators_catalog())
    plan: list[Row] = []
    statistics: list[Row] = []
    child_indicators: list[Indicator] = []
    child_figures: list[dict] = []
    for indicator in catalog:
        shown = [unit, *children] if indicator.in_plan and indicator.has_source else [unit]
        current = _indicator_figures(indicator, shown, year, public=public)
        previous = (
            _indicator_figures(indicator, [unit], previous_year, public=public)
            if previous_year is not None
            else None
        )
        row = _row(indicator, unit, year, current, previous)
        (plan if indicator.in_plan else statistics).append(row)
        if indicator.in_plan and indicator.has_source:
            child_indicators.append(indicator)
            child_figures.append(current)
    enrollment_row = next((r for r in statistics if r.code == "enrollment"), None)
    enrollment = _enrollment(
        unit, year, public=public, total_hidden=bool(enrollment_row and enrollment_row.hidden)
    )
    if public and enrollment_row is not None and enrollment[-1].total.hidden:
        # Hidden in the cross-table: hidden as a figure too, or one would give the other away.
        statistics = [replace(r, hidden=True) if r is enrollment_row else r for r in statistics]
    return AnnualFigures(
        unit=unit,
        year=year,
        previous_year=previous_year,
        public=public,
        plan=plan,
        statistics=statistics,
        enrollment=enrollment,
        results=_results(unit, year, public=public),
        child_indicators=child_indicators,
        children=[
            ChildRow(child, tuple(figures[child.pk] for figures in child_figures))
            for child in children
        ],
        report=AnnualReport.objects.filter(org_unit=unit, year=year)
        .select_related("updated_by")
        .first(),
    )


# ---------------------------------------------------------------- the narrative


def draft_narrative(figures: AnnualFigures) -> str:
    """A starting text for the officer to edit, written from the PUBLIC figures of the report's
    unit and year whatever `figures` are: the narrative is printed as written in the public
    version, so nothing hidden there (a value, a previous value, a count, a share, a child
    unit's value) may be in it. Hidden figures are left out, never written as "*"."""
    if not figures.public:
        figures = annual_figures(figures.unit, figures.year, public=True)
    year = figures.year
    paragraphs = []
    sentences = []
    for row in figures.plan:
        if not row.has_source:
            continue
        if row.hidden:
            sentences.append(
                _("%(name)s: số liệu năm học %(year)s được ẩn để bảo vệ dữ liệu cá nhân.")
                % {"name": row.name, "year": year.code}
            )
            continue
        if row.figure.value is None:
            sentences.append(
                _("%(name)s: chưa có số liệu năm học %(year)s.")
                % {"name": row.name, "year": year.code}
            )
            continue
        text = _("%(name)s đạt %(value)s") % {"name": row.name, "value": row.value_text}
        if row.previous is not None and row.previous.value is not None and not row.previous_hidden:
            text += _(" (năm học %(year)s: %(value)s)") % {
                "year": figures.previous_year.code,
                "value": row.previous_text,
            }
        if row.status == MET:
            text += _(", đạt mục tiêu %(target)s năm %(target_year)s") % {
                "target": row.target_text, "target_year": row.target_year,
            }  # fmt: skip
        elif row.status in (NEAR, BELOW):
            amount = format_number(abs(row.gap))
            if row.unit == Unit.PERCENT:
                amount = _("%(gap)s điểm phần trăm") % {"gap": amount}
            values = {"gap": amount, "target": row.target_text, "target_year": row.target_year}
            if row.indicator.higher_is_better:
                text += _(", còn thiếu %(gap)s so với mục tiêu %(target)s năm %(target_year)s") % (
                    values
                )
            else:
                text += _(", cao hơn %(gap)s so với mục tiêu %(target)s năm %(target_year)s") % (
                    values
                )
        sentences.append(text + ".")
    if sentences:
        paragraphs.append(" ".join(sentences))
    missing = [row.name for row in figures.plan if not row.has_source]
    if missing:
        paragraphs.append(
            _("Chưa có nguồn dữ liệu để đánh giá: %(names)s.") % {"names": "; ".join(missing)}
        )
    paragraphs += [p for p in (_statistics_sentence(figures), _results_sentence(figures)) if p]
    lowest = _lowest_children(figures)
    if lowest:
        paragraphs.append(lowest)
    return "\n\n".join(paragraphs)


def _statistics_sentence(figures: AnnualFigures) -> str:
    total = figures.enrollment[-1]
    parts = []
    if total.total.value and not total.total.hidden:
        if total.female.hidden:
            parts.append(
                _("Năm học %(year)s có %(total)s người học")
                % {"year": figures.year.code, "total": total.total.text}
            )
        else:
            parts.append(
                _("Năm học %(year)s có %(total)s người học (nữ %(female)s)")
                % {"year": figures.year.code, "total": total.total.text,
                   "female": total.female.text}
            )  # fmt: skip
    labels = {
        "dropout_rate": _("tỉ lệ bỏ học %(value)s"),
        "repetition_rate": _("tỉ lệ lưu ban %(value)s"),
        "learner_teacher_ratio": _("tỉ số học sinh/giáo viên %(value)s"),
        "average_class_size": _("sĩ số bình quân %(value)s học sinh/lớp"),
        "khmer_share": _("học sinh dân tộc Khmer chiếm %(value)s"),
    }
    for code, label in labels.items():
        row = figures.row(code)
        if row is not None and row.has_source and row.figure.value is not None and not row.hidden:
            parts.append(label % {"value": row.value_text})
    if not parts:
        return ""
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _results_sentence(figures: AnnualFigures) -> str:
    parts = []
    for row in figures.results:
        if row.total.hidden:
            continue
        shares = ", ".join(
            f"{label} {share}"
            for label, count, share in zip(
                figures.result_headings, row.counts, row.shares, strict=True
            )
            if not count.hidden
        )
        if shares:
            parts.append(f"{row.label}: {shares}")
    if not parts:
        return ""
    return _("Kết quả học tập cả năm — %(parts)s.") % {"parts": "; ".join(parts)}


def _lowest_children(figures: AnnualFigures, how_many: int = 3) -> str:
    """The child units furthest behind on the first plan indicator still below its target
    (only the child values that are shown: hidden ones are not ranked)."""
    for position, indicator in enumerate(figures.child_indicators):
        row = figures.row(indicator.code)
        if row is None or row.hidden or row.status not in (NEAR, BELOW):
            continue
        ranked = [
            (child.cells[position][0].value, child.unit.name)
            for child in figures.children
            if not child.cells[position][1] and child.cells[position][0].value is not None
        ]
        if len(ranked) < 2:
            continue
        ranked.sort(reverse=not indicator.higher_is_better)
        names = ", ".join(
            f"{name} ({format_value(value, indicator.unit)})" for value, name in ranked[:how_many]
        )
        return _("Các đơn vị cần tập trung về %(name)s: %(names)s.") % {
            "name": indicator.name[0].lower() + indicator.name[1:], "names": names,
        }  # fmt: skip
    return ""


def _clean_narrative(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def report_version(report: AnnualReport | None) -> str:
    """What the form carries to detect a save by someone else in between."""
    return report.updated_at.isoformat() if report is not None else ""


def _saved_by_someone_else(report: AnnualReport | None) -> ValidationError:
    who = report.updated_by if report is not None else None
    return ValidationError(
        {"narrative": _("%(who)s đã lưu phần nhận định lúc %(at)s, sau khi bạn mở trang. "
                        "Hãy xem lại bản mới rồi lưu lại.")
         % {"who": (who.get_full_name() or who.username) if who else _("Người khác"),
            "at": timezone.localtime(report.updated_at).strftime("%H:%M %d/%m/%Y")
            if report else "—"}}
    )  # fmt: skip


@transaction.atomic
def narrative_save(
    *, actor, unit: OrgUnit, year: SchoolYear, narrative: str, version: str | None = None
) -> AnnualReport:
    """Save the unit's narrative for the year. Only `access.can_edit_annual` (PermissionDenied
    otherwise). With `version` (report_version when the form was opened), a save made by
    someone else since is refused with a ValidationError rather than silently overwritten."""
    if not access.can_edit_annual(actor, unit):
        raise PermissionDenied
    text = _clean_narrative(narrative)
    if len(text) > NARRATIVE_MAX_LENGTH:
        raise ValidationError(
            {"narrative": _("Phần nhận định dài %(n)s kí tự, tối đa %(max)s kí tự.")
             % {"n": len(text), "max": NARRATIVE_MAX_LENGTH}}
        )  # fmt: skip
    # The unit's row first: two first saves of the same narrative (no AnnualReport row to lock
    # yet) wait for each other here, and the second then sees the first one's row.
    list(OrgUnit.objects.select_for_update().filter(pk=unit.pk).values_list("pk", flat=True))
    report = AnnualReport.objects.select_for_update().filter(org_unit=unit, year=year).first()
    if version is not None and version != report_version(report):
        raise _saved_by_someone_else(report)
    if report is None:
        report = AnnualReport(org_unit=unit, year=year)
    report.narrative = text
    report.updated_by = actor
    report.full_clean(exclude=["org_unit", "year", "updated_by"])
    if report.pk is None:
        try:
            with transaction.atomic():  # a savepoint: the transaction stays usable
                report.save()
        except IntegrityError:
            # Created by someone else since the read (a database without row locks): their
            # text is not overwritten unseen.
            raise _saved_by_someone_else(
                AnnualReport.objects.filter(org_unit=unit, year=year).first()
            ) from None
    else:
        report.save()
    audit_log(
        actor=actor, action="monitoring.annual.save", obj=report, org_unit=unit,
        year=year.code, length=len(text),
    )  # fmt: skip
    return report


def author_of(report: AnnualReport | None) -> str:
    if report is None or report.updated_by is None:
        return ""
    return report.updated_by.get_full_name() or report.updated_by.username


# ---------------------------------------------------------------- xlsx

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERCENT_FORMAT = "0.00%"
DECIMAL_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"


def _xlsx_value(value, unit: str):
    """A number as Excel stores it (a percent as a fraction, shown with a percent format) and
    its number format."""
    if value is None:
        return None, None
    if unit == Unit.PERCENT:
        return float(Decimal(value) / 100), PERCENT_FORMAT
    if unit == Unit.COUNT:
        return int(value), COUNT_FORMAT
    return float(value), DECIMAL_FORMAT


def _plain(value):
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _text(value) -> str:
    return neutralise(unicodedata.normalize("NFC", str(value)))


def annual_xlsx(unit: OrgUnit, year: SchoolYear, *, public: bool = False) -> bytes:
    """The report as a workbook: a cover with the narrative, the plan's indicators, the
    statistics, the child units. Numbers are numbers (percents as fractions with a percent
    format), header rows frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    with translation.override("vi"):
        figures = annual_figures(unit, year, public=public)
        book = Workbook()
        bold = Font(bold=True)
        head_fill = PatternFill("solid", fgColor="DCE6F1")
        wrap = Alignment(wrap_text=True, vertical="top")

        def header(sheet, row, titles, widths=None):
            for column, title in enumerate(titles, start=1):
                cell = sheet.cell(row=row, column=column, value=_text(title))
                cell.font, cell.fill, cell.alignment = bold, head_fill, wrap
            for column, width in enumerate(widths or [], start=1):
                sheet.column_dimensions[_letter(column)].width = width

        def number(sheet, row, column, value, unit_, hidden=False):
            if hidden:
                sheet.cell(row=row, column=column, value=HIDDEN)
                return
            shown, fmt = _xlsx_value(value, unit_)
            cell = sheet.cell(row=row, column=column, value=shown)
            if fmt:
                cell.number_format = fmt

        # -- cover
        cover = book.active
        cover.title = _("Bìa")
        cover["A1"] = _text(figures.title)
        cover["A1"].font = Font(bold=True, size=14)
        cover["A2"] = _text(f"{unit.name} ({unit.code})")
        cover["A2"].font = bold
        if public:
            cover["A3"] = _("Bản công khai: ô dưới 5 học sinh và ô kèm theo được ẩn (*).")
        cover["A4"] = _("Lập ngày %(date)s từ dữ liệu của hệ thống.") % {
            "date": timezone.localtime(figures.generated_at).strftime("%d/%m/%Y")
        }
        cover["A6"] = _("Nhận định, đánh giá")
        cover["A6"].font = bold
        cover["A7"] = _text(figures.narrative or _("(Chưa có phần nhận định.)"))
        cover["A7"].alignment = wrap
        cover.merge_cells("A7:H7")
        lines = sum(1 + len(p) // 110 for p in (figures.narrative or "-").split("\n"))
        cover.row_dimensions[7].height = min(409, 15 * lines)
        if not public and figures.report is not None:
            cover["A8"] = _text(
                _("Cập nhật: %(who)s, %(at)s")
                % {"who": author_of(figures.report) or "—",
                   "at": timezone.localtime(figures.report.updated_at).strftime("%H:%M %d/%m/%Y")}
            )  # fmt: skip
        for column in "ABCDEFGH":
            cover.column_dimensions[column].width = 14

        # -- the plan's indicators
        sheet = book.create_sheet(_("Chỉ tiêu kế hoạch"))
        sheet["A1"] = _text(
            f"{_('Chỉ tiêu của kế hoạch chuyển đổi số')} — {unit.name}, {year.code}"
        )
        sheet["A1"].font = bold
        titles = [
            _("STT"), _("Mã"), _("Chỉ tiêu"), _("Tử số"), _("Mẫu số"), _("Giá trị"),
            _("Năm học trước") + (f" ({figures.previous_year.code})" if figures.previous_year
                                  else ""),
            _("Mục tiêu"), _("Năm mục tiêu"), _("Chênh lệch so với mục tiêu"), _("Đánh giá"),
        ]  # fmt: skip
        header(sheet, 2, titles, [6, 24, 60, 12, 12, 12, 16, 12, 12, 16, 22])
        for position, row in enumerate(figures.plan, start=1):
            r = position + 2
            sheet.cell(row=r, column=1, value=position)
            sheet.cell(row=r, column=2, value=row.code)
            sheet.cell(row=r, column=3, value=_text(row.name)).alignment = wrap
            if row.has_source:
                number(sheet, r, 4, _plain(row.figure.numerator), Unit.COUNT, row.hidden)
                number(sheet, r, 5, _plain(row.figure.denominator), Unit.COUNT, row.hidden)
                number(sheet, r, 6, row.figure.value, row.unit, row.hidden)
                if row.previous is not None:
                    number(sheet, r, 7, row.previous.value, row.unit, row.previous_hidden)
            number(sheet, r, 8, row.target, row.unit)
            sheet.cell(row=r, column=9, value=row.target_year)
            if row.gap is not None:
                number(sheet, r, 10, row.gap, Unit.RATIO)
            sheet.cell(row=r, column=11, value=_text(row.status_label))
        sheet.freeze_panes = "A3"

        # -- statistics
        sheet = book.create_sheet(_("Thống kê"))
        sheet["A1"] = _text(f"{_('Thống kê giáo dục')} — {unit.name}, {year.code}")
        sheet["A1"].font = bold
        header(
            sheet, 2,
            [_("STT"), _("Mã"), _("Chỉ tiêu"), _("Tử số"), _("Mẫu số"), _("Giá trị"),
             _("Năm học trước")],
            [6, 24, 44, 12, 12, 12, 14],
        )  # fmt: skip
        r = 2
        for position, row in enumerate(figures.statistics, start=1):
            r += 1
            sheet.cell(row=r, column=1, value=position)
            sheet.cell(row=r, column=2, value=row.code)
            sheet.cell(row=r, column=3, value=_text(row.name))
            if not row.has_source:
                sheet.cell(row=r, column=6, value=_text(STATUS_LABELS[NO_SOURCE]))
                continue
            number(sheet, r, 4, _plain(row.figure.numerator), Unit.COUNT, row.hidden)
            if row.figure.denominator is not None or row.hidden:
                number(sheet, r, 5, _plain(row.figure.denominator), Unit.COUNT, row.hidden)
            number(sheet, r, 6, row.figure.value, row.unit, row.hidden)
            if row.previous is not None:
                number(sheet, r, 7, row.previous.value, row.unit, row.previous_hidden)
        r += 2
        sheet.cell(row=r, column=1, value=_("Số người học theo cấp học và giới tính")).font = bold
        r += 1
        header(sheet, r, [_("Cấp học"), _("Nam"), _("Nữ"), _("Tổng số")])
        for erow in figures.enrollment:
            r += 1
            sheet.cell(row=r, column=1, value=_text(erow.label)).font = Font(bold=erow.is_total)
            for column, num in enumerate((erow.male, erow.female, erow.total), start=2):
                number(sheet, r, column, num.value, Unit.COUNT, num.hidden)
        r += 2
        sheet.cell(row=r, column=1, value=_("Kết quả học tập cả năm")).font = bold
        r += 1
        if figures.results:
            header(sheet, r, [_("Cấp học"), *figures.result_headings, _("Tổng số")])
            for rrow in figures.results:
                r += 1
                sheet.cell(row=r, column=1, value=_text(rrow.label))
                for column, num in enumerate([*rrow.counts, rrow.total], start=2):
                    number(sheet, r, column, num.value, Unit.COUNT, num.hidden)
        else:
            sheet.cell(row=r, column=1, value=_("Chưa có kết quả học tập cả năm."))
        sheet.freeze_panes = "A3"

        # -- child units
        sheet = book.create_sheet(_("Đơn vị trực thuộc"))
        sheet["A1"] = _text(f"{_('Chỉ tiêu kế hoạch theo đơn vị trực thuộc')} — {unit.name}, "
                            f"{year.code}")  # fmt: skip
        sheet["A1"].font = bold
        header(
            sheet, 2,
            [_("Mã đơn vị"), _("Đơn vị"), *[i.name for i in figures.child_indicators]],
            [12, 36, *[18] * len(figures.child_indicators)],
        )  # fmt: skip
        sheet.row_dimensions[2].height = 75
        for position, child in enumerate(figures.children, start=3):
            sheet.cell(row=position, column=1, value=child.unit.code)
            sheet.cell(row=position, column=2, value=_text(child.unit.name))
            for column, ((figure, hidden), indicator) in enumerate(
                zip(child.cells, figures.child_indicators, strict=True), start=3
            ):
                number(sheet, position, column, figure.value, indicator.unit, hidden)
        if not figures.children:
            sheet.cell(row=3, column=1, value=_("Đơn vị không có đơn vị trực thuộc."))
        sheet.freeze_panes = "C3"

        out = io.BytesIO()
        book.save(out)
    return out.getvalue()


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)


def annual_pdf(unit: OrgUnit, year: SchoolYear, public: bool = False) -> bytes:
    """The report as an A4 PDF (monitoring/annual_pdf.py)."""
    from .annual_pdf import render

    with translation.override("vi"):
        return render(annual_figures(unit, year, public=public))


__all__ = [
    "AnnualFigures",
    "annual_figures",
    "annual_pdf",
    "annual_xlsx",
    "draft_narrative",
    "format_number",
    "format_value",
    "narrative_save",
]
