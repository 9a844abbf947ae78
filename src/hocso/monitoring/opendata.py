"""The open-data snapshot: the published (suppressed) figures of a school year, kept so an
anonymous request reads them instead of computing (issue 7, "Open data").

`refresh_snapshot(year)` computes what `selectors.open_indicators` publishes — every public
indicator with a data source, for every unit of today's open tree, small learner counts
suppressed once for the whole tree (suppression.py) — and stores it in `OpenDataSnapshot`.
A full `compute.recompute` calls it at the end, so the snapshot is the figures of the last full
recompute (the incremental updates of hooks.py reach open data with the next one).

`snapshot_figures(year)` reads it back as {(indicator code, unit code): (Figure, suppressed)}.
The open endpoints take each indicator's figures from there and compute only an indicator the
snapshot does not hold for every unit shown (no snapshot yet, a unit opened or an indicator
published since). Names, units and targets are read from the catalog as always, so an edited
target shows at once.

Stored form (`OpenDataSnapshot.items`): a list of `[indicator code, unit code, numerator,
denominator, value, suppressed]`, numbers as decimal strings (exact) or null.
"""

from decimal import Decimal

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


def snapshot_figures(year: SchoolYear) -> dict[tuple[str, str], tuple] | None:
    """{(indicator code, unit code): (selectors.Figure, suppressed)} from the year's snapshot, or
    None when there is none."""
    from .selectors import Figure

    items = OpenDataSnapshot.objects.filter(year=year).values_list("items", flat=True).first()
    if items is None:
        return None
    return {
        (code, org): (Figure(_number(num), _number(den), _number(value)), bool(suppressed))
        for code, org, num, den, value, suppressed in items
    }
