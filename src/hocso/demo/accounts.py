"""The demo's accounts: one per role, all with the same documented password.

Usernames are stable across seeds and scales (they name schools, not people), so the README can
list them. The teacher, learner and guardian accounts are linked to real records of the demo
(Staff.user, Student.user, Guardian.user), so their pages show their own data.
"""

from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from hocso.accounts.models import Role, RoleAssignment, User
from hocso.accounts.services import role_grant
from hocso.assessment.models import LearningResult, Period
from hocso.orgs.models import OrgUnit
from hocso.registry.models import (
    Enrollment,
    EnrollmentStart,
    Guardianship,
    Relationship,
    SchoolClass,
    StudentStatus,
)

from .data.geography import SUCCESSOR_CODE
from .plan import CURRENT_YEAR, PREVIOUS_YEAR

DEMO_PASSWORD = "hocso-demo-2025"  # noqa: S105 — documented in the README; demo data only

SUPERUSER = "admin"
PROVINCE_OFFICER = "so.gddt"
SCHOOL_ADMINS = {
    "admin.thcs-lytutrong": "Trường THCS Lý Tự Trọng",
    "admin.thpt-tracu": "Trường THPT Trà Cú",
    "admin.th-phuong1": "Trường Tiểu học Phường 1",
}
# The teacher, learner and guardian accounts belong to this school and class of the current year:
# grade 7, so the learner has a complete grade-6 year (results, transcript) in 6A1 last year.
PEOPLE_SCHOOL = "Trường THCS Lý Tự Trọng"
PEOPLE_CLASS = "7A1"
# The schools some demo account belongs to (the province scale completes only their last year).
ACCOUNT_SCHOOLS = tuple(dict.fromkeys((*SCHOOL_ADMINS.values(), PEOPLE_SCHOOL)))
TEACHER = "gv.thcs-lytutrong"
STUDENT = "hs.thcs-lytutrong"
GUARDIAN = "ph.thcs-lytutrong"

DEMO_USERNAMES = (
    SUPERUSER, PROVINCE_OFFICER, *SCHOOL_ADMINS, TEACHER, STUDENT, GUARDIAN,
)  # fmt: skip


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str  # the demo password, or a note that it was changed
    role: str  # translated role name(s)
    org_unit: str


def _user(username: str, full_name: str, encoded_password: str, **flags) -> User:
    user = User(username=username, full_name=full_name, password=encoded_password, **flags)
    user.full_clean()
    user.save()
    return user


def create_demo_accounts() -> list[DemoAccount]:
    """Create the accounts (the demo data must be loaded). Returns the table to print."""
    # One hash for all: argon2 is slow on purpose, and the password is public anyway.
    password = make_password(DEMO_PASSWORD)
    _user(SUPERUSER, "Quản trị hệ thống", password, is_staff=True, is_superuser=True)
    officer = _user(PROVINCE_OFFICER, "Cán bộ Sở GD&ĐT Vĩnh Long", password)
    role_grant(
        actor=None, user=officer, role=Role.PROVINCE_OFFICER,
        org_unit=OrgUnit.objects.get(code=SUCCESSOR_CODE),
    )  # fmt: skip
    for username, school_name in SCHOOL_ADMINS.items():
        school = OrgUnit.objects.get(name=school_name)
        admin = _user(username, f"Quản trị {school_name.removeprefix('Trường ')}", password)
        role_grant(actor=None, user=admin, role=Role.SCHOOL_ADMIN, org_unit=school)

    school = OrgUnit.objects.get(name=PEOPLE_SCHOOL)
    school_class = SchoolClass.objects.select_related("homeroom_teacher").get(
        school=school, year__code=CURRENT_YEAR, name=PEOPLE_CLASS
    )
    staff = school_class.homeroom_teacher
    teacher = _user(TEACHER, staff.full_name, password)
    staff.user = teacher
    staff.save(update_fields=["user"])
    role_grant(actor=None, user=teacher, role=Role.TEACHER, org_unit=school)

    # A learner of that class who moved up from last year's class here (so last year is on
    # record, and its year results, when the grades are loaded, say promoted), whose parent has a
    # phone number: the guardian account is theirs.
    promoted = LearningResult.objects.filter(
        student=OuterRef("student"), year__code=PREVIOUS_YEAR, term=Period.YEAR, promoted=True
    )
    candidates = Enrollment.objects.filter(
        school_class=school_class,
        start_reason=EnrollmentStart.PROMOTION,
        end_date__isnull=True,
        student__status=StudentStatus.STUDYING,
        student__guardianship__guardian__phone__gt="",
    ).order_by("student__search_name", "student_id")
    enrollment = (
        candidates.filter(Exists(promoted)).select_related("student").first()
        or candidates.select_related("student").first()  # the demo without grades
    )
    learner = enrollment.student
    student_user = _user(STUDENT, learner.full_name, password)
    learner.user = student_user
    learner.save(update_fields=["user"])
    role_grant(actor=None, user=student_user, role=Role.STUDENT, org_unit=school)

    links = Guardianship.objects.filter(student=learner).exclude(guardian__phone="")
    link = min(
        links.select_related("guardian"),
        key=lambda g: (g.relationship != Relationship.MOTHER, g.pk),
    )
    parent = link.guardian
    guardian_user = _user(GUARDIAN, parent.full_name, password)
    parent.user = guardian_user
    parent.save(update_fields=["user"])
    role_grant(actor=None, user=guardian_user, role=Role.GUARDIAN, org_unit=school)
    return demo_accounts()


def demo_accounts() -> list[DemoAccount]:
    """The demo accounts that exist in this database, with their roles, in a fixed order."""
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
    assignments: dict[int, list[RoleAssignment]] = {}
    for assignment in RoleAssignment.objects.filter(user__in=users.values()).select_related(
        "org_unit"
    ):
        assignments.setdefault(assignment.user_id, []).append(assignment)
    rows = []
    still_demo: dict[str, bool] = {}  # encoded hash → matches the demo password (verify once)
    for username in DEMO_USERNAMES:
        user = users.get(username)
        if user is None:
            continue
        if user.password not in still_demo:
            still_demo[user.password] = check_password(DEMO_PASSWORD, user.password)
        password = DEMO_PASSWORD if still_demo[user.password] else _("(đã đổi)")
        granted = assignments.get(user.pk, [])
        if user.is_superuser:
            role, unit = _("Quản trị hệ thống (Django admin)"), "—"
        elif granted:
            role = ", ".join(str(a.get_role_display()) for a in granted)
            unit = ", ".join(f"{a.org_unit.name} ({a.org_unit.code})" for a in granted)
        else:
            role, unit = _("(chưa có vai trò)"), "—"
        if hasattr(user, "student") or hasattr(user, "guardian") or hasattr(user, "staff"):
            role = f"{role} — {user.full_name}"
        rows.append(DemoAccount(username, password, role, unit))
    return rows
