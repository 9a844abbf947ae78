"""The question bank over JSON: banks, item search and item detail, blueprints (ma trận đề)
with the approved items available to each cell, and the generation of exam versions.

Every route reads through the scoped selectors: an item or blueprint the caller may not see
(another school's, someone else's draft) is absent from lists and answers 404. Choice fields
carry their stored values (`single_choice`, `approved`, `thong_hieu`). Generation answers the
versions as data (items, option order, answer key); the PDFs are the pages' and the command's.
"""

from datetime import datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from hocso.core.api_pagination import Pagination

from . import selectors
from .blueprints import (
    blueprint_availability,
    blueprint_get,
    blueprints_visible,
    exam_versions_generate,
)
from .generation import ShortageError

router = Router(tags=["questions"])


class BankItem(Schema):
    code: str
    name: str
    org_unit: str = Field(alias="org_unit.code", description="Code of the owning unit")
    subject: str | None = Field(description="Subject code, if the bank is for one subject")
    item_count: int = Field(description="Items of the bank the caller may see")

    @staticmethod
    def resolve_subject(obj) -> str | None:
        return obj.subject.code if obj.subject_id else None


class FacetValue(Schema):
    value: str | int
    label: str
    count: int


class BankDetail(BankItem):
    facets: dict[str, list[FacetValue]] = Field(
        description="For subject, grade, topic, level, type and status: the values the visible "
        "items of the bank have, with counts"
    )


class ItemSummary(Schema):
    id: int
    bank: str = Field(alias="bank.code")
    type: str
    status: str
    sharing: str = Field(description="school (the owning unit) or province")
    name: str
    stem: str = Field(alias="current_version.stem", description="HTML fragment")
    points: Decimal = Field(alias="current_version.points")
    version: int = Field(alias="current_version.number")
    subject: str | None
    grade: int | None
    topic: str | None = Field(description="Topic code")
    level: str = Field(description="Cognitive level, e.g. biet, thong_hieu; empty if untagged")
    updated_at: datetime

    @staticmethod
    def resolve_subject(obj) -> str | None:
        return obj.subject.code if obj.subject_id else None

    @staticmethod
    def resolve_topic(obj) -> str | None:
        return obj.topic.code if obj.topic_id else None


class ItemDetail(ItemSummary):
    org_unit: str = Field(alias="org_unit.code")
    author: str | None
    identifier: str
    category: list[str]
    source: str
    content: dict = Field(
        alias="current_version.content",
        description="Type-specific content: choices, statements, text_answers, numeric_answers, "
        "pairs, order, correct, feedback, rubric, files (image name → SHA-256)",
    )

    @staticmethod
    def resolve_author(obj) -> str | None:
        return str(obj.author) if obj.author_id else None


@router.get("/question-banks", response=list[BankItem], url_name="question_bank_list")
@paginate(Pagination)
def list_banks(request):
    """Banks of the caller's units and of the units above them."""
    return selectors.banks_with_counts(actor=request.auth)


@router.get("/question-banks/{code}", response=BankDetail, url_name="question_bank_detail")
def get_bank(request, code: str):
    """One bank with facet counts of the items the caller may see in it."""
    bank = selectors.banks_with_counts(actor=request.auth).get(code=code)
    bank.facets = selectors.item_facets(
        selectors.items_search(actor=request.auth, bank_code=bank.code)
    )
    return bank


@router.get("/question-items", response=list[ItemSummary], url_name="question_item_list")
@paginate(Pagination)
def list_items(
    request, q: str = "", bank: str = "", subject: str = "", grade: int | None = None,
    topic: int | None = None, level: str = "", type: str = "", status: str = "",
):  # fmt: skip
    """Items the caller may see, newest first. `q` = words of the stem, options or name (any
    case, diacritics optional); `bank` = bank code; `subject` = subject code; `topic` = topic
    id; `level` = biet/hieu/van_dung/nhan_biet/thong_hieu/van_dung_4/van_dung_cao; `type` =
    single_choice/multiple_response/true_false/true_false_4/short_text/short_numeric/matching/
    ordering/essay; `status` = draft/submitted/reviewed/approved/retired."""
    return selectors.items_search(
        actor=request.auth, q=q, bank_code=bank, subject=subject, grade=grade, topic=topic,
        level=level, type=type, status=status,
    )  # fmt: skip


@router.get("/question-items/{item_id}", response=ItemDetail, url_name="question_item_detail")
def get_item(request, item_id: int):
    """One item with its current version's content."""
    return selectors.item_get(actor=request.auth, pk=item_id)


# --- blueprints -----------------------------------------------------------------------------

MAX_VERSIONS = 24


class BlueprintSummary(Schema):
    id: int
    code: str
    name: str
    subject: str = Field(alias="subject.code", description="Subject code")
    grade: int
    org_unit: str = Field(alias="org_unit.code", description="Code of the owning unit")
    duration_minutes: int
    total_points: Decimal
    updated_at: datetime


class BlueprintPart(Schema):
    code: str
    title: str = ""
    instructions: str = ""


class BlueprintCellOut(Schema):
    id: int
    part: str
    item_type: str
    topic: str | None = Field(description="Topic code; null = any topic")
    level: str = Field(description="Cognitive level; empty = any level")
    count: int
    points_per_item: Decimal
    available: int = Field(
        description="Approved items the caller may use for this cell (shared out between the "
        "cells as the generator draws them); fewer than `count` means the cell is short"
    )


class BlueprintDetail(BlueprintSummary):
    parts: list[BlueprintPart]
    cells: list[BlueprintCellOut] = Field(alias="cell_rows")


class GeneratedQuestion(Schema):
    number: int = Field(description="Number within its part, from 1")
    part: str
    item_id: int
    item_version_id: int
    points: Decimal
    option_order: list[int] = Field(
        description="For each printed option, its index (from 0) in the item version"
    )
    answer: str = Field(description='What the answer key prints: "B", "AC", "ĐSĐĐ", "3,5"')


class GeneratedVersion(Schema):
    code: str
    questions: list[GeneratedQuestion]


class Generated(Schema):
    blueprint: int
    seed: str
    versions: list[GeneratedVersion]


class ShortCell(Schema):
    cell: int
    need: int
    available: int


class Shortage(Schema):
    detail: str
    shortages: list[ShortCell]


@router.get("/blueprints", response=list[BlueprintSummary], url_name="blueprint_list")
@paginate(Pagination)
def list_blueprints(request):
    """Blueprints of the caller's units and of the units above them."""
    return blueprints_visible(actor=request.auth).select_related("subject", "org_unit")


@router.get("/blueprints/{blueprint_id}", response=BlueprintDetail, url_name="blueprint_detail")
def get_blueprint(request, blueprint_id: int):
    """One blueprint with its parts and cells, and how many approved items each cell has."""
    blueprint = blueprint_get(actor=request.auth, pk=blueprint_id)
    blueprint.cell_rows = [
        {
            "id": row.cell.pk,
            "part": row.cell.part,
            "item_type": row.cell.item_type,
            "topic": row.cell.topic.code if row.cell.topic_id else None,
            "level": row.cell.level,
            "count": row.cell.count,
            "points_per_item": row.cell.points_per_item,
            "available": row.available,
        }
        for row in blueprint_availability(actor=request.auth, blueprint=blueprint)
    ]
    return blueprint


@router.post(
    "/blueprints/{blueprint_id}/generate",
    response={200: Generated, 409: Shortage},
    url_name="blueprint_generate",
)
def generate_versions(
    request,
    blueprint_id: int,
    versions: int = Query(..., ge=1, le=MAX_VERSIONS),
    seed: str = Query(..., min_length=1, max_length=40),
):
    """`versions` exam versions (codes 101, 102, …) drawn from the approved items the caller
    may use; the same seed gives the same versions. 409 lists the cells the bank cannot fill."""
    blueprint = blueprint_get(actor=request.auth, pk=blueprint_id)
    try:
        generated = exam_versions_generate(
            actor=request.auth, blueprint=blueprint, versions=versions, seed=seed
        )
    except ShortageError as exc:
        return Status(
            409,
            {
                "detail": "The bank lacks approved items for some cells",
                "shortages": [
                    {"cell": s.cell.key, "need": s.need, "available": s.available}
                    for s in exc.shortages
                ],
            },
        )
    return {
        "blueprint": blueprint.pk,
        "seed": seed,
        "versions": [
            {
                "code": version.code,
                "questions": [
                    {
                        "number": q.number,
                        "part": q.part,
                        "item_id": q.item_id,
                        "item_version_id": q.version_id,
                        "points": q.points,
                        "option_order": q.option_order,
                        "answer": q.answer,
                    }
                    for q in version.questions
                ],
            }
            for version in generated
        ],
    }
