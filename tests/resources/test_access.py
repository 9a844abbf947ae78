"""Who sees which resource (resources/access.py)."""

from datetime import date

from hocso.accounts.models import Role
from hocso.accounts.services import role_grant
from hocso.orgs.models import OrgKind
from hocso.orgs.services import orgunit_move
from hocso.resources import access
from hocso.resources.models import ResourceStatus, Sharing
from tests.factories import UserFactory, make_school, make_unit

from .conftest import make_resource


def _titles(actor):
    return set(access.resources_visible(actor).values_list("title", flat=True))


def test_a_learner_sees_province_wide_and_own_school_published_resources(library, users):
    assert _titles(users.student_a) == {"Phân số và số thập phân"}


def test_a_school_c_admin_sees_their_school_shared_video_and_the_province_pdf(library, users):
    assert _titles(users.admin_c) == {"Phân số và số thập phân", "Thí nghiệm đo điện trở"}


def test_the_contributor_sees_their_drafts_and_submissions(library, users):
    assert {"Phiếu học tập Ngữ văn", "Sơ đồ phân số"} <= _titles(users.teacher_a)
    assert "Thí nghiệm đo điện trở" not in _titles(users.teacher_a)


def test_the_province_officer_sees_everything_in_the_province(library, users):
    assert len(_titles(users.province)) == 4


def test_an_outsider_sees_nothing(library, users):
    assert _titles(users.outsider) == set()


def test_reviewers_are_those_who_write_the_owning_unit(library, users):
    assert access.can_review(users.admin_a, library.submitted_a)
    assert access.can_review(users.province, library.submitted_a)
    assert not access.can_review(users.teacher_a, library.submitted_a)
    assert not access.can_review(users.admin_c, library.submitted_a)
    assert access.can_share_province(users.province, library.submitted_a.org_unit)
    assert not access.can_share_province(users.admin_a, library.submitted_a.org_unit)


def test_province_wide_sharing_stops_at_the_province_under_a_ministry(library, tree, users):
    ministry = make_unit("VN", "Bộ GD&ĐT", OrgKind.MINISTRY)
    other_province = make_unit("80", "Tỉnh Long An", OrgKind.PROVINCE, ministry)
    school = make_school("80000001", other_province)
    learner = UserFactory(username="hs_longan")
    role_grant(actor=None, user=learner, role=Role.STUDENT, org_unit=school)
    make_resource(
        title="Học liệu của Long An", org_unit=school,
        status=ResourceStatus.PUBLISHED, sharing=Sharing.PROVINCE,
    )  # fmt: skip
    orgunit_move(actor=None, unit=tree.province, new_parent=ministry, effective_on=date(2025, 1, 1))
    assert _titles(learner) == {"Học liệu của Long An"}
    assert "Học liệu của Long An" not in _titles(users.student_a)
    assert "Phân số và số thập phân" in _titles(users.student_a)
