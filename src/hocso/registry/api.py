"""The registry over JSON (read-only): students, staff, classes, rooms and equipment.

Every route reads through the scoped selectors, so anything outside the caller's org subtrees is
simply absent: lists leave it out and detail routes answer 404. Bulk reads of personal data
(pages of students or staff, a class roster) are written to the audit log.
"""

from django.db.models import Count, Q
from ninja import Router
from ninja.pagination import paginate

from hocso.accounts.services import audit_log
from hocso.core.api_pagination import Pagination

from . import selectors
from .schemas import (
    ClassDetail,
    ClassItem,
    EquipmentDetail,
    EquipmentItem,
    RoomDetail,
    RoomItem,
    StaffDetail,
    StaffItem,
    StudentDetail,
    StudentItem,
)

router = Router(tags=["registry"])


def _filters_for_audit(params: dict) -> dict:
    """The filters a caller used, as JSON-safe text, leaving out the empty ones."""
    return {key: str(value) for key, value in params.items() if value not in ("", None)}


class AuditedPagination(Pagination):
    """Page-number pagination that records each page of personal data served (DESIGN.md:
    "Personal-data reads in bulk … are written to the audit log")."""

    def __init__(self, *, audit_kind: str, **kwargs) -> None:
        self.audit_kind = audit_kind
        super().__init__(**kwargs)

    def paginate_queryset(self, queryset, pagination, request, **params):
        result = super().paginate_queryset(queryset, pagination, request, **params)
        returned = len(result["items"])  # evaluates the page once; serialisation reuses it
        audit_log(
            actor=request.auth,
            action="api.list",
            kind=self.audit_kind,
            filters=_filters_for_audit(params),
            page=pagination.page,
            count=result["count"],
            returned=returned,
        )
        return result


# --- students ---------------------------------------------------------------------------------


@router.get("/students", response=list[StudentItem], url_name="student_list")
@paginate(AuditedPagination, audit_kind="student")
def list_students(
    request, school: str = "", q: str = "", class_id: int | None = None, year: str = "",
    status: str = "",
):  # fmt: skip
    """Learners in the caller's scope. `q` = name (any case, with or without diacritics, NFC or
    NFD) or the start of a citizen ID / MOET code; `school` = school code; `class_id` = current
    class; `year` = school year "YYYY-YYYY" of any enrollment; `status` = studying/transferred/
    dropped_out/graduated."""
    return selectors.students_search(
        actor=request.auth, q=q, school_code=school, class_id=class_id, year_code=year,
        status=status,
    )  # fmt: skip


@router.get("/students/{student_id}", response=StudentDetail, url_name="student_detail")
def get_student(request, student_id: int):
    """One learner with address, online-learning access, guardians and enrollment history."""
    return selectors.student_get(actor=request.auth, pk=student_id)


# --- staff ------------------------------------------------------------------------------------


@router.get("/staff", response=list[StaffItem], url_name="staff_list")
@paginate(AuditedPagination, audit_kind="staff")
def list_staff(request, school: str = "", q: str = ""):
    """Staff in the caller's scope. `q` = name (diacritics optional) or start of a citizen ID;
    `school` = code of the main school."""
    return selectors.staff_search(actor=request.auth, q=q, school_code=school)


@router.get("/staff/{staff_id}", response=StaffDetail, url_name="staff_detail")
def get_staff(request, staff_id: int):
    return selectors.staff_get(actor=request.auth, pk=staff_id)


# --- classes ----------------------------------------------------------------------------------


def _classes_with_counts(actor):
    return selectors.classes_visible(actor=actor).annotate(
        student_count=Count("enrollments", filter=Q(enrollments__end_date__isnull=True))
    )


@router.get("/classes", response=list[ClassItem], url_name="class_list")
@paginate(Pagination)
def list_classes(request, school: str = "", year: str = "", grade: int | None = None):
    """Classes in the caller's scope. `school` = school code, `year` = "YYYY-YYYY"."""
    classes = _classes_with_counts(request.auth)
    if school:
        classes = classes.filter(school__code=school)
    if year:
        classes = classes.filter(year__code=year)
    if grade is not None:
        classes = classes.filter(grade=grade)
    return classes.order_by("school__path", "-year__start_date", "grade", "name", "id")


@router.get("/classes/{class_id}", response=ClassDetail, url_name="class_detail")
def get_class(request, class_id: int):
    """One class with its roster (learners currently enrolled); the read is audited."""
    school_class = _classes_with_counts(request.auth).get(pk=class_id)
    school_class.roster = list(selectors.class_roster(school_class=school_class))
    audit_log(
        actor=request.auth, action="api.list", obj=school_class, org_unit=school_class.school,
        kind="class_roster", count=len(school_class.roster),
    )  # fmt: skip
    return school_class


# --- rooms and equipment ----------------------------------------------------------------------


@router.get("/rooms", response=list[RoomItem], url_name="room_list")
@paginate(Pagination)
def list_rooms(request, school: str = "", kind: str = "", condition: str = ""):
    """Rooms in the caller's scope. `kind` = classroom/lab/computer/library/multipurpose/office."""
    rooms = selectors.rooms_visible(actor=request.auth)
    if school:
        rooms = rooms.filter(school__code=school)
    if kind:
        rooms = rooms.filter(kind=kind)
    if condition:
        rooms = rooms.filter(condition=condition)
    return rooms.order_by("school__path", "code", "id")


@router.get("/rooms/{room_id}", response=RoomDetail, url_name="room_detail")
def get_room(request, room_id: int):
    """One room with the equipment recorded in it."""
    room = selectors.rooms_visible(actor=request.auth).get(pk=room_id)
    room.equipment_list = list(
        selectors.equipment_visible(actor=request.auth).filter(room=room).order_by("asset_code")
    )
    return room


@router.get("/equipment", response=list[EquipmentItem], url_name="equipment_list")
@paginate(Pagination)
def list_equipment(
    request, school: str = "", category: str = "", condition: str = "", room: str = ""
):  # fmt: skip
    """Equipment in the caller's scope. `category` = computer/projector/smart_board/network/lab/
    teaching_kit/furniture/other; `condition` = good/fair/broken; `room` = room code."""
    items = selectors.equipment_visible(actor=request.auth)
    if school:
        items = items.filter(school__code=school)
    if category:
        items = items.filter(category=category)
    if condition:
        items = items.filter(condition=condition)
    if room:
        items = items.filter(room__code=room)
    return items.order_by("school__path", "asset_code", "id")


@router.get("/equipment/{equipment_id}", response=EquipmentDetail, url_name="equipment_detail")
def get_equipment(request, equipment_id: int):
    return selectors.equipment_visible(actor=request.auth).get(pk=equipment_id)
