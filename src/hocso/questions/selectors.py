"""Every read of the question bank that leaves the app, filtered by what the actor may see.

Who sees an item:
- approved items shared with the province: every staff member (teacher, school admin, officer)
  whose scope lies in that province;
- approved items shared within their unit: the staff who read that unit (its teachers, and the
  officers above it);
- items not approved (drafts, submitted, under changes, retired): their author and their
  reviewers (those who may write the owning unit).
Learners, guardians and users without a role see none. `actor=None` is the system (command line)
and sees everything.

Search is diacritic-, case- and normalization-insensitive: every word of the folded query must
occur in the item's stored folded text (`Item.search_text`), identically on SQLite and
PostgreSQL.
"""

from django.db.models import Count, Q, QuerySet

from hocso.accounts.scope import scope_for
from hocso.core.text import fold

from .models import (
    COGNITIVE_LEVEL_CHOICES,
    ITEM_TYPE_CHOICES,
    Bank,
    Item,
    ItemStatus,
    ItemVersion,
    ReviewComment,
    SharingScope,
)

FACETS = ("subject", "grade", "topic", "level", "type", "status")
# facet → (the value it filters by, the text shown); the others are the column itself.
_FACET_FIELDS = {
    "subject": ("subject__code", "subject__name"),
    # Topic codes repeat across grades and subjects: the facet is the topic's id.
    "topic": ("topic_id", "topic__name"),
}


def _province_roots(paths) -> list[str]:
    """The province path ("84/") of each path the actor reads."""
    return sorted({path.split("/", 1)[0] + "/" for path in paths})


def _prefixes(paths) -> set[str]:
    """Every ancestor path of each path, itself included ("84/842/" → "84/", "84/842/")."""
    found = set()
    for path in paths:
        parts = path.rstrip("/").split("/")
        for depth in range(1, len(parts) + 1):
            found.add("/".join(parts[:depth]) + "/")
    return found


def _startswith_any(field: str, paths) -> Q:
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{f"{field}__startswith": path})
    return query


def items_visible(*, actor) -> QuerySet[Item]:
    """The items the actor may see (see the module docstring)."""
    if actor is None:
        return Item.objects.all()
    scope = scope_for(actor)
    if scope.everything:
        return Item.objects.all()
    if not scope.is_staff_member:
        return Item.objects.none()
    approved = Q(status=ItemStatus.APPROVED)
    visible = (
        (approved & Q(sharing=SharingScope.PROVINCE) & _startswith_any(
            "org_unit__path", _province_roots(scope.read_paths)
        ))
        | (approved & scope.q("org_unit__path"))
        | Q(author=actor)
    )  # fmt: skip
    if scope.write_paths:
        visible |= scope.q("org_unit__path", write=True)
    return Item.objects.filter(visible)


def item_get(*, actor, pk: int) -> Item:
    """One visible item with its current version; raises Item.DoesNotExist otherwise."""
    return (
        items_visible(actor=actor)
        .select_related("bank", "org_unit", "author", "subject", "topic", "current_version")
        .get(pk=pk)
    )


def items_search(
    *, actor, q: str = "", bank_code: str = "", subject: str = "", grade: int | None = None,
    topic: int | None = None, level: str = "", type: str = "", status: str = "",
) -> QuerySet[Item]:  # fmt: skip
    """Visible items matching every filter given; `q` = words of the stem, options or name in
    any case, with or without diacritics; `subject` is a subject code, `topic` a topic id."""
    items = items_visible(actor=actor)
    for word in fold(q).split():
        items = items.filter(search_text__contains=word)
    if bank_code.strip():
        items = items.filter(bank__code=bank_code.strip())
    if subject.strip():
        items = items.filter(subject__code=subject.strip().upper())
    if grade is not None:
        items = items.filter(grade=grade)
    if topic is not None:
        items = items.filter(topic_id=topic)
    for name, value in (("level", level), ("type", type), ("status", status)):
        if value.strip():
            items = items.filter(**{name: value.strip()})
    return items.select_related("bank", "subject", "topic", "current_version").order_by("-pk")


def item_facets(items: QuerySet[Item]) -> dict[str, list[dict]]:
    """For each facet, the values the items have and how many items have each, most first:
    {"subject": [{"value": "TOAN", "label": "Toán", "count": 12}, …], …}. Pass a queryset
    from items_search so the counts respect the actor's scope and the other filters."""
    base = items.order_by()
    labels = {
        "level": dict(COGNITIVE_LEVEL_CHOICES),
        "type": dict(ITEM_TYPE_CHOICES),
        "status": dict(ItemStatus.choices),
    }
    facets: dict[str, list[dict]] = {}
    for facet in FACETS:
        value_field, label_field = _FACET_FIELDS.get(facet, (facet, facet))
        rows = (
            base.exclude(**{f"{value_field}__isnull": True})
            .exclude(**{value_field: ""} if facet in labels else {})
            .values_list(value_field, label_field)
            .annotate(count=Count("pk"))
            .order_by("-count", value_field)
        )
        facets[facet] = [
            {
                "value": value,
                "label": str(labels[facet].get(value, value)) if facet in labels else str(label),
                "count": count,
            }
            for value, label, count in rows
        ]
    return facets


def review_queue(*, actor) -> QuerySet[Item]:
    """Submitted items the actor may review (never their own), oldest first."""
    if actor is None:
        return Item.objects.none()
    scope = scope_for(actor)
    if not scope.everything and not scope.write_paths:
        return Item.objects.none()
    return (
        Item.objects.filter(scope.q("org_unit__path", write=True), status=ItemStatus.SUBMITTED)
        .exclude(author=actor)
        .select_related("bank", "author", "subject", "topic", "current_version")
        .order_by("updated_at", "pk")
    )


def item_versions(*, item: Item) -> QuerySet[ItemVersion]:
    """The item's versions, newest first (the item was read through items_visible)."""
    return item.versions.select_related("created_by").order_by("-number")


def item_comments(*, item: Item) -> QuerySet[ReviewComment]:
    return item.comments.select_related("author", "version").order_by("created_at", "pk")


def banks_visible(*, actor) -> QuerySet[Bank]:
    """Banks of the units the actor reads and of the units above them (a teacher sees the
    province's banks as well as their school's)."""
    if actor is None:
        return Bank.objects.all()
    scope = scope_for(actor)
    if scope.everything:
        return Bank.objects.all()
    if not scope.is_staff_member:
        return Bank.objects.none()
    return Bank.objects.filter(
        scope.q("org_unit__path") | Q(org_unit__path__in=sorted(_prefixes(scope.read_paths)))
    )


def bank_get(*, actor, code: str) -> Bank:
    """One visible bank; raises Bank.DoesNotExist otherwise."""
    return banks_visible(actor=actor).select_related("org_unit", "subject").get(code=code.strip())


def banks_with_counts(*, actor) -> QuerySet[Bank]:
    """Visible banks, each with `item_count`: the items in it the actor may see."""
    visible = items_visible(actor=actor)
    return (
        banks_visible(actor=actor)
        .select_related("org_unit", "subject")
        .annotate(item_count=Count("items", filter=Q(items__in=visible)))
        .order_by("code")
    )
