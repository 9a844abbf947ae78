"""Every read of the resource library that leaves the app, scoped by access.resources_visible.

Search itself (indexes, query syntax, ranking) is resources/search.py; here it is combined with
the filters, the facets shown beside the results, and the snippets shown under each title.
"""

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.safestring import SafeString, mark_safe

from hocso.core.text import fold
from hocso.curriculum.models import FIRST_GRADE, LAST_GRADE, Subject
from hocso.orgs.models import OrgUnit

from . import search
from .access import resources_visible
from .models import (
    FileRole,
    Licence,
    Resource,
    ResourceFile,
    ResourceStatus,
    ResourceType,
)

FACETS = ("subject", "grade", "type", "topic", "licence")


def resources_search(
    *, actor, q: str = "", subject: str | None = None, grade: int | None = None,
    type: str | None = None, topic: int | None = None, licence: str | None = None,
    language: str | None = None, org: str | None = None, include_unpublished: bool = False,
) -> QuerySet[Resource]:  # fmt: skip
    """Visible resources matching every filter given, ranked when `q` has words (see search.py),
    newest first otherwise. `subject` is a subject code, `grade` any grade of the resource's
    range, `topic` a curriculum topic id, `org` an org-unit code (its whole subtree)."""
    resources = resources_visible(actor)
    if not include_unpublished:
        resources = resources.filter(status=ResourceStatus.PUBLISHED)
    if subject and subject.strip():
        resources = resources.filter(subject__code=subject.strip().upper())
    if grade is not None:
        resources = resources.filter(grade_from__lte=grade, grade_to__gte=grade)
    if topic is not None:
        # A subquery rather than a join: one row per resource, whatever its topics.
        resources = resources.filter(
            pk__in=Resource.topics.through.objects.filter(topic_id=topic).values("resource_id")
        )
    for field, value in (("type", type), ("licence", licence), ("language", language)):
        if value and value.strip():
            resources = resources.filter(**{field: value.strip()})
    if org and org.strip():
        unit = OrgUnit.objects.filter(code=org.strip()).only("path").first()
        resources = (
            resources.filter(org_unit__path__startswith=unit.path) if unit else resources.none()
        )
    resources, ranked = search.apply(resources, q)
    resources = resources.select_related("subject", "org_unit", "current_version")
    return search.order(resources) if ranked else resources.order_by("-published_at", "-pk")


def with_files(resources: QuerySet[Resource]) -> QuerySet[Resource]:
    """Prefetch the current version's files (thumbnails and main file for lists): one query."""
    return resources.prefetch_related(
        Prefetch(
            "current_version__files",
            queryset=ResourceFile.objects.order_by("role", "pk"),
        )
    )


def thumbnail_of(resource: Resource) -> ResourceFile | None:
    """What resources:thumbnail serves: the current version's thumbnail, else the video's
    poster, else an image resource's own file (from prefetched files; None if there is none)."""
    if resource.current_version is None:
        return None
    files = resource.current_version.files.all()
    roles = [FileRole.THUMBNAIL, FileRole.POSTER]
    if resource.type == ResourceType.IMAGE:
        roles.append(FileRole.MAIN)
    for role in roles:
        for file in files:
            if file.role == role:
                return file
    return None


def resource_get(*, actor, pk: int) -> Resource:
    """One resource the actor may see, any status (drafts for their contributor and reviewers);
    Http404 otherwise — the same answer as a resource that does not exist."""
    return get_object_or_404(
        resources_visible(actor).select_related("subject", "org_unit", "current_version"),
        pk=pk,
    )


def resource_facets(resources: QuerySet[Resource]) -> dict[str, list[dict]]:
    """Counts over `resources` (a queryset from resources_search) for each facet, most first:
    {"subject": [{"value": "TOAN", "label": "Toán", "count": 12}, …], "grade": …}. A resource
    for grades 6–9 counts once in each of 6, 7, 8 and 9. Five queries, whatever the size."""
    base = resources.order_by()
    facets: dict[str, list[dict]] = {}
    rows = (
        base.filter(subject__isnull=False)
        .values_list("subject__code", "subject__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "subject__code")
    )
    facets["subject"] = [{"value": c, "label": n, "count": k} for c, n, k in rows]
    grades = range(FIRST_GRADE, LAST_GRADE + 1)
    counts = base.aggregate(
        **{
            f"g{grade}": Count("pk", filter=Q(grade_from__lte=grade, grade_to__gte=grade))
            for grade in grades
        }
    )
    facets["grade"] = [
        {"value": grade, "label": str(grade), "count": counts[f"g{grade}"]}
        for grade in grades
        if counts[f"g{grade}"]
    ]
    for facet, choices in (("type", ResourceType), ("licence", Licence)):
        labels = dict(choices.choices)
        rows = base.values_list(facet).annotate(count=Count("pk")).order_by("-count", facet)
        facets[facet] = [
            {"value": value, "label": str(labels.get(value, value)), "count": count}
            for value, count in rows
        ]
    links = Resource.topics.through.objects.filter(resource_id__in=base.values("pk"))
    rows = (
        links.values_list("topic_id", "topic__name", "topic__grade_subject__grade")
        .annotate(count=Count("resource_id"))
        .order_by("-count", "topic_id")
    )
    facets["topic"] = [
        {"value": pk, "label": f"{name} ({grade})", "count": count}
        for pk, name, grade, count in rows
    ]
    return facets


@dataclass(frozen=True)
class HomeCell:
    grade: int
    count: int


@dataclass(frozen=True)
class HomeRow:
    subject: Subject
    total: int
    cells: list[HomeCell]


def library_home(*, actor, recent: int = 8) -> dict:
    """What the library's front page shows: per subject, how many published resources the actor
    may see for each grade (a range counts in each of its grades), and the newest ones.
    {"rows": [HomeRow…], "grades": [1…12], "recent": [Resource…], "total": N}."""
    published = resources_visible(actor).filter(status=ResourceStatus.PUBLISHED).order_by()
    grades = list(range(FIRST_GRADE, LAST_GRADE + 1))
    rows = (
        published.filter(subject__isnull=False)
        .values("subject_id")
        .annotate(
            total=Count("pk"),
            **{
                f"g{grade}": Count("pk", filter=Q(grade_from__lte=grade, grade_to__gte=grade))
                for grade in grades
            },
        )
    )
    subjects = Subject.objects.in_bulk([row["subject_id"] for row in rows])
    home_rows = [
        HomeRow(
            subject=subjects[row["subject_id"]],
            total=row["total"],
            cells=[HomeCell(grade, row[f"g{grade}"]) for grade in grades],
        )
        for row in rows
    ]
    home_rows.sort(key=lambda r: (r.subject.sort_order, r.subject.code))
    used = [g for g in grades if any(row.cells[g - FIRST_GRADE].count for row in home_rows)]
    newest = with_files(
        published.select_related("subject", "org_unit", "current_version").order_by(
            "-published_at", "-pk"
        )
    )[:recent]
    return {
        "rows": [
            HomeRow(r.subject, r.total, [c for c in r.cells if c.grade in used]) for r in home_rows
        ],
        "grades": used,
        "recent": list(newest),
        "total": published.count(),
    }


# --- snippets: matched words marked in the ORIGINAL text ---------------------------------------

SNIPPET_CHARS = 240
SNIPPET_LEAD = 60
# Extracted text can be 200,000 characters; a snippet looks for its first match only this far.
SNIPPET_SCAN = 50_000
_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """One character folded as core.text.fold folds it ("" for a combining mark)."""
    return " " if ch.isspace() else fold(ch)


def _aligned(text: str) -> tuple[str, list[int]]:
    """`text` folded character by character, with the index in `text` of each folded
    character. Unlike fold() the length is kept per character (spaces are not collapsed), so a
    position in the folded text maps back to the original, NFC or NFD."""
    folded: list[str] = []
    where: list[int] = []
    for index, ch in enumerate(text):
        for out in _fold_char(ch):
            folded.append(out)
            where.append(index)
    return "".join(folded), where


def _hits(text: str, words: list[str]) -> list[tuple[int, int]]:
    """(start, end) spans of `text` holding a query word: a whole word, or the beginning of a
    word for the last query word (as search matches). Combining marks after a word's last
    letter belong to the span."""
    if not words:
        return []
    folded, where = _aligned(text[:SNIPPET_SCAN])
    exact, prefix = set(words[:-1]), words[-1]
    spans = []
    for token in _WORD.finditer(folded):
        value = token.group()
        if value in exact or value == prefix:
            end_f = token.end()
        elif value.startswith(prefix):
            end_f = token.start() + len(prefix)
        else:
            continue
        start, end = where[token.start()], where[end_f - 1] + 1
        while end < len(text) and _fold_char(text[end]) == "" and not text[end].isspace():
            end += 1
        spans.append((start, end))
    return spans


def _marked(text: str, spans, start: int, end: int) -> str:
    out, cursor = [], start
    for a, b in spans:
        if a < start or b > end:
            continue
        out.append(_flat_keep_edges(text[cursor:a]))
        out.append(f"<mark>{html.escape(text[a:b])}</mark>")
        cursor = b
    out.append(_flat_keep_edges(text[cursor:end]))
    return "".join(out)


def _flat_keep_edges(text: str) -> str:
    """Escaped, white space runs collapsed, but a leading/trailing space kept (it separates the
    piece from a neighbouring <mark>)."""
    return html.escape(re.sub(r"\s+", " ", text))


def highlight(text: str, q: str) -> SafeString:
    """The whole `text`, HTML-escaped, with the words of `q` in <mark> (for titles)."""
    spans = _hits(text, search.query_words(q))
    return mark_safe(_marked(text, spans, 0, len(text)))  # noqa: S308 - escaped above


def _window(text: str, spans) -> tuple[int, int]:
    if not spans:
        start = 0
    else:
        start = max(0, spans[0][0] - SNIPPET_LEAD)
        if start:
            space = text.find(" ", start, spans[0][0])
            start = space + 1 if space != -1 else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", start, end)
        # Cut at a space, but never before the first match's end.
        if space > (spans[0][1] if spans else start):
            end = space
    return start, end


def snippet(resource: Resource, q: str) -> SafeString:
    """A short passage of the description (or else of the document's extracted text) around
    the first match of `q`, HTML-escaped, matched words in <mark>; the description's beginning
    when nothing matches there. Marks are placed on the original text (diacritics, case and
    NFD spelling kept) by aligning it with its folded form."""
    words = search.query_words(q)
    description = resource.description or ""
    version = resource.current_version
    extracted = version.extracted_text if version is not None else ""
    text, spans = description, _hits(description, words)
    # Only scan a long extracted text when the folded body can hold a match at all.
    if not spans and extracted and any(word in resource.search_body for word in words):
        found = _hits(extracted, words)
        if found:
            text, spans = extracted, found
    if not text:
        text = extracted
    if not text:
        return mark_safe("")
    start, end = _window(text, spans)
    body = _marked(text, spans, start, end).strip()
    lead = "… " if start > 0 else ""
    tail = " …" if end < len(text) else ""
    return mark_safe(f"{lead}{body}{tail}")  # noqa: S308 - every piece escaped in _marked


# --- duplicates (SERVICES) ---


def duplicates_of(*, actor, sha256: str, exclude=None) -> QuerySet[Resource]:
    """Resources the actor sees whose content (a main file or a package zip, in any version)
    has this SHA-256: the same file uploaded before. `exclude`: a resource (or its pk) to leave
    out, usually the one being looked at."""
    found = (
        resources_visible(actor)
        .filter(
            pk__in=ResourceFile.objects.filter(
                sha256=sha256, role__in=(FileRole.MAIN, FileRole.PACKAGE)
            ).values("version__resource_id")
        )
        .select_related("org_unit")
        .order_by("pk")
    )
    if exclude is not None:
        found = found.exclude(pk=getattr(exclude, "pk", exclude))
    return found
