"""Curriculum coverage over JSON: `GET /resources/coverage?org=ORG_CODE`.

Per subject × grade, the leaf topics, how many have a published resource in reach of the unit,
the share, and which are uncovered (resources/coverage.py has the rule). A unit outside the
caller's scope answers 404, like every object of the API; without `org`, the top unit of the
caller's scope.
"""

from ninja import Router, Schema

from . import coverage

router = Router(tags=["resources"])


class TopicOut(Schema):
    code: str
    name: str


class CellOut(Schema):
    subject: str
    subject_name: str
    grade: int
    topics: int
    covered: int
    share: float | None
    uncovered: list[TopicOut]


class CoverageOut(Schema):
    org: str
    org_name: str
    topics: int
    covered: int
    share: float | None
    cells: list[CellOut]


def _float(value) -> float | None:
    return None if value is None else float(value)


@router.get(
    "/resources/coverage",
    response=CoverageOut,
    summary="Curriculum coverage of a unit: leaf topics with a published resource in reach",
)
def resource_coverage(request, org: str | None = None):
    unit = coverage.coverage_unit_get(actor=request.auth, code=org)
    cells = coverage.coverage_cells(org_unit=unit)
    topics = sum(c.topics for c in cells)
    covered = sum(c.covered for c in cells)
    return {
        "org": unit.code,
        "org_name": unit.name,
        "topics": topics,
        "covered": covered,
        "share": _float(coverage.share_of(covered, topics)),
        "cells": [
            {
                "subject": c.subject,
                "subject_name": c.subject_name,
                "grade": c.grade,
                "topics": c.topics,
                "covered": c.covered,
                "share": _float(c.share),
                "uncovered": [{"code": t.code, "name": t.name} for t in c.uncovered],
            }
            for c in cells
        ],
    }
