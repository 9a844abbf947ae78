"""The monitoring centre over JSON (mounted under /api/v1/): the indicator catalog and one
indicator's values for a unit and school year, with its child units.

`GET /indicators` is readable by any signed-in user: it names indicators, their definitions and
the plan's targets, nothing about people. `GET /indicators/{code}/values?org=&year=` is for staff:
a unit outside the caller's read scope (and any unit, for learners, guardians and citizens)
answers 404, like every object of the API. Figures are JSON numbers or null: `value` in the
indicator's unit (a percent as 0–100), null when the denominator is 0 or the indicator has no
data source yet ("source": "none" in the catalog) — never a made-up figure.
"""

from decimal import Decimal

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
def indicator_values(request, code: str, org: str | None = None, year: str | None = None):
    """`org` = unit code (default: the caller's own unit); `year` = "YYYY-YYYY" (default: the
    current school year)."""
    body = selectors.indicator_values(actor=request.auth, code=code, org_code=org, year_code=year)
    for key in ("numerator", "denominator", "value", "target"):
        body[key] = _float(body[key])
    body["children"] = [
        {**child, **{k: _float(child[k]) for k in ("numerator", "denominator", "value")}}
        for child in body["children"]
    ]
    return body
