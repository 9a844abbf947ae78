"""The library over JSON: search (`GET /resources?q=&subject=&grade=`) and one resource.

Both read through the scoped selectors: a resource the caller may not see is absent from the
list and answers 404. Choice fields carry their stored values (`document`, `CC-BY-4.0`, `vi`).
The list is what the search page shows — published resources, ranked when `q` is given, each
with a snippet whose matched words are in <mark> (HTML, escaped).
"""

from datetime import datetime

from django.db.models import Avg, Count
from django.urls import NoReverseMatch, reverse
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from hocso.core.api_pagination import Pagination

from . import selectors

router = Router(tags=["resources"])


def _page_url(name: str, pk: int) -> str | None:
    try:
        return reverse(f"resources:{name}", args=[pk])
    except NoReverseMatch:  # the page is not mounted (an API-only deployment)
        return None


def _grades(obj) -> list[int]:
    if obj.grade_from is None:
        return []
    return list(range(obj.grade_from, obj.grade_to + 1))


class ResourceSummary(Schema):
    id: int
    title: str
    type: str
    subject: str | None = Field(description="Subject code")
    grades: list[int] = Field(description="Every grade the resource is for")
    licence: str
    language: str
    org: str = Field(alias="org_unit.code", description="Code of the owning unit")
    authors: str
    published_at: datetime | None
    snippet: str = Field(
        description="HTML: a passage of the description or document text, the query's words "
        "in <mark>; everything else escaped"
    )
    thumbnail_url: str | None
    url: str | None = Field(description="The resource's page")

    @staticmethod
    def resolve_subject(obj) -> str | None:
        return obj.subject.code if obj.subject_id else None

    @staticmethod
    def resolve_grades(obj) -> list[int]:
        return _grades(obj)

    @staticmethod
    def resolve_snippet(obj, context) -> str:
        return str(selectors.snippet(obj, context["request"].GET.get("q", "")))

    @staticmethod
    def resolve_thumbnail_url(obj) -> str | None:
        return _page_url("thumbnail", obj.pk) if selectors.thumbnail_of(obj) else None

    @staticmethod
    def resolve_url(obj) -> str | None:
        return _page_url("detail", obj.pk)


class TopicOut(Schema):
    id: int
    code: str
    name: str
    grade: int = Field(alias="grade_subject.grade")


class FileOut(Schema):
    id: int
    role: str
    content_type: str
    size: int
    name: str = Field(alias="original_name")
    sha256: str
    url: str | None

    @staticmethod
    def resolve_url(obj) -> str | None:
        return _page_url("file", obj.pk)


class RatingOut(Schema):
    average: float | None
    count: int


class ResourceDetail(ResourceSummary):
    description: str
    status: str
    sharing: str = Field(description="school (the owning unit's subtree) or province")
    subject_name: str | None
    org_name: str = Field(alias="org_unit.name")
    version: int | None = Field(description="Number of the current version")
    versions: int = Field(
        alias="versions_count", description="How many versions the resource has had"
    )
    url_link: str | None = Field(description="A web link's address (type link)")
    topics: list[TopicOut] = Field(alias="topics_list")
    files: list[FileOut] = Field(alias="files_list", description="Files of the current version")
    rating: RatingOut = Field(alias="rating_data")

    @staticmethod
    def resolve_snippet(obj) -> str:
        return ""

    @staticmethod
    def resolve_subject_name(obj) -> str | None:
        return obj.subject.name if obj.subject_id else None

    @staticmethod
    def resolve_version(obj) -> int | None:
        return obj.current_version.number if obj.current_version_id else None

    @staticmethod
    def resolve_url_link(obj) -> str | None:
        return (obj.current_version.url or None) if obj.current_version_id else None


@router.get("/resources", response=list[ResourceSummary], url_name="resource_list")
@paginate(Pagination)
def list_resources(
    request, q: str = "", subject: str = "", grade: int | None = None, type: str = "",
    topic: int | None = None, licence: str = "", language: str = "", org: str = "",
):  # fmt: skip
    """Published resources the caller may see. `q` = words of the title, description, authors,
    topics or document text (any case, diacritics optional, the last word may be unfinished),
    ranked: title matches first; without `q`, newest first. `subject` = subject code; `grade` =
    a grade the resource is for; `type` = document/video/audio/image/link/scorm/html5/ebook;
    `topic` = curriculum topic id; `licence` e.g. CC-BY-4.0; `language` vi/en/km/other; `org` =
    owning unit code (its subtree)."""
    return selectors.with_files(
        selectors.resources_search(
            actor=request.auth,
            q=q,
            subject=subject,
            grade=grade,
            type=type,
            topic=topic,
            licence=licence,
            language=language,
            org=org,
        )  # fmt: skip
    )


@router.get("/resources/{resource_id}", response=ResourceDetail, url_name="resource_detail")
def get_resource(request, resource_id: int):
    """One resource the caller may see (drafts only for their contributor and reviewers), with
    its topics, the current version's files, the number of versions and the rating."""
    resource = selectors.resource_get(actor=request.auth, pk=resource_id)
    resource.topics_list = list(resource.topics.select_related("grade_subject").order_by("code"))
    resource.files_list = (
        list(resource.current_version.files.order_by("role", "pk"))
        if resource.current_version_id
        else []
    )
    resource.versions_count = resource.versions.count()
    rating = resource.ratings.aggregate(average=Avg("stars"), count=Count("pk"))
    average = rating["average"]
    resource.rating_data = {
        "average": None if average is None else round(float(average), 2),
        "count": rating["count"],
    }
    return resource
