"""Shared fixtures: a small province with two districts, three schools and a user per role."""

from types import SimpleNamespace

import pytest
from django.utils import translation

from hocso.accounts.models import Role
from hocso.accounts.services import role_grant
from hocso.orgs.models import OrgKind, SchoolType

from .factories import UserFactory, make_school, make_unit, make_year


@pytest.fixture
def year(db):
    return make_year("2025-2026")


@pytest.fixture
def tree(db):
    """84 Trà Vinh → 842 TP Trà Vinh → 28432 Phường 1 → school A (THCS), school B (Tiểu học);
    84 → 847 Trà Cú → 29161 Xã Phước Hưng → school C (THPT)."""
    province = make_unit("84", "Tỉnh Trà Vinh", OrgKind.PROVINCE)
    district1 = make_unit("842", "Thành phố Trà Vinh", OrgKind.DISTRICT, province)
    commune1 = make_unit("28432", "Phường 1", OrgKind.COMMUNE, district1)
    district2 = make_unit("847", "Huyện Trà Cú", OrgKind.DISTRICT, province)
    commune2 = make_unit("29161", "Xã Phước Hưng", OrgKind.COMMUNE, district2)
    school_a = make_school("84000001", commune1, SchoolType.LOWER_SECONDARY, "THCS Lý Tự Trọng")
    school_b = make_school("84000002", commune1, SchoolType.PRIMARY, "Tiểu học Phường 1")
    school_c = make_school("84000003", commune2, SchoolType.UPPER_SECONDARY, "THPT Trà Cú")
    return SimpleNamespace(
        province=province, district1=district1, commune1=commune1, district2=district2,
        commune2=commune2, school_a=school_a, school_b=school_b, school_c=school_c,
    )  # fmt: skip


def _user_with_role(username, role, unit):
    user = UserFactory(username=username)
    role_grant(actor=None, user=user, role=role, org_unit=unit)
    return user


@pytest.fixture
def users(tree):
    """One user per role; `outsider` has no role at all."""
    return SimpleNamespace(
        superuser=UserFactory(username="root", is_superuser=True, is_staff=True),
        province=_user_with_role("so_gddt", Role.PROVINCE_OFFICER, tree.province),
        district2=_user_with_role("phong_tracu", Role.DISTRICT_OFFICER, tree.district2),
        admin_a=_user_with_role("admin_a", Role.SCHOOL_ADMIN, tree.school_a),
        admin_c=_user_with_role("admin_c", Role.SCHOOL_ADMIN, tree.school_c),
        teacher_a=_user_with_role("teacher_a", Role.TEACHER, tree.school_a),
        student_a=_user_with_role("student_a", Role.STUDENT, tree.school_a),
        guardian_a=_user_with_role("guardian_a", Role.GUARDIAN, tree.school_a),
        outsider=UserFactory(username="outsider"),
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests that do not test hashing use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """A request made in English (LocaleMiddleware) leaves English active in the thread; reset
    it so the next test (a command's output, say) starts in the default language."""
    yield
    translation.deactivate()
