"""The question bank over JSON (read-only): banks, item search and item detail.

Every route reads through the scoped selectors: an item the caller may not see (another
school's, someone else's draft) is absent from lists and answers 404. Choice fields carry their
stored values (`single_choice`, `approved`, `thong_hieu`).
"""

from datetime import datetime
from decimal import Decimal

from ninja import Field, Router, Schema
from ninja.pagination import paginate

from hocso.core.api_pagination import Pagination

from . import selectors

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
