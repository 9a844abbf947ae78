"""Reads of the monitoring centre: the indicator catalog and one indicator's values for a unit.

The catalog is the same for every signed-in user (it names indicators, not people). Values are
scoped: the unit must be in the actor's READ scope (staff roles: their subtrees, and the archive
of predecessor units), else `OrgUnit.DoesNotExist` — a 404, like every object of the API; its
children are listed only when in scope too. Learners, guardians and citizens have no read scope,
so they reach no unit.

Values come from the stored `IndicatorValue` rows (`hocso monitoring recompute`); a unit without
a stored row is computed on demand by the engine (compute.compute_one), never written from here:
a read must not change data. An indicator without a data source yields null figures, never zero.

Values *on a date* (`on=`) are computed when asked (compute.pairs_on): the learners enrolled that
day, summed over the tree of that day (`boundaries="then"`: the units valid that day, a closed
district included) or of today (`"today"`). Only the schools in the actor's read scope are
summed: on another day's tree a unit may hold a school that has since moved out of the actor's
scope, and its figures must not be learnable as "the unit's total minus the children shown".
So on a date a unit's total is the sum over the schools the actor may see under it — for a
reader of the whole unit the same as the unit's total, for a reader of part of it less.

Open data (no login) is served only from the year's snapshot (opendata.py), one state for every
open view.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hocso.core.text import fold
from hocso.orgs.models import OrgKind, OrgUnit, SchoolYear
from hocso.orgs.selectors import current_school_year, home_unit, orgunits_in_scope

from .models import Indicator, IndicatorValue, Target

YEAR_CODE = re.compile(r"^[0-9]{4}-[0-9]{4}$")


def indicators_catalog() -> QuerySet[Indicator]:
    """Every indicator in catalog order, with its targets (by year) prefetched."""
    return Indicator.objects.order_by("order", "code").prefetch_related(
        Prefetch("targets", queryset=Target.objects.order_by("year"))
    )


def target_for(indicator: Indicator, year: SchoolYear) -> Decimal | None:
    """The plan's target that applies to a school year: the one set for the calendar year the
    school year ends in, else the next target year after it (a 2025-2026 value is measured
    against the 2030 target once 2025 is past), else the last one (a "100% by 2025" target
    stays in force after 2025), else None."""
    end_year = year.end_date.year
    # Through the prefetched targets when there are any (the catalog), else one query.
    targets = list(indicator.targets.all())
    later = [t for t in targets if t.year >= end_year]
    if later:
        return min(later, key=lambda t: t.year).value
    return max(targets, key=lambda t: t.year).value if targets else None


def units_readable(*, actor) -> QuerySet[OrgUnit]:
    """The units whose figures the actor may read: the actor's read scope (staff)."""
    return orgunits_in_scope(actor=actor)


def unit_for(*, actor, code: str | None) -> OrgUnit:
    """The unit `code` if the actor may read it, else DoesNotExist. Without a code, the actor's
    home unit (orgs.selectors.home_unit)."""
    units = units_readable(actor=actor)
    if code:
        return units.get(code=code)
    return home_unit(actor=actor, units=units)


def school_year_for(code: str | None) -> SchoolYear:
    """The school year "YYYY-YYYY", or the current one. Bad input is a ValidationError naming
    the field, the value and what was expected (the API answers 422)."""
    if not code:
        year = current_school_year()
        if year is None:
            raise ValidationError({"year": _("Chưa có năm học nào trên hệ thống.")})
        return year
    if not YEAR_CODE.match(code):
        raise ValidationError(
            {
                "year": _("Năm học “%(value)s” không đúng định dạng YYYY-YYYY (ví dụ 2025-2026).")
                % {"value": code}
            }
        )
    try:
        return SchoolYear.objects.get(code=code)
    except SchoolYear.DoesNotExist:
        raise ValidationError(
            {"year": _("Không có năm học “%(value)s” trên hệ thống.") % {"value": code}}
        ) from None


@dataclass(frozen=True)
class Figure:
    """One unit's numerator, denominator and value (in the indicator's unit); all None for an
    indicator without a data source."""

    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None


NO_DATA = Figure(None, None, None)


def _children_in_scope(*, actor, unit: OrgUnit, year: SchoolYear) -> list[OrgUnit]:
    """The unit's child units the actor may read that were open at some point of the school
    year (a school closed before it began has nothing to show), sorted by name as people read
    it (diacritics folded, so "Đ" sorts with "D", not after "Z")."""
    children = units_readable(actor=actor).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=year.end_date),
        Q(valid_to__isnull=True) | Q(valid_to__gte=year.start_date),
        parent=unit,
    )
    return sorted(children, key=lambda u: (fold(u.name), u.name, u.code))


def _figures(indicator: Indicator, units: list[OrgUnit], year: SchoolYear) -> dict[int, Figure]:
    """Each unit's figure: the stored rows (one query), the missing ones computed on demand."""
    if not indicator.has_source:
        return {unit.pk: NO_DATA for unit in units}
    # The engine is its own module (sources.py, compute.py); imported when first needed.
    from . import compute

    stored = {
        row.org_unit_id: (row.numerator, row.denominator)
        for row in IndicatorValue.objects.filter(
            indicator=indicator, year=year, breakdown="", org_unit__in=units
        ).only("org_unit_id", "numerator", "denominator")
    }
    figures = {}
    for unit in units:
        if unit.pk in stored:
            numerator, denominator = stored[unit.pk]
        else:
            numerator, denominator = compute.compute_one(indicator, unit, year)
        value = compute.value_of(numerator, denominator, indicator.unit)
        figures[unit.pk] = Figure(numerator, denominator, value)
    return figures


BOUNDARIES = ("then", "today")


def day_for(text: str | None) -> date | None:
    """The date "YYYY-MM-DD" of a request, None when not given; bad input is a ValidationError
    naming the field (the API answers 422)."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            {
                "date": _("Ngày “%(value)s” không đúng định dạng YYYY-MM-DD (ví dụ 2025-01-15).")
                % {"value": text}
            }
        ) from None


def boundaries_for(text: str | None) -> str:
    """The boundaries asked: "then" (the default) or "today"; else a ValidationError."""
    if not text:
        return BOUNDARIES[0]
    if text not in BOUNDARIES:
        raise ValidationError(
            {
                "boundaries": _("Ranh giới “%(value)s” không hợp lệ: chọn then hoặc today.")
                % {"value": text}
            }
        )
    return text


def indicator_values(
    *,
    actor,
    code: str,
    org_code: str | None = None,
    year_code: str | None = None,
    on: date | None = None,
    boundaries: str = "then",
) -> dict:
    """One indicator for one unit and school year, with the unit's children in scope.

    `{"code", "org", "year", "numerator", "denominator", "value", "target", "children":
    [{"org", "name", "numerator", "denominator", "value"}, …]}` with Decimals (or None); the
    API turns them into JSON numbers. Unknown indicator or a unit out of scope: DoesNotExist.

    Without `on`: the stored values, on today's tree. With `on` (a date): the figures of that
    day (module docstring) in the school year `year_code` (default: the one containing the day),
    on the tree of that day (`boundaries="then"`: the unit may be one closed since, e.g. a
    district before the 2025 reform; its children are its children of that day) or of today
    (`"today"`), summing only the schools in the actor's read scope (a unit's total is the sum of
    what the actor may see under it, so it never discloses a school outside that scope). A unit that is not in that tree is a ValidationError (422); without `org_code`,
    the actor's home unit, or on a day it did not exist the highest unit they read that day.
    """
    indicator = indicators_catalog().get(code=code)
    boundaries = boundaries_for(boundaries)
    if on is not None:
        return _values_on(actor, indicator, org_code, year_code, on, boundaries)
    unit = unit_for(actor=actor, code=org_code)
    year = school_year_for(year_code)
    children = _children_in_scope(actor=actor, unit=unit, year=year)
    figures = _figures(indicator, [unit, *children], year)
    return _values_body(indicator, unit, year, children, figures)


def _values_body(indicator, unit, year, children, figures) -> dict:
    own = figures[unit.pk]
    return {
        "code": indicator.code,
        "org": unit.code,
        "year": year.code,
        "numerator": own.numerator,
        "denominator": own.denominator,
        "value": own.value,
        "target": target_for(indicator, year),
        "children": [
            {
                "org": child.code,
                "name": child.name,
                "numerator": figures[child.pk].numerator,
                "denominator": figures[child.pk].denominator,
                "value": figures[child.pk].value,
            }
            for child in children
        ],
    }


def _year_on(year_code: str | None, day: date) -> SchoolYear:
    if year_code:
        return school_year_for(year_code)
    year = current_school_year(on=day)
    if year is None:
        raise ValidationError(
            {"date": _("Không có năm học nào chứa ngày %(day)s.") % {"day": day.isoformat()}}
        )
    return year


def _unit_on(actor, org_code: str | None, tree) -> OrgUnit:
    """The unit asked (in the actor's read scope, else DoesNotExist), which must be in `tree`."""
    units = units_readable(actor=actor)
    if org_code:
        unit = units.get(code=org_code)
        if unit.pk not in tree.paths:
            raise ValidationError(
                {
                    "org": _("Đơn vị %(code)s không có trong cây đơn vị ngày %(day)s.")
                    % {"code": unit.code, "day": tree.day.isoformat()}
                }
            )
        return unit
    unit = home_unit(actor=actor, units=units)
    if unit.pk in tree.paths:
        return unit
    readable = [pk for pk in units.values_list("pk", flat=True) if pk in tree.paths]
    if not readable:
        raise OrgUnit.DoesNotExist("no unit in scope that day")
    top = min(readable, key=lambda pk: (tree.paths[pk].count("/"), tree.paths[pk]))
    return OrgUnit.objects.get(pk=top)


def _schools_readable(scope) -> set[int] | None:
    """The pks of the schools (open or closed) whose own path the scope reads; None for a scope
    that reads everything."""
    if scope.everything:
        return None
    return set(
        OrgUnit.objects.filter(scope.q("path"), kind=OrgKind.SCHOOL).values_list("pk", flat=True)
    )


def _values_on(actor, indicator, org_code, year_code, day: date, boundaries: str) -> dict:
    from hocso.accounts.scope import scope_for

    from . import compute

    year = _year_on(year_code, day)
    tree = compute.tree_for(day, boundaries)
    unit = _unit_on(actor, org_code, tree)
    scope = scope_for(actor)
    children = [
        child
        for child in OrgUnit.objects.filter(pk__in=tree.children(unit.pk))
        if scope.covers(child.path)
    ]
    children.sort(key=lambda u: (fold(u.name), u.name, u.code))
    units = [unit, *children]
    if not indicator.has_source or indicator.source not in _sources():
        figures = {u.pk: NO_DATA for u in units}
    else:
        pairs = compute.pairs_on(
            indicator, year, tree, [u.pk for u in units], schools=_schools_readable(scope)
        )
        figures = {
            pk: Figure(num, den, compute.value_of(num, den, indicator.unit))
            for pk, (num, den) in pairs.items()
        }
    return _values_body(indicator, unit, year, children, figures)


# ---------------------------------------------------------------- open data (no login)


def open_units() -> QuerySet[OrgUnit]:
    """The units open data speaks of: today's tree, not closed and already opened."""
    today = timezone.localdate()
    return OrgUnit.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today),
        Q(valid_from__isnull=True) | Q(valid_from__lte=today),
    )


def _pairs(indicator: Indicator, units: list[OrgUnit], year: SchoolYear) -> dict[int, tuple]:
    """Each unit's (numerator, denominator): stored rows first (one query); the units without a
    row are computed on demand — for an additive source by one pass of its per-school query
    rolled up the tree (compute.rollup, what compute_one does per unit), else compute_one."""
    from . import compute
    from .models import Unit
    from .sources import SOURCES, current_units

    stored = {
        row.org_unit_id: (row.numerator, row.denominator)
        for row in IndicatorValue.objects.filter(indicator=indicator, year=year, breakdown="").only(
            "org_unit_id", "numerator", "denominator"
        )
    }
    missing = [u for u in units if u.pk not in stored]
    source = SOURCES[indicator.source]
    if len(missing) > 1 and source.additive:
        by_path = {u.path: u for u in current_units().only("pk", "path")}
        totals = compute.rollup(source.per_school(year), by_path)
        zero = Decimal(0)
        empty = (zero, None) if indicator.unit == Unit.COUNT else (zero, zero)
        for unit in missing:
            stored[unit.pk] = totals.get(unit.pk, empty)
    else:
        for unit in missing:
            stored[unit.pk] = compute.compute_one(indicator, unit, year)
    return stored


def _published(
    indicator: Indicator, tree: list[OrgUnit], shown: list[OrgUnit], year: SchoolYear
) -> dict[int, tuple[Figure, bool]]:
    """The published figure (and whether it is suppressed) of every unit of `tree`, the whole
    open tree: suppression is decided once for the tree, so no two views can be set against each
    other. A source with no learners behind it suppresses nothing: only `shown` is computed.
    Computed now from the stored values: what opendata.refresh_snapshot stores; the open
    endpoints never call it directly (they serve the snapshot only, open_indicators)."""
    from . import compute
    from .suppression import LEARNER_FIGURE, Cell, learners_behind, suppress

    if indicator.source in LEARNER_FIGURE and LEARNER_FIGURE[indicator.source] is None:
        tree = shown
    pairs = _pairs(indicator, tree, year)
    by_pk = {u.pk: u for u in tree}
    cells = []
    for unit in tree:
        numerator, denominator = pairs[unit.pk]
        parent = by_pk.get(unit.parent_id)
        cells.append(
            Cell(
                key=str(unit.pk),
                parent=None if parent is None else str(parent.pk),
                numerator=numerator,
                denominator=denominator,
                learners=learners_behind(indicator.source, numerator, denominator),
            )
        )
    shown = suppress(cells)
    figures = {}
    for unit in tree:
        cell = shown[str(unit.pk)]
        value = (
            None
            if cell.suppressed
            else compute.value_of(cell.numerator, cell.denominator, indicator.unit)
        )
        figures[unit.pk] = (Figure(cell.numerator, cell.denominator, value), cell.suppressed)
    return figures


def open_indicators(*, org_code: str | None = None, year_code: str | None = None) -> dict:
    """Open data: every public indicator for a unit and its child units (default: every province
    of today's tree and their children), small learner counts suppressed (suppression.py).

    `{"year", "items": [{"code", "name", "name_en", "unit", "source", "org", "org_name",
    "numerator", "denominator", "value", "target", "suppressed"}], "count"}`, indicator by
    indicator, each unit followed by its children (by name). Aggregates only: no person is named
    or counted below five. An unknown or closed unit: DoesNotExist (404).

    The figures come ONLY from the year's snapshot (opendata.py: the state of the last full
    recompute, suppressed once over the whole tree), never from the stored values the
    incremental tasks keep moving: two states published side by side would let one be set
    against the other (a difference attack on suppressed cells). A unit or indicator the
    snapshot does not hold (opened or published since) has null figures and "source":
    "unavailable" until the next full recompute. Without any snapshot of the year, the whole
    tree is computed once and stored as the snapshot (opendata.snapshot_for), then served."""
    year = school_year_for(year_code)
    open_qs = open_units()
    if org_code:
        tops = [open_qs.get(code=org_code)]
    else:
        tops = list(open_qs.filter(kind=OrgKind.PROVINCE).order_by("code"))
    tree = list(open_qs.only("pk", "code", "name", "path", "parent_id", "kind"))
    by_parent: dict[int, list[OrgUnit]] = {}
    for unit in tree:
        by_parent.setdefault(unit.parent_id, []).append(unit)
    shown: list[OrgUnit] = []
    for top in tops:
        children = sorted(by_parent.get(top.pk, []), key=lambda u: (fold(u.name), u.name, u.code))
        shown += [top, *children]
    from .opendata import snapshot_for

    snapshot = snapshot_for(year)
    items = []
    for indicator in indicators_catalog().filter(is_public=True):
        live = indicator.has_source and indicator.source in _sources()
        target = target_for(indicator, year)
        for unit in shown:
            published = snapshot.get((indicator.code, unit.code)) if live else None
            figure, suppressed = published or (NO_DATA, False)
            items.append(
                {
                    "code": indicator.code,
                    "name": indicator.name,
                    "name_en": indicator.name_en,
                    "unit": indicator.unit,
                    "source": "none" if not live else "live" if published else "unavailable",
                    "org": unit.code,
                    "org_name": unit.name,
                    "numerator": figure.numerator,
                    "denominator": figure.denominator,
                    "value": figure.value,
                    "target": target,
                    "suppressed": suppressed,
                }
            )
    return {"year": year.code, "items": items, "count": len(items)}


def _sources() -> dict:
    from .sources import SOURCES

    return SOURCES


__all__ = [
    "BOUNDARIES",
    "Figure",
    "boundaries_for",
    "day_for",
    "indicator_values",
    "indicators_catalog",
    "open_indicators",
    "open_units",
    "school_year_for",
    "target_for",
    "unit_for",
    "units_readable",
]
