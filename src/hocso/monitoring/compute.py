"""Computing indicator values and rolling them up over the org tree (issue 7, "Computation").

An additive source gives one (numerator, denominator) pair per school from a few grouped
queries; every ancestor's pair is the SUM of its schools' pairs, found in Python by walking each
school's materialized path ("84/842/28432/84000001/" → 84, 842, 28432). Percentages are never
averaged. A per-unit source (curriculum coverage) is asked for each unit directly.

`recompute` replaces the stored rows of the units it covers (the org's subtree in today's tree,
or the whole tree) in one transaction per indicator, so running it twice gives the same rows and
a failure leaves the previous figures of that indicator whole. Each of those transactions first
locks the top units that `recompute_school` locks first (`_lock_tops`) and only then reads the
data, so a concurrent incremental task is ordered wholly before or after it, never overwritten. The number of queries depends on
the number of indicators and breakdowns, not on the number of schools (per-unit sources aside).
A full recompute (whole tree, every indicator) ends by refreshing the year's open-data snapshot
(opendata.py).

`recompute_school` is the incremental path (hooks.py queues it when a school's data change): it
recomputes one school's rows and moves its ancestors' stored sums by the difference (the old
school row out, the new one in) — a few dozen queries whatever the size of the province.

`pairs_on` gives the figures of a past (or future) day on the boundaries of that day ("then":
the units valid that day, each school under its ancestors of that day, from the OrgUnitMove
records) or of today ("today": today's units and paths; a school closed since counts under its
successor). Computed when asked, never stored.
"""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from hocso.orgs.models import OrgKind, OrgUnit, OrgUnitMove, SchoolYear, ancestor_paths
from hocso.orgs.selectors import current_school_year

from .models import Indicator, IndicatorValue, Unit
from .sources import (
    ATTRIBUTE_FIELDS,
    SCHOOL_ATTRIBUTES,
    SOURCES,
    Pair,
    by_attribute,
    current_units,
    school_attributes,
    schools_qs,
)

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


def _rows_additive(
    source, indicator, year, under, units, attributes=None
) -> dict[tuple[int, str], Pair]:
    """The rows of an additive indicator for `units` (path → unit): each unit's total and its
    breakdowns. `attributes` = sources.school_attributes of the schools (default: from `units`,
    which then must hold the ancestors whose area the schools inherit)."""
    rows: dict[tuple[int, str], Pair] = {}
    per_school = source.per_school(year, under=under)
    totals = rollup(per_school, units)
    for unit in units.values():
        rows[(unit.pk, "")] = totals.get(unit.pk, _empty(indicator))
    if attributes is None:
        attributes = school_attributes(units.values())
    for name, breakdown in source.breakdowns.items():
        if name in SCHOOL_ATTRIBUTES:
            # The per-school totals under each school's attribute: no second query.
            parts = by_attribute(name, per_school, attributes)
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
    province) to bring them up to date too. Without `org` and `indicators` (a full recompute),
    the year's open-data snapshot is refreshed at the end."""
    year = year or default_year()
    full = org is None and indicators is None
    if indicators is None:
        indicators = Indicator.objects.exclude(source="")
    indicators = [i for i in indicators if _source_of(i) is not None]
    if year is None:
        return RecomputeSummary(indicators=0, units=0, values=0)
    under = org.path if org is not None else None
    units_qs = _units(org)
    units = {u.path: u for u in units_qs.only("code", *ATTRIBUTE_FIELDS)}
    # The school attributes once per recompute; the ancestors above `org` pass their area down.
    above = []
    if org is not None:
        above = list(
            current_units()
            .filter(path__in=ancestor_paths(org.path))
            .exclude(path=org.path)
            .only(*ATTRIBUTE_FIELDS)
        )
    attributes = school_attributes([*above, *units.values()])
    now = timezone.now()
    written = 0
    for indicator in indicators:
        source = _source_of(indicator)
        with transaction.atomic():
            # The locks recompute_school takes first, before reading anything (see _lock_tops).
            _lock_tops(org)
            if source.additive:
                rows = _rows_additive(source, indicator, year, under, units, attributes)
            else:
                rows = _rows_per_unit(source, year, units)
            _write_rows(indicator, year, units_qs, rows, now)
        written += len(rows)
    if full:
        from .opendata import refresh_snapshot

        refresh_snapshot(year)
    return RecomputeSummary(indicators=len(indicators), units=len(units), values=written)


def _lock_tops(org: OrgUnit | None) -> list[int]:
    """Lock (SELECT … FOR UPDATE, in recompute_school's order: depth, then path) the highest
    units of today's tree above everything `recompute` is about to rewrite: `org` and its
    ancestors, or without `org` the top of every chain (the units whose parent is not in today's
    tree: the provinces). Every recompute_school of a school below takes the same rows first, so
    a recompute_school either commits before this indicator's data are READ (and the rewrite
    includes its change) or waits until the rewrite commits (and moves it by its difference):
    a full recompute never overwrites newer figures with older ones. Returns the locked pks.
    SQLite has one writer at a time anyway (select_for_update is a no-op there)."""
    if org is not None:
        qs = current_units().filter(path__in=ancestor_paths(org.path))
    else:
        qs = current_units().exclude(parent__in=current_units())
    return list(qs.select_for_update().order_by("depth", "path").values_list("pk", flat=True))


def _write_rows(indicator, year, units_qs, rows: dict[tuple[int, str], Pair], now) -> None:
    """Replace the stored rows of `indicator` in `year` for the units of `units_qs`."""
    IndicatorValue.objects.filter(indicator=indicator, year=year, org_unit__in=units_qs).delete()
    IndicatorValue.objects.bulk_create(
        [
            _value_row(indicator.pk, unit_id, year, key, pair, now)
            for (unit_id, key), pair in rows.items()
        ],
        batch_size=WRITE_BATCH,
    )


# ---------------------------------------------------------------- incremental: one school


def _difference(new: Pair | None, old: Pair | None) -> Pair:
    """new − old (either may be missing: no row)."""
    new_num, new_den = new if new is not None else (ZERO, None)
    old_num, old_den = old if old is not None else (ZERO, None)
    if new_den is None and old_den is None:
        return new_num - old_num, None
    return new_num - old_num, (new_den or ZERO) - (old_den or ZERO)


def _is_zero(pair: Pair) -> bool:
    return pair[0] == 0 and (pair[1] is None or pair[1] == 0)


def recompute_school(school: OrgUnit, year: SchoolYear | None = None) -> int:
    """Recompute one school's stored values of every additive indicator (all breakdowns) for
    `year` (default: the current one) and move its ancestors' stored sums by the difference.

    The number of queries is a few per indicator, whatever the size of the tree. Per-unit
    sources (curriculum coverage) are left to the full recompute, as is an ancestor that has no
    stored value of the indicator yet (reads compute it on demand). A breakdown row of an
    ancestor that no school feeds any more (its sum falls to zero) is deleted, as a full
    recompute would not write it. Returns the number of rows written (created, updated or
    deleted); a school that is not open today (or not a school) gets nothing and returns 0.

    One transaction; the school's row and its ancestors' rows of orgs.OrgUnit are locked
    (SELECT … FOR UPDATE, top first) so two schools of one commune never interleave their
    read-modify-write of the commune's sums (PostgreSQL; SQLite has one writer anyway)."""
    year = year or default_year()
    if year is None:
        return 0
    indicators = [
        i
        for i in Indicator.objects.exclude(source="").order_by("pk")
        if _source_of(i) is not None and _source_of(i).additive
    ]
    if not indicators:
        return 0
    with transaction.atomic():
        chain = list(
            current_units()
            .filter(path__in=ancestor_paths(school.path))
            .select_for_update()
            .order_by("depth", "path")
        )
        if not chain or chain[-1].pk != school.pk or chain[-1].kind != OrgKind.SCHOOL:
            return 0
        school, ancestors = chain[-1], chain[:-1]
        attributes = school_attributes(chain)  # the chain holds the ancestors' areas
        new: dict[tuple[int, str], Pair] = {}
        for indicator in indicators:
            rows = _rows_additive(
                _source_of(indicator), indicator, year, school.path, {school.path: school},
                attributes,
            )  # fmt: skip
            for (_unit, key), pair in rows.items():
                new[(indicator.pk, key)] = pair
        stored = {
            (row.org_unit_id, row.indicator_id, row.breakdown): row
            for row in IndicatorValue.objects.filter(
                year=year, indicator__in=indicators, org_unit__in=chain
            )
        }
        old = {
            (ind, key): (row.numerator, row.denominator)
            for (unit_id, ind, key), row in stored.items()
            if unit_id == school.pk
        }
        now = timezone.now()
        create: list[IndicatorValue] = []
        update: list[IndicatorValue] = []
        delete: list[int] = []
        # The school's own rows: exactly `new`.
        for (ind, key), pair in new.items():
            row = stored.get((school.pk, ind, key))
            if row is None:
                create.append(_value_row(ind, school.pk, year, key, pair, now))
            elif (row.numerator, row.denominator) != pair:
                row.numerator, row.denominator, row.computed_at = pair[0], pair[1], now
                update.append(row)
        delete += [stored[(school.pk, ind, key)].pk for (ind, key) in old if (ind, key) not in new]
        # Each ancestor that holds the indicator's sum: moved by the difference.
        for ind, key in set(old) | set(new):
            delta = _difference(new.get((ind, key)), old.get((ind, key)))
            if _is_zero(delta):
                continue
            for unit in ancestors:
                if (unit.pk, ind, "") not in stored:
                    continue  # never computed: left to the full recompute
                row = stored.get((unit.pk, ind, key))
                if row is None:
                    create.append(_value_row(ind, unit.pk, year, key, delta, now))
                    continue
                numerator = row.numerator + delta[0]
                if row.denominator is None and delta[1] is None:
                    denominator = None
                else:
                    denominator = (row.denominator or ZERO) + (delta[1] or ZERO)
                if key and _is_zero((numerator, denominator)):
                    delete.append(row.pk)
                    continue
                row.numerator, row.denominator, row.computed_at = numerator, denominator, now
                update.append(row)
        if delete:
            IndicatorValue.objects.filter(pk__in=delete).delete()
        if update:
            IndicatorValue.objects.bulk_update(
                update, ["numerator", "denominator", "computed_at"], batch_size=WRITE_BATCH
            )
        if create:
            IndicatorValue.objects.bulk_create(create, batch_size=WRITE_BATCH)
    return len(create) + len(update) + len(delete)


def _value_row(indicator_id, unit_id, year, key, pair: Pair, now) -> IndicatorValue:
    return IndicatorValue(
        indicator_id=indicator_id, org_unit_id=unit_id, year=year, breakdown=key,
        numerator=pair[0], denominator=pair[1], computed_at=now,
    )  # fmt: skip


# ---------------------------------------------------------------- as of a date

THEN = "then"
TODAY = "today"
BOUNDARIES = (THEN, TODAY)


@dataclass(frozen=True)
class DayTree:
    """The units of a tree and where each sits in it: `paths` = unit pk → its path in that tree
    (codes joined by "/"), for the units the tree holds; `school_paths` = school pk → the path its
    data counts under (its own, or for "today" a closed school's successor's)."""

    day: date
    boundaries: str
    paths: dict[int, str]
    school_paths: dict[int, str]

    def children(self, unit_id: int) -> list[int]:
        path = self.paths[unit_id]
        depth = path.count("/")
        return [
            pk for pk, p in self.paths.items() if p.startswith(path) and p.count("/") == depth + 1
        ]


def paths_on(day: date) -> dict[int, str]:
    """Unit pk → path on `day`, for the units of that day's tree: valid that day, under
    ancestors valid that day. A unit's parent on `day` is the old parent of its earliest move
    (orgs.OrgUnitMove) effective after `day`, else its parent today — the tree of today with the
    later moves undone (docs/decisions/0002-org-tree-history.md). Two queries."""
    units = {
        pk: (code, parent_id, valid_from, valid_to)
        for pk, code, parent_id, valid_from, valid_to in OrgUnit.objects.order_by().values_list(
            "pk", "code", "parent_id", "valid_from", "valid_to"
        )
    }
    parent = {pk: row[1] for pk, row in units.items()}
    undone: set[int] = set()
    for unit_id, old_parent_id in (
        OrgUnitMove.objects.filter(effective_on__gt=day)
        .order_by("effective_on", "id")
        .values_list("unit_id", "old_parent_id")
    ):
        if unit_id not in undone:
            undone.add(unit_id)
            parent[unit_id] = old_parent_id

    def valid(pk: int) -> bool:
        _code, _parent, valid_from, valid_to = units[pk]
        return (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to)

    paths: dict[int, str | None] = {}
    for pk in units:
        chain: list[int] = []
        node = pk
        while node is not None and node not in paths:
            if not valid(node) or node in chain:  # closed that day, or a cycle in bad data
                node = -1
                break
            chain.append(node)
            node = parent[node]
        prefix = "" if node is None else paths.get(node)
        for member in reversed(chain):
            prefix = None if prefix is None else prefix + units[member][0] + "/"
            paths[member] = prefix
    return {pk: path for pk, path in paths.items() if path is not None}


def paths_today() -> dict[int, str]:
    """Unit pk → path, for the units of today's tree (the stored paths)."""
    return dict(current_units().order_by().values_list("pk", "path"))


def _successor_paths(paths: dict[int, str]) -> dict[int, str]:
    """For every closed school: the path of its first open successor (following the links
    transitively; the lowest pk when a school was split), so its data count there."""
    links: dict[int, list[int]] = defaultdict(list)
    for source, target in OrgUnit.successors.through.objects.order_by("to_orgunit_id").values_list(
        "from_orgunit_id", "to_orgunit_id"
    ):
        links[source].append(target)
    closed = OrgUnit.objects.filter(kind=OrgKind.SCHOOL, pk__in=list(links)).exclude(
        pk__in=list(paths)
    )
    found = {}
    for school_id in closed.values_list("pk", flat=True):
        frontier, seen = [school_id], {school_id}
        while frontier:
            node = frontier.pop(0)
            if node in paths and node != school_id:
                found[school_id] = paths[node]
                break
            for successor in links.get(node, ()):
                if successor not in seen:
                    seen.add(successor)
                    frontier.append(successor)
    return found


def tree_for(day: date, boundaries: str = THEN) -> DayTree:
    """The tree the figures of `day` are drawn on: that day's ("then") or today's ("today")."""
    if boundaries not in BOUNDARIES:
        raise ValueError(boundaries)
    if boundaries == THEN:
        paths = paths_on(day)
        return DayTree(day, boundaries, paths, paths)
    paths = paths_today()
    return DayTree(day, boundaries, paths, {**_successor_paths(paths), **paths})


def pairs_on(
    indicator: Indicator,
    year: SchoolYear,
    tree: DayTree,
    unit_ids: list[int],
    *,
    schools: Collection[int] | None = None,
) -> dict[int, Pair]:
    """(numerator, denominator) of `indicator` on `tree.day` for the units `unit_ids` of `tree`:
    the learners enrolled that day (sources.py, `on=`) of the schools, summed over the schools
    under each unit in that tree. A per-unit source is asked for each unit (it has no history).

    `schools` (school pks) limits the sum to those schools — the ones the reader may see (their
    read scope, selectors._values_on): on the tree of another day a unit may hold schools that
    have since left the reader's scope, whose figures must not reach them as "the unit's total
    minus the children shown". A unit's total is then the sum over the schools of `schools`
    under it. None: every school."""
    source = _source_of(indicator)
    if source is None:
        raise ValueError(f"Chỉ tiêu {indicator.code} chưa có nguồn dữ liệu")
    if not source.additive:
        units = OrgUnit.objects.in_bulk(unit_ids)
        return {pk: source.per_unit(units[pk], year) for pk in unit_ids}
    wanted = {tree.paths[pk]: pk for pk in unit_ids}
    totals: dict[int, Pair] = {}
    allowed = None if schools is None else set(schools)
    for school_id, pair in source.per_school(year, on=tree.day).items():
        if allowed is not None and school_id not in allowed:
            continue
        path = tree.school_paths.get(school_id)
        if path is None:  # not open that day (or closed without a successor, for "today")
            continue
        for prefix in ancestor_paths(path):
            unit_id = wanted.get(prefix)
            if unit_id is not None:
                totals[unit_id] = _add(totals.get(unit_id), pair)
    return {pk: totals.get(pk, _empty(indicator)) for pk in unit_ids}
