"""The search keys of a resource, kept by the services after every change that affects them.

Two folded columns (core.text.fold: lower case, no diacritics, đ→d) rather than one, so the
search backends (resources/search.py) can rank a title hit above a body hit. The body gathers
what people type when they look for a resource but that is not its title: the description,
the authors, the curriculum topics and subject it is aligned to, and the text extracted from
the current version's documents.
"""

from hocso.core.text import fold

from .models import Resource


def search_fields(resource: Resource) -> tuple[str, str]:
    """(folded title, folded body) of the resource as it is now (topics read from the DB)."""
    parts = [resource.description, resource.authors]
    if resource.pk is not None:
        parts += [topic.name for topic in resource.topics.order_by("pk")]
    if resource.subject_id is not None:
        parts.append(resource.subject.name)
    version = resource.current_version if resource.current_version_id is not None else None
    if version is not None:
        parts.append(version.extracted_text)
    return fold(resource.title), fold(" ".join(part for part in parts if part))


def index_resource(resource: Resource) -> None:
    """Refresh the two search columns (and only them: the rest of the row is the caller's)."""
    resource.search_title, resource.search_body = search_fields(resource)
    resource.save(update_fields=["search_title", "search_body"])
