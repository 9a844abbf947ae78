"""Counting how the library is used: views, downloads and completions per resource, school and
month, and the summary the usage page shows.

One `UsageCount` row per (resource, school, month, kind) is incremented in place rather than
one row per event: a province's monthly usage stays a few thousand rows, and a report is a
plain GROUP BY. The increment is an upsert that two requests may race on: `UPDATE … SET count =
count + 1` first (the common case, one statement, no lost update since the database adds), else
INSERT; when another request inserted the same row between the two, the unique constraint
refuses ours (inside a savepoint, so the caller's transaction survives) and the UPDATE is tried
again. The same code is right on SQLite (writers are serialised) and PostgreSQL (the losing
INSERT waits for the winner's commit, then fails on the constraint).
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Q, Sum
from django.utils import timezone

from hocso.accounts.models import RoleAssignment
from hocso.accounts.scope import scope_for
from hocso.orgs.models import OrgKind, OrgUnit

from . import access
from .models import Rating, Resource, UsageCount, UsageKind

# How many times the UPDATE/INSERT pair is tried before giving up (a row that keeps vanishing
# between the two can only be a resource deleted meanwhile).
ATTEMPTS = 3
TOP_RESOURCES = 10


def month_start(when: date | datetime | None = None) -> date:
    """The first day of the month of `when` (now, in the project's time zone, by default)."""
    if when is None:
        day = timezone.localdate()
    elif isinstance(when, datetime):
        day = timezone.localdate(when) if timezone.is_aware(when) else when.date()
    else:
        day = when
    return day.replace(day=1)


def months_back(start: date, months: int) -> date:
    """The first day of the month `months - 1` months before `start` (so `months` months in all,
    `start`'s included)."""
    index = start.year * 12 + (start.month - 1) - (max(months, 1) - 1)
    return date(index // 12, index % 12 + 1, 1)


def next_month(start: date) -> date:
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def user_school(user) -> OrgUnit | None:
    """The school of the user's role assignments (the earliest granted), else None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_hocso_usage_school", False)
    if cached is not False:
        return cached
    assignment = (
        RoleAssignment.objects.filter(user=user, org_unit__kind=OrgKind.SCHOOL)
        .select_related("org_unit")
        .order_by("pk")
        .first()
    )
    school = assignment.org_unit if assignment else None
    user._hocso_usage_school = school
    return school


def _increment(filters: dict) -> int:
    """Add one to the row matching `filters`; how many rows were updated (0 or 1)."""
    return UsageCount.objects.filter(**filters).update(count=F("count") + 1)


def usage_record(*, resource: Resource, user, kind: str, when=None) -> None:
    """Count one view, download or completion of `resource` by `user` (any user, or None)."""
    if kind not in UsageKind.values:
        raise ValueError(f"unknown usage kind {kind!r}")
    school = user_school(user)
    filters = {
        "resource_id": resource.pk,
        "school_id": school.pk if school else None,
        "month": month_start(when),
        "kind": kind,
    }
    for _attempt in range(ATTEMPTS):
        if _increment(filters):
            return
        try:
            with transaction.atomic():  # a savepoint: a refused INSERT leaves the caller's work
                UsageCount.objects.create(count=1, **filters)
            return
        except IntegrityError:
            continue  # another request inserted the row first: add to theirs
    raise IntegrityError("usage count could not be recorded")


# --- the summary --------------------------------------------------------------------------------


@dataclass
class UsageRow:
    """One school (or None: users outside any school) in one month."""

    school_id: int | None
    school_code: str
    school_name: str
    month: date
    views: int = 0
    downloads: int = 0
    completions: int = 0

    @property
    def total(self) -> int:
        return self.views + self.downloads + self.completions


@dataclass
class ResourceUsage:
    resource_id: int
    title: str
    views: int
    downloads: int
    completions: int
    rating_average: float | None = None
    rating_count: int = 0

    @property
    def total(self) -> int:
        return self.views + self.downloads + self.completions


@dataclass
class UsageSummary:
    first_month: date
    last_month: date
    rows: list[UsageRow] = field(default_factory=list)  # by school, then month
    by_month: list[UsageRow] = field(default_factory=list)  # every month of the period
    by_school: list[UsageRow] = field(default_factory=list)  # the period's totals per school
    top_resources: list[ResourceUsage] = field(default_factory=list)
    views: int = 0
    downloads: int = 0
    completions: int = 0
    rating_average: float | None = None
    rating_count: int = 0

    @property
    def total(self) -> int:
        return self.views + self.downloads + self.completions


def _counts():
    return {
        "views": Sum("count", filter=Q(kind=UsageKind.VIEW), default=0),
        "downloads": Sum("count", filter=Q(kind=UsageKind.DOWNLOAD), default=0),
        "completions": Sum("count", filter=Q(kind=UsageKind.COMPLETION), default=0),
    }


def usage_visible(actor, *, org_unit: OrgUnit | None = None):
    """The usage rows the actor may read: those of the schools in their scope, and the rows of
    users outside any school for the resources their scope owns. `org_unit` narrows it to one
    subtree the same way."""
    rows = UsageCount.objects.all()
    if actor is not None:
        scope = scope_for(actor)
        if not scope.everything:
            if not scope.read_paths:
                return rows.none()
            rows = rows.filter(
                (Q(school__isnull=False) & scope.q("school__path"))
                | (Q(school__isnull=True) & scope.q("resource__org_unit__path"))
            )
    if org_unit is not None:
        rows = rows.filter(
            Q(school__path__startswith=org_unit.path)
            | (Q(school__isnull=True) & Q(resource__org_unit__path__startswith=org_unit.path))
        )
    return rows


def usage_summary(
    *, actor, org_unit: OrgUnit | None = None, resource: Resource | None = None, months: int = 12
) -> UsageSummary:
    """Views, downloads and completions by school and month over the last `months` months (the
    current one included), the top resources, and the ratings of the resources owned in reach.
    A fixed number of queries (four) whatever the number of schools or months."""
    last = month_start()
    first = months_back(last, months)
    rows = usage_visible(actor, org_unit=org_unit).filter(month__gte=first, month__lte=last)
    if resource is not None:
        rows = rows.filter(resource=resource)
    summary = UsageSummary(first_month=first, last_month=last)

    grouped = (
        rows.values("school_id", "school__code", "school__name", "month")
        .annotate(**_counts())
        .order_by("school__name", "school_id", "month")
    )
    months_seen: dict[date, UsageRow] = {}
    schools: dict[int | None, UsageRow] = {}
    for row in grouped:
        usage = UsageRow(
            school_id=row["school_id"],
            school_code=row["school__code"] or "",
            school_name=row["school__name"] or "",
            month=row["month"],
            views=row["views"],
            downloads=row["downloads"],
            completions=row["completions"],
        )
        summary.rows.append(usage)
        summary.views += usage.views
        summary.downloads += usage.downloads
        summary.completions += usage.completions
        by_month = months_seen.setdefault(usage.month, UsageRow(None, "", "", usage.month))
        by_school = schools.setdefault(
            usage.school_id, UsageRow(usage.school_id, usage.school_code, usage.school_name, first)
        )
        for total in (by_month, by_school):
            total.views += usage.views
            total.downloads += usage.downloads
            total.completions += usage.completions
    # Every month of the period, the quiet ones as zeros, so a chart has no gaps.
    month = first
    while month <= last:
        summary.by_month.append(months_seen.get(month) or UsageRow(None, "", "", month))
        month = next_month(month)
    summary.by_school = sorted(schools.values(), key=lambda r: (-r.total, r.school_name))

    top = (
        # Titles only of resources the actor may open (a draft counted while its contributor
        # previewed it is not named to the rest of the school).
        rows.filter(resource__in=access.resources_visible(actor))
        .values("resource_id", "resource__title")
        .annotate(**_counts(), total=Sum("count"))
        .order_by("-total", "resource__title", "resource_id")[:TOP_RESOURCES]
    )
    summary.top_resources = [
        ResourceUsage(
            r["resource_id"], r["resource__title"], r["views"], r["downloads"], r["completions"]
        )
        for r in top
    ]

    ratings = _ratings_visible(actor, org_unit=org_unit, resource=resource)
    overall = ratings.aggregate(average=Avg("stars"), count=Count("pk"))
    summary.rating_average = _rounded(overall["average"])
    summary.rating_count = overall["count"]
    if summary.top_resources:
        per_resource = {
            r["resource_id"]: r
            for r in Rating.objects.filter(
                resource_id__in=[t.resource_id for t in summary.top_resources]
            )
            .values("resource_id")
            .annotate(average=Avg("stars"), count=Count("pk"))
            .order_by()
        }
        for usage in summary.top_resources:
            found = per_resource.get(usage.resource_id)
            if found:
                usage.rating_average = _rounded(found["average"])
                usage.rating_count = found["count"]
    return summary


def _rounded(value) -> float | None:
    return None if value is None else round(float(value), 2)


def _ratings_visible(actor, *, org_unit=None, resource=None):
    """Ratings of the resources owned in the actor's scope (and under `org_unit`)."""
    ratings = Rating.objects.all()
    if actor is not None:
        scope = scope_for(actor)
        if not scope.everything:
            ratings = ratings.filter(scope.q("resource__org_unit__path"))
    if org_unit is not None:
        ratings = ratings.filter(resource__org_unit__path__startswith=org_unit.path)
    if resource is not None:
        ratings = ratings.filter(resource=resource)
    return ratings
