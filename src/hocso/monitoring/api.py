"""The monitoring centre over JSON (mounted under /api/v1/): the indicator catalog and one
indicator's values for a unit and school year, with its child units.

`GET /indicators` is readable by any signed-in user: it names indicators, their definitions and
the plan's targets, nothing about people. `GET /indicators/{code}/values?org=&year=` (and
`&date=YYYY-MM-DD&boundaries=then|today` for the figures of a past day) is for staff:
a unit outside the caller's read scope (and any unit, for learners, guardians and citizens)
answers 404, like every object of the API. Figures are JSON numbers or null: `value` in the
indicator's unit (a percent as 0–100), null when the denominator is 0 or the indicator has no
data source yet ("source": "none" in the catalog) — never a made-up figure.

`GET /open/indicators` (and `.csv`) is open data: no login, aggregates of today's units only,
small learner counts suppressed by monitoring/suppression.py, served ONLY from the year's
snapshot that the last full recompute stored (monitoring/opendata.py) — one state for every open
view, whatever the incremental updates did since. A unit or indicator not in the snapshot has
null figures and "source": "unavailable" until the next full recompute.
"""

import io
from decimal import Decimal

from django.http import HttpResponse
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from hocso.core.api_pagination import Pagination

from . import selectors

router = Router(tags=["monitoring"])


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


class TargetOut(Schema):
    year: int = Field(description="Calendar year the target is set for (its end)")
    value: float = Field(description="In the indicator's unit; a percent as 0–100")

    @staticmethod
    def resolve_value(obj) -> float:
        return float(obj.value)


class IndicatorOut(Schema):
    code: str
    name: str = Field(description="Vietnamese name")
    name_en: str
    definition: str = Field(description="What the numerator and denominator count (Vietnamese)")
    unit: str = Field(description="percent, ratio, count or average")
    source: str = Field(
        description='"live": computed from the platform\'s data; "none": no data source yet '
        "(its values are null)"
    )
    lowest_level: str = Field(description="Lowest org level the value means something at")
    disaggregations: list[str] = Field(description="Breakdowns, e.g. school_level, gender")
    in_plan: bool = Field(description="One of the digital-transformation plan's indicators")
    higher_is_better: bool
    targets: list[TargetOut]

    @staticmethod
    def resolve_source(obj) -> str:
        return "live" if obj.has_source else "none"

    @staticmethod
    def resolve_targets(obj) -> list:
        return list(obj.targets.all())


class ChildValueOut(Schema):
    org: str = Field(description="Code of the child unit")
    name: str
    numerator: float | None
    denominator: float | None
    value: float | None


class IndicatorValuesOut(Schema):
    code: str
    org: str = Field(description="Code of the unit")
    year: str = Field(description='School year, e.g. "2025-2026"')
    numerator: float | None
    denominator: float | None = Field(description="null for plain counts")
    value: float | None = Field(description="In the indicator's unit; null when not computable")
    target: float | None = Field(
        description="The plan's target for the calendar year the school year ends in, else the "
        "next target year after it; null if none"
    )
    children: list[ChildValueOut] = Field(description="Child units in the caller's scope, by name")


@router.get(
    "/indicators",
    response=list[IndicatorOut],
    url_name="indicator_list",
    summary="The indicator catalog with the plan's targets",
)
@paginate(Pagination)
def list_indicators(request):
    return selectors.indicators_catalog()


@router.get(
    "/indicators/{code}/values",
    response=IndicatorValuesOut,
    url_name="indicator_values",
    summary="One indicator for a unit and school year, with its child units",
)
def indicator_values(
    request,
    code: str,
    org: str | None = None,
    year: str | None = None,
    date: str | None = None,
    boundaries: str | None = None,
):
    """`org` = unit code (default: the caller's own unit); `year` = "YYYY-YYYY" (default: the
    current school year, or with `date` the one containing it). `date` = "YYYY-MM-DD": the
    figures of that day — the learners enrolled that day — computed on the boundaries of that
    day (`boundaries=then`, the default: the units that existed then, e.g. a district before the
    1 July 2025 reform, which `org` may name) or of today (`boundaries=today`). Without `date`:
    the stored values, on today's boundaries."""
    body = selectors.indicator_values(
        actor=request.auth, code=code, org_code=org, year_code=year,
        on=selectors.day_for(date), boundaries=selectors.boundaries_for(boundaries),
    )  # fmt: skip
    for key in ("numerator", "denominator", "value", "target"):
        body[key] = _float(body[key])
    body["children"] = [
        {**child, **{k: _float(child[k]) for k in ("numerator", "denominator", "value")}}
        for child in body["children"]
    ]
    return body


# ---------------------------------------------------------------- open data (no login)


class OpenRowOut(Schema):
    code: str = Field(description="Indicator code")
    name: str
    name_en: str
    unit: str = Field(description="percent, ratio, count or average")
    source: str = Field(
        description='"live"; "none": no data source yet (figures null); "unavailable": not in the '
        "published snapshot yet — a unit opened or an indicator published since the last full "
        "recompute (figures null until the next one)"
    )
    org: str = Field(description="Code of the unit")
    org_name: str
    numerator: float | None
    denominator: float | None
    value: float | None
    target: float | None
    suppressed: bool = Field(
        description="Fewer than 5 learners behind the figure, or hidden so that such a figure "
        "cannot be derived by subtraction: numerator, denominator and value are null"
    )


class OpenIndicatorsOut(Schema):
    year: str = Field(description='School year, e.g. "2025-2026"')
    items: list[OpenRowOut]
    count: int


OPEN_FIELDS = list(OpenRowOut.model_fields)


def _open_body(org: str | None, year: str | None) -> dict:
    body = selectors.open_indicators(org_code=org, year_code=year)
    for row in body["items"]:
        for key in ("numerator", "denominator", "value", "target"):
            row[key] = _float(row[key])
    return body


@router.get(
    "/open/indicators",
    response=OpenIndicatorsOut,
    auth=None,
    url_name="open_indicators",
    summary="Open data: public indicators of a unit and its child units (no login)",
)
def open_indicators(request, org: str | None = None, year: str | None = None):
    """Aggregates only, small cells suppressed. `org` = unit code (default: every province and
    its children); `year` = "YYYY-YYYY" (default: the current school year)."""
    return _open_body(org, year)


def _csv_number(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


@router.get(
    "/open/indicators.csv",
    auth=None,
    url_name="open_indicators_csv",
    summary="Open data as CSV (UTF-8 with BOM, for spreadsheets)",
)
def open_indicators_csv(request, org: str | None = None, year: str | None = None):
    """The rows of /open/indicators, one per line, with a `year` column first. Text a spreadsheet
    would run as a formula is written with a leading quote."""
    from hocso.registry.exporters.csv import write_csv

    body = selectors.open_indicators(org_code=org, year_code=year)
    numbers = {"numerator", "denominator", "value", "target"}
    rows = []
    for row in body["items"]:
        cells = [body["year"]]
        for key in OPEN_FIELDS:
            if key in numbers:
                cells.append(_csv_number(row[key]))
            elif key == "suppressed":
                cells.append("true" if row[key] else "false")
            else:
                cells.append(row[key])
        rows.append(cells)
    output = io.BytesIO()
    write_csv(output, ["year", *OPEN_FIELDS], rows)
    response = HttpResponse(output.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"hocso-chi-tieu-{body['year']}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
