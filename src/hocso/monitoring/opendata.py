"""The open-data snapshot: the published (suppressed) figures of a school year — the ONLY
source of the open endpoints (issue 7, "Open data").

`refresh_snapshot(year)` computes what `selectors.open_indicators` publishes — every public
indicator with a data source, for every unit of today's open tree, small learner counts
suppressed once for the whole tree (suppression.py) — and stores it in `OpenDataSnapshot`.
A full `compute.recompute` calls it at the end, so the snapshot is the figures of the last full
recompute; the incremental updates of hooks.py (recompute_school) move the stored values but
reach open data only with the next full recompute.

Open data is served from the snapshot and nothing else: publishing the snapshot for some units
and freshly computed figures for others would put two states of the data side by side, and a
cell suppressed in one could be found by subtraction from the other. So a unit or indicator the
snapshot does not hold (opened or published since) is published without figures ("source":
"unavailable") until the next full recompute. `snapshot_for(year)` reads the year's snapshot
and, when the year has none at all, computes the whole tree once and stores it first (the first
request of a year nobody recomputed), so there is still exactly one state.

`snapshot_figures(year)` reads it back as {(indicator code, unit code): (Figure, suppressed)}.
Names, units and targets are read from the catalog as always, so an edited target shows at once.

Stored form (`OpenDataSnapshot.items`): a list of `[indicator code, unit code, numerator,
denominator, value, suppressed]`, numbers as decimal strings (exact) or null.
"""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from hocso.orgs.models import SchoolYear

from .models import OpenDataSnapshot


def _text(number) -> str | None:
    return None if number is None else str(number)


def _number(text) -> Decimal | None:
    return None if text is None else Decimal(text)


def snapshot_items(year: SchoolYear) -> list[list]:
    """The published figures of every public, live indicator for every open unit."""
    from . import selectors

    tree = list(selectors.open_units().only("pk", "code", "name", "path", "parent_id", "kind"))
    sources = selectors._sources()
    items = []
    for indicator in selectors.indicators_catalog().filter(is_public=True):
        if not (indicator.has_source and indicator.source in sources):
            continue
        figures = selectors._published(indicator, tree, tree, year)
        for unit in tree:
            figure, suppressed = figures[unit.pk]
            items.append(
                [
                    indicator.code,
                    unit.code,
                    _text(figure.numerator),
                    _text(figure.denominator),
                    _text(figure.value),
                    suppressed,
                ]
            )
    return items


def refresh_snapshot(year: SchoolYear) -> OpenDataSnapshot:
    """Compute and store the year's open-data snapshot (replacing the previous one)."""
    items = snapshot_items(year)
    snapshot, _created = OpenDataSnapshot.objects.update_or_create(
        year=year, defaults={"items": items, "computed_at": timezone.now()}
    )
    return snapshot


def _figures_of(items: list[list]) -> dict[tuple[str, str], tuple]:
    from .selectors import Figure

    return {
        (code, org): (Figure(_number(num), _number(den), _number(value)), bool(suppressed))
        for code, org, num, den, value, suppressed in items
    }


def snapshot_figures(year: SchoolYear) -> dict[tuple[str, str], tuple] | None:
    """{(indicator code, unit code): (selectors.Figure, suppressed)} from the year's snapshot, or
    None when there is none."""
    items = OpenDataSnapshot.objects.filter(year=year).values_list("items", flat=True).first()
    if items is None:
        return None
    return _figures_of(items)


def snapshot_for(year: SchoolYear) -> dict[tuple[str, str], tuple]:
    """The year's snapshot as `snapshot_figures` gives it; when the year has none, the whole open
    tree is computed once and stored as its snapshot, which is then served. Two requests racing
    to store the first snapshot both serve the one stored first (the snapshot is one per year)."""
    figures = snapshot_figures(year)
    if figures is not None:
        return figures
    items = snapshot_items(year)
    try:
        with transaction.atomic():
            snapshot, _created = OpenDataSnapshot.objects.get_or_create(
                year=year, defaults={"items": items, "computed_at": timezone.now()}
            )
    except IntegrityError:  # another request stored it between our read and our write
        snapshot = OpenDataSnapshot.objects.get(year=year)
    return _figures_of(snapshot.items)
