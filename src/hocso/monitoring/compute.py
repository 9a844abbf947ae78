"""Computing indicator values and rolling them up over the org tree (issue 7, "Computation").

An additive source gives one (numerator, denominator) pair per school from a few grouped
queries; every ancestor's pair is the SUM of its schools' pairs, found in Python by walking each
school's materialized path ("84/842/28432/84000001/" → 84, 842, 28432). Percentages are never
averaged. A per-unit source (curriculum coverage) is asked for each unit directly.

`recompute` replaces the stored rows of the units it covers (the org's subtree in today's tree,
or the whole tree) in one transaction per indicator, so running it twice gives the same rows and
a failure leaves the previous figures of that indicator whole. The number of queries depends on
the number of indicators and breakdowns, not on the number of schools (per-unit sources aside).
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from hocso.orgs.models import OrgUnit, SchoolYear, ancestor_paths
from hocso.orgs.selectors import current_school_year

from .models import Indicator, IndicatorValue, Unit
from .sources import SOURCES, Pair, current_units, schools_qs

HUNDREDTH = Decimal("0.01")
ZERO = Decimal(0)
WRITE_BATCH = 500


@dataclass(frozen=True)
class RecomputeSummary:
    indicators: int
    units: int
    values: int


def value_of(numerator, denominator, unit: str) -> Decimal | None:
    """The value in the indicator's unit: a count is the numerator; a percent is ×100; ratios and
    averages are the quotient — rounded half-up to 2 decimals. None without a denominator."""
    if numerator is None:
        return None
    numerator = Decimal(numerator)
    if unit == Unit.COUNT:
        return numerator
    if denominator is None or Decimal(denominator) == 0:
        return None
    quotient = numerator / Decimal(denominator)
    if unit == Unit.PERCENT:
        quotient *= 100
    return quotient.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def default_year() -> SchoolYear | None:
    """The school year containing today, else the latest that has started (orgs selector)."""
    return current_school_year()


def _source_of(indicator: Indicator):
    return SOURCES.get(indicator.source) if indicator.source else None


def _add(total: Pair | None, pair: Pair) -> Pair:
    if total is None:
        return pair
    num, den = total
    if den is None and pair[1] is None:
        return num + pair[0], None
    return num + pair[0], (den or ZERO) + (pair[1] or ZERO)


def _empty(indicator: Indicator) -> Pair:
    return (ZERO, None) if indicator.unit == Unit.COUNT else (ZERO, ZERO)


def compute_one(indicator: Indicator, org_unit: OrgUnit, year: SchoolYear) -> Pair:
    """(numerator, denominator) of one indicator for one unit, computed now (not stored): the
    sum over the schools of the unit's subtree, or the per-unit source."""
    source = _source_of(indicator)
    if source is None:
        raise ValueError(f"Chỉ tiêu {indicator.code} chưa có nguồn dữ liệu")
    if not source.additive:
        return source.per_unit(org_unit, year)
    # Only the schools of today's tree, as `recompute` rolls up (a closed school's rows stay
    # out of its old ancestors' sums).
    open_schools = set(schools_qs(org_unit.path).values_list("pk", flat=True))
    total = None
    for school_id, pair in source.per_school(year, under=org_unit.path).items():
        if school_id in open_schools:
            total = _add(total, pair)
    return total if total is not None else _empty(indicator)


def rollup(pairs: dict[int, Pair], units: dict[str, OrgUnit]) -> dict[int, Pair]:
    """Sum per-school pairs into every unit of `units` (path → unit) on the school's path."""
    by_id = {u.pk: u for u in units.values()}
    totals: dict[int, Pair] = {}
    for school_id, pair in pairs.items():
        school = by_id.get(school_id)
        if school is None:  # closed, or outside the subtree recomputed
            continue
        for path in ancestor_paths(school.path):
            unit = units.get(path)
            if unit is not None:
                totals[unit.pk] = _add(totals.get(unit.pk), pair)
    return totals


def _rows_additive(source, indicator, year, under, units) -> dict[tuple[int, str], Pair]:
    rows: dict[tuple[int, str], Pair] = {}
    per_school = source.per_school(year, under=under)
    totals = rollup(per_school, units)
    for unit in units.values():
        rows[(unit.pk, "")] = totals.get(unit.pk, _empty(indicator))
    types = {u.pk: u.school_type for u in units.values()}
    for name, breakdown in source.breakdowns.items():
        if name == "school_level":
            # The per-school totals under each school's level: no second query.
            parts = {
                (pk, f"school_level:{types[pk] or 'other'}"): pair
                for pk, pair in per_school.items()
                if pk in types
            }
        else:
            parts = breakdown(year, under=under)
        grouped: dict[str, dict[int, Pair]] = defaultdict(dict)
        for (school_id, key), pair in parts.items():
            grouped[key][school_id] = pair
        for key, pairs in grouped.items():
            for unit_id, pair in rollup(pairs, units).items():
                rows[(unit_id, key)] = pair
    return rows


def _rows_per_unit(source, year, units) -> dict[tuple[int, str], Pair]:
    return {(unit.pk, ""): source.per_unit(unit, year) for unit in units.values()}


def _units(org: OrgUnit | None):
    qs = current_units()
    if org is not None:
        qs = qs.filter(path__startswith=org.path)
    return qs


def recompute(
    *, org: OrgUnit | None = None, year: SchoolYear | None = None, indicators=None
) -> RecomputeSummary:
    """Recompute and store the values of `indicators` (default: every indicator with a known
    source) for the units of `org`'s subtree (default: the whole current tree) in `year`
    (default: the current school year). Indicators without a data source are skipped.

    With `org`, the units above it keep their stored sums: recompute the whole tree (or the
    province) to bring them up to date too."""
    year = year or default_year()
    if indicators is None:
        indicators = Indicator.objects.exclude(source="")
    indicators = [i for i in indicators if _source_of(i) is not None]
    if year is None:
        return RecomputeSummary(indicators=0, units=0, values=0)
    under = org.path if org is not None else None
    units_qs = _units(org)
    units = {u.path: u for u in units_qs.only("pk", "path", "kind", "code", "school_type")}
    now = timezone.now()
    written = 0
    for indicator in indicators:
        source = _source_of(indicator)
        if source.additive:
            rows = _rows_additive(source, indicator, year, under, units)
        else:
            rows = _rows_per_unit(source, year, units)
        with transaction.atomic():
            IndicatorValue.objects.filter(
                indicator=indicator, year=year, org_unit__in=units_qs
            ).delete()
            IndicatorValue.objects.bulk_create(
                [
                    IndicatorValue(
                        indicator=indicator,
                        org_unit_id=unit_id,
                        year=year,
                        breakdown=key,
                        numerator=num,
                        denominator=den,
                        computed_at=now,
                    )
                    for (unit_id, key), (num, den) in rows.items()
                ],
                batch_size=WRITE_BATCH,
            )
        written += len(rows)
    return RecomputeSummary(indicators=len(indicators), units=len(units), values=written)
