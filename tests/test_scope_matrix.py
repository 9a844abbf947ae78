"""Every API route × every role: nothing outside the caller's scope is listed or readable.

The routes come from the API's own OpenAPI document, so a new route is picked up automatically;
if the matrix below does not know how to exercise it, `test_every_api_route_is_in_the_matrix`
fails and names it. Visibility is stated here independently of the selectors: by role, which
schools' records (and which org units) the caller should see.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from hocso.accounts.models import Role
from hocso.accounts.services import role_grant, token_create
from hocso.api import api
from hocso.assessment.transcripts import store_snapshot
from hocso.curriculum.models import Subject
from hocso.exams import services as exam_services
from hocso.exams.models import Attempt, ExamSession
from hocso.monitoring.compute import recompute
from hocso.monitoring.models import Indicator
from hocso.orgs.models import OrgKind, OrgUnit, SchoolType
from hocso.questions import services as question_services
from hocso.questions.blueprints import CellInput, blueprint_create
from hocso.questions.interchange import Choice, ItemData, ItemType
from hocso.questions.models import Bank, Blueprint, Item, ItemStatus, SharingScope
from hocso.registry import services
from hocso.registry.models import Equipment, Room, SchoolClass, Staff, Student
from hocso.resources.models import Licence, Resource, ResourceStatus, ResourceVersion, Sharing

from .factories import UserFactory, make_school, make_unit

API_PREFIX = "/api/v1"

# kind → (model, key attribute used in URLs and items)
KINDS = {
    "orgunit": (OrgUnit, "code"),
    "school": (OrgUnit, "code"),
    "student": (Student, "id"),
    "staff": (Staff, "id"),
    "class": (SchoolClass, "id"),
    "room": (Room, "id"),
    "equipment": (Equipment, "id"),
    "question_bank": (Bank, "code"),
    "question_item": (Item, "id"),
    "blueprint": (Blueprint, "id"),
    "exam": (ExamSession, "id"),
    # Exam attempts as their candidate takes them: only the candidate reaches one (staff,
    # superuser included, get 404 — they see attempts through the staff routes).
    "own_attempt": (Attempt, "id"),
    # An attempt's result: its candidate, and staff who read the candidate's school.
    "attempt_result": (Attempt, "id"),
    # Library resources: one opened by id (drafts for their contributor and reviewers too),
    # and the search list (the published library only).
    "resource": (Resource, "id"),
    "published_resource": (Resource, "id"),
    # Units whose curriculum coverage the caller may read (?org=CODE): staff, their subtrees.
    "coverage_unit": (OrgUnit, "code"),
    # The indicator catalog: the same for every signed-in user (names indicators, not people).
    "indicator": (Indicator, "code"),
    # Units whose indicator values the caller may read (?org=CODE): staff, their subtrees.
    "monitoring_unit": (OrgUnit, "code"),
}
# Kinds every signed-in user sees whole: nothing outside a scope to probe.
UNSCOPED_KINDS = {"indicator"}

# Every route the API has, and how to exercise it: ("list", kind), ("detail", kind) or
# ("action", kind) — a POST on one object, with the query of ACTION_QUERIES; in scope it may
# answer 200 or a refusal about the request itself (409: the bank is short), never 404.
ROUTES = {
    ("get", "/api/v1/org-units"): ("list", "orgunit"),
    ("get", "/api/v1/org-units/{code}"): ("detail", "orgunit"),
    ("get", "/api/v1/schools"): ("list", "school"),
    ("get", "/api/v1/schools/{code}"): ("detail", "school"),
    ("get", "/api/v1/students"): ("list", "student"),
    ("get", "/api/v1/students/{student_id}"): ("detail", "student"),
    ("get", "/api/v1/staff"): ("list", "staff"),
    ("get", "/api/v1/staff/{staff_id}"): ("detail", "staff"),
    ("get", "/api/v1/classes"): ("list", "class"),
    ("get", "/api/v1/classes/{class_id}"): ("detail", "class"),
    ("get", "/api/v1/rooms"): ("list", "room"),
    ("get", "/api/v1/rooms/{room_id}"): ("detail", "room"),
    ("get", "/api/v1/equipment"): ("list", "equipment"),
    ("get", "/api/v1/equipment/{equipment_id}"): ("detail", "equipment"),
    # A learner's results and transcript of a year: the learner is the object; {year} and
    # ?year= are filled with the world's school year (build_world issues every transcript).
    ("get", "/api/v1/students/{student_id}/results"): ("detail", "student"),
    ("get", "/api/v1/students/{student_id}/transcripts/{year}.pdf"): ("detail", "student"),
    ("get", "/api/v1/question-banks"): ("list", "question_bank"),
    ("get", "/api/v1/question-banks/{code}"): ("detail", "question_bank"),
    ("get", "/api/v1/question-items"): ("list", "question_item"),
    ("get", "/api/v1/question-items/{item_id}"): ("detail", "question_item"),
    ("get", "/api/v1/blueprints"): ("list", "blueprint"),
    ("get", "/api/v1/blueprints/{blueprint_id}"): ("detail", "blueprint"),
    ("post", "/api/v1/blueprints/{blueprint_id}/generate"): ("action", "blueprint"),
    ("get", "/api/v1/exams"): ("list", "exam"),
    ("get", "/api/v1/exams/{exam_id}"): ("detail", "exam"),
    ("get", "/api/v1/exams/{exam_id}/attempts"): ("detail", "exam"),
    ("get", "/api/v1/attempts"): ("list", "own_attempt"),
    ("post", "/api/v1/attempts/{attempt_id}/start"): ("own", "own_attempt"),
    ("post", "/api/v1/attempts/{attempt_id}/responses"): ("own", "own_attempt"),
    ("get", "/api/v1/attempts/{attempt_id}/state"): ("own", "own_attempt"),
    ("post", "/api/v1/attempts/{attempt_id}/submit"): ("own", "own_attempt"),
    ("get", "/api/v1/exams/{exam_id}/results"): ("detail", "exam"),
    ("get", "/api/v1/exams/{exam_id}/statistics"): ("detail", "exam"),
    ("get", "/api/v1/attempts/{attempt_id}/result"): ("detail", "attempt_result"),
    ("get", "/api/v1/resources"): ("list", "published_resource"),
    ("get", "/api/v1/resources/{resource_id}"): ("detail", "resource"),
    ("get", "/api/v1/resources/coverage"): ("query", "coverage_unit"),
    ("get", "/api/v1/indicators"): ("list", "indicator"),
    ("get", "/api/v1/indicators/{code}/values"): ("query", "monitoring_unit"),
}
# Open data: answered to anyone, signed in or not, with aggregates only (no scope to probe;
# `test_public_routes_answer_anyone_and_name_nobody` checks that no personal data leaks).
PUBLIC_ROUTES = {
    ("get", "/api/v1/open/indicators"),
    ("get", "/api/v1/open/indicators.csv"),
}
# ("query", kind): a GET naming its object in the query string, with this parameter; the other
# parameters of its path are filled from QUERY_PATHS (an indicator with a live source: its values
# are computed on demand from the world's records).
QUERY_PARAMS = {"/api/v1/resources/coverage": "org", "/api/v1/indicators/{code}/values": "org"}
QUERY_PATHS = {"/api/v1/indicators/{code}/values": {"code": "learners_valid_id"}}
ACTION_QUERIES = {"/api/v1/blueprints/{blueprint_id}/generate": "versions=1&seed=1"}
ACTION_IN_SCOPE = {200, 409}
# ("own", kind): a route on one object only its owner may use, sent as the owner's client would
# (GET with this query, POST with this JSON body — well-formed, so nobody gets 422 before the
# scope check). In scope it may answer 200 or a refusal about the request (409: not open yet,
# device replaced), never 404.
OWN_REQUESTS = {
    "/api/v1/attempts/{attempt_id}/start": {},
    "/api/v1/attempts/{attempt_id}/responses": {"device_token": "t", "saves": []},
    "/api/v1/attempts/{attempt_id}/state": {"device_token": "t"},
    "/api/v1/attempts/{attempt_id}/submit": {"device_token": "t"},
}
OWN_IN_SCOPE = {200, 409}
# Detail and query routes that also need the school year as a query parameter.
YEAR_QUERY_ROUTES = {"/api/v1/students/{student_id}/results", "/api/v1/indicators/{code}/values"}


def api_routes() -> set[tuple[str, str]]:
    """(method, path template) of every operation the API serves."""
    paths = api.get_openapi_schema(path_prefix=API_PREFIX + "/")["paths"]
    return {(method, path) for path, operations in paths.items() for method in operations}


# --- the world: records in four schools, two provinces ---------------------------------------

_id_counter = iter(range(1, 10**6))


def _citizen_id(gender: str, born: date) -> str:
    digit = (0 if born.year < 2000 else 2) + (0 if gender == "M" else 1)
    return f"084{digit}{born.year % 100:02d}{next(_id_counter):06d}"


def _populate_school(school, year, grade: int, tag: str, n_students: int = 2):
    """A homeroom teacher, a class with learners, a room and a piece of equipment."""
    teacher = services.staff_create(
        actor=None, school=school, full_name=f"Giáo viên {tag}", gender="F",
        date_of_birth=date(1985, 5, 1), national_id=_citizen_id("F", date(1985, 5, 1)),
        position="teacher",
    )  # fmt: skip
    school_class = services.class_create(
        actor=None,
        school=school,
        year=year,
        grade=grade,
        name=f"{grade}A",
        homeroom_teacher=teacher,
    )
    students = []
    for i in range(n_students):
        born = date(2025 - 6 - grade, 1 + i, 10)
        student = services.student_create(
            actor=None, school=school, full_name=f"Học sinh {tag} {i}", gender="M",
            date_of_birth=born, national_id=_citizen_id("M", born),
        )  # fmt: skip
        services.student_enroll(
            actor=None, student=student, school_class=school_class, start_date=date(2025, 9, 5)
        )
        students.append(student)
    room = services.room_save(
        actor=None, school=school, code=f"P{tag}", name=f"Phòng {tag}", kind="classroom"
    )
    item = services.equipment_save(
        actor=None, school=school, asset_code=f"TB-{tag}", name=f"Máy chiếu {tag}",
        category="projector", room=room,
    )  # fmt: skip
    return SimpleNamespace(
        school=school, teacher=teacher, school_class=school_class, students=students,
        room=room, equipment=item,
    )  # fmt: skip


def build_world(tree, users, year):
    """School A, B, C of the shared `tree` and school X in another province (86), each with
    records; student_a's user is one learner of A and guardian_a is that learner's guardian."""
    province_x = make_unit("86", "Tỉnh Vĩnh Long", OrgKind.PROVINCE)
    commune_x = make_unit("29500", "Phường 9", OrgKind.COMMUNE, province_x)
    school_x = make_school("86000001", commune_x, SchoolType.PRIMARY, "Tiểu học Phường 9")
    world = SimpleNamespace(
        a=_populate_school(tree.school_a, year, 6, "A"),
        b=_populate_school(tree.school_b, year, 1, "B", n_students=1),
        c=_populate_school(tree.school_c, year, 10, "C"),
        x=_populate_school(school_x, year, 2, "X"),
        province_x=province_x,
        commune_x=commune_x,
    )
    own = world.a.students[0]
    own.user = users.student_a
    own.save(update_fields=["user"])
    guardian = services.guardian_link(
        actor=None, student=own, full_name="Phụ huynh A", phone="0901234567", relationship="mother"
    )
    guardian.user = users.guardian_a
    guardian.save(update_fields=["user"])
    world.own_student = own
    _issue_every_transcript(year)
    _populate_questions(tree, users, world)
    _populate_blueprints(tree, world)
    _populate_exams(tree, year, world)
    _populate_resources(tree, users, world)
    return world


def _question(stem: str) -> ItemData:
    choices = [Choice(text="Đúng", fraction=1), Choice(text="Sai")]
    return ItemData(type=ItemType.SINGLE_CHOICE, stem=stem, choices=choices)


def _populate_questions(tree, users, world):
    """A bank in province 84, in schools A and C and in province 86, each with an item of every
    visibility: approved and shared with the province, approved within the unit, a draft (in A,
    teacher_a's own) and a submitted item."""
    banks = {
        "84": question_services.bank_create(
            actor=None, code="Q-84", name="Sở 84", org_unit=tree.province
        ),
        "A": question_services.bank_create(
            actor=None, code="Q-A", name="Trường A", org_unit=tree.school_a
        ),
        "C": question_services.bank_create(
            actor=None, code="Q-C", name="Trường C", org_unit=tree.school_c
        ),
        "X": question_services.bank_create(
            actor=None, code="Q-86", name="Sở 86", org_unit=world.province_x
        ),
    }
    for tag, bank in banks.items():
        author = users.teacher_a if tag == "A" else None

        def make(kind, bank=bank, tag=tag, author=author):
            return question_services.item_create(
                actor=author, bank=bank, data=_question(f"Câu {kind} {tag}")
            )

        for kind in ("province", "unit", "submitted"):
            item = make(kind)
            question_services.item_submit(actor=None, item=item)
            if kind != "submitted":
                question_services.item_review(
                    actor=None, item=item, decision="approve", share_province=kind == "province"
                )
        make("draft")


def _populate_blueprints(tree, world):
    """A blueprint owned by province 84, by schools A and C and by province 86."""
    math = Subject.objects.get(code="TOAN")
    owners = {"84": tree.province, "A": tree.school_a, "C": tree.school_c, "X": world.province_x}
    for tag, unit in owners.items():
        blueprint_create(
            actor=None, org_unit=unit, code=f"MT-{tag}", name=f"Ma trận {tag}", subject=math,
            grade=6, duration_minutes=15, total_points=Decimal(1),
            cells=[CellInput(part="I", item_type="single_choice", count=1,
                             points_per_item=Decimal(1))],
        )  # fmt: skip


def _populate_exams(tree, year, world):
    """A prepared exam run by schools A, C and X for their class, and one run by province 84
    for the class of school C (seen by C's staff through its candidates)."""
    from datetime import timedelta

    from django.utils import timezone

    math = Subject.objects.get(code="TOAN")
    opens = timezone.now() + timedelta(days=1)
    runs = {"A": (tree.school_a, world.a), "C": (tree.school_c, world.c),
            "X": (world.x.school, world.x), "84": (tree.province, world.c)}  # fmt: skip
    world.exams = {}
    for tag, (unit, sitting) in runs.items():
        item = Item.objects.filter(status=ItemStatus.APPROVED).order_by("pk").first()
        session = exam_services.session_create(
            actor=None, org_unit=unit, year=year, subject=math,
            grade=sitting.school_class.grade, name=f"Bài thi {tag}", code=f"EX-{tag}",
            opens_at=opens, closes_at=opens + timedelta(hours=1), duration_minutes=45,
            items=[item], classes=[sitting.school_class],
        )  # fmt: skip
        exam_services.session_prepare(actor=None, session=session)
        world.exams[tag] = session


def _populate_resources(tree, users, world):
    """Library resources in schools A and C and in province 86: published and shared with the
    province, published within the school, a draft (in A, teacher_a's own) and one submitted
    for review — so every role has a school-only resource of a school it does not reach."""
    owners = {"A": tree.school_a, "C": tree.school_c, "X": world.x.school}
    kinds = {
        "province": (ResourceStatus.PUBLISHED, Sharing.PROVINCE),
        "school": (ResourceStatus.PUBLISHED, Sharing.SCHOOL),
        "draft": (ResourceStatus.DRAFT, Sharing.SCHOOL),
        "submitted": (ResourceStatus.SUBMITTED, Sharing.SCHOOL),
    }
    for tag, unit in owners.items():
        for kind, (status, sharing) in kinds.items():
            resource = Resource.objects.create(
                title=f"Học liệu {kind} {tag}", type="document", licence=Licence.CC_BY,
                org_unit=unit, status=status, sharing=sharing,
                created_by=users.teacher_a if tag == "A" else None,
                published_at=datetime(2025, 10, 1, tzinfo=UTC) if status == ResourceStatus.PUBLISHED else None,
                search_title=f"hoc lieu {kind} {tag.lower()}",
            )  # fmt: skip
            resource.current_version = ResourceVersion.objects.create(resource=resource, number=1)
            resource.save(update_fields=["current_version"])


def _issue_every_transcript(year):
    """A transcript of `year` for every learner, so the transcript route has something to serve
    in scope. Stored directly: the matrix is about scope, not about complete results."""
    for student in Student.objects.select_related("school"):
        store_snapshot(
            student=student, year=year, school=student.school,
            body={"learner": {"full_name": student.full_name}, "year": year.code},
        )  # fmt: skip


# --- what each role should see ----------------------------------------------------------------


@dataclass
class Expectation:
    subtrees: tuple[str, ...] = ()  # org-unit codes whose subtrees the role reads
    own_students: tuple[int, ...] = ()  # learners linked to the user (student/guardian)
    everything: bool = False
    anonymous: bool = False
    reviews: bool = False  # reviews the question items of its subtrees (writes them)
    user_pk: int | None = None  # items the user wrote stay visible to them
    candidate_pk: int | None = None  # the user whose own exam attempts are visible
    members: tuple[str, ...] = ()  # org-unit codes where the user holds any role
    visible: dict[str, set] = field(default_factory=dict)


def _expected_visible(expectation: Expectation) -> dict[str, set]:
    """Keys of every object of each kind the role should see."""
    if expectation.anonymous:
        return {kind: set() for kind in KINDS}
    units = list(OrgUnit.objects.all())
    by_code = {u.code: u for u in units}
    roots = [by_code[code].path for code in expectation.subtrees]

    def in_scope(path: str) -> bool:
        return expectation.everything or any(path.startswith(root) for root in roots)

    covered = {u.code for u in units if in_scope(u.path)}
    ancestors = {code for u in units if u.code in covered for code in u.path.rstrip("/").split("/")}
    visible = {
        "orgunit": covered | ancestors,
        "school": {u.code for u in units if u.kind == OrgKind.SCHOOL and u.code in covered},
    }
    for kind in ("student", "staff", "class", "room", "equipment"):
        model, _key = KINDS[kind]
        visible[kind] = {
            obj.pk for obj in model.objects.select_related("school") if in_scope(obj.school.path)
        }
    visible["student"] |= set(expectation.own_students)
    # Exam attempts through the delivery routes: the candidate's own, whatever the role.
    own_attempts = Attempt.objects.filter(student__user_id=expectation.candidate_pk)
    visible["own_attempt"] = (
        set(own_attempts.values_list("pk", flat=True)) if expectation.candidate_pk else set()
    )
    # Blueprints: those of the units staff read and of the units above them.
    visible["blueprint"] = {
        b.pk
        for b in Blueprint.objects.select_related("org_unit")
        if expectation.everything
        or (expectation.subtrees and b.org_unit.code in visible["orgunit"])
    }
    # Results of attempts: staff read their schools' candidates; a candidate their own.
    visible["attempt_result"] = visible["own_attempt"] | {
        a.pk
        for a in Attempt.objects.select_related("school")
        if expectation.everything or (expectation.subtrees and in_scope(a.school.path))
    }
    # Exams: run by a unit the role reads, or with a candidate of a school it reads (staff).
    visible["exam"] = {
        session.pk
        for session in ExamSession.objects.select_related("org_unit").prefetch_related(
            "attempts__school"
        )
        if expectation.everything
        or (
            expectation.subtrees
            and (
                in_scope(session.org_unit.path)
                or any(in_scope(a.school.path) for a in session.attempts.all())
            )
        )
    }
    # Question banks: those of the units the role reads and of the units above them.
    visible["question_bank"] = (
        {
            b.code
            for b in Bank.objects.select_related("org_unit")
            if b.org_unit.code in visible["orgunit"]
        }
        if not expectation.everything
        else set(Bank.objects.values_list("code", flat=True))
    )
    visible["resource"] = _expected_resources(expectation, by_code, in_scope)
    visible["published_resource"] = set(
        Resource.objects.filter(
            pk__in=visible["resource"], status=ResourceStatus.PUBLISHED
        ).values_list("pk", flat=True)
    )
    # Coverage: the units staff read (not the units above them); everything for the superuser.
    visible["coverage_unit"] = (
        covered if (expectation.subtrees or expectation.everything) else set()
    )
    # Indicator values: the same units (staff, their subtrees); the catalog: everyone signed in.
    visible["monitoring_unit"] = set(visible["coverage_unit"])
    visible["indicator"] = set(Indicator.objects.values_list("code", flat=True))
    # Question items: approved and shared with the province → every staff role in that
    # province; approved within the unit → those who read the unit; anything → its reviewers
    # and its author.
    provinces = {root.split("/")[0] for root in roots}
    staff = bool(expectation.subtrees)
    visible["question_item"] = {
        item.pk
        for item in Item.objects.select_related("org_unit")
        if expectation.everything
        or (expectation.user_pk is not None and item.author_id == expectation.user_pk)
        or (
            staff
            and item.status == ItemStatus.APPROVED
            and item.sharing == SharingScope.PROVINCE
            and item.org_unit.path.split("/")[0] in provinces
        )
        or (item.status == ItemStatus.APPROVED and in_scope(item.org_unit.path) and staff)
        or (expectation.reviews and in_scope(item.org_unit.path))
    }
    return visible


def _expected_resources(expectation: Expectation, by_code, in_scope) -> set:
    """Library resources: published and shared with the province → everyone with a role in that
    province; published within the owning unit → everyone with a role inside the unit's subtree
    and the staff who read it; any status → its contributor (still in their scope) and its
    reviewers (those who write the owning unit)."""
    member_paths = [by_code[code].path for code in expectation.members]
    provinces = {path.split("/")[0] for path in member_paths}
    staff = bool(expectation.subtrees)
    found = set()
    for resource in Resource.objects.select_related("org_unit"):
        path = resource.org_unit.path
        published = resource.status == ResourceStatus.PUBLISHED
        if (
            expectation.everything
            or (
                published
                and resource.sharing == Sharing.PROVINCE
                and path.split("/")[0] in provinces
            )
            or (published and any(member.startswith(path) for member in member_paths))
            or (published and staff and in_scope(path))
            or (
                expectation.user_pk is not None
                and resource.created_by_id == expectation.user_pk
                and in_scope(path)
            )
            or (expectation.reviews and in_scope(path))
        ):
            found.add(resource.pk)
    return found


def _expectations(tree, users, world) -> dict[str, tuple[object, Expectation]]:
    own = (world.own_student.pk,)
    return {
        "superuser": (users.superuser, Expectation(everything=True)),
        "province_officer_84": (
            users.province,
            Expectation(
                subtrees=(tree.province.code,), reviews=True, members=(tree.province.code,)
            ),
        ),
        "district_officer_847": (
            users.district2,
            Expectation(
                subtrees=(tree.district2.code,), reviews=True, members=(tree.district2.code,)
            ),
        ),
        "school_admin_a": (
            users.admin_a,
            Expectation(
                subtrees=(tree.school_a.code,), reviews=True, members=(tree.school_a.code,)
            ),
        ),
        "teacher_a": (
            users.teacher_a,
            Expectation(
                subtrees=(tree.school_a.code,),
                user_pk=users.teacher_a.pk,
                members=(tree.school_a.code,),
            ),
        ),
        "student_a": (
            users.student_a,
            Expectation(
                own_students=own, candidate_pk=users.student_a.pk, members=(tree.school_a.code,)
            ),
        ),
        "guardian_a": (
            users.guardian_a,
            Expectation(own_students=own, members=(tree.school_a.code,)),
        ),
        "outsider": (users.outsider, Expectation()),
        "anonymous": (None, Expectation(anonymous=True)),
    }


ROLE_NAMES = [
    "superuser", "province_officer_84", "district_officer_847", "school_admin_a", "teacher_a",
    "student_a", "guardian_a", "outsider", "anonymous",
]  # fmt: skip


def _collect_list(client, url: str, headers: dict, key: str) -> tuple[int, set]:
    """GET every page of a list route; (status of the first page, keys of all items)."""
    keys: set = set()
    page = 1
    while True:
        response = client.get(url, {"page": page, "page_size": 100}, headers=headers)
        if response.status_code != 200:
            return response.status_code, keys
        body = response.json()
        keys |= {item[key] for item in body["items"]}
        if not body["items"] or page * 100 >= body["count"]:
            return 200, keys
        page += 1


# --- tests ------------------------------------------------------------------------------------


def test_every_api_route_is_in_the_matrix():
    routes = api_routes()
    assert not ROUTES.keys() & PUBLIC_ROUTES, "a route is either scoped or public, not both"
    unknown = sorted(routes - ROUTES.keys() - PUBLIC_ROUTES)
    assert not unknown, (
        f"API routes the scope matrix does not know how to exercise: {unknown}. Add each to "
        "ROUTES in tests/test_scope_matrix.py (list or detail, and of which kind)."
    )
    gone = sorted((ROUTES.keys() | PUBLIC_ROUTES) - routes)
    assert not gone, f"ROUTES names routes the API no longer has: {gone}"


def test_the_matrix_rejects_a_route_it_does_not_know(monkeypatch):
    """The guard above is live: a new route makes it fail."""
    original = api.get_openapi_schema

    def with_probe(**kwargs):
        schema = original(**kwargs)
        schema["paths"]["/api/v1/scope-matrix-probe"] = {"get": {}}
        return schema

    monkeypatch.setattr(api, "get_openapi_schema", with_probe)
    with pytest.raises(AssertionError, match="scope-matrix-probe"):
        test_every_api_route_is_in_the_matrix()


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_no_route_shows_anything_outside_the_callers_scope(role, client, tree, users, year):
    world = build_world(tree, users, year)
    user, expectation = _expectations(tree, users, world)[role]
    visible = _expected_visible(expectation)
    headers = {} if user is None else {"Authorization": f"Bearer {token_create(user=user)}"}
    denied_status = 401 if expectation.anonymous else 404

    failures = []
    for method, template in sorted(api_routes()):
        if (method, template) in PUBLIC_ROUTES:
            status = client.get(template, {"year": year.code}, headers=headers).status_code
            if status != 200:
                failures.append(f"{template}: status {status}, expected 200 (public)")
            continue
        route_kind, kind = ROUTES[(method, template)]  # unknown route: see the test above
        model, key = KINDS[kind]
        if route_kind == "list":
            status, seen = _collect_list(client, template, headers, key)
            if expectation.anonymous:
                if status != 401:
                    failures.append(f"{template}: anonymous got {status}, expected 401")
                continue
            if status != 200:
                failures.append(f"{template}: status {status}")
            elif seen != visible[kind]:
                failures.append(
                    f"{template}: outside scope {sorted(seen - visible[kind], key=str)}, "
                    f"missing {sorted(visible[kind] - seen, key=str)}"
                )
        elif route_kind == "query":
            url = template
            for name, fixed in QUERY_PATHS.get(template, {}).items():
                url = url.replace("{" + name + "}", fixed)
            for value in model.objects.values_list(key, flat=True):
                expected = {200} if value in visible[kind] else {denied_status}
                query = {QUERY_PARAMS[template]: value}
                if template in YEAR_QUERY_ROUTES:
                    query["year"] = year.code
                status = client.get(url, query, headers=headers).status_code
                if status not in expected:
                    failures.append(f"{template}?{query}: status {status}, expected {expected}")
        else:
            objects = model.objects.all()
            if kind == "school":
                objects = objects.filter(kind=OrgKind.SCHOOL)
            placeholder = template[template.index("{") : template.index("}") + 1]
            for obj in objects:
                value = getattr(obj, key)
                url = template.replace(placeholder, str(value)).replace("{year}", year.code)
                if route_kind == "action":
                    url = f"{url}?{ACTION_QUERIES[template]}"
                    expected = ACTION_IN_SCOPE if value in visible[kind] else {denied_status}
                    status = client.post(url, headers=headers).status_code
                elif route_kind == "own":
                    expected = OWN_IN_SCOPE if value in visible[kind] else {denied_status}
                    request = OWN_REQUESTS[template]
                    if method == "get":
                        status = client.get(url, request, headers=headers).status_code
                    else:
                        body = json.dumps(request)
                        status = client.post(
                            url, body, content_type="application/json", headers=headers
                        ).status_code
                else:
                    query = {"year": year.code} if template in YEAR_QUERY_ROUTES else {}
                    expected = {200} if value in visible[kind] else {denied_status}
                    status = client.get(url, query, headers=headers).status_code
                if status not in expected:
                    failures.append(f"{url}: status {status}, expected {sorted(expected)}")
    assert not failures, "\n".join(failures)


def test_public_routes_answer_anyone_and_name_nobody(client, tree, users, year):
    """Open data needs no login and carries no personal data: no name, national ID, phone or
    username of anyone in the world, and only the fields of an aggregate row."""
    world = build_world(tree, users, year)
    recompute(year=year)
    personal = set()
    for student in Student.objects.all():
        personal |= {student.full_name, student.national_id or ""}
    for staff in Staff.objects.all():
        personal |= {staff.full_name, staff.national_id or ""}
    personal |= {"Phụ huynh A", "0901234567"}
    personal |= {getattr(u, "username", "") for u in vars(users).values()}
    personal.discard("")
    aggregate = {
        "code", "name", "name_en", "unit", "source", "org", "org_name", "numerator",
        "denominator", "value", "target", "suppressed",
    }  # fmt: skip
    units = [None, tree.province.code, tree.commune1.code, tree.school_a.code, world.commune_x.code]
    for method, template in sorted(PUBLIC_ROUTES):
        assert method == "get"
        for org in units:
            query = {"year": year.code} | ({"org": org} if org else {})
            response = client.get(template, query)
            assert response.status_code == 200, (template, org)
            text = response.content.decode("utf-8-sig")
            leaked = sorted(p for p in personal if p in text)
            assert not leaked, f"{template}?{query} shows {leaked}"
            if template.endswith(".csv"):
                assert set(text.splitlines()[0].split(",")) == aggregate | {"year"}
            else:
                assert all(set(row) == aggregate for row in response.json()["items"])


def test_each_role_has_objects_outside_its_scope_to_probe(tree, users, year):
    """The matrix means something only if every role has records it must not see."""
    world = build_world(tree, users, year)
    for role, (_user, expectation) in _expectations(tree, users, world).items():
        visible = _expected_visible(expectation)
        for kind, (model, key) in KINDS.items():
            objects = model.objects.all()
            if kind == "school":
                objects = objects.filter(kind=OrgKind.SCHOOL)
            hidden = {getattr(o, key) for o in objects} - visible[kind]
            if role != "superuser" and kind not in UNSCOPED_KINDS:
                assert hidden, f"{role} can see every {kind}; nothing outside its scope to probe"


def test_a_role_granted_later_widens_the_scope_on_the_next_request(client, tree, users, year):
    world = build_world(tree, users, year)
    headers = {"Authorization": f"Bearer {token_create(user=users.admin_a)}"}
    url = f"/api/v1/students/{world.c.students[0].pk}"
    assert client.get(url, headers=headers).status_code == 404
    role_grant(actor=None, user=users.admin_a, role=Role.SCHOOL_ADMIN, org_unit=tree.school_c)
    assert client.get(url, headers=headers).status_code == 200


def test_an_outsider_with_a_session_sees_empty_lists(client, tree, users, year):
    build_world(tree, users, year)
    outsider = UserFactory(username="khach")
    client.force_login(outsider)
    body = client.get("/api/v1/students").json()
    assert body == {"items": [], "count": 0}
