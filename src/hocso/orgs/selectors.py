"""Reads of the org tree, always filtered by the actor's scope."""

from datetime import date

from django.db.models import Count, Q, QuerySet

from hocso.accounts.scope import scope_for

from .models import OrgKind, OrgUnit, SchoolYear


def orgunits_visible(*, actor) -> QuerySet[OrgUnit]:
    """Units in the actor's subtrees, plus their ancestors (so the tree can be drawn to them)."""
    scope = scope_for(actor)
    if scope.everything:
        return OrgUnit.objects.all()
    if not scope.read_paths:
        return OrgUnit.objects.none()
    ancestor_paths = set()
    for path in scope.read_paths:
        parts = path.rstrip("/").split("/")
        ancestor_paths.update("/".join(parts[:i]) + "/" for i in range(1, len(parts)))
    return OrgUnit.objects.filter(scope.q("path") | Q(path__in=ancestor_paths))


def orgunits_in_scope(*, actor) -> QuerySet[OrgUnit]:
    """Units the actor's roles actually cover (no ancestors)."""
    return OrgUnit.objects.filter(scope_for(actor).q("path"))


def schools_in_scope(*, actor, on: date | None = None) -> QuerySet[OrgUnit]:
    schools = orgunits_in_scope(actor=actor).filter(kind=OrgKind.SCHOOL)
    if on is not None:
        schools = schools.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )
    return schools


def schools_writable(*, actor, on: date | None = None) -> QuerySet[OrgUnit]:
    """Schools where the actor may write (office roles), valid on `on` when given."""
    schools = OrgUnit.objects.filter(scope_for(actor).q("path", write=True), kind=OrgKind.SCHOOL)
    if on is not None:
        schools = schools.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )
    return schools


def orgunit_get(*, actor, code: str) -> OrgUnit:
    """The unit with this code if the actor may see it; raises OrgUnit.DoesNotExist otherwise."""
    return orgunits_visible(actor=actor).get(code=code)


def school_get(*, actor, code: str) -> OrgUnit:
    return schools_in_scope(actor=actor).get(code=code)


def orgunit_children_with_counts(*, actor, parent: OrgUnit | None) -> list[OrgUnit]:
    """Children of `parent` the actor may see, each with .school_count and .student_count.

    Two grouped queries whatever the number of children: counts per school, summed by path prefix.
    """
    from hocso.registry.models import Student, StudentStatus  # registry depends on orgs, not back

    children = list(orgunits_visible(actor=actor).filter(parent=parent).order_by("kind", "name"))
    scope = scope_for(actor)
    per_school = {
        row["school__path"]: row["n"]
        for row in Student.objects.filter(scope.q("school__path"), status=StudentStatus.STUDYING)
        .values("school__path")
        .annotate(n=Count("id"))
    }
    school_paths = list(
        OrgUnit.objects.filter(scope.q("path"), kind=OrgKind.SCHOOL).values_list("path", flat=True)
    )
    for child in children:
        child.school_count = sum(1 for p in school_paths if p.startswith(child.path))
        child.student_count = sum(n for p, n in per_school.items() if p.startswith(child.path))
    return children


def current_school_year(*, on: date | None = None) -> SchoolYear | None:
    on = on or date.today()
    year = SchoolYear.objects.filter(start_date__lte=on, end_date__gte=on).first()
    return year or SchoolYear.objects.filter(start_date__lte=on).order_by("-start_date").first()


def schools_search(
    *, actor, q: str = "", school_type: str = "", under: str = "", on: date | None = None
) -> QuerySet[OrgUnit]:
    """Schools in scope, narrowed by name or code, type, a unit above them and an open date.

    A name matches when every word of `q` occurs in it, ignoring case, diacritics and đ/d. Names
    are folded in Python over the schools in scope (a province has a few hundred), so no folded
    column is needed; a query of digits matches a code prefix instead.
    """
    from hocso.core.text import fold

    schools = schools_in_scope(actor=actor, on=on)
    if school_type:
        schools = schools.filter(school_type=school_type)
    if under:
        under_path = OrgUnit.objects.filter(code=under).values_list("path", flat=True).first()
        if under_path is None:
            return schools.none()
        schools = schools.filter(path__startswith=under_path)
    text = q.strip()
    if text.isdigit():
        schools = schools.filter(code__startswith=text)
    elif text:
        words = fold(text).split()
        matching = [
            pk
            for pk, name in schools.values_list("pk", "name")
            if all(word in fold(name) for word in words)
        ]
        schools = schools.filter(pk__in=matching)
    return schools
