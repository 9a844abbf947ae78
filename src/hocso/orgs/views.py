"""Pages of the org tree: the tree with counts and the school page.

Thin: every read goes through the scoped selectors of orgs and registry.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hocso.accounts.scope import scope_for
from hocso.core.text import fold

from .models import OrgUnit, SchoolYear
from .selectors import (
    current_school_year,
    orgunit_children_with_counts,
    orgunit_children_with_counts_on,
    orgunit_get,
    orgunit_is_visible,
    orgunit_tree_on,
    orgunits_visible,
    school_get,
)

PAGE_SIZE = 25

SCHOOL_TABS = (
    ("classes", gettext_lazy("Lớp học")),
    ("staff", gettext_lazy("Cán bộ, giáo viên")),
    ("rooms", gettext_lazy("Phòng")),
    ("equipment", gettext_lazy("Thiết bị")),
)


def _parse_day(value: str) -> date | None:
    try:
        return parse_date(value) if value else None
    except ValueError:
        return None


def _is_current(unit: OrgUnit, today: date) -> bool:
    return unit.valid_to is None or unit.valid_to >= today


def _link_days(units, on: date | None) -> None:
    """Set .link_on on successor/predecessor units: the day their link opens the tree on.

    In the tree of a day, a linked unit valid that day keeps the day. A unit that had closed by
    then opens on its last valid day (its tree is empty on any later day); one that had not
    opened yet opens in the current tree (None).
    """
    for linked in units:
        if on is not None and linked.is_active_on(on):
            linked.link_on = on
        elif linked.valid_to is not None and (on is None or linked.valid_to < on):
            linked.link_on = linked.valid_to
        else:
            linked.link_on = None


@login_required
def tree(request):
    """Children of one unit (or the roots) with school and learner counts.

    ?unit=CODE drills down; ?history=1 also lists units whose validity has ended (merged
    provinces, abolished districts). ?on=YYYY-MM-DD draws the tree as it stood that day (later
    moves undone) with the learners enrolled that day.
    """
    actor = request.user
    today = date.today()
    code = request.GET.get("unit", "").strip()
    raw_on = request.GET.get("on", "").strip()
    on = _parse_day(raw_on)
    if raw_on and on is None:
        messages.warning(request, _("Ngày không hợp lệ: %(value)s") % {"value": raw_on})
    if on is not None:
        return _tree_on_day(request, code=code, on=on)
    show_history = request.GET.get("history") == "1"

    unit = None
    breadcrumbs: list[OrgUnit] = []
    if code:
        try:
            unit = orgunit_get(actor=actor, code=code)
        except OrgUnit.DoesNotExist:
            raise Http404 from None
        if unit.is_school:
            return redirect("orgs:school", code=unit.code)
        ancestor_codes = unit.path.rstrip("/").split("/")[:-1]
        breadcrumbs = list(
            orgunits_visible(actor=actor).filter(code__in=ancestor_codes).order_by("depth")
        )
        prefetch_related_objects([unit], "successors", "predecessors")

    children = orgunit_children_with_counts(actor=actor, parent=unit)
    # Alphabetical the Vietnamese way: "Xã Đa Lộc" among the D's, not after the Z's.
    children.sort(key=lambda c: (c.kind, fold(c.name)))
    totals = {
        "schools": sum(c.school_count for c in children),
        "learners": sum(c.student_count for c in children),
    }
    shown = children if show_history else [c for c in children if _is_current(c, today)]
    historical_count = sum(1 for c in children if not _is_current(c, today))
    prefetch_related_objects(shown, "successors")
    for child in shown:
        child.is_historical = not _is_current(child, today)
    # Successors are linked only when the actor may open them.
    linked = {s.code for c in [*shown, *([unit] if unit else [])] for s in c.successors.all()}
    if unit is not None:
        linked |= {p.code for p in unit.predecessors.all()}
        _link_days([*unit.successors.all(), *unit.predecessors.all()], None)
    for child in shown:
        _link_days(child.successors.all(), None)
    visible_codes = set(
        orgunits_visible(actor=actor).filter(code__in=linked).values_list("code", flat=True)
    )

    return render(
        request,
        "orgs/tree.html",
        {
            "unit": unit,
            "unit_is_historical": unit is not None and not _is_current(unit, today),
            "breadcrumbs": breadcrumbs,
            "children": shown,
            "totals": totals,
            "on": None,
            "raw_on": "",
            "show_history": show_history,
            "historical_count": historical_count,
            "visible_codes": visible_codes,
        },
    )


def _tree_on_day(request, *, code: str, on: date):
    """The tree as it stood on `on`: units valid that day under their parents of that day, with
    schools valid that day and learners enrolled that day. Links keep `on`, so drilling down
    stays on that day."""
    actor = request.user
    day_tree = orgunit_tree_on(actor=actor, day=on)
    unit = None
    breadcrumbs: list[OrgUnit] = []
    children: list[OrgUnit] = []
    absent = None  # a unit the actor may see today that did not exist on `on`
    if code:
        try:
            unit = day_tree.get(code)
        except OrgUnit.DoesNotExist:
            try:
                absent = orgunit_get(actor=actor, code=code)
            except OrgUnit.DoesNotExist:
                raise Http404 from None
            if absent.is_school:
                return redirect("orgs:school", code=absent.code)
        else:
            if unit.is_school:
                return redirect("orgs:school", code=unit.code)
            breadcrumbs = day_tree.ancestors(unit)
    if absent is None:
        children = orgunit_children_with_counts_on(actor=actor, tree=day_tree, parent=unit)
    header = unit or absent
    prefetch_related_objects(
        [*children, *([header] if header else [])], "successors", "predecessors"
    )
    linked = []
    for shown in [*children, *([header] if header else [])]:
        shown.is_historical = False  # valid on `on`, which is what this page is about
        linked += [*shown.successors.all(), *shown.predecessors.all()]
    _link_days(linked, on)
    visible_codes = {u.code for u in linked if orgunit_is_visible(actor=actor, unit=u)}
    return render(
        request,
        "orgs/tree.html",
        {
            "unit": header,
            "absent_on_day": absent,
            "absent_not_yet": absent is not None
            and absent.valid_from is not None
            and absent.valid_from > on,
            "unit_is_historical": False,
            "breadcrumbs": breadcrumbs,
            "children": children,
            "totals": {
                "schools": sum(c.school_count for c in children),
                "learners": sum(c.student_count for c in children),
            },
            "on": on,
            "raw_on": on.isoformat(),
            "show_history": False,
            "historical_count": 0,
            "visible_codes": visible_codes,
        },
    )


@login_required
def school(request, code: str):
    """A school's record: classes of the year, staff, rooms, equipment and data completeness."""
    # The school page shows registry data: pages sit above the apps they show.
    from hocso.registry.selectors import (
        classes_with_counts,
        equipment_visible,
        rooms_visible,
        school_completeness,
        staff_visible,
    )

    actor = request.user
    try:
        unit = school_get(actor=actor, code=code)
    except OrgUnit.DoesNotExist:
        raise Http404 from None

    tab = request.GET.get("tab", "classes")
    if tab not in dict(SCHOOL_TABS):
        tab = "classes"
    year_param = request.GET.get("year", "")
    completeness = school_completeness(actor=actor, school=unit)

    context = {
        "school": unit,
        "ancestors": list(
            orgunits_visible(actor=actor)
            .filter(code__in=unit.path.rstrip("/").split("/")[:-1])
            .order_by("depth")
        ),
        "tab": tab,
        "tabs": [(key, label, _tab_count(key, completeness)) for key, label in SCHOOL_TABS],
        "year_param": year_param,
        "can_write": scope_for(actor).covers(unit.path, write=True),
        "completeness": completeness,
        "indicators": _indicators(completeness),
    }
    if tab == "classes":
        years = list(SchoolYear.objects.order_by("-start_date"))
        year = next((y for y in years if y.code == year_param), None) or current_school_year()
        context["year"] = year
        context["years"] = years
        context["classes"] = (
            list(classes_with_counts(actor=actor, school=unit, year=year)) if year else []
        )
    elif tab == "staff":
        staff = (
            staff_visible(actor=actor)
            .filter(Q(school=unit) | Q(other_schools=unit))
            .distinct()
            .order_by("-is_active", "search_name", "id")
        )
        context["page_obj"] = Paginator(staff, PAGE_SIZE).get_page(request.GET.get("page"))
    elif tab == "rooms":
        rooms = rooms_visible(actor=actor).filter(school=unit).order_by("code")
        context["page_obj"] = Paginator(rooms, PAGE_SIZE).get_page(request.GET.get("page"))
    else:
        items = equipment_visible(actor=actor).filter(school=unit).order_by("asset_code")
        context["page_obj"] = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orgs/school.html", context)


def _tab_count(tab: str, completeness: dict) -> int | None:
    return {
        "staff": completeness["staff"],
        "rooms": completeness["rooms"],
        "equipment": completeness["equipment_items"],
    }.get(tab)


def _percent(part: int, whole: int) -> int | None:
    """Whole percent, rounded down so 99.6 % is never shown as a finished 100 %."""
    return None if not whole else part * 100 // whole


def _indicators(c: dict) -> list[dict]:
    """Rows of the completeness table: label, count, of how many, percentage."""
    rows = [
        (_("Học sinh có số định danh cá nhân"), "learners_national_id", "learners"),
        (_("Học sinh có mã định danh Bộ GD&ĐT"), "learners_moet_code", "learners"),
        (_("Học sinh có ngày sinh"), "learners_date_of_birth", "learners"),
        (_("Học sinh có số điện thoại phụ huynh"), "learners_guardian_phone", "learners"),
        (_("Học sinh đã khai điều kiện học trực tuyến"), "learners_online_declared", "learners"),
        (_("Học sinh có thể học trực tuyến"), "learners_can_study_online", "learners"),
        (_("Cán bộ, giáo viên có số định danh cá nhân"), "staff_national_id", "staff"),
    ]
    return [
        {
            "key": key,
            "label": label,
            "count": c[key],
            "total": c[total],
            "percent": _percent(c[key], c[total]),
        }
        for label, key, total in rows
    ]
